"""GeoDNS for the name servers of a delegated zone against moto on loopback: the module in-process, and
playbooks/geodns.yml through ansible-playbook (the fixtures of test_route53_playbook.py)."""

from __future__ import annotations

import copy

import pytest

from route53_moto import run_module, zone_records
from test_route53_playbook import INTENT, playbook  # noqa: F401  pylint: disable=unused-import

pytestmark = pytest.mark.integration

OWNER = "anycast-gdtest"
SA_EWR = {"pop": "ewr", "continent": "SA", "addresses": ["198.51.100.11", "198.51.100.12", "2001:db8:300::11"]}
ZA_FRA = {"pop": "fra-metal", "country": "ZA", "addresses": ["198.51.100.20", "2001:db8:500::20"]}
EWR = {"198.51.100.11", "198.51.100.12", "2001:db8:300::11"}


def ns_args(name, fallbacks, **overrides):
    base = dict(zone="example.com", name=name, owner=OWNER, ttl=60, default_addresses=["192.0.2.53",
                "2001:db8:100::53"], fallbacks=fallbacks, health_check={"protocol": "tcp", "port": 53})
    base.update(overrides)
    return base


def ours(zone):
    return {(r["Name"], r["Type"], r["SetIdentifier"]): r for r in zone_records(zone["client"], zone["id"])
            if (r.get("SetIdentifier") or "").startswith(OWNER + ":")}


def checks(zone):
    return {h["Id"]: h["HealthCheckConfig"] for h in zone["client"].list_health_checks()["HealthChecks"]}


def addresses_checked(zone):
    return {c.get("IPAddress") for c in checks(zone).values() if c["Type"] != "CALCULATED"}


def test_name_servers_share_tcp_checks_and_lose_a_pop_without_a_dangling_check(zone):
    for name in ("ns1.example.com", "ns2.example.com"):
        failed, result = run_module(ns_args(name, [SA_EWR, ZA_FRA]))
        assert not failed, result
    records = ours(zone)
    assert len(records) == 2 * 6  # ns1 and ns2: default, SA (ewr), ZA (fra-metal), each A and AAAA
    default = records[("ns1.example.com.", "A", OWNER + ":ns1:A:default")]
    assert [v["Value"] for v in default["ResourceRecords"]] == ["192.0.2.53"] and "HealthCheckId" not in default
    sa = records[("ns1.example.com.", "A", OWNER + ":ns1:A:continent-SA")]
    assert sorted(v["Value"] for v in sa["ResourceRecords"]) == ["198.51.100.11", "198.51.100.12"]
    have = checks(zone)
    calculated = have[sa["HealthCheckId"]]
    assert calculated["Type"] == "CALCULATED" and calculated["HealthThreshold"] == 1
    for child in calculated["ChildHealthChecks"]:
        assert (have[child]["Type"], have[child]["Port"], have[child].get("ResourcePath")) == ("TCP", 53, None)
    # ns2 reuses ns1's checks: 5 TCP checks (one per unicast address) and one calculated check for ewr's two
    # IPv4 addresses; nothing per name.
    assert records[("ns2.example.com.", "A", OWNER + ":ns2:A:continent-SA")]["HealthCheckId"] == sa["HealthCheckId"]
    assert len(have) == 6

    # ewr leaves the intent: ns1 first. ns2 still uses ewr's checks, so they stay; after ns2 they go.
    failed, result = run_module(ns_args("ns1.example.com", [ZA_FRA]))
    assert not failed and result["changed"], result
    assert not [r for r in ours(zone) if r[0] == "ns1.example.com." and "continent-SA" in r[2]]
    assert EWR <= addresses_checked(zone) and result["deleted_health_checks"] == []
    failed, result = run_module(ns_args("ns2.example.com", [ZA_FRA]), check_mode=True)
    assert not failed and result["changed"] and len(result["deleted_health_checks"]) == 4, result
    assert EWR <= addresses_checked(zone)  # check mode changed nothing
    failed, result = run_module(ns_args("ns2.example.com", [ZA_FRA]))
    assert not failed and len(result["deleted_health_checks"]) == 4, result
    assert not EWR & addresses_checked(zone)
    left = {v["Value"] for r in ours(zone).values() for v in r["ResourceRecords"]}
    assert not EWR & left and {"198.51.100.20", "192.0.2.53"} <= left


def delegated(intent):
    intent = copy.deepcopy(intent)
    intent["services"]["dns"]["zones"] = [{"name": "dns.example.com"}]
    intent["services"]["dns"]["nameservers"] = ["ns1.example.com", "ns2.example.com"]
    return intent


def test_playbook_makes_name_server_records_and_removes_a_pop_before_its_instances(zone, playbook):  # noqa: F811
    rc, out = playbook(delegated(INTENT))
    assert rc == 0, out
    records = ours(zone)
    names = {key[0] for key in records}
    assert names == {"www.example.com.", "api.example.com.", "ns1.example.com.", "ns2.example.com."}
    ns_za = records[("ns1.example.com.", "AAAA", OWNER + ":ns1:AAAA:country-ZA")]
    assert [v["Value"] for v in ns_za["ResourceRecords"]] == ["2001:db8:500::20"]
    tcp = {c["Port"] for c in checks(zone).values() if c["Type"] == "TCP"}
    http = {c["Port"] for c in checks(zone).values() if c["Type"] == "HTTP"}
    assert (tcp, http) == ({53}, {80})
    assert "ns1.example.com: continent-SA, country-ZA fallback region(s) to unicast" in out

    # The PoP leaves the intent while its instances are still in the inventory (they go after this step).
    gone = delegated(INTENT)
    del gone["pops"]["ewr"]
    rc, out = playbook(gone, "--check", "--diff")
    assert rc == 0 and "changed=" in out, out
    assert EWR <= addresses_checked(zone)
    rc, out = playbook(gone)
    assert rc == 0, out
    left = {v["Value"] for r in ours(zone).values() for v in r["ResourceRecords"]}
    assert not EWR & left and not EWR & addresses_checked(zone)
    assert ("ns2.example.com.", "A", OWNER + ":ns2:A:country-ZA") in ours(zone)

"""playbooks/geodns.yml through ansible-playbook, with a small static inventory, against moto on loopback."""

from __future__ import annotations

import copy
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from route53_moto import ROOT, zone_records

pytestmark = pytest.mark.integration

ANSIBLE_PLAYBOOK = Path(sys.executable).with_name("ansible-playbook")
SECRET = "wJalrXUtnFEMI-do-not-print-me"
OWNER = "anycast-gdtest"

INTENT = {
    "network": "gdtest",
    "services": {
        "web": {"kind": "web", "addresses": ["192.0.2.80", "2001:db8:100::80"], "hostnames": ["www.example.com"],
                "health_path": "/healthz"},
        "dns": {"kind": "dns", "addresses": ["192.0.2.53", "2001:db8:100::53"]},
    },
    "pops": {
        "ewr": {"provider": "static", "geodns_fallback": [{"continent": "SA"}]},
        "fra-metal": {"provider": "static", "geodns_fallback": [{"country": "ZA"}]},
        "mia": {"provider": "static"},
    },
    "geodns": {"zone": "example.com", "hostnames": ["www.example.com", "api.example.com"], "ttl": 60},
}
HOSTS = {
    "ewr": {"ewr-1": {"anycast_address": "198.51.100.11", "anycast_address6": "2001:db8:300::11"},
            "ewr-2": {"anycast_address": "198.51.100.12", "anycast_address6": ""}},
    "fra-metal": {"fra-metal-1": {"anycast_address": "198.51.100.20", "anycast_address6": "2001:db8:500::20"}},
    "mia": {"mia-1": {"anycast_address": "198.51.100.61", "anycast_address6": ""}},
}


def write_inventory(path, intent):
    pops = {}
    for pop, hosts in HOSTS.items():
        pops["pop_" + pop.replace("-", "_")] = {"hosts": {name: dict(hv, anycast_pop=pop, ansible_host=hv["anycast_address"])
                                        for name, hv in hosts.items()}}
    inventory = {"all": {"vars": {"anycast_intent": intent},
                         "children": {"anycast_instances": {"children": pops}}}}
    path.write_text(yaml.safe_dump(inventory, sort_keys=False))
    return path


@pytest.fixture
def playbook(zone, tmp_path):
    env = dict(os.environ)
    env.update(AWS_SECRET_ACCESS_KEY=SECRET, ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"), ANSIBLE_NOCOLOR="1",
               ANSIBLE_FORCE_COLOR="0", PATH=str(ANSIBLE_PLAYBOOK.parent) + os.pathsep + env.get("PATH", ""))

    def run(intent, *extra):
        inventory = write_inventory(tmp_path / "hosts.yml", intent)
        proc = subprocess.run(
            [str(ANSIBLE_PLAYBOOK), "-v", "-i", str(inventory), "playbooks/geodns.yml", *extra],
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
        )
        output = proc.stdout + proc.stderr
        assert SECRET not in output
        return proc.returncode, output

    return run


def ours(zone):
    return {(r["Name"], r["Type"], r["SetIdentifier"]): r for r in zone_records(zone["client"], zone["id"])
            if (r.get("SetIdentifier") or "").startswith(OWNER + ":")}


def others(zone):
    return [r for r in zone_records(zone["client"], zone["id"])
            if not (r.get("SetIdentifier") or "").startswith(OWNER + ":")]


def test_playbook_lifecycle(zone, playbook):
    moto = zone["moto"]
    before_others = others(zone)

    rc, out = playbook(INTENT)
    assert rc == 0, out
    records = ours(zone)
    assert len(records) == 2 * 6  # www and api: default, SA (ewr) and ZA (fra), each A and AAAA
    sa = records[("www.example.com.", "A", OWNER + ":www:A:continent-SA")]
    assert sorted(v["Value"] for v in sa["ResourceRecords"]) == ["198.51.100.11", "198.51.100.12"]
    default6 = records[("api.example.com.", "AAAA", OWNER + ":api:AAAA:default")]
    assert [v["Value"] for v in default6["ResourceRecords"]] == ["2001:db8:100::80"]
    checks = zone["client"].list_health_checks()["HealthChecks"]
    paths = {c["HealthCheckConfig"].get("ResourcePath") for c in checks if c["HealthCheckConfig"]["Type"] == "HTTP"}
    assert paths == {"/healthz"}  # the web service's health_path
    assert "www.example.com: continent-SA, country-ZA fallback region(s) to unicast" in out

    moto.reset_recording()
    rc, out = playbook(INTENT)
    assert rc == 0 and "changed=0" in out, out
    assert moto.change_requests() == []

    moved = copy.deepcopy(INTENT)
    del moved["pops"]["ewr"]["geodns_fallback"]
    moved["pops"]["mia"]["geodns_fallback"] = [{"continent": "SA"}]
    rc, out = playbook(moved, "--check", "--diff")
    assert rc == 0 and "changed=1" in out, out
    assert moto.change_requests() == []

    rc, out = playbook(moved)
    assert rc == 0 and "changed=1" in out, out
    sa = ours(zone)[("www.example.com.", "A", OWNER + ":www:A:continent-SA")]
    assert [v["Value"] for v in sa["ResourceRecords"]] == ["198.51.100.61"]
    assert ("www.example.com.", "AAAA", OWNER + ":www:AAAA:continent-SA") not in ours(zone)  # mia has no IPv6
    assert others(zone) == before_others

    rc, out = playbook(moved, "-e", "anycast_geodns_state=absent")
    assert rc == 0, out
    assert ours(zone) == {} and zone["client"].list_health_checks()["HealthChecks"] == []
    assert others(zone) == before_others


def test_playbook_skips_cleanly(zone, playbook):
    moto = zone["moto"]
    no_fallback = copy.deepcopy(INTENT)
    for pop in no_fallback["pops"].values():
        pop.pop("geodns_fallback", None)
    rc, out = playbook(no_fallback)
    assert rc == 0 and "GeoDNS skipped: no PoP has geodns_fallback" in out, out
    no_geodns = copy.deepcopy(INTENT)
    del no_geodns["geodns"]
    rc, out = playbook(no_geodns)
    assert rc == 0 and "GeoDNS skipped: the intent has no geodns section" in out, out
    assert moto.requests() == []


def test_playbook_bad_location_fails_before_any_change(zone, playbook):
    bad = copy.deepcopy(INTENT)
    bad["pops"]["fra-metal"]["geodns_fallback"] = [{"country": "BR", "subdivision": "SP"}]
    rc, out = playbook(bad)
    assert rc != 0
    assert "subdivision SP needs country US" in out, out
    assert zone["moto"].change_requests() == []

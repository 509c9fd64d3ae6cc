"""anycast.network.route53_geo run in-process (tests/module_runner.py) against moto in server mode on loopback."""

from __future__ import annotations

import pytest

from route53_moto import run_module, zone_records

from ansible_collections.anycast.network.plugins.module_utils.route53 import client as route53_utils

pytestmark = pytest.mark.integration

OWNER = "anycast-it"
SA_EWR = {"pop": "ewr", "continent": "SA", "addresses": ["198.51.100.11", "198.51.100.12", "2001:db8:300::11"]}
ZA_FRA = {"pop": "fra", "country": "ZA", "addresses": ["198.51.100.20"]}
SA_MIA = {"pop": "mia", "continent": "SA", "addresses": ["198.51.100.61", "2001:db8:400::61"]}


def args(**overrides):
    base = dict(zone="example.com", name="www.example.com", owner=OWNER, ttl=60,
                default_addresses=["192.0.2.80", "2001:db8:100::80"], fallbacks=[SA_EWR, ZA_FRA],
                health_check={"protocol": "http", "path": "/healthz"})
    base.update(overrides)
    return base


def ours(zone, name="www.example.com."):
    return {(r["Type"], r["SetIdentifier"]): r for r in zone_records(zone["client"], zone["id"])
            if r["Name"] == name and (r.get("SetIdentifier") or "").startswith(OWNER + ":")}


def foreign_state(zone):
    return sorted((r for r in zone_records(zone["client"], zone["id"])
                   if not (r.get("SetIdentifier") or "").startswith(OWNER + ":")),
                  key=lambda r: (r["Name"], r["Type"], r.get("SetIdentifier") or ""))


def health_checks(zone):
    return {h["Id"]: h for h in zone["client"].list_health_checks()["HealthChecks"]}


def values(rrset):
    return sorted(v["Value"] for v in rrset["ResourceRecords"])


def test_create_rerun_change_remove(zone):
    moto = zone["moto"]
    others_before = foreign_state(zone)

    failed, result = run_module(args())
    assert not failed, result
    assert result["changed"]
    records = ours(zone)
    assert set(records) == {
        ("A", OWNER + ":www:A:default"), ("AAAA", OWNER + ":www:AAAA:default"),
        ("A", OWNER + ":www:A:continent-SA"), ("AAAA", OWNER + ":www:AAAA:continent-SA"),
        ("A", OWNER + ":www:A:country-ZA"),
    }
    default_a = records[("A", OWNER + ":www:A:default")]
    assert default_a["GeoLocation"] == {"CountryCode": "*"} and values(default_a) == ["192.0.2.80"]
    assert "HealthCheckId" not in default_a
    sa_a = records[("A", OWNER + ":www:A:continent-SA")]
    assert values(sa_a) == ["198.51.100.11", "198.51.100.12"] and sa_a["TTL"] == 60
    checks = health_checks(zone)
    # Two instances: a calculated check (healthy while any is) over one HTTP check per address.
    sa_check = checks[sa_a["HealthCheckId"]]["HealthCheckConfig"]
    assert sa_check["Type"] == "CALCULATED" and sa_check["HealthThreshold"] == 1
    children = {checks[c]["HealthCheckConfig"]["IPAddress"] for c in sa_check["ChildHealthChecks"]}
    assert children == {"198.51.100.11", "198.51.100.12"}
    za_check = checks[records[("A", OWNER + ":www:A:country-ZA")]["HealthCheckId"]]["HealthCheckConfig"]
    assert (za_check["Type"], za_check["IPAddress"], za_check["Port"], za_check["ResourcePath"]) == (
        "HTTP", "198.51.100.20", 80, "/healthz")
    aaaa_check = checks[records[("AAAA", OWNER + ":www:AAAA:continent-SA")]["HealthCheckId"]]["HealthCheckConfig"]
    assert aaaa_check["IPAddress"] == "2001:db8:300::11"
    assert len(checks) == 5 and all(h["CallerReference"].startswith(OWNER + ":") for h in checks.values())
    assert foreign_state(zone) == others_before

    # Re-run: nothing changes, and not a single write reaches the API.
    moto.reset_recording()
    failed, result = run_module(args())
    assert not failed and not result["changed"], result
    assert result["changes"] == [] and result["created_health_checks"] == [] and result["deleted_health_checks"] == []
    assert moto.change_requests() == []
    assert moto.requests(), "the re-run should have read the zone"

    # South America moves from New York to Miami: records follow, New York's checks go.
    failed, result = run_module(args(fallbacks=[SA_MIA, ZA_FRA]))
    assert not failed and result["changed"], result
    records = ours(zone)
    assert values(records[("A", OWNER + ":www:A:continent-SA")]) == ["198.51.100.61"]
    assert values(records[("AAAA", OWNER + ":www:AAAA:continent-SA")]) == ["2001:db8:400::61"]
    checks = health_checks(zone)
    addresses = sorted(h["HealthCheckConfig"].get("IPAddress", "calc") for h in checks.values())
    assert addresses == ["198.51.100.20", "198.51.100.61", "2001:db8:400::61"]
    assert len(result["deleted_health_checks"]) == 4  # two HTTP + one calculated (A), one HTTP (AAAA)
    assert foreign_state(zone) == others_before

    # South Africa is dropped from the intent: its record and its check are removed, nothing else.
    failed, result = run_module(args(fallbacks=[SA_MIA]))
    assert not failed and result["changed"], result
    assert [c["action"] for c in result["changes"]] == ["DELETE"]
    records = ours(zone)
    assert ("A", OWNER + ":www:A:country-ZA") not in records and len(records) == 4
    assert sorted(h["HealthCheckConfig"]["IPAddress"] for h in health_checks(zone).values()) == [
        "198.51.100.61", "2001:db8:400::61"]
    assert foreign_state(zone) == others_before

    # state=absent removes every owned record of the name and the checks nothing uses.
    failed, result = run_module(args(state="absent", fallbacks=[]))
    assert not failed and result["changed"], result
    assert ours(zone) == {} and health_checks(zone) == {}
    assert foreign_state(zone) == others_before


def test_check_mode_changes_nothing(zone):
    moto = zone["moto"]
    before = zone_records(zone["client"], zone["id"])
    failed, result = run_module(args(), check_mode=True, diff=True)
    assert not failed and result["changed"], result
    assert {c["action"] for c in result["changes"]} == {"UPSERT"} and len(result["changes"]) == 5
    assert len(result["created_health_checks"]) == 5
    assert result["diff"]["before"]["records"] == [] and len(result["diff"]["after"]["records"]) == 5
    assert moto.change_requests() == []
    assert zone_records(zone["client"], zone["id"]) == before and health_checks(zone) == {}

    # Against an existing set-up, check mode predicts a PoP change without making it.
    assert not run_module(args())[0]
    snapshot, checks = zone_records(zone["client"], zone["id"]), health_checks(zone)
    moto.reset_recording()
    failed, result = run_module(args(fallbacks=[SA_MIA]), check_mode=True, diff=True)
    assert not failed and result["changed"]
    assert sorted(c["action"] for c in result["changes"]) == ["DELETE", "UPSERT", "UPSERT"]
    assert len(result["deleted_health_checks"]) == 5
    assert moto.change_requests() == []
    assert zone_records(zone["client"], zone["id"]) == snapshot and health_checks(zone) == checks


def test_records_of_others_conflicting_are_refused_before_any_change(zone):
    moto, client = zone["moto"], zone["client"]
    client.change_resource_record_sets(HostedZoneId=zone["id"], ChangeBatch={"Changes": [
        {"Action": "CREATE", "ResourceRecordSet": {"Name": "www.example.com", "Type": "A", "TTL": 300,
                                                    "ResourceRecords": [{"Value": "198.51.100.99"}]}},
        {"Action": "CREATE", "ResourceRecordSet": {"Name": "api.example.com", "Type": "AAAA", "TTL": 60,
                                                    "SetIdentifier": "their-za", "GeoLocation": {"CountryCode": "ZA"},
                                                    "ResourceRecords": [{"Value": "2001:db8::99"}]}},
    ]})
    moto.reset_recording()
    failed, result = run_module(args())
    assert failed and "is not a geolocation record" in result["msg"], result
    failed, result = run_module(args(name="api.example.com",
                                     fallbacks=[dict(ZA_FRA, addresses=["198.51.100.20", "2001:db8:500::20"])]))
    assert failed and "already has a geolocation record for {'CountryCode': 'ZA'}" in result["msg"], result
    assert moto.change_requests() == []
    assert health_checks(zone) == {}


def test_bad_input_makes_no_request_at_all(zone):
    moto = zone["moto"]
    for bad in (
        [{"pop": "gru", "continent": "SA", "country": "BR", "addresses": ["198.51.100.1"]}],
        [{"pop": "gru", "country": "BR", "subdivision": "SP", "addresses": ["198.51.100.1"]}],
        [{"pop": "gru", "continent": "LA", "addresses": ["198.51.100.1"]}],
        [{"pop": "gru", "country": "XX", "addresses": ["198.51.100.1"]}],
        [SA_EWR, dict(SA_MIA, continent="sa")],
    ):
        failed, result = run_module(args(fallbacks=bad))
        assert failed and result["msg"].startswith("GeoDNS input rejected before any change"), result
    failed, result = run_module(args(ttl=0))
    assert failed and "ttl" in result["msg"]
    assert moto.requests() == []


def test_health_check_that_does_not_exist(zone):
    moto = zone["moto"]
    failed, result = run_module(args(fallbacks=[dict(ZA_FRA, health_check_id="0b7e4a43-0000-4000-8000-000000000000")]))
    assert failed and "health check 0b7e4a43-0000-4000-8000-000000000000 does not exist" in result["msg"], result
    assert moto.change_requests() == []

    own = zone["client"].create_health_check(CallerReference="mine-1", HealthCheckConfig={
        "Type": "TCP", "IPAddress": "198.51.100.20", "Port": 443})["HealthCheck"]["Id"]
    failed, result = run_module(args(fallbacks=[dict(ZA_FRA, health_check_id=own)]))
    assert not failed, result
    assert ours(zone)[("A", OWNER + ":www:A:country-ZA")]["HealthCheckId"] == own
    # A check the collection does not own is never deleted, even once unused.
    assert not run_module(args(fallbacks=[]))[0]
    assert own in health_checks(zone)


def test_health_checks_shared_between_hostnames_survive(zone):
    assert not run_module(args())[0]
    assert not run_module(args(name="api.example.com"))[0]
    assert len(health_checks(zone)) == 5  # shared, not duplicated
    # Removing the fallbacks of www leaves the checks that api still uses.
    failed, result = run_module(args(fallbacks=[]))
    assert not failed and result["deleted_health_checks"] == []
    assert len(health_checks(zone)) == 5
    records = ours(zone, "api.example.com.")
    assert all(r["HealthCheckId"] in health_checks(zone) for r in records.values() if "HealthCheckId" in r)
    # Once api lets go too, they are gone.
    failed, result = run_module(args(name="api.example.com", fallbacks=[]))
    assert not failed and len(result["deleted_health_checks"]) == 5 and health_checks(zone) == {}


def test_paging_through_a_large_zone(zone, monkeypatch):
    client = zone["client"]
    client.change_resource_record_sets(HostedZoneId=zone["id"], ChangeBatch={"Changes": [
        {"Action": "CREATE", "ResourceRecordSet": {"Name": "h%03d.example.com" % i, "Type": "A", "TTL": 300,
                                                    "ResourceRecords": [{"Value": "198.51.100.%d" % (i % 250 + 1)}]}}
        for i in range(60)]})
    monkeypatch.setattr(route53_utils, "RECORD_PAGE_SIZE", 7)
    assert not run_module(args())[0]
    zone["moto"].reset_recording()
    failed, result = run_module(args())
    assert not failed and not result["changed"], result
    pages = [r for r in zone["moto"].requests() if "/rrset" in r[1]]
    assert len(pages) > 8
    assert zone["moto"].change_requests() == []


def test_ttl_and_health_check_changes_are_applied(zone):
    assert not run_module(args())[0]
    failed, result = run_module(args(ttl=120, health_check={"protocol": "tcp", "port": 443}))
    assert not failed and result["changed"]
    records = ours(zone)
    assert {r["TTL"] for r in records.values()} == {120}
    configs = [h["HealthCheckConfig"] for h in health_checks(zone).values() if "IPAddress" in h["HealthCheckConfig"]]
    assert {(c["Type"], c["Port"]) for c in configs} == {("TCP", 443)} and len(configs) == 4


def test_unknown_zone(zone):
    failed, result = run_module(args(zone="example.org", name="www.example.org"))
    assert failed and "no public Route53 hosted zone named example.org" in result["msg"]
    assert zone["moto"].change_requests() == []


def test_other_owners_records_in_the_same_group_are_never_touched(zone):
    """Another network (another owner prefix) with its own geolocation record under the same name and type."""
    theirs = {"Name": "www.example.com.", "Type": "A", "TTL": 60, "SetIdentifier": "anycast-itx:www:A:continent-EU",
              "GeoLocation": {"ContinentCode": "EU"}, "ResourceRecords": [{"Value": "198.51.100.77"}]}
    zone["client"].change_resource_record_sets(HostedZoneId=zone["id"], ChangeBatch={"Changes": [
        {"Action": "CREATE", "ResourceRecordSet": theirs}]})
    assert not run_module(args())[0]
    assert not run_module(args(fallbacks=[SA_MIA]))[0]
    failed, result = run_module(args(state="absent", fallbacks=[]))
    assert not failed and result["changed"]
    left = [r for r in zone_records(zone["client"], zone["id"]) if r["Name"] == "www.example.com."]
    assert left == [theirs]


def test_health_checks_can_be_turned_off(zone):
    assert not run_module(args())[0]
    failed, result = run_module(args(health_check={"enabled": False}))
    assert not failed and result["changed"]
    assert all("HealthCheckId" not in r for r in ours(zone).values())
    assert len(result["deleted_health_checks"]) == 5 and health_checks(zone) == {}

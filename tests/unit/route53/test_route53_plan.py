"""GeoDNS input checks: everything Route53 would reject (and moto accepts) is refused before any API call."""

from __future__ import annotations

import pytest

from ansible_collections.anycast.network.plugins.module_utils.route53 import geo_codes
from ansible_collections.anycast.network.plugins.module_utils.route53.geo import (
    Route53GeoError,
    build_plan,
    rrset_comparable,
    rrset_to_api,
    set_identifier,
    zone_conflicts,
)


def params(**overrides):
    base = dict(
        zone="example.com",
        name="www.example.com",
        state="present",
        ttl=60,
        owner="anycast-test",
        default_addresses=["192.0.2.80", "2001:db8:100::80"],
        fallbacks=[
            {"pop": "ewr", "continent": "SA", "addresses": ["198.51.100.12", "198.51.100.11", "2001:db8:300::11"]},
            {"pop": "fra", "country": "za", "addresses": ["198.51.100.20"]},
        ],
        health_check={"enabled": True, "protocol": "http", "path": "/healthz", "request_interval": 30,
                      "failure_threshold": 3},
    )
    base.update(overrides)
    return base


def errors_of(**overrides):
    with pytest.raises(Route53GeoError) as exc:
        build_plan(params(**overrides))
    return exc.value.errors


def test_plan_has_default_and_fallback_records_per_type():
    plan = build_plan(params())
    got = {(r["Type"], r["key"]): r for r in plan["records"]}
    assert set(got) == {("A", "default"), ("AAAA", "default"), ("A", "continent-SA"), ("AAAA", "continent-SA"),
                        ("A", "country-ZA")}
    assert got[("A", "default")]["GeoLocation"] == {"CountryCode": "*"}
    assert got[("A", "continent-SA")]["values"] == ["198.51.100.11", "198.51.100.12"]
    assert got[("A", "country-ZA")]["GeoLocation"] == {"CountryCode": "ZA"}
    assert got[("AAAA", "continent-SA")]["SetIdentifier"] == "anycast-test:www:AAAA:continent-SA"
    assert len({r["SetIdentifier"] for r in plan["records"]}) == len(plan["records"])
    # fra has no IPv6: its region keeps the anycast AAAA answer, and the operator is told.
    assert any("no IPv6 unicast address" in w for w in plan["warnings"])


def test_us_subdivision_record():
    plan = build_plan(params(fallbacks=[{"pop": "lax", "country": "US", "subdivision": "ca",
                                         "addresses": ["198.51.100.50"]}]))
    record = [r for r in plan["records"] if r["key"] != "default"][0]
    assert record["GeoLocation"] == {"CountryCode": "US", "SubdivisionCode": "CA"}
    assert record["key"] == "country-US-CA"


@pytest.mark.parametrize("fallback, needle", [
    ({"continent": "SA", "country": "BR"}, "continent or a country, not both"),
    ({}, "give a location"),
    ({"country": "BR", "subdivision": "SP"}, "needs country US"),
    ({"continent": "SA", "subdivision": "CA"}, "not both"),
    ({"continent": "XX"}, "not a continent code"),
    ({"continent": "EA"}, "not a continent code"),
    ({"country": "UK"}, "not an ISO 3166-1 alpha-2 country code"),
    ({"country": "ZZ"}, "not an ISO 3166-1 alpha-2 country code"),
    ({"country": "*"}, "default record"),
    ({"country": "US", "subdivision": "PR"}, "not a US state code"),
])
def test_bad_locations(fallback, needle):
    fb = dict(fallback, pop="ewr", addresses=["198.51.100.11"])
    errors = errors_of(fallbacks=[fb])
    assert any(needle in e for e in errors), errors
    assert all(e.startswith("fallbacks[0] (PoP ewr)") for e in errors)


def test_one_record_per_location():
    errors = errors_of(fallbacks=[
        {"pop": "ewr", "continent": "SA", "addresses": ["198.51.100.11"]},
        {"pop": "mia", "continent": "sa", "addresses": ["198.51.100.60"]},
    ])
    assert errors == ["fallbacks[1] (PoP mia) and fallbacks[0] (PoP ewr) both claim continent SA (South America): "
                      "Route53 allows one record per location per name and type"]


@pytest.mark.parametrize("overrides, needle", [
    (dict(ttl=0), "ttl"),
    (dict(ttl=86401), "ttl"),
    (dict(ttl=None), "ttl"),
    (dict(default_addresses=[]), "default_addresses"),
    (dict(default_addresses=["192.0.2.300"]), "not an IPv4 or IPv6 address"),
    (dict(name="www.example.net"), "not inside the zone"),
    (dict(owner="bad owner!"), "owner"),
    (dict(owner=""), "owner"),
    (dict(health_check={"protocol": "tcp", "path": "/healthz"}), "applies to http and https"),
    (dict(health_check={"protocol": "http", "path": "healthz"}), "must start with '/'"),
    (dict(health_check={"request_interval": 20}), "10 or 30"),
    (dict(health_check={"failure_threshold": 11}), "1-10"),
    (dict(health_check={"port": 70000}), "1-65535"),
])
def test_bad_parameters(overrides, needle):
    errors = errors_of(**overrides)
    assert any(needle in e for e in errors), errors


def test_fallback_address_problems():
    errors = errors_of(fallbacks=[
        {"pop": "ewr", "continent": "SA", "addresses": []},
        {"pop": "jnb", "country": "ZA", "addresses": ["192.0.2.80"]},
        {"pop": "gru", "country": "BR", "addresses": ["10.1.2.3"]},
        {"pop": "hkg", "country": "HK", "addresses": ["fe80::1"]},
    ])
    text = "\n".join(errors)
    assert "fallbacks[0] (PoP ewr): no unicast address" in text
    assert "192.0.2.80 is an anycast address of the service" in text
    assert "10.1.2.3 is in 10.0.0.0/8" in text
    assert "fe80::1 is in fe80::/10" in text


def test_private_addresses_are_fine_without_health_checks():
    plan = build_plan(params(health_check={"enabled": False},
                             fallbacks=[{"pop": "gru", "country": "BR", "addresses": ["10.1.2.3"]}]))
    assert [r["values"] for r in plan["records"] if r["key"] == "country-BR"] == [["10.1.2.3"]]


def test_all_errors_reported_at_once():
    errors = errors_of(ttl=0, fallbacks=[
        {"pop": "a", "continent": "SA", "country": "BR", "addresses": ["198.51.100.1"]},
        {"pop": "b", "country": "BR", "subdivision": "SP", "addresses": ["198.51.100.2"]},
    ])
    assert len(errors) == 3


def test_ttl_guidance_warnings():
    assert any("60-300 s is advised" in w for w in build_plan(params(ttl=3600))["warnings"])
    assert any("60 s is advised" in w for w in build_plan(params(ttl=5))["warnings"])
    assert not [w for w in build_plan(params(ttl=60))["warnings"] if "ttl" in w]


def test_absent_needs_no_addresses():
    plan = build_plan(params(state="absent", default_addresses=None, fallbacks=[]))
    assert plan["records"] == []


def test_set_identifier_stays_within_route53_limit():
    label = ".".join(["a" * 60] * 3)
    ident = set_identifier("anycast-test", label, "AAAA", "country-US-CA")
    assert len(ident) <= 128 and ident.startswith("anycast-test:") and ident.endswith(":AAAA:country-US-CA")


def test_apex_label():
    plan = build_plan(params(name="example.com."))
    assert plan["records"][0]["SetIdentifier"].startswith("anycast-test:@:")


def test_geo_codes_are_complete():
    assert len(geo_codes.COUNTRIES) == 249
    assert set(geo_codes.CONTINENTS) == {"AF", "AN", "AS", "EU", "NA", "OC", "SA"}
    assert {"ZA", "BR", "US", "UA", "GB", "AQ", "XK"} & set(geo_codes.COUNTRIES) == {"ZA", "BR", "US", "UA", "GB",
                                                                                      "AQ"}
    assert len(geo_codes.US_SUBDIVISIONS) == 51 and "DC" in geo_codes.US_SUBDIVISIONS


def test_zone_conflicts_with_records_of_others():
    plan = build_plan(params())
    zone = [
        {"Name": "www.example.com.", "Type": "A", "TTL": 300, "ResourceRecords": [{"Value": "198.51.100.99"}]},
        {"Name": "www.example.com.", "Type": "AAAA", "SetIdentifier": "theirs-sa", "TTL": 60,
         "GeoLocation": {"ContinentCode": "SA"}, "ResourceRecords": [{"Value": "2001:db8::99"}]},
        {"Name": "www.example.com.", "Type": "TXT", "TTL": 300, "ResourceRecords": [{"Value": '"hello"'}]},
        {"Name": "shop.example.com.", "Type": "A", "TTL": 300, "ResourceRecords": [{"Value": "198.51.100.98"}]},
        # Our own records are never conflicts.
        {"Name": "www.example.com.", "Type": "A", "SetIdentifier": "anycast-test:www:A:default", "TTL": 60,
         "GeoLocation": {"CountryCode": "*"}, "ResourceRecords": [{"Value": "192.0.2.1"}]},
    ]
    errors = zone_conflicts(plan, zone)
    assert len(errors) == 2
    assert "www.example.com A already has a record that is not a geolocation record" in errors[0]
    assert "geolocation record for {'ContinentCode': 'SA'}" in errors[1]
    cname = [{"Name": "www.example.com.", "Type": "CNAME", "TTL": 300, "ResourceRecords": [{"Value": "x."}]}]
    assert "CNAME" in zone_conflicts(plan, cname)[0]


def test_comparison_ignores_order_and_address_spelling():
    plan = build_plan(params())
    record = [r for r in plan["records"] if r["Type"] == "AAAA" and r["key"] == "continent-SA"][0]
    wanted = rrset_to_api(record, "hc-1")
    listed = dict(wanted, Name="www.example.com.", ResourceRecords=[{"Value": "2001:0db8:0300:0000::0011"}])
    assert rrset_comparable(listed) == rrset_comparable(wanted)
    assert rrset_comparable(dict(wanted, TTL=300)) != rrset_comparable(wanted)
    assert rrset_comparable(dict(wanted, HealthCheckId="hc-2")) != rrset_comparable(wanted)


def test_a_name_server_plan_checks_tcp_53_without_a_path():
    plan = build_plan(params(name="ns1.example.com", default_addresses=["192.0.2.53"],
                             health_check={"enabled": True, "protocol": "tcp", "port": 53, "request_interval": 30,
                                           "failure_threshold": 3}))
    assert plan["health_check"]["template"] == {"Type": "TCP", "Port": 53, "RequestInterval": 30,
                                                "FailureThreshold": 3}
    assert {r["SetIdentifier"] for r in plan["records"]} >= {"anycast-test:ns1:A:default",
                                                            "anycast-test:ns1:A:continent-SA"}
    assert "tcp" in " ".join(errors_of(name="ns1.example.com", health_check={"protocol": "tcp", "port": 53,
                                                                            "path": "/"}))

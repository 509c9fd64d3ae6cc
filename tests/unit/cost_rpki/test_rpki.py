"""Route origin validation of our announcements and the ROAs that fix them (plugins/module_utils/rpki/roa.py)."""

import pytest

from ansible_collections.anycast.network.plugins.module_utils.rpki import roa

ASN = 64500


def vrp(prefix, max_length, asn):
    return roa.roa(prefix, max_length, asn)


def one(prefix, roas, origin=ASN):
    return roa.check([{"prefix": prefix, "origin": origin, "path": "prefixes[0]", "kind": "prefix"}], roas)[0]


def test_exact_prefix_and_origin_is_valid():
    entry = one("203.0.113.0/24", [vrp("203.0.113.0/24", 24, ASN)])
    assert entry["state"] == roa.VALID and entry["fix"] is None
    assert "203.0.113.0/24 max /24 AS64500" in entry["reason"]


def test_a_covering_aggregate_with_room_in_max_length_is_valid():
    assert one("203.0.113.0/24", [vrp("203.0.112.0/22", 24, ASN)])["state"] == roa.VALID


def test_nothing_covers_is_not_found_and_the_fix_is_the_minimal_roa():
    entry = one("2001:db8:ac00::/48", [vrp("203.0.113.0/24", 24, ASN), vrp("2001:db8:ff00::/40", 48, ASN)])
    assert entry["state"] == roa.NOT_FOUND
    assert entry["fix"] == {"prefix": "2001:db8:ac00::/48", "max_length": 48, "asn": ASN}
    assert roa.fix_text(entry) == "create a ROA: prefix 2001:db8:ac00::/48, max length 48, origin AS64500"


def test_max_length_too_short_on_an_aggregate_is_invalid_and_gets_its_own_roa():
    entry = one("203.0.113.0/24", [vrp("203.0.112.0/22", 22, ASN)])
    assert entry["state"] == roa.INVALID
    assert "allows at most /22, it is a /24" in entry["reason"]
    assert entry["fix"] == {"prefix": "203.0.113.0/24", "max_length": 24, "asn": ASN}


def test_host_routes_need_max_length_32_and_128():
    route = "198.51.100.20/32"
    entry = one(route, [vrp("198.51.100.20/32", 32, ASN)])
    assert entry["state"] == roa.VALID
    entry = one(route, [vrp("198.51.100.0/24", 24, ASN)])
    assert entry["state"] == roa.INVALID and "it is a /32" in entry["reason"]
    assert roa.fix_text(entry) == "create a ROA: prefix 198.51.100.20/32, max length 32, origin AS64500"
    v6 = one("2001:db8:1::20/128", [vrp("2001:db8:1::/48", 64, ASN)])
    assert v6["state"] == roa.INVALID and v6["fix"]["max_length"] == 128


def test_wrong_origin_is_invalid_and_named():
    entry = one("203.0.113.0/24", [vrp("203.0.113.0/24", 24, 64999)])
    assert entry["state"] == roa.INVALID
    assert "authorised for another origin only (203.0.113.0/24 max /24 AS64999), not AS64500" in entry["reason"]
    assert entry["fix"]["asn"] == ASN


def test_an_as0_roa_makes_it_invalid_unless_a_roa_of_ours_matches():
    entry = one("203.0.113.0/24", [vrp("203.0.113.0/24", 24, 0)])
    assert entry["state"] == roa.INVALID and "AS0 ROA" in entry["reason"]
    assert one("203.0.113.0/24", [vrp("203.0.113.0/24", 24, 0), vrp("203.0.113.0/24", 24, ASN)])["state"] \
        == roa.VALID
    # An AS0 intent can never be valid, whatever ROA exists (RFC 7607).
    assert one("203.0.113.0/24", [vrp("203.0.113.0/24", 24, 0)], origin=0)["state"] == roa.INVALID


def test_other_family_roas_do_not_cover():
    assert one("203.0.113.0/24", [vrp("::/0", 128, ASN)])["state"] == roa.NOT_FOUND


def test_problems_spell_out_path_state_and_fix_and_changes_list_each_roa_once():
    results = roa.check([
        {"prefix": "203.0.113.0/24", "origin": ASN, "path": "prefixes[0]", "kind": "prefix"},
        {"prefix": "2001:db8:ac00::/48", "origin": ASN, "path": "prefixes[1]", "kind": "prefix"},
        {"prefix": "198.51.100.20/32", "origin": ASN, "path": "pops.fra.hosts[0]", "kind": "host route"},
    ], [vrp("203.0.113.0/24", 24, ASN), vrp("198.51.100.0/24", 32, 1)])
    lines = roa.problems(results)
    assert len(lines) == 2
    assert lines[0].startswith("prefixes[1]: 2001:db8:ac00::/48 from AS64500 is RPKI NOT-FOUND")
    assert lines[0].endswith("create a ROA: prefix 2001:db8:ac00::/48, max length 48, origin AS64500")
    assert lines[1].startswith("pops.fra.hosts[0]: 198.51.100.20/32 from AS64500 is RPKI INVALID")
    assert roa.changes(results) == [{"prefix": "2001:db8:ac00::/48", "max_length": 48, "asn": ASN},
                                    {"prefix": "198.51.100.20/32", "max_length": 32, "asn": ASN}]


def test_a_roa_for_another_origin_is_left_and_ours_is_added():
    results = roa.check([{"prefix": "203.0.113.0/24", "origin": ASN, "path": "p", "kind": "prefix"}],
                        [vrp("203.0.113.0/24", 24, 64999)])
    assert roa.changes(results) == [{"prefix": "203.0.113.0/24", "max_length": 24, "asn": ASN}]


def test_relying_party_json_of_rpki_client_and_routinator():
    data = {"metadata": {"buildtime": "2024-01-01T00:00:00Z"}, "roas": [
        {"asn": 64500, "prefix": "203.0.113.0/24", "maxLength": 24, "ta": "ripe", "expires": 1700000000},
        {"asn": "AS64501", "prefix": "2001:db8::/32", "maxLength": 48, "ta": "ripe"}]}
    assert roa.parse_relying_party(data) == [vrp("203.0.113.0/24", 24, 64500), vrp("2001:db8::/32", 48, 64501)]
    with pytest.raises(roa.RoaFormatError, match="no list 'roas'"):
        roa.parse_relying_party({"vrps": []})
    with pytest.raises(roa.RoaFormatError, match=r"roas\[0\]"):
        roa.parse_relying_party({"roas": [{"asn": "AS1", "prefix": "203.0.113.0/24", "maxLength": 8}]})


def test_ripe_api_shape_both_ways():
    items = [{"asn": "AS64500", "prefix": "203.0.113.0/24", "maximalLength": 24}]
    parsed = roa.parse_ripe(items)
    assert parsed == [vrp("203.0.113.0/24", 24, 64500)]
    assert [roa.to_ripe(r) for r in parsed] == items


def test_announcements_include_host_routes_only_where_an_upstream_announces_them():
    intent = {
        "asn": ASN, "prefixes": ["203.0.113.0/24", "2001:db8:ac00::/48"],
        "pops": {
            "fra": {"provider": "static", "hosts": [{"name": "fra-1", "address": "198.51.100.20",
                                                      "address6": "2001:db8:1::20"}],
                    "upstreams": [{"profile": "generic", "neighbor": "198.51.100.1", "asn": 64511,
                                   "host_routes": True},
                                  {"profile": "generic", "neighbor": "2001:db8:1::1", "asn": 64511,
                                   "host_routes": True}]},
            "lhr": {"provider": "static", "hosts": [{"name": "lhr-1", "address": "198.51.100.30"}],
                    "upstreams": [{"profile": "generic", "neighbor": "198.51.100.1", "asn": 64511}]},
            "ams": {"provider": "lab", "region": "ams", "instances": 1,
                    "upstreams": [{"profile": "generic", "neighbor": "10.0.0.1", "asn": 64511, "host_routes": True,
                                   "announce": False}]},
        },
    }
    found = {a["prefix"]: a["path"] for a in roa.announcements(intent, [
        {"name": "ams-1", "pop": "ams", "address": "192.0.2.7"}])}
    assert found == {
        "203.0.113.0/24": "prefixes[0]",
        "2001:db8:ac00::/48": "prefixes[1]",
        "198.51.100.20/32": "pops.fra.hosts[0] (host route to fra)",
        "2001:db8:1::20/128": "pops.fra.hosts[0] (host route to fra)",
    }
    found = {a["prefix"] for a in roa.announcements(
        dict(intent, pops={"ams": dict(intent["pops"]["ams"], upstreams=[
            {"profile": "generic", "neighbor": "10.0.0.1", "asn": 64511, "host_routes": True}])}),
        [{"name": "ams-1", "pop": "ams", "address": "192.0.2.7"}])}
    assert "192.0.2.7/32" in found

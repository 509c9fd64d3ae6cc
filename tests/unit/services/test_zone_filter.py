"""Zone filters: record checks with intent paths, NS and glue, content hash, serial."""

import datetime
import importlib.util

import pytest

from services_support import ROOT

spec = importlib.util.spec_from_file_location("zone_filter", ROOT / "plugins/filter/zone.py")
zone = importlib.util.module_from_spec(spec)
spec.loader.exec_module(zone)

Z = {"name": "anycast.test", "hostmaster": "hostmaster.anycast.test",
     "records": [{"name": "www", "type": "A", "value": "203.0.113.10"},
                 {"name": "www", "type": "AAAA", "value": "2001:db8:ac00::10"},
                 {"name": "@", "type": "MX", "value": "10 mail.example.net."},
                 {"name": "@", "type": "TXT", "value": 'v=spf1 -all "quoted"', "ttl": 60}]}


def test_records_with_ns_and_glue():
    recs = zone.zone_records(Z, ["203.0.113.53", "2001:db8:ac00::53"])
    assert recs[0] == {"owner": "anycast.test.", "ttl": 300, "type": "NS", "rdata": "ns1.anycast.test."}
    assert {"owner": "ns1.anycast.test.", "ttl": 300, "type": "A", "rdata": "203.0.113.53"} in recs
    assert {"owner": "ns1.anycast.test.", "ttl": 300, "type": "AAAA", "rdata": "2001:db8:ac00::53"} in recs
    assert {"owner": "www.anycast.test.", "ttl": 300, "type": "AAAA", "rdata": "2001:db8:ac00::10"} in recs
    txt = [r for r in recs if r["type"] == "TXT"][0]
    assert txt["rdata"] == '"v=spf1 -all \\"quoted\\""' and txt["ttl"] == 60


@pytest.mark.parametrize("record, message", [
    ({"name": "www", "type": "A", "value": "203.0.113.300"}, "records[0]: value '203.0.113.300' is not an IPv4"),
    ({"name": "www", "type": "AAAA", "value": "203.0.113.3"}, "is not an IPv6 address"),
    ({"name": "www", "type": "MX", "value": "mail.example.net."}, "MX value"),
    ({"name": "www", "type": "SPF", "value": "x"}, "type 'SPF' is not supported"),
    ({"name": "bad name!", "type": "A", "value": "192.0.2.1"}, "is not a host name"),
    ({"name": "www.example.org.", "type": "A", "value": "192.0.2.1"}, "outside the zone"),
    ({"name": "@", "type": "CNAME", "value": "x.example."}, "zone apex"),
    ({"name": "www", "type": "A", "value": "192.0.2.1", "ttl": "soon"}, "ttl 'soon'"),
    ({"name": "www", "type": "A"}, "value is required"),
])
def test_bad_records_name_their_path(record, message):
    bad = {"name": "anycast.test", "records": [record]}
    with pytest.raises(Exception) as err:
        zone.zone_records(bad, ["203.0.113.53"], "services.dns.zones[0]")
    assert "services.dns.zones[0].records[0]" in str(err.value)
    assert message in str(err.value)


def test_cname_cannot_share_its_name():
    bad = {"name": "anycast.test", "records": [{"name": "www", "type": "A", "value": "192.0.2.1"},
                                               {"name": "www", "type": "CNAME", "value": "x.example."}]}
    with pytest.raises(Exception, match=r"records\[1\]: a CNAME at www.anycast.test. cannot share"):
        zone.zone_records(bad, [])


def test_serial_changes_only_with_content():
    recs = zone.zone_records(Z, ["203.0.113.53"])
    h1 = zone.zone_content_hash(recs, {"rname": "hostmaster.anycast.test."})
    day = datetime.date(2026, 11, 21)
    first = zone.zone_serial(h1, "", day)
    assert first == 2026112100
    installed = "; anycast.network zone content %s serial %d\n$ORIGIN anycast.test.\n" % (h1, first)
    assert zone.zone_serial(h1, installed, day) == first
    assert zone.zone_serial(h1, installed, datetime.date(2027, 1, 1)) == first   # no change, no new serial
    changed = zone.zone_records(dict(Z, records=Z["records"][:1]), ["203.0.113.53"])
    h2 = zone.zone_content_hash(changed, {"rname": "hostmaster.anycast.test."})
    assert h2 != h1
    assert zone.zone_serial(h2, installed, day) == 2026112101          # same day: +1
    assert zone.zone_serial(h2, installed, "2026-11-22") == 2026112200  # next day: date-based
    # Never moves backwards, even if the clock does.
    assert zone.zone_serial(h2, installed, "2026-01-01") == 2026112101
    assert zone.zone_content_hash(recs, {"rname": "other."}) != h1


def test_records_by_origin_checks_every_zone_and_refuses_a_zone_listed_twice():
    other = {"name": "other.test.", "records": [{"name": "@", "type": "A", "value": "203.0.113.11"}]}
    services = [{"name": "dns", "addresses": ["203.0.113.53"], "zones": [Z, other]}]
    by_origin = zone.zone_records_by_origin(services, ns_label="ns2", default_ttl=60)
    assert list(by_origin) == ["anycast.test", "other.test"]
    assert by_origin["other.test"] == zone.zone_records(other, ["203.0.113.53"], "services.dns.zones[1]", "ns2", 60)
    twice = services + [{"name": "dns2", "addresses": ["203.0.113.54"], "zones": [{"name": "Anycast.Test."}]}]
    with pytest.raises(Exception, match=r"services\.dns2\.zones\[0\]: zone anycast\.test is already served at "
                                        r"services\.dns\.zones\[0\]"):
        zone.zone_records_by_origin(twice)
    bad = [{"name": "dns", "addresses": [], "zones": [other, {"name": "x.test", "records": [{"name": "a"}]}]}]
    with pytest.raises(Exception, match=r"services\.dns\.zones\[1\]\.records\[0\]: type is required"):
        zone.zone_records_by_origin(bad)


def test_zone_origin_is_the_key_the_role_looks_records_up_by():
    assert zone.zone_origin("Anycast.Test.") == "anycast.test"
    assert zone.zone_origin("anycast.test") == "anycast.test"
    services = [{"name": "dns", "addresses": ["203.0.113.53"], "zones": [{"name": "Other.Test.", "records": []}]}]
    assert list(zone.zone_records_by_origin(services)) == [zone.zone_origin("Other.Test.")]

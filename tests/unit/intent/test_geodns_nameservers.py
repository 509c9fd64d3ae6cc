"""GeoDNS for the name servers of a DNS service: what the geodns play hands to route53_geo, and what is refused."""

import copy
import pathlib

import yaml

from ansible_collections.anycast.network.plugins.filter import intent as intent_filters
from ansible_collections.anycast.network.plugins.module_utils.intent import derive
from ansible_collections.anycast.network.plugins.module_utils.intent.validate import validate

BASE = yaml.safe_load((pathlib.Path(__file__).parent / "base_intent.yml").read_text())
GROUPS = {"pop_ams": ["ams-2", "ams-1"], "pop_lhr": ["lhr-1"], "pop_fra": ["fra-1"]}
HOSTVARS = {"ams-1": {"anycast_address": "198.51.100.1", "anycast_address6": ""},
            "ams-2": {"anycast_address": "198.51.100.2", "anycast_address6": "2001:db8:9::2"},
            "lhr-1": {"anycast_address": "198.51.100.3"},
            "fra-1": {"anycast_address": "198.51.100.20", "anycast_address6": "2001:db8:9::20"}}


def delegated():
    """The seed's layout: the DNS service serves a zone delegated from the Route53 zone, whose hosts are its NS."""
    intent = copy.deepcopy(BASE)
    intent["services"]["dns"]["zones"][0]["name"] = "dns.anycast.test"
    intent["services"]["dns"]["zones"][0]["hostmaster"] = "hostmaster.anycast.test"
    intent["services"]["dns"]["nameservers"] = ["ns1.anycast.test", "ns2.anycast.test", "ns.elsewhere.example"]
    intent["pops"]["ams"]["geodns_fallback"] = [{"country": "ZA"}]
    return intent


def test_name_servers_in_the_route53_zone_get_dns_records_with_a_tcp_53_check():
    records = intent_filters.anycast_geodns_records(delegated(), GROUPS, HOSTVARS)
    assert [r["name"] for r in records] == ["www.anycast.test", "ns1.anycast.test", "ns2.anycast.test"]
    ns1 = records[1]
    assert ns1["default_addresses"] == ["203.0.113.53", "2001:db8:ac00::53"]
    assert ns1["health_check"] == {"protocol": "tcp", "port": 53}
    assert [(f["pop"], f.get("country") or f.get("continent"), f["addresses"]) for f in ns1["fallbacks"]] == [
        ("ams", "ZA", ["198.51.100.1", "198.51.100.2", "2001:db8:9::2"]),
        ("fra", "SA", ["198.51.100.20", "2001:db8:9::20"])]
    # the web name keeps its HTTP check
    assert records[0]["health_check"] == {"protocol": "http", "path": "/healthz"}


def test_a_pop_removed_from_the_intent_leaves_the_name_server_fallbacks():
    intent = delegated()
    del intent["pops"]["ams"]
    records = intent_filters.anycast_geodns_records(intent, GROUPS, HOSTVARS)
    assert {f["pop"] for r in records for f in r["fallbacks"]} == {"fra"}


def test_name_servers_alone_are_enough_and_a_name_listed_twice_is_managed_once():
    intent = delegated()
    del intent["geodns"]["hostnames"]
    assert validate(intent) == []
    assert [r["name"] for r in intent_filters.anycast_geodns_records(intent, GROUPS, HOSTVARS)] == [
        "ns1.anycast.test", "ns2.anycast.test"]
    intent["geodns"]["hostnames"] = ["ns1.anycast.test"]
    names = [r["name"] for r in intent_filters.anycast_geodns_records(intent, GROUPS, HOSTVARS)]
    assert names == ["ns1.anycast.test", "ns2.anycast.test"]


def test_the_delegated_layout_is_valid_and_normalised_as_written():
    assert validate(delegated()) == []
    model = derive.normalize(delegated())
    assert model["services"]["dns"]["nameservers"][0] == "ns1.anycast.test"
    assert "nameservers" not in model["services"]["web"]


def test_a_name_server_under_its_own_delegation_is_refused():
    intent = delegated()
    intent["services"]["dns"]["nameservers"] = ["ns1.dns.anycast.test"]
    problems = validate(intent)
    assert [p.path for p in problems] == ["services.dns.nameservers[0]"]
    assert "ns1.anycast.test" in problems[0].message
    # without geodns there is no geolocation answer to lose
    del intent["geodns"]
    assert validate(intent) == []

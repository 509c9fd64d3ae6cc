"""The normalised intent and the filters that read it."""

import copy
import pathlib

import yaml

from ansible_collections.anycast.network.plugins.filter import intent as intent_filters
from ansible_collections.anycast.network.plugins.module_utils.intent import derive

BASE = yaml.safe_load((pathlib.Path(__file__).parent / "base_intent.yml").read_text())


def _without_kinds():
    intent = copy.deepcopy(BASE)
    for svc in intent["services"].values():
        svc.pop("kind")
    return intent


def test_kinds_are_resolved_from_service_names():
    model = derive.normalize(_without_kinds())
    assert {n: s["kind"] for n, s in model["services"].items()} == {"web": "web", "dns": "dns"}
    assert [s["name"] for s in derive.services(_without_kinds(), "web")] == ["web"]


def test_defaults_are_filled_and_inherited():
    intent = copy.deepcopy(BASE)
    intent["services"]["web"].pop("health_path")
    intent["defaults"]["vultr"] = {"plan": "vc2-1c-1gb", "os_id": 2136}
    intent["pops"]["lhr"]["vultr"] = {"plan": "vc2-2c-4gb"}
    model = derive.normalize(intent)
    assert model["services"]["web"]["health_path"] == "/healthz"
    assert model["services"]["web"]["tls"]["mode"] == "acme"
    assert "health_path" not in model["services"]["dns"]
    assert model["pops"]["ams"]["upstreams"][0]["password"] == "testpassword1"
    assert model["pops"]["ams"]["announce"] is True and model["pops"]["ams"]["prepend"] == 0
    assert model["pops"]["lhr"]["upstreams"][0]["communities"] == ["64600:3356"]
    assert model["pops"]["lhr"]["upstreams"][0]["provider_name"] == "Vultr (The Constant Company, LLC)"
    assert "multihop" not in model["pops"]["lhr"]["upstreams"][0]
    fra = model["pops"]["fra"]["upstreams"][0]
    assert (fra["multihop"], fra["import"], fra["bfd"], fra["provider_name"]) == (1, "none", False, "AS64511")
    assert model["pops"]["lhr"]["vultr"] == {"plan": "vc2-2c-4gb", "os_id": 2136}
    assert "vultr" not in model["pops"]["ams"]
    assert model["geodns"]["ttl"] == 60
    assert model["registry"]["loa"] == {"holder": "Example Networks Ltd", "signatory": "Jane Doe",
                                        "validity_days": 365, "output_dir": "loa"}
    assert intent == dict(intent)  # the input is not changed
    assert "health_path" not in intent["services"]["web"]


def test_normalize_is_idempotent_and_tolerates_a_broken_intent():
    model = derive.normalize(BASE)
    assert derive.normalize(model) == model
    assert derive.normalize(None) is None
    broken = {"services": "web", "pops": {"x": "lab", "y": {"upstreams": [None, "z"]}}, "registry": []}
    model = derive.normalize(broken)
    assert (model["services"], model["pops"]["x"], model["pops"]["y"]["upstreams"], model["registry"]) == (
        "web", "lab", [None, "z"], [])


def test_filter_intent_model():
    assert intent_filters.intent_model(_without_kinds())["services"]["web"]["kind"] == "web"


def test_sessions_are_the_same_from_the_normalised_intent():
    for pop in ("ams", "lhr", "fra"):
        assert derive.sessions(derive.normalize(BASE), pop, "198.51.100.7", "2001:db8:1::7") == \
            derive.sessions(BASE, pop, "198.51.100.7", "2001:db8:1::7")


def test_upstream_providers_read_no_password():
    intent = copy.deepcopy(BASE)
    intent["pops"]["nyc"] = {"provider": "vultr", "region": "ewr", "instances": 1}

    class Secret(dict):
        def __getitem__(self, key):
            assert key != "password", "a password was read"
            return super().__getitem__(key)

        def get(self, key, default=None):
            assert key != "password", "a password was read"
            return super().get(key, default)

        def items(self):
            raise AssertionError("an upstream was read whole")

        def values(self):
            raise AssertionError("an upstream was read whole")

    for ups in [intent["defaults"]["upstreams"]] + [p["upstreams"] for p in intent["pops"].values() if "upstreams" in p]:
        ups[:] = [Secret(u) for u in ups]
    assert intent_filters.anycast_upstream_providers(intent) == [
        {"name": "Vultr (The Constant Company, LLC)", "asn": 20473, "pops": ["ams", "lhr", "nyc"]},
        {"name": "AS64511", "asn": 64511, "pops": ["fra"]},
    ]


GROUPS = {"pop_ams": ["ams-2", "ams-1"], "pop_lhr": ["lhr-1"], "pop_fra": ["fra-1"]}
HOSTVARS = {"ams-1": {"anycast_address": "198.51.100.1", "anycast_address6": ""},
            "ams-2": {"anycast_address": "198.51.100.2", "anycast_address6": "2001:db8:9::2"},
            "lhr-1": {"anycast_address": "198.51.100.3"},
            "fra-1": {"anycast_address": "198.51.100.20", "anycast_address6": "2001:db8:9::20"}}


def test_a_web_service_whose_kind_is_its_name_gets_geodns_records():
    records = intent_filters.anycast_geodns_records(_without_kinds(), GROUPS, HOSTVARS)
    assert records == [{
        "name": "www.anycast.test",
        "default_addresses": ["203.0.113.10", "2001:db8:ac00::10"],
        "fallbacks": [{"continent": "SA", "pop": "fra", "addresses": ["198.51.100.20", "2001:db8:9::20"]}],
        "health_check": {"protocol": "http", "path": "/healthz"},
    }]


def test_geodns_records_choose_the_services_that_list_the_name():
    intent = copy.deepcopy(BASE)
    intent["services"]["shop"] = {"kind": "web", "addresses": ["203.0.113.80"], "hostnames": ["shop.anycast.test"],
                                  "health_path": "/up"}
    intent["geodns"]["hostnames"] = ["shop.anycast.test", "other.anycast.test"]
    intent["geodns"]["health_check"] = {"protocol": "tcp", "port": 443, "host": "shop.anycast.test"}
    intent["pops"]["ams"]["geodns_fallback"] = [{"country": "ZA"}]
    records = intent_filters.anycast_geodns_records(intent, GROUPS, HOSTVARS)
    assert [r["default_addresses"] for r in records] == [
        ["203.0.113.80"], ["203.0.113.10", "2001:db8:ac00::10", "203.0.113.80"]]
    assert records[0]["health_check"] == {"protocol": "tcp", "port": 443, "fqdn": "shop.anycast.test"}
    assert [(f["pop"], f["addresses"]) for f in records[0]["fallbacks"]] == [
        ("ams", ["198.51.100.1", "198.51.100.2", "2001:db8:9::2"]),
        ("fra", ["198.51.100.20", "2001:db8:9::20"])]


def test_geodns_records_without_geodns_or_fallbacks():
    intent = copy.deepcopy(BASE)
    del intent["geodns"]
    assert intent_filters.anycast_geodns_records(intent, GROUPS, HOSTVARS) == []
    intent = copy.deepcopy(BASE)
    del intent["pops"]["fra"]["geodns_fallback"]
    assert intent_filters.anycast_geodns_records(intent, GROUPS, HOSTVARS)[0]["fallbacks"] == []

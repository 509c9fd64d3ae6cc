"""Derived per-instance data: sessions, prefixes, services, PoP batches."""

import copy
import pathlib

import yaml

from ansible_collections.anycast.network.plugins.filter import intent as intent_filters
from ansible_collections.anycast.network.plugins.filter.intent import pop_batches
from ansible_collections.anycast.network.plugins.module_utils.intent import derive

BASE = yaml.safe_load((pathlib.Path(__file__).parent / "base_intent.yml").read_text())


def test_vultr_profile_gives_one_session_per_family_with_fixed_values():
    sessions = derive.sessions(BASE, "lhr", "198.51.100.7", "2001:db8:1::7")
    assert [(s["family"], s["neighbor"], s["asn"], s["multihop"], s["source"]) for s in sessions] == [
        (4, "169.254.169.254", 64515, 2, "198.51.100.7"),
        (6, "2001:19f0:ffff::1", 64515, 2, "2001:db8:1::7"),
    ]
    assert sessions[0]["communities"] == ["64600:3356"]
    assert sessions[0]["password"] == "testpassword2"
    assert sessions[0]["provider_asn"] == 20473


def test_defaults_upstreams_apply_and_missing_family_is_skipped():
    sessions = derive.sessions(BASE, "ams", "198.51.100.8", "")
    assert [s["family"] for s in sessions] == [4]
    assert sessions[0]["password"] == "testpassword1"


def test_upstream_overrides_pop_traffic_engineering():
    intent = copy.deepcopy(BASE)
    intent["pops"]["lhr"]["prepend"] = 2
    intent["pops"]["lhr"]["upstreams"][0]["prepend"] = 0
    intent["pops"]["lhr"]["upstreams"][0]["announce"] = False
    s = derive.sessions(intent, "lhr", "198.51.100.7")[0]
    assert (s["prepend"], s["announce"]) == (0, False)


def test_generic_upstream_single_family():
    sessions = derive.sessions(BASE, "fra", "198.51.100.20", "")
    assert [(s["neighbor"], s["asn"], s["multihop"], s["source"]) for s in sessions] == [
        ("198.51.100.1", 64511, 1, "198.51.100.20")]


def test_v6_only_network_has_no_v4_session():
    intent = copy.deepcopy(BASE)
    intent["prefixes"] = ["2001:db8:ac00::/48"]
    assert [s["family"] for s in derive.sessions(intent, "lhr", "198.51.100.7", "2001:db8:1::7")] == [6]


def test_services_and_addresses():
    assert [s["name"] for s in derive.services(BASE, "dns")] == ["dns"]
    assert derive.service_addresses(BASE, 6) == ["2001:db8:ac00::10", "2001:db8:ac00::53"]
    assert derive.prefixes(BASE, 4) == ["203.0.113.0/24"]


def test_pop_batches_one_pop_per_batch():
    groups = {"all": ["a"], "pop_ams": ["ams-1", "ams-2"], "pop_x": [], "pop_lhr": ["lhr-1"], "ungrouped": []}
    assert pop_batches(groups) == [2, 1]
    assert pop_batches({}) == [1]


def test_pop_batches_only_the_given_hosts():
    groups = {"all": ["a1", "a2", "b1"], "pop_a": ["a1", "a2"], "pop_b": ["b1"], "pop_c": ["c1"]}
    assert pop_batches(groups, ["a2", "c1"]) == [1, 1]
    assert pop_batches(groups, ["b1"]) == [1]
    assert pop_batches(groups, []) == [1]


def test_instance_names():
    names = derive.instance_names(BASE)
    assert names == {"ams": ["ams-1", "ams-2"], "lhr": ["corpus-lhr-1", "corpus-lhr-2"], "fra": ["fra-1"]}


class _Reads(dict):
    """An intent that records which of its top-level parts were read (as Ansible templates a value when read)."""

    def __init__(self, data):
        super().__init__(data)
        self.read = set()

    def __getitem__(self, key):
        self.read.add(key)
        return super().__getitem__(key)

    def items(self):
        self.read.update(self.keys())
        return super().items()


def test_filters_read_only_the_parts_of_the_intent_they_need():
    intent = _Reads(copy.deepcopy(BASE))
    assert intent_filters.anycast_services(intent, "web") == derive.services(BASE, "web")
    assert intent.read == {"services"}
    intent.read.clear()
    assert intent_filters.anycast_prefixes(intent, 6) == derive.prefixes(BASE, 6)
    assert intent.read == {"prefixes"}
    for pop in ("lhr", "ams", "nowhere"):
        intent.read.clear()
        pops = _Reads(intent["pops"])
        intent["pops"] = pops
        intent.read.clear()
        assert intent_filters.anycast_sessions(intent, pop, "198.51.100.7", "2001:db8:1::7") == \
            derive.sessions(BASE, pop, "198.51.100.7", "2001:db8:1::7")
        assert pops.read <= {pop}  # one PoP's upstreams (and passwords), not every PoP's
    assert intent_filters.anycast_service_addresses(intent, 4) == derive.service_addresses(BASE, 4)

"""The private mesh (docs/mesh.md): its validation, its addresses, the map of its members, its firewall rules."""

import copy
import pathlib

import pytest
import yaml

from ansible_collections.anycast.network.plugins.filter import mesh as mesh_filters
from ansible_collections.anycast.network.plugins.module_utils.intent import derive, validate

BASE = yaml.safe_load((pathlib.Path(__file__).parents[1] / "intent" / "base_intent.yml").read_text())
KEY_A = "YJmYSk5cF1GGwVIfIu9K3Li3cCVQTYGy69KDW14PKVU="
KEY_B = "kjI2GwJQvUU0Q79A8hnHc/03jPXzZ3Tc5Of0ya1LPGc="
KEY_C = "Tmuf2zcItx24S7ywKi2P2oM8tzjOD55tINlHQJE3GFA="


def meshed(**mesh):
    intent = copy.deepcopy(BASE)
    intent["mesh"] = dict({"enabled": True, "ipv4": "10.99.0.0/16", "ipv6": "fd12:3456:789a::/48"}, **mesh)
    for number, pop in enumerate(intent["pops"].values(), start=1):
        pop["mesh_number"] = number
    return intent


def problems(intent):
    return dict(validate.validate(intent))


def test_the_base_intent_is_valid_with_and_without_a_mesh():
    assert validate.validate(BASE) == []
    assert validate.validate(meshed()) == []


@pytest.mark.parametrize("key, value, says", [
    ("ipv4", "192.0.2.0/24", "not private"),
    ("ipv4", "8.8.0.0/16", "not private"),
    ("ipv4", "10.99.0.0/24", "outside /8-/16"),
    ("ipv4", "10.99.0.1/16", "not a prefix"),
    ("ipv4", "fd00::/48", "not an IPv4 prefix"),
    ("ipv6", "2001:db8::/48", "unique local"),
    ("ipv6", "fd12:3456:789a::/56", "outside /8-/48"),
    ("port", 80, "between 1024 and 65535"),
])
def test_a_range_or_port_the_mesh_cannot_use_is_refused_by_its_path(key, value, says):
    found = problems(meshed(**{key: value}))
    assert "mesh." + key in found, found
    assert says in found["mesh." + key]


def test_the_shared_range_of_rfc_6598_is_allowed():
    assert validate.validate(meshed(ipv4="100.96.0.0/12")) == []


def test_an_enabled_mesh_needs_a_range_and_a_number_for_every_pop_each_its_own():
    intent = meshed()
    del intent["mesh"]["ipv4"], intent["mesh"]["ipv6"]
    assert "names no range" in problems(intent)["mesh"]
    intent = meshed()
    first, second = list(intent["pops"])[:2]
    del intent["pops"][first]["mesh_number"]
    intent["pops"][second]["mesh_number"] = 3 if len(intent["pops"]) > 2 else 7
    found = problems(intent)
    assert "is required with mesh.enabled" in found["pops.%s.mesh_number" % first]
    # A mesh that is off needs no numbers (an old intent keeps working).
    intent = meshed(enabled=False)
    for pop in intent["pops"].values():
        pop.pop("mesh_number")
    assert validate.validate(intent) == []


def test_two_pops_with_one_number_are_refused():
    intent = meshed()
    names = list(intent["pops"])
    intent["pops"][names[1]]["mesh_number"] = intent["pops"][names[0]]["mesh_number"]
    assert "mesh number already" in problems(intent)["pops.%s.mesh_number" % names[1]]


def test_normalised_mesh_has_its_defaults_and_the_numbers():
    settings = derive.mesh(meshed())
    assert settings["port"] == 51820 and settings["enabled"] is True
    assert settings["numbers"] == {name: i for i, name in enumerate(BASE["pops"], start=1)}
    assert derive.mesh(BASE) == {"enabled": False, "ipv4": "", "ipv6": "", "port": 51820, "numbers": {}}


def test_addresses_come_from_the_pop_number_and_the_index_only():
    settings = {"ipv4": "10.99.0.0/16", "ipv6": "fd12:3456:789a::/48", "numbers": {"lhr": 3, "ams": 12}}
    assert derive.mesh_addresses(settings, "lhr", 2) == {"address": "10.99.3.2", "address6": "fd12:3456:789a:3::2"}
    assert derive.mesh_addresses(settings, "ams", 1) == {"address": "10.99.12.1",
                                                         "address6": "fd12:3456:789a:c::1"}
    # Another PoP coming or going changes nobody else's address.
    fewer = {"ipv4": "10.99.0.0/16", "ipv6": "", "numbers": {"lhr": 3}}
    assert derive.mesh_addresses(fewer, "lhr", 2) == {"address": "10.99.3.2", "address6": ""}
    assert derive.mesh_addresses(fewer, "ams", 1) == {"address": "", "address6": ""}


def _hostvars():
    return {
        "lhr-1": {"anycast_pop": "lhr", "anycast_instance_index": 1, "anycast_address": "192.0.2.11",
                  "anycast_address6": "2001:db8::11", "mesh_public_key": KEY_A},
        "lhr-2": {"anycast_pop": "lhr", "anycast_instance_index": 2, "anycast_address": "192.0.2.12",
                  "anycast_address6": "", "mesh_public_key": KEY_B},
        "ams-1": {"anycast_pop": "ams", "anycast_instance_index": 1, "anycast_address": "192.0.2.21",
                  "anycast_address6": "", "mesh_public_key": KEY_C},
        # Did not answer this run: no key, not a member.
        "ams-2": {"anycast_pop": "ams", "anycast_instance_index": 2, "anycast_address": "192.0.2.22"},
        # Not a key at all.
        "ams-3": {"anycast_pop": "ams", "anycast_instance_index": 3, "anycast_address": "192.0.2.23",
                  "mesh_public_key": "not-a-key"},
    }


def _intent():
    intent = {"mesh": {"enabled": True, "ipv4": "10.99.0.0/16", "ipv6": "fd12:3456:789a::/48"},
              "pops": {"lhr": {"mesh_number": 1, "upstreams": [{"password": "secret"}]}, "ams": {"mesh_number": 2}}}
    return intent


def test_the_peer_map_holds_members_with_a_key_only_in_name_order():
    hv = _hostvars()
    peers = mesh_filters.anycast_mesh_peers(list(hv), hv, _intent())
    assert list(peers) == ["ams-1", "lhr-1", "lhr-2"]
    assert peers["lhr-2"] == {"pop": "lhr", "index": 2, "address": "10.99.1.2", "address6": "fd12:3456:789a:1::2",
                              "endpoint": "192.0.2.12", "endpoint6": "", "public_key": KEY_B}
    # A removed instance is simply not in the next run's map.
    assert "lhr-2" not in mesh_filters.anycast_mesh_peers(["lhr-1", "ams-1"], hv, _intent())
    off = _intent()
    off["mesh"]["enabled"] = False
    assert mesh_filters.anycast_mesh_peers(list(hv), hv, off) == {}


def test_the_mesh_part_reads_no_other_part_of_the_intent():
    part = mesh_filters._mesh_part(_intent())
    assert part["pops"] == {"lhr": {"mesh_number": 1}, "ams": {"mesh_number": 2}}


def test_firewall_rules_open_the_port_to_members_and_the_interface_to_mesh_addresses_only():
    hv = _hostvars()
    peers = mesh_filters.anycast_mesh_peers(list(hv), hv, _intent())
    rules = mesh_filters.anycast_mesh_openings(peers, _intent(), "wg0")
    assert rules == [
        {"iifname": "", "family": "ip", "saddr": ["192.0.2.21", "192.0.2.11", "192.0.2.12"], "proto": "udp",
         "port": 51820, "verdict": "accept"},
        {"iifname": "", "family": "ip6", "saddr": ["2001:db8::11"], "proto": "udp", "port": 51820,
         "verdict": "accept"},
        {"iifname": "wg0", "family": "ip", "saddr": ["10.99.2.1", "10.99.1.1", "10.99.1.2"], "proto": "",
         "port": None, "verdict": "accept"},
        {"iifname": "wg0", "family": "ip6", "saddr": ["fd12:3456:789a:2::1", "fd12:3456:789a:1::1",
                                                      "fd12:3456:789a:1::2"], "proto": "", "port": None,
         "verdict": "accept"},
        {"iifname": "wg0", "family": "", "saddr": [], "proto": "", "port": None, "verdict": "drop"},
    ]
    assert mesh_filters.anycast_mesh_openings({}, _intent()) == []
    off = _intent()
    off["mesh"]["enabled"] = False
    assert mesh_filters.anycast_mesh_openings(peers, off) == []

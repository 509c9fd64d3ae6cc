"""Lab topology validation, address derivation and the inventory's view of lab instances."""

import copy
import ipaddress
import pathlib

import pytest
import yaml

from ansible_collections.anycast.network.plugins.module_utils.lab import addressing, frr
from ansible_collections.anycast.network.plugins.module_utils.lab import topology as topo_mod
from ansible_collections.anycast.network.plugins.module_utils.lab.inventory import lab_hosts

ROOT = pathlib.Path(__file__).resolve().parents[3]
DEFAULT = yaml.safe_load((ROOT / "lab/topologies/default.yml").read_text())
MYSTERY = yaml.safe_load((ROOT / "lab/topologies/mystery.yml").read_text())
INTENT = {
    "prefixes": ["203.0.113.0/24", "2001:db8:ac00::/48"],
    "pops": {
        "ams": {"provider": "lab", "region": "ams", "instances": 2},
        "lhr": {"provider": "lab", "region": "lhr", "instances": 2},
        "jfk": {"provider": "lab", "region": "jfk", "instances": 2},
        "lax": {"provider": "lab", "region": "lax", "instances": 2},
        "fra": {"provider": "vultr", "region": "fra", "instances": 1},
    },
}


def _errors(topology):
    with pytest.raises(topo_mod.TopologyError) as info:
        topo_mod.validate(topology)
    return info.value.errors


@pytest.mark.parametrize("topology", [DEFAULT, MYSTERY], ids=["default", "mystery"])
def test_shipped_topologies_are_valid(topology):
    topo = topo_mod.validate(topology)
    assert len(topo["carriers"]) >= 3
    assert set(topo["eyeballs"]) == {"ams", "lhr", "jfk", "sea"}


def test_every_mistake_is_reported_with_its_path():
    bad = copy.deepcopy(DEFAULT)
    bad["regions"]["lhr"]["id"] = 1
    bad["carriers"]["atlas"]["asn"] = 20473
    bad["edges"]["lax"]["upstreams"] = ["borealis"]
    bad["eyeballs"]["sea"]["upstreams"] = [{"carrier": "nobody"}]
    bad["relations"].append({"peers": ["atlas", "borealis"], "regions": ["lhr"]})
    bad["surprise"] = 1
    errors = _errors(bad)
    text = "\n".join(errors)
    assert "regions.lhr.id: 1 is already the id of region ams" in text
    assert "carriers.atlas.asn" in text
    assert "edges.lax.upstreams[0].carrier: borealis has no router in lax" in text
    assert "eyeballs.sea.upstreams[0].carrier: unknown carrier 'nobody'" in text
    assert "already have a relation" in text
    assert "surprise: unknown key" in text
    assert len(errors) == 6


def test_carrier_regions_need_latency():
    bad = copy.deepcopy(DEFAULT)
    del bad["latency"]["lhr-jfk"]
    assert any("no latency given between lhr and jfk" in e for e in _errors(bad))


def test_relation_only_where_both_carriers_are():
    bad = copy.deepcopy(DEFAULT)
    bad["relations"][0]["regions"] = ["ams"]
    assert any("relations[0].regions[0]: atlas and borealis are not both present in 'ams'" in e for e in _errors(bad))


def test_distance_penalty_stays_below_the_gap_between_classes():
    topo = topo_mod.validate(DEFAULT)
    for a in topo["regions"]:
        for b in topo["regions"]:
            assert 0 <= topo_mod.distance_penalty(topo, a, b) < 50
    assert topo_mod.distance_penalty(topo, "sea", "lax") < topo_mod.distance_penalty(topo, "sea", "jfk")


def _plan(topology=DEFAULT, intent=INTENT):
    topo = topo_mod.validate(topology)
    p4, p6 = addressing.intent_prefixes(intent)
    return addressing.plan(topo, addressing.lab_pops(intent), p4, p6)


def test_addresses_are_unique_and_inside_the_lab_ranges():
    plan = _plan()
    seen = set()
    for node in plan["nodes"].values():
        for iface in node["interfaces"]:
            for addr in (iface["ip4"], iface["ip6"]):
                if addr is None:
                    continue
                ip = ipaddress.ip_address(addr)
                assert ip in addressing.LAB_V4 or ip in addressing.LAB_V6, addr
                assert addr not in seen, addr
                seen.add(addr)
    intent_nets = [ipaddress.ip_network(p) for p in INTENT["prefixes"]]
    for net in plan["networks"].values():
        for subnet in (net["subnet4"], net["subnet6"]):
            if subnet:
                assert not any(ipaddress.ip_network(subnet).overlaps(n) for n in intent_nets)


def test_point_to_point_links_and_sessions_are_symmetric():
    plan = _plan()
    links = [n for n in plan["networks"].values() if n["kind"] == "link"]
    assert all(ipaddress.ip_network(n["subnet4"]).prefixlen == 29 for n in links)
    by_addr = {}
    for node in plan["nodes"].values():
        for iface in node["interfaces"]:
            by_addr[iface["ip4"]] = node["name"]
            if iface["ip6"]:
                by_addr[iface["ip6"]] = node["name"]
    for node in plan["nodes"].values():
        for nb in node.get("neighbors", []):
            if nb["role"] == "instance":
                continue
            peer = plan["nodes"][by_addr[nb["address"]]]
            assert any(by_addr.get(x["address"]) == node["name"] for x in peer["neighbors"])


def test_instances_peer_vultr_style_with_their_regions_edge():
    plan = _plan()
    edge = plan["nodes"]["edge-lhr"]
    inst = [nb for nb in edge["neighbors"] if nb["role"] == "instance"]
    assert [(nb["description"], nb["family"]) for nb in inst] == [
        ("lhr-1", 4), ("lhr-1", 6), ("lhr-2", 4), ("lhr-2", 6)]
    assert edge["loopback"] == ["169.254.169.254/32", "2001:19f0:ffff::1/128"]
    lhr1 = plan["nodes"]["lhr-1"]
    assert ("169.254.169.254/32", "198.18.18.1") in lhr1["routes"]
    assert not any(dest.startswith("default") for dest, _ in lhr1["routes"])


def test_edge_config_filters_customer_prefixes_and_acts_on_vultr_communities():
    plan = _plan()
    conf = frr.render(plan["nodes"]["edge-lhr"], "s3cret")
    assert "ip prefix-list CUSTOMER-V4 seq 5 permit 203.0.113.0/24 le 24" in conf
    assert "ipv6 prefix-list CUSTOMER-V6 seq 5 permit 2001:db8:ac00::/48 le 48" in conf
    assert "local-as 64515 no-prepend replace-as" in conf
    assert "update-source 169.254.169.254" in conf and "ebgp-multihop 2" in conf
    assert "password s3cret" in conf
    assert "permit 64600:65010" in conf and "permit 64603:65020" in conf
    assert "remove-private-AS all" in conf
    assert "router bgp 20473" in conf


def test_lab_hosts_gives_the_contract_hostvars():
    hosts = lab_hosts(DEFAULT, {"anycast_intent": INTENT})
    assert [h["name"] for h in hosts] == ["ams-1", "ams-2", "lhr-1", "lhr-2", "jfk-1", "jfk-2", "lax-1", "lax-2"]
    lhr1 = hosts[2]
    assert lhr1 == {"name": "lhr-1", "pop": "lhr", "index": 1, "region": "lhr", "ansible_host": "198.18.0.13",
                    "address": "198.18.18.11", "address6": "2001:db8:f100:2::11", "ansible_user": "root",
                    "ansible_ssh_private_key_file": "id_ed25519",
                    "ansible_ssh_common_args": "-o KexAlgorithms=curve25519-sha256"}
    # The plan the lab builds gives the same addresses.
    plan = _plan()
    planned = {i["name"]: (i["mgmt"], i["address"], i["address6"]) for i in plan["instances"]}
    assert all(planned[h["name"]] == (h["ansible_host"], h["address"], h["address6"]) for h in hosts)


def test_lab_hosts_addresses_stay_put_when_a_pop_is_added_elsewhere():
    more = copy.deepcopy(INTENT)
    more["pops"]["lax"]["instances"] = 3
    before = {h["name"]: h["address"] for h in lab_hosts(DEFAULT, INTENT)}
    after = {h["name"]: h["address"] for h in lab_hosts(DEFAULT, more)}
    assert all(after[name] == addr for name, addr in before.items())
    assert after["lax-3"] == "198.18.20.13"


def test_lab_pop_in_a_region_without_edge_is_refused():
    bad = copy.deepcopy(INTENT)
    bad["pops"]["sea"] = {"provider": "lab", "region": "sea", "instances": 1}
    with pytest.raises(topo_mod.TopologyError, match="no provider edge in region 'sea'"):
        lab_hosts(DEFAULT, bad)

"""The scale lab (lab/topologies/scale.yml, inventories/lab-scale/): the generated file is its generator's output,
the topology and the intent are valid, and together they make 24 PoPs of two instances that roll out in waves."""

import pathlib
import subprocess
import sys

from ansible_collections.anycast.network.plugins.module_utils.intent import derive, files, rollout
from ansible_collections.anycast.network.plugins.module_utils.intent.validate import validate
from ansible_collections.anycast.network.plugins.module_utils.lab import addressing
from ansible_collections.anycast.network.plugins.module_utils.lab import topology as topo_mod
from ansible_collections.anycast.network.plugins.module_utils.report import geography

ROOT = pathlib.Path(__file__).resolve().parents[3]
TOPOLOGY = ROOT / "lab/topologies/scale.yml"
INTENT_FILE = ROOT / "inventories/lab-scale/group_vars/all/intent.yml"


def _plan():
    topo = topo_mod.load(str(TOPOLOGY))
    intent = files.load_intent_file(str(INTENT_FILE))
    return topo, intent, addressing.plan_for_intent(topo, intent)


def test_the_file_in_the_tree_is_the_generators_output():
    out = subprocess.run([sys.executable, str(ROOT / "lab/topologies/scale.py")], capture_output=True, text=True,
                         check=True).stdout
    assert out == TOPOLOGY.read_text(), "run: python3 lab/topologies/scale.py > lab/topologies/scale.yml"


def test_24_regions_on_six_continents_with_at_least_8_vantage_points_and_3_carriers():
    topo = topo_mod.load(str(TOPOLOGY))
    assert len(topo["regions"]) == 24
    assert len(topo["carriers"]) >= 3 and len(topo["eyeballs"]) >= 8
    # Every region is placed on the map (the report's geography knows its code), on six continents by latitude and
    # longitude: Europe, North and South America, Asia, Oceania, Africa.
    places = {r: geography.place_of(r) for r in topo["regions"]}
    assert all(places.values()), [r for r, p in places.items() if not p]
    continents = set()
    for lat, lon in places.values():
        if lon < -30:
            continents.add("north america" if lat > 10 else "south america")
        elif lon < 60:
            continents.add("europe" if lat > 35 else "africa")
        else:
            continents.add("oceania" if lat < -10 else "asia")
    assert continents == {"europe", "north america", "south america", "asia", "oceania", "africa"}
    # Transit and peering both present, and every region has a provider edge with an upstream.
    assert {rel["kind"] for rel in topo["relations"]} == {"peer", "transit"}
    assert set(topo["edges"]) == set(topo["regions"]) and all(e["upstreams"] for e in topo["edges"].values())


def test_the_intent_is_valid_and_the_plan_holds_48_instances_at_24_edges():
    topo, intent, plan = _plan()
    # The password is a lookup the playbooks render before validation; a value of its shape stands in.
    intent["defaults"]["upstreams"][0]["password"] = "A" * 24
    problems = validate(intent, known_lab_regions=set(topo["regions"]))
    assert not problems, problems
    kinds = {}
    for node in plan["nodes"].values():
        kinds[node["kind"]] = kinds.get(node["kind"], 0) + 1
    assert kinds["instance"] == 48 and kinds["edge"] == 24 and kinds["client"] == len(topo["eyeballs"])
    assert len(plan["instances"]) == 48
    # Addresses are unique across the whole lab.
    seen = {}
    for node in plan["nodes"].values():
        for iface in node["interfaces"]:
            for address in (iface["ip4"], iface["ip6"]):
                if address:
                    assert address not in seen, (address, node["name"], seen.get(address))
                    seen[address] = node["name"]


def test_the_48_instances_roll_out_in_waves_of_whole_pops():
    _topo, intent, plan = _plan()
    hosts = [i["name"] for i in plan["instances"]]
    host_pop = {i["name"]: i["pop"] for i in plan["instances"]}
    settings = derive.rollout(intent)
    ordered = rollout.order(hosts, host_pop, settings)
    assert ordered[:2] == ["lhr-1", "lhr-2"]
    # 1 PoP (the canary), then 2, 4, 8, 8 and the last 1: two instances each.
    assert rollout.sizes(ordered, host_pop, settings) == [2, 4, 8, 16, 16, 2]

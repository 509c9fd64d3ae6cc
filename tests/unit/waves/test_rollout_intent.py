"""The intent's rollout keys (errors by path, defaults filled once) and what validation refuses in a lab
inventory (a static PoP, a generic upstream of a lab PoP), each by its path."""

import copy
import pathlib

import pytest
import yaml

from ansible_collections.anycast.network.plugins.module_utils.intent import derive
from ansible_collections.anycast.network.plugins.module_utils.intent.validate import validate

ROOT = pathlib.Path(__file__).resolve().parents[3]
BASE = yaml.safe_load((ROOT / "tests" / "unit" / "intent" / "base_intent.yml").read_text())
LAB = yaml.safe_load((ROOT / "inventories" / "lab" / "group_vars" / "all" / "intent.yml").read_text())["anycast_intent"]
LAB["defaults"]["upstreams"][0]["password"] = "labpassword"    # a lookup there, templated by Ansible
LAB_REGIONS = {"ams", "lhr", "jfk", "lax"}


def problems(intent, regions=None):
    return {p.path: p.message for p in validate(intent, known_lab_regions=regions)}


def with_rollout(rollout):
    intent = copy.deepcopy(BASE)
    intent["rollout"] = rollout
    return intent


def test_a_rollout_is_valid_and_normalised_once():
    intent = with_rollout({"canary": ["lhr", "fra"], "growth": 2, "max_wave": 8})
    assert problems(intent) == {}
    assert derive.normalize(intent)["rollout"] == {"canary": ["lhr", "fra"], "growth": 2, "max_wave": 8}
    assert derive.rollout(intent) == {"canary": ["lhr", "fra"], "growth": 2, "max_wave": 8}


def test_defaults_one_pop_then_one_at_a_time():
    # an intent without rollout keeps working and gets the safe default
    assert "rollout" not in derive.normalize(BASE)
    assert derive.rollout(BASE) == {"canary": ["ams"], "growth": 1, "max_wave": None}
    assert derive.normalize(with_rollout({"max_wave": 4}))["rollout"] == {"canary": ["ams"], "growth": 1,
                                                                          "max_wave": 4}


@pytest.mark.parametrize("rollout, path, says", [
    ({"canary": ["lhx"]}, "rollout.canary[0]", "'lhx' is not a PoP of this intent (did you mean 'lhr'?)"),
    ({"canary": ["zzz"]}, "rollout.canary[0]", "its PoPs: ams, lhr, fra"),
    ({"canary": ["lhr", "lhr"]}, "rollout.canary[1]", "names PoP lhr a second time"),
    ({"canary": []}, "rollout.canary", "must list at least one PoP"),
    ({"canary": "lhr"}, "rollout.canary", "must be a list of PoPs"),
    ({"canary": ["LHR!"]}, "rollout.canary[0]", "is not a PoP of this intent"),
    ({"growth": 0}, "rollout.growth", "the growth factor must be between 1 and 10, not 0"),
    ({"growth": 11}, "rollout.growth", "between 1 and 10"),
    ({"growth": "2x"}, "rollout.growth", "must be a whole number (the growth factor)"),
    ({"max_wave": 0}, "rollout.max_wave", "the largest wave must be between 1 and 1000, not 0"),
    ({"canaries": ["lhr"]}, "rollout.canaries", "unknown setting 'canaries' (did you mean 'canary'?)"),
    ([1], "rollout", "must be"),
])
def test_rollout_mistakes_by_path(rollout, path, says):
    found = problems(with_rollout(rollout))
    assert path in found, found
    assert says in found[path]
    assert set(found) == {path}


def test_the_lab_intent_passes_with_its_topology():
    assert problems(copy.deepcopy(LAB), LAB_REGIONS) == {}


def test_a_static_pop_is_refused_in_a_lab_inventory_only():
    intent = copy.deepcopy(LAB)
    intent["pops"]["fra"] = {"provider": "static", "hosts": [{"name": "fra-1", "address": "198.51.100.20"}]}
    assert problems(intent) == {}
    found = problems(intent, LAB_REGIONS)
    assert list(found) == ["pops.fra.provider"]
    assert "the lab builds no static PoP" in found["pops.fra.provider"]


def test_a_generic_upstream_of_a_lab_pop_is_refused_by_path():
    intent = copy.deepcopy(LAB)
    generic = {"profile": "generic", "neighbor": "198.51.100.1", "asn": 64511, "password": "pw"}
    intent["pops"]["lhr"]["upstreams"] = [{"profile": "vultr", "password": "pw"}, generic]
    assert problems(intent) == {}
    found = problems(intent, LAB_REGIONS)
    assert list(found) == ["pops.lhr.upstreams[1].profile"]
    assert "Vultr-like only" in found["pops.lhr.upstreams[1].profile"]


def test_a_generic_default_upstream_names_the_lab_pops_that_inherit_it():
    intent = copy.deepcopy(LAB)
    intent["defaults"]["upstreams"] = [{"profile": "generic", "neighbor": "198.51.100.1", "asn": 64511,
                                        "password": "pw"}]
    intent["pops"]["lhr"]["upstreams"] = [{"profile": "vultr", "password": "pw"}]
    found = problems(intent, LAB_REGIONS)
    assert list(found) == ["defaults.upstreams[0].profile"]
    assert found["defaults.upstreams[0].profile"].startswith("lab PoPs ams, jfk, lax inherit this generic upstream")

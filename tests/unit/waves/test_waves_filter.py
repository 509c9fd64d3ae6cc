"""The waves of the configure step: sizes, whole PoPs, the canary, growth, the largest wave, the default."""

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.anycast.network.plugins.filter.rollout import (
    anycast_rollout_order, anycast_wave_status, anycast_waves)
from ansible_collections.anycast.network.plugins.module_utils.intent import derive


def network(counts):
    """groups and an intent for PoPs with these instance counts, e.g. {'lhr': 2, 'ams': 1}, in that order."""
    groups = {"all": [], "anycast_instances": []}
    for pop, count in counts.items():
        groups[derive.pop_group(pop)] = ["%s-%d" % (pop, n) for n in range(1, count + 1)]
        groups["anycast_instances"] += groups[derive.pop_group(pop)]
    intent = {"pops": {pop: {"provider": "lab", "password": "never-read"} for pop in counts}}
    return groups, intent


def waves_of(hosts, groups, intent):
    """The batches Ansible cuts from the hosts with serial set to anycast_waves (as _get_serialized_batches)."""
    sizes = anycast_waves(hosts, groups, intent)
    batches, rest, i = [], list(hosts), 0
    while rest:
        size = sizes[min(i, len(sizes) - 1)]
        batches.append(rest[:size])
        rest = rest[size:]
        i += 1
    return batches


def pops_of(batches):
    return [sorted({h.rsplit("-", 1)[0] for h in batch}) for batch in batches]


FOUR = {"ams": 2, "lhr": 2, "jfk": 2, "lax": 2}


def test_default_is_one_pop_then_the_rest_one_at_a_time():
    groups, intent = network(FOUR)
    hosts = anycast_rollout_order(groups["anycast_instances"], groups, intent)
    assert anycast_waves(hosts, groups, intent) == [2, 2, 2, 2]
    assert pops_of(waves_of(hosts, groups, intent)) == [["ams"], ["lhr"], ["jfk"], ["lax"]]


def test_canary_first_then_waves_that_grow():
    counts = {"p%02d" % i: 1 + i % 2 for i in range(1, 17)}
    groups, intent = network(counts)
    intent["rollout"] = {"canary": ["p09"], "growth": 2}
    hosts = anycast_rollout_order(groups["anycast_instances"], groups, intent)
    batches = pops_of(waves_of(hosts, groups, intent))
    assert batches[0] == ["p09"]
    assert [len(b) for b in batches] == [1, 2, 4, 8, 1]
    # every PoP once, and in the inventory's order after the canary
    flat = [p for b in waves_of(hosts, groups, intent) for p in dict.fromkeys(h.rsplit("-", 1)[0] for h in b)]
    assert flat == ["p09"] + [p for p in counts if p != "p09"]


def test_the_largest_wave_caps_the_growth():
    groups, intent = network({"p%02d" % i: 2 for i in range(1, 25)})
    intent["rollout"] = {"canary": ["p01", "p02"], "growth": 3, "max_wave": 5}
    hosts = anycast_rollout_order(groups["anycast_instances"], groups, intent)
    assert [len(b) for b in pops_of(waves_of(hosts, groups, intent))] == [2, 3, 5, 5, 5, 4]
    assert anycast_waves(hosts, groups, intent) == [4, 6, 10, 10, 10, 8]


def test_every_batch_is_whole_pops_whatever_the_sizes():
    counts = {"a": 3, "b": 1, "c": 2, "d": 4, "e": 1, "f": 2, "g": 3}
    groups, intent = network(counts)
    for growth in (1, 2, 3):
        for largest in (None, 1, 2, 3):
            intent["rollout"] = {"canary": ["d", "b"], "growth": growth}
            if largest:
                intent["rollout"]["max_wave"] = largest
            hosts = anycast_rollout_order(groups["anycast_instances"], groups, intent)
            for batch in waves_of(hosts, groups, intent):
                for pop in {h.rsplit("-", 1)[0] for h in batch}:
                    assert set(groups["pop_" + pop]) <= set(batch), (growth, largest, batch)
            assert pops_of(waves_of(hosts, groups, intent))[0] == ["b", "d"]


def test_only_the_hosts_of_the_play_count():
    groups, intent = network(FOUR)
    intent["rollout"] = {"canary": ["jfk"], "growth": 2}
    hosts = anycast_rollout_order(["ams-2", "lax-1", "lax-2", "lhr-1"], groups, intent)
    # the canary needs nothing: the first PoP that does is the canary, then 2 PoPs
    assert hosts == ["ams-2", "lax-1", "lax-2", "lhr-1"]
    assert anycast_waves(hosts, groups, intent) == [1, 3]
    assert anycast_waves([], groups, intent) == [1]


def test_hosts_of_a_pop_apart_or_a_late_canary_are_refused_by_name():
    groups, intent = network(FOUR)
    with pytest.raises(AnsibleFilterError, match="hosts of PoP ams are not next to each other"):
        anycast_waves(["ams-1", "lhr-1", "ams-2"], groups, intent)
    intent["rollout"] = {"canary": ["lax"]}
    with pytest.raises(AnsibleFilterError, match="canary PoP lax must come first"):
        anycast_waves(["ams-1", "lax-1"], groups, intent)


def test_the_order_keeps_each_pops_hosts_together():
    groups, intent = network(FOUR)
    intent["rollout"] = {"canary": ["lax", "lhr"]}
    assert anycast_rollout_order(["ams-1", "lhr-2", "lax-1", "ams-2", "lhr-1"], groups, intent) == [
        "lax-1", "lhr-2", "lhr-1", "ams-1", "ams-2"]


def test_a_host_of_no_pop_is_a_wave_of_its_own():
    groups, intent = network({"ams": 2})
    assert anycast_waves(["ams-1", "ams-2", "odd"], groups, intent) == [2, 1]


def test_status_says_which_wave_its_pops_and_how_far():
    groups, intent = network(FOUR)
    intent["rollout"] = {"canary": ["lhr"], "growth": 2}
    hosts = anycast_rollout_order(groups["anycast_instances"], groups, intent)
    first = anycast_wave_status(["lhr-1", "lhr-2"], hosts, groups, intent)
    assert (first["wave"], first["waves"], first["pops"], first["pops_done"]) == (1, 3, ["lhr"], 0)
    assert first["msg"].startswith("Wave 1 of 3 (canary): PoP lhr (lhr-1, lhr-2); 0 of 4 PoPs done before it")
    second = anycast_wave_status(["ams-1", "ams-2", "jfk-1", "jfk-2"], hosts, groups, intent)
    assert second["pops"] == ["ams", "jfk"] and second["pops_after"] == ["lax"]
    assert second["msg"] == ("Wave 2 of 3: PoPs ams, jfk (ams-1, ams-2, jfk-1, jfk-2); 1 of 4 PoPs done before it, "
                             "1 after it")
    last = anycast_wave_status(["lax-1", "lax-2"], hosts, groups, intent)
    assert last["msg"].endswith("3 of 4 PoPs done before it, none after it")
    with pytest.raises(AnsibleFilterError, match="not a wave"):
        anycast_wave_status(["nowhere"], hosts, groups, intent)


def test_only_the_rollout_and_the_pop_names_are_read():
    class Reads(dict):
        def __init__(self, data):
            super().__init__(data)
            self.read = set()

        def __getitem__(self, key):
            self.read.add(key)
            return dict.__getitem__(self, key)

    groups, intent = network({"ams": 1})
    pops = Reads(intent["pops"])
    wrapped = {"pops": pops, "rollout": {"growth": 2}}
    assert anycast_waves(["ams-1"], groups, wrapped) == [1]
    assert not pops.read


def test_no_intent_at_all_is_one_pop_at_a_time():
    groups, _ = network({"ams": 1, "lhr": 2})
    assert anycast_waves(["ams-1", "lhr-1", "lhr-2"], groups, {}) == [1, 2]


def test_a_string_is_not_a_host_list():
    with pytest.raises(AnsibleFilterError, match="list of host names"):
        anycast_waves("ams-1", {}, {})

"""playbooks/provision_vultr.yml and the inventory plugin against the Vultr emulator (loopback)."""

import collections

import pytest

from vultr_it_support import API_KEY, changed, intent

pytestmark = pytest.mark.integration

THREE = dict(ams=2, lhr=1, ewr=2)


def instances(emulator):
    return emulator.snapshot()["instances"]


def by_label(emulator):
    return {i["label"]: i for i in instances(emulator)}


def assert_exactly(emulator, network, pops):
    """Exactly the wanted instances exist: no duplicate label, no orphan, right tags."""
    found = instances(emulator)
    counts = collections.Counter(i["label"] for i in found)
    assert all(n == 1 for n in counts.values()), counts
    wanted = {"%s-%s-%d" % (network, pop, n): pop for pop, count in pops.items() for n in range(1, count + 1)}
    assert set(counts) == set(wanted)
    for inst in found:
        assert sorted(inst["tags"]) == sorted(["anycast:%s" % network, "anycast-pop:%s" % wanted[inst["label"]]])
        assert inst["region"] == wanted[inst["label"]]
        assert inst["status"] == "active"
    assert emulator.snapshot()["violations"] == []


def test_three_pops_converge_rerun_changes_nothing_and_inventory_lists_them(runner, emulator, tmp_path):
    first = runner.playbook(intent(**THREE))
    assert changed(first) >= 1
    assert_exactly(emulator, "itest", THREE)
    again = runner.playbook(intent(**THREE))
    assert changed(again) == 0
    assert emulator.snapshot()["created"] == 5 and emulator.snapshot()["deleted"] == 0
    check_inventory(runner, emulator)
    check_inventory_template_and_cache(runner, emulator, tmp_path)


def test_scale_two_three_one_and_remove_a_pop(runner, emulator):
    runner.playbook(intent(ams=2, lhr=1))
    assert_exactly(emulator, "itest", dict(ams=2, lhr=1))
    runner.playbook(intent(ams=3, lhr=1))
    assert_exactly(emulator, "itest", dict(ams=3, lhr=1))
    keep = by_label(emulator)["itest-ams-1"]["id"]
    # Down to one, and the PoP lhr leaves the intent: its instance is surplus too.
    proc = runner.playbook(intent(ams=1))
    for label in ("itest-ams-2", "itest-ams-3", "itest-lhr-1"):
        assert "ok: [%s]" % label in proc.stdout  # went through the drain play before removal
    assert_exactly(emulator, "itest", dict(ams=1))
    assert by_label(emulator)["itest-ams-1"]["id"] == keep


def test_converges_through_injected_faults(runner, emulator):
    emulator.configure(fault_rate=0.2, seed=23)
    runner.playbook(intent(**THREE))
    assert_exactly(emulator, "itest", THREE)
    runner.playbook(intent(ams=1, lhr=2, ewr=1))
    assert_exactly(emulator, "itest", dict(ams=1, lhr=2, ewr=1))
    snap = emulator.snapshot()
    assert snap["faults"] >= 3, snap["faults"]


def test_check_mode_creates_nothing(runner, emulator):
    proc = runner.playbook(intent(**THREE), "--check", "--diff")
    assert changed(proc) >= 1
    assert instances(emulator) == []
    assert [e for e in emulator.log if e[0] != "GET"] == []
    # And on a converged PoP, check mode of a scale-down deletes nothing.
    runner.playbook(intent(ams=2))
    runner.playbook(intent(ams=1), "--check")
    assert len(instances(emulator)) == 2


def test_no_vultr_pop_means_no_api_call(runner, emulator):
    pops = {"ams": {"provider": "lab", "region": "ams", "instances": 2}}
    data = {"anycast_intent": {"network": "itest", "pops": pops}}
    proc = runner.playbook(data, env={"VULTR_API_KEY": ""})
    assert "nothing to provision at Vultr" in " ".join(proc.stdout.split())
    assert emulator.log == []


def test_api_key_never_in_verbose_output(runner, emulator):
    proc = runner.playbook(intent(ams=1), "-vvv", "-e", "anycast_vultr_api_key=%s" % API_KEY,
                           "--diff", env={"VULTR_API_KEY": ""})
    assert "itest-ams-1" in proc.stdout  # it did run, verbosely
    assert API_KEY not in proc.stdout and API_KEY not in proc.stderr
    assert len(instances(emulator)) == 1


def test_bad_key_fails_clearly(runner, emulator):
    proc = runner.playbook(intent(ams=1), env={"VULTR_API_KEY": "not-the-key"}, check=False)
    assert proc.returncode != 0
    assert "401" in proc.stdout
    assert instances(emulator) == []


def check_inventory(runner, emulator):
    # Someone else's instance and another network's are not listed.
    emulator.state.create_instance({"region": "ams", "plan": "vc2-1c-1gb", "os_id": 2136, "label": "web-1"}, 0)
    emulator.state.create_instance({"region": "ams", "plan": "vc2-1c-1gb", "os_id": 2136, "label": "other-ams-1",
                                    "tags": ["anycast:other", "anycast-pop:ams"]}, 0)
    inv = runner.inventory({"plugin": "anycast.network.vultr", "network": "itest",
                            "keyed_groups": [{"key": "vultr_plan", "prefix": "plan"}],
                            "compose": {"anycast_role": "'edge-' ~ anycast_pop"}})
    hostvars = inv["_meta"]["hostvars"]
    held = {i["label"]: i for i in instances(emulator) if i["label"].startswith("itest-")}
    assert set(hostvars) == set(held)
    assert sorted(inv["anycast_instances"]["hosts"]) == sorted(held)
    assert sorted(inv["provider_vultr"]["hosts"]) == sorted(held)
    assert sorted(inv["pop_ams"]["hosts"]) == ["itest-ams-1", "itest-ams-2"]
    assert inv["pop_lhr"]["hosts"] == ["itest-lhr-1"]
    assert sorted(inv["region_ewr"]["hosts"]) == ["itest-ewr-1", "itest-ewr-2"]
    assert "itest-ams-1" in inv["plan_vc2_1c_1gb"]["hosts"]
    for label, inst in held.items():
        hv = hostvars[label]
        assert hv["anycast_pop"] == label.split("-")[1]
        assert hv["anycast_instance_index"] == int(label.rsplit("-", 1)[1])
        assert hv["anycast_provider"] == "vultr"
        assert hv["anycast_address"] == inst["main_ip"] == hv["ansible_host"]
        assert hv["anycast_address6"] == inst["v6_main_ip"] != ""
        assert hv["vultr_id"] == inst["id"]
        assert hv["anycast_role"] == "edge-" + hv["anycast_pop"]
    assert API_KEY not in str(inv)


def check_inventory_template_and_cache(runner, emulator, tmp_path):
    config = {"plugin": "anycast.network.vultr", "network": "itest",
              "api_key": "{{ lookup('ansible.builtin.env', 'ITEST_VULTR_KEY') }}",
              "cache": True, "cache_plugin": "ansible.builtin.jsonfile",
              "cache_connection": str(tmp_path / "cache"), "cache_timeout": 300}
    env = {"VULTR_API_KEY": "", "ITEST_VULTR_KEY": API_KEY}
    inv = runner.inventory(config, env=env)
    hosts = sorted(inv["_meta"]["hostvars"])
    assert len(hosts) == 5
    calls = len(emulator.log)
    inv = runner.inventory(config, env=env)
    assert sorted(inv["_meta"]["hostvars"]) == hosts
    assert len(emulator.log) == calls  # served from the cache
    assert API_KEY not in "".join(p.read_text() for p in (tmp_path / "cache").iterdir())


def test_inventory_pending_instances_have_empty_addresses(runner, emulator):
    emulator.configure(boot_delay=3600)
    emulator.state.boot_delay = 3600
    emulator.state.create_instance({"region": "ams", "plan": "vc2-1c-1gb", "os_id": 2136, "label": "itest-ams-1",
                                    "tags": ["anycast:itest", "anycast-pop:ams"]}, 10 ** 9)
    inv = runner.inventory({"plugin": "anycast.network.vultr", "network": "itest"})
    hv = inv["_meta"]["hostvars"]["itest-ams-1"]
    assert hv["anycast_address"] == "" and hv["anycast_address6"] == ""
    assert "ansible_host" not in hv

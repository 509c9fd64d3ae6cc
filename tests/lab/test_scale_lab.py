"""The scale lab (docs/lab.md): 24 PoPs of two instances on six continents, converged by site.yml in waves.

It replaces the default lab while it runs (one lab per machine), so it runs last and takes the lab down at the end;
the next run of the default lab's tests brings that back. Slow: it runs once per test suite."""

import copy
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
import yaml
from toolpath import BIN

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "collections"))
from ansible_collections.anycast.network.plugins.module_utils.intent import files  # noqa: E402
from ansible_collections.anycast.network.plugins.module_utils.lab import addressing, podman  # noqa: E402
from ansible_collections.anycast.network.plugins.module_utils.lab import topology as topo_mod  # noqa: E402

pytestmark = [pytest.mark.lab, pytest.mark.slow]
INVENTORY = ROOT / "inventories" / "lab-scale"
INTENT = files.load_intent_file(str(INVENTORY / "group_vars" / "all" / "intent.yml"))
RECAP = re.compile(r"^(\S+)\s+: ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)", re.M)


def run(playbook, *args, facts=None, timeout=1800):
    env = dict(os.environ, ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"), ANSIBLE_NOCOLOR="1",
               PATH="%s:%s" % (BIN, os.environ.get("PATH", "")))
    if facts:
        env["ANSIBLE_CACHE_PLUGIN_CONNECTION"] = facts
    cmd = [str(BIN / "ansible-playbook"), "-i", str(INVENTORY), str(ROOT / playbook)] + list(args)
    return subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout, check=False)


def changed(out):
    """{instance: changed tasks} of a run's recap (localhost left out)."""
    return {m.group(1): int(m.group(3)) for m in RECAP.finditer(out) if m.group(1) != "localhost"}


def prepends(plan, instance):
    """How many prepends the instance's BIRD configuration holds (the drain's own ones included)."""
    conf = podman.exec_(plan["nodes"][instance]["container"], "cat", "/etc/bird/bird.conf", check=True).stdout
    return conf.count("bgp_path.prepend(ANYCAST_ASN)")


def established(plan, instance):
    out = podman.exec_(plan["nodes"][instance]["container"], "birdc", "show", "protocols").stdout
    return [line.split()[0] for line in out.splitlines() if " BGP " in line and "Established" in line]


def intent_file(tmp_path, name, intent):
    path = tmp_path / name
    path.write_text(yaml.safe_dump({"anycast_intent": intent}))
    return path


@pytest.fixture(scope="module")
def scale_lab(lab_available):
    topo = topo_mod.load(str(ROOT / "lab" / "topologies" / "scale.yml"))
    plan = addressing.plan_for_intent(topo, INTENT)
    with tempfile.TemporaryDirectory() as facts:
        down = run("playbooks/lab_down.yml", "-e", "lab_keep_image=true", facts=facts, timeout=900)
        assert down.returncode == 0, down.stdout[-3000:]
        try:
            # The lab command on the scale inventory: the lab, 48 instances in waves, and verify (which fails when a
            # vantage point lands away from the PoP of its region).
            proc = run("site.yml", facts=facts, timeout=2400)
            assert proc.returncode == 0, proc.stdout[-6000:]
            assert proc.stdout.count("created by this run") >= 48, proc.stdout[-3000:]
            yield plan
        finally:
            run("playbooks/lab_down.yml", "-e", "lab_keep_image=true", facts=facts, timeout=900)


def test_48_instances_converge_and_a_rerun_changes_nothing(scale_lab):
    proc = run("site.yml")
    assert proc.returncode == 0, proc.stdout[-5000:]
    counts = changed(proc.stdout)
    assert len(counts) == 48 and not any(counts.values()), {h: c for h, c in counts.items() if c}


def test_one_pops_change_runs_one_wave_touching_that_pop_only(scale_lab, tmp_path):
    before = prepends(scale_lab, "syd-1")
    intent = copy.deepcopy(INTENT)
    intent["pops"]["syd"]["prepend"] = 1
    proc = run("playbooks/configure.yml", "-e", "@%s" % intent_file(tmp_path, "syd.yml", intent))
    assert proc.returncode == 0, proc.stdout[-5000:]
    touched = {h for h, c in changed(proc.stdout).items() if c}
    assert touched == {"syd-1", "syd-2"}, touched
    assert prepends(scale_lab, "syd-1") > before
    assert prepends(scale_lab, "nrt-1") == before
    # Back as the inventory's intent says.
    proc = run("playbooks/configure.yml")
    assert proc.returncode == 0, proc.stdout[-5000:]


def test_a_broken_second_wave_stops_the_run_and_later_pops_keep_serving(scale_lab, tmp_path):
    """Every PoP gets a harmless change (a prepend); the second wave's PoPs also a BGP password their edges refuse.
    The canary applies its change, the second wave fails its BGP check, and the PoPs after it are never touched."""
    before = prepends(scale_lab, "lhr-1")
    intent = copy.deepcopy(INTENT)
    for pop in intent["pops"].values():
        pop["prepend"] = 1
    # Waves: the canary (lhr), then the first two PoPs after it in the intent's order.
    second = [p for p in intent["pops"] if p not in intent["rollout"]["canary"]][:2]
    later = [p for p in intent["pops"] if p not in intent["rollout"]["canary"] + second]
    upstream = copy.deepcopy(intent["defaults"]["upstreams"][0])
    upstream["password"] = "NotTheEdgesPassword1234"
    for pop in second:
        intent["pops"][pop]["upstreams"] = [upstream]
    try:
        proc = run("playbooks/configure.yml", "-e", "@%s" % intent_file(tmp_path, "broken.yml", intent))
        assert proc.returncode != 0, proc.stdout[-3000:]
        for pop in second:
            assert pop in proc.stdout[-6000:], proc.stdout[-6000:]
        assert prepends(scale_lab, "lhr-1") > before
        for pop in later:
            for index in (1, 2):
                name = "%s-%d" % (pop, index)
                assert prepends(scale_lab, name) == before, name
                assert established(scale_lab, name), name
    finally:
        repaired = run("playbooks/configure.yml")
    assert repaired.returncode == 0, repaired.stdout[-5000:]

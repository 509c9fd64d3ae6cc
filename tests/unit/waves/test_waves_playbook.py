"""The configure play's own `hosts`, `order`, `serial`, wave report and pending group, run by ansible-playbook over
fake instances (ansible_connection: local) in several PoPs: each batch Ansible cuts is one wave of whole PoPs, the
canary first, and a failing wave stops the run before the next one."""

import os
import pathlib
import re
import subprocess
import sys

import pytest
import yaml

from toolpath import path_env, tool

ROOT = pathlib.Path(__file__).resolve().parents[3]
CONFIGURE = yaml.safe_load((ROOT / "playbooks" / "configure.yml").read_text())
COUNTS = {"ams": 2, "lhr": 1, "jfk": 3, "lax": 2, "sin": 1, "syd": 2, "gru": 1}


def _play(name_start):
    return next(p for p in CONFIGURE if p["name"].startswith(name_start))


def _task(play, name_start):
    return next(t for t in play["tasks"] if t["name"].startswith(name_start))


def playbook(fail_on=None):
    """The pending group as configure.yml builds it, then a play with configure.yml's keywords and wave report,
    whose only task says which hosts the batch holds (and fails on `fail_on`)."""
    check = _play("Which instances")
    configure = _play("Configure the PoPs")
    pending = dict(_task(check, "The instances to configure"))
    tasks = [{"name": "Batch", "ansible.builtin.debug": {"msg": "batch={{ ansible_play_batch | join(',') }}"},
              "run_once": True}]
    if fail_on:
        tasks.append({"name": "A check fails", "ansible.builtin.fail": {"msg": "broken at {{ inventory_hostname }}"},
                      "when": "inventory_hostname == %r" % fail_on})
    return [
        {"name": "Pending", "hosts": "anycast_instances", "gather_facts": False,
         # the converged check's verdict: every instance but the second of jfk and ams differs
         "vars": {"__configure_reasons": {h: ["differs"] for h in hosts() if h not in ("jfk-2",)}},
         "tasks": [pending]},
        {"name": "Waves", "hosts": configure["hosts"], "order": configure["order"], "serial": configure["serial"],
         "gather_facts": False, "any_errors_fatal": configure["any_errors_fatal"],
         "max_fail_percentage": configure["max_fail_percentage"], "pre_tasks": configure["pre_tasks"],
         "tasks": tasks},
    ]


def hosts():
    return ["%s-%d" % (pop, n) for pop, count in COUNTS.items() for n in range(1, count + 1)]


def inventory(tmp, rollout):
    pops = {"pop_" + pop: {"hosts": {"%s-%d" % (pop, n): None for n in range(1, count + 1)}}
            for pop, count in COUNTS.items()}
    (tmp / "hosts.yml").write_text(yaml.safe_dump({"all": {
        "vars": {"ansible_connection": "local", "ansible_python_interpreter": sys.executable},
        "children": {"anycast_instances": {"children": pops}}}}, sort_keys=False))
    intent = {"pops": {pop: {"provider": "lab", "region": pop, "instances": count} for pop, count in COUNTS.items()}}
    if rollout is not None:
        intent["rollout"] = rollout
    (tmp / "group_vars" / "all").mkdir(parents=True)
    (tmp / "group_vars" / "all" / "intent.yml").write_text(yaml.safe_dump({"anycast_intent": intent}))


def run(tmp, rollout, fail_on=None):
    inventory(tmp, rollout)
    (tmp / "play.yml").write_text(yaml.safe_dump(playbook(fail_on), sort_keys=False))
    env = dict(os.environ, ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"), ANSIBLE_NOCOLOR="1", ANSIBLE_FORCE_COLOR="0",
               ANSIBLE_CACHE_PLUGIN="memory", ANSIBLE_STDOUT_CALLBACK="ansible.builtin.default",
               ANSIBLE_CALLBACK_RESULT_FORMAT="json", PATH=path_env())
    proc = subprocess.run([tool("ansible-playbook"), "-i", str(tmp / "hosts.yml"), str(tmp / "play.yml")],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False)
    batches = [b.split(",") for b in re.findall(r"batch=([\w,-]+)", proc.stdout)]
    reports = re.findall(r'(Wave \d+ of \d+[^"\n]*)', proc.stdout)
    return proc, batches, reports


def pops(batches):
    return [list(dict.fromkeys(h.rsplit("-", 1)[0] for h in batch)) for batch in batches]


def test_default_one_pop_per_batch_in_inventory_order(tmp_path):
    proc, batches, reports = run(tmp_path, None)
    assert proc.returncode == 0, proc.stdout[-3000:]
    assert pops(batches) == [[p] for p in COUNTS]
    assert batches[2] == ["jfk-1", "jfk-3"]      # only the instances that differ
    assert len(reports) == len(COUNTS)
    assert reports[0].startswith("Wave 1 of 7 (canary): PoP ams (ams-1, ams-2); 0 of 7 PoPs done before it")


def test_canary_then_growing_waves_of_whole_pops(tmp_path):
    proc, batches, reports = run(tmp_path, {"canary": ["sin"], "growth": 2, "max_wave": 3})
    assert proc.returncode == 0, proc.stdout[-3000:]
    assert pops(batches) == [["sin"], ["ams", "lhr"], ["jfk", "lax", "syd"], ["gru"]]
    assert batches[2] == ["jfk-1", "jfk-3", "lax-1", "lax-2", "syd-1", "syd-2"]
    assert [r.split(":")[0] for r in reports] == ["Wave 1 of 4 (canary)", "Wave 2 of 4", "Wave 3 of 4",
                                                 "Wave 4 of 4"]
    assert "PoPs jfk, lax, syd (jfk-1, jfk-3, lax-1, lax-2, syd-1, syd-2); 3 of 7 PoPs done before it" in reports[2]


def test_a_failing_wave_stops_the_run_and_names_the_host(tmp_path):
    proc, batches, _ = run(tmp_path, {"canary": ["lhr"], "growth": 2}, fail_on="jfk-3")
    assert proc.returncode != 0
    assert pops(batches) == [["lhr"], ["ams", "jfk"]]   # the wave of 4 PoPs after it never starts
    assert "broken at jfk-3" in proc.stdout


@pytest.mark.parametrize("rollout", [{"canary": ["gru", "ams"]}, {"growth": 3}])
def test_every_batch_holds_whole_pops(tmp_path, rollout):
    proc, batches, _ = run(tmp_path, rollout)
    assert proc.returncode == 0, proc.stdout[-3000:]
    pending = [h for h in hosts() if h != "jfk-2"]
    assert sorted(h for b in batches for h in b) == sorted(pending)
    for batch in batches:
        for pop in {h.rsplit("-", 1)[0] for h in batch}:
            assert {h for h in pending if h.rsplit("-", 1)[0] == pop} <= set(batch), batch
    if "canary" in rollout:
        assert pops(batches)[0] == ["gru", "ams"]

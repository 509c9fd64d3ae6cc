"""One way to choose the lab topology: the inventory names it. validate.yml (the first step of site.yml) refuses a
command line's -e anycast_lab_topology that is not the inventory's, and what the lab cannot build, by path."""

import os
import pathlib
import shutil
import subprocess

import yaml

from toolpath import path_env, tool

ROOT = pathlib.Path(__file__).resolve().parents[3]
TOPOLOGIES = ROOT / "lab" / "topologies"


def lab_inventory(tmp, change=None):
    """A copy of inventories/lab naming the default topology (its lab state in tmp), its intent changed by
    `change`."""
    inv = tmp / "inventories" / "lab"
    shutil.copytree(ROOT / "inventories" / "lab", inv)
    conf = yaml.safe_load((inv / "hosts.anycast.yml").read_text())
    conf.update(lab_topology=str(TOPOLOGIES / "default.yml"), lab_state_dir=str(tmp / "state"))
    (inv / "hosts.anycast.yml").write_text(yaml.safe_dump(conf))
    if change:
        path = inv / "group_vars" / "all" / "intent.yml"
        data = yaml.safe_load(path.read_text())
        change(data["anycast_intent"])
        path.write_text(yaml.safe_dump(data))
    return inv


def validate(inv, *extra):
    env = dict(os.environ, ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"), ANSIBLE_NOCOLOR="1",
               ANSIBLE_CALLBACK_RESULT_FORMAT="json", PATH=path_env())
    env.pop("ANYCAST_LAB_TOPOLOGY", None)
    return subprocess.run([tool("ansible-playbook"), "-i", str(inv), str(ROOT / "playbooks" / "validate.yml")]
                          + list(extra), cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False)


def test_the_inventorys_topology_passes_also_when_named_again(tmp_path):
    inv = lab_inventory(tmp_path)
    proc = validate(inv)
    assert proc.returncode == 0, proc.stdout[-3000:]
    assert "The intent is valid" in proc.stdout
    same = os.path.relpath(TOPOLOGIES / "default.yml", ROOT)
    proc = validate(inv, "-e", "anycast_lab_topology=%s" % same)
    assert proc.returncode == 0, proc.stdout[-3000:]


def test_another_topology_on_the_command_line_is_refused(tmp_path):
    inv = lab_inventory(tmp_path)
    proc = validate(inv, "-e", "anycast_lab_topology=lab/topologies/mystery.yml")
    assert proc.returncode != 0
    assert ("The lab topology lab/topologies/mystery.yml (anycast_lab_topology, given on the command line) is not "
            "the inventory's") in proc.stdout
    assert "names %s" % (TOPOLOGIES / "default.yml") in proc.stdout
    assert "Nothing was changed" in proc.stdout


def test_what_the_lab_cannot_build_is_refused_by_path(tmp_path):
    def change(intent):
        intent["pops"]["fra"] = {"provider": "static", "hosts": [{"name": "fra-1", "address": "198.51.100.20"}],
                                 "upstreams": [{"profile": "vultr", "password": "pw"}]}
        intent["pops"]["lhr"]["upstreams"] = [{"profile": "generic", "neighbor": "198.51.100.1", "asn": 64511,
                                               "password": "pw"}]

    proc = validate(lab_inventory(tmp_path, change))
    assert proc.returncode != 0
    assert "The intent has 2 problems" in proc.stdout
    assert "pops.fra.provider: the lab builds no static PoP" in proc.stdout
    assert "pops.lhr.upstreams[0].profile: the lab's provider edges are Vultr-like only" in proc.stdout


def test_lab_up_refuses_another_topology_before_building_anything(tmp_path):
    """lab_up.yml checks as the validate step does. Run with --tags never-run: only its check (tagged always) can
    run, so a check that let the topology through could still not build a lab here."""
    inv = lab_inventory(tmp_path)
    env = dict(os.environ, ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"), ANSIBLE_NOCOLOR="1",
               ANSIBLE_CALLBACK_RESULT_FORMAT="json", PATH=path_env())
    env.pop("ANYCAST_LAB_TOPOLOGY", None)
    cmd = [tool("ansible-playbook"), "-i", str(inv), str(ROOT / "playbooks" / "lab_up.yml"), "--tags", "never-run"]
    proc = subprocess.run(cmd + ["-e", "anycast_lab_topology=lab/topologies/mystery.yml"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300, check=False)
    assert proc.returncode != 0
    assert "is not the inventory's" in proc.stdout, proc.stdout[-3000:]
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False)
    assert proc.returncode == 0, proc.stdout[-3000:]
    assert "The intent is valid" in proc.stdout or "ok: [localhost]" in proc.stdout

"""Helpers for the services tests: render a role's templates for a lab-like inventory, on the controller."""

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from toolpath import BIN

ROOT = Path(__file__).resolve().parents[3]
PLAYBOOK = BIN / "ansible-playbook"


def lab_inventory(tmp_path, intent, hosts=("lhr-1", "lhr-2", "ams-1")):
    """An inventory of lab-like instances, all local, with the contract's hostvars."""
    inv = {"all": {"vars": {"anycast_intent": intent, "ansible_connection": "local",
                            "anycast_lab_state_dir": str(tmp_path),
                            "ansible_python_interpreter": sys.executable},
                   "children": {"anycast_instances": {"hosts": {}}}}}
    for i, name in enumerate(hosts):
        pop, n = name.rsplit("-", 1)
        inv["all"]["children"]["anycast_instances"]["hosts"][name] = {
            "anycast_pop": pop, "anycast_instance_index": int(n), "anycast_provider": "lab",
            "anycast_address": "192.0.2.%d" % (11 + i), "anycast_address6": "2001:db8:1::%d" % (11 + i)}
        # The contract's per-PoP groups.
        inv["all"]["children"].setdefault("pop_" + pop.replace("-", "_"), {"hosts": {}})["hosts"][name] = {}
    path = tmp_path / "inventory.json"
    # A YAML inventory is JSON-compatible.
    path.write_text(json.dumps(inv))
    (tmp_path / "inventory.yml").write_text(json.dumps(inv))
    return tmp_path / "inventory.yml"


def run_playbook(tmp_path, inventory, play_yaml, extra_env=None, check=True):
    pb = tmp_path / "play.yml"
    pb.write_text(textwrap.dedent(play_yaml))
    env = dict(os.environ, ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"), ANSIBLE_NOCOLOR="1",
               ANSIBLE_LOCAL_TEMP=str(tmp_path / ".ansible-tmp"), ANSIBLE_STDOUT_CALLBACK="ansible.builtin.default")
    env.update(extra_env or {})
    proc = subprocess.run([str(PLAYBOOK), "-i", str(inventory), str(pb)], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300, check=False)
    if check and proc.returncode != 0:
        raise AssertionError(proc.stdout[-4000:] + proc.stderr[-2000:])
    return proc


def need(binary):
    if not shutil.which(binary) and not Path("/usr/sbin/" + binary).exists():
        pytest.skip(binary + " is not installed")

"""The drain role drives anycast-announce; in check mode it reports and changes nothing."""

import json
import os
import subprocess

import pytest
import yaml

from bird_support import ANNOUNCE, ROOT, VENV_BIN, lab_host, needs_bird, render

pytestmark = needs_bird


@pytest.fixture(scope="module")
def inst(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("drain")
    paths = render(tmp, {"lhr1": lab_host()})["lhr1"]
    inv = tmp / "drain-inventory.yml"
    inv.write_text(yaml.safe_dump({"all": {"hosts": {"lhr1": {
        "ansible_connection": "local", "ansible_python_interpreter": str(VENV_BIN / "python"),
        "drain_announce_command": str(ANNOUNCE), "drain_manifest_file": str(paths["manifest"])}}}}))
    return paths, inv


def run(inv, action, check=False):
    env = dict(os.environ, ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"), ANSIBLE_NOCOLOR="1",
               ANSIBLE_CACHE_PLUGIN="memory")
    cmd = [str(VENV_BIN / "ansible-playbook"), "-i", str(inv), str(ROOT / "tests/unit/bird/drain.yml"),
           "-e", "drain_action=%s" % action] + (["--check"] if check else [])
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stdout[-3000:]
    return int(proc.stdout.split("changed=")[1].split()[0])


def mode(paths):
    return json.loads(paths["state"].read_text())["mode"]


def test_check_mode_changes_nothing_then_drain_withdraw_undrain(inst):
    paths, inv = inst
    assert run(inv, "drain", check=True) == 1 and mode(paths) == "normal"
    assert run(inv, "drain") == 1 and mode(paths) == "drain"
    assert "define ANYCAST_MODE = 1;" in paths["include"].read_text()
    assert run(inv, "drain") == 0
    assert run(inv, "withdraw") == 1 and mode(paths) == "withdraw"
    assert run(inv, "undrain", check=True) == 1 and mode(paths) == "withdraw"
    assert run(inv, "undrain") == 1 and mode(paths) == "normal"
    assert "define ANYCAST_MODE = 0;" in paths["include"].read_text()

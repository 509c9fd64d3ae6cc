"""The seed's London routing mystery with the real roles: in the mystery topology London lands in New York; the fix
in the intent (jfk tells Vultr not to announce to atlas, 64600:65010) brings it back to London."""

import copy
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from toolpath import BIN

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "collections"))
from ansible_collections.anycast.network.plugins.module_utils.lab import podman, probe  # noqa: E402

pytestmark = pytest.mark.lab
FIX = "64600:65010"


def configure(intent_file, limit=None):
    env = dict(os.environ, ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"), ANSIBLE_NOCOLOR="1",
               PATH="%s:%s" % (BIN, os.environ.get("PATH", "")))
    cmd = [str(BIN / "ansible-playbook"), "-i", str(ROOT / "inventories" / "lab"),
           "-e", "@%s" % intent_file, str(ROOT / "playbooks" / "configure.yml")]
    if limit:
        cmd += ["--limit", limit]
    return subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=1200, check=False)


def london(plan, intent, family=4):
    res = probe.probe_vantage(plan, "lhr", intent, count=3)["results"]
    res = [r for r in res if r["family"] in (family, "ipv%d" % family)]
    return res[0].get("pop") if res else None


def wait_for_pop(plan, intent, pop, timeout=90):
    deadline = time.time() + timeout
    got = None
    while time.time() < deadline:
        got = london(plan, intent)
        if got == pop:
            return got
        time.sleep(3)
    return got


@pytest.fixture(scope="module")
def mystery(lab_available, lab_plan, lab_state_dir, lab_intent):
    plan = lab_plan("mystery")
    podman.up(plan, str(lab_state_dir), timeout=90)
    yield plan
    podman.down()


def test_london_lands_in_new_york_until_the_intent_fixes_it(mystery, lab_intent, tmp_path):
    broken = tmp_path / "intent.yml"
    broken.write_text(yaml.safe_dump({"anycast_intent": lab_intent}))
    proc = configure(broken)
    assert proc.returncode == 0, proc.stdout[-5000:]
    assert wait_for_pop(mystery, lab_intent, "jfk") == "jfk"
    fixed_intent = copy.deepcopy(lab_intent)
    fixed_intent["pops"]["jfk"]["communities"] = [FIX]
    fixed = tmp_path / "fixed.yml"
    fixed.write_text(yaml.safe_dump({"anycast_intent": fixed_intent}))
    proc = configure(fixed, limit="pop_jfk")
    assert proc.returncode == 0, proc.stdout[-5000:]
    conf = podman.exec_(mystery["nodes"]["jfk-1"]["container"], "cat", "/etc/bird/bird.conf").stdout
    assert "bgp_community.add((64600,65010));" in conf
    assert wait_for_pop(mystery, fixed_intent, "lhr") == "lhr"
    assert json.loads(podman.exec_(mystery["nodes"]["lhr-1"]["container"], "/usr/local/sbin/anycast-announce",
                                   "status").stdout)["mode"] == "normal"

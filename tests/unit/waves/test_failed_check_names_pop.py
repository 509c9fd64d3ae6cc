"""A failed BGP check of a wave names the PoP (bird_state's message starts with the instance's anycast_pop)."""

import os
import pathlib
import subprocess
import sys

from toolpath import path_env, tool

ROOT = pathlib.Path(__file__).resolve().parents[3]


def bird_state(tmp, *extra):
    env = dict(os.environ, ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"), ANSIBLE_NOCOLOR="1", PATH=path_env(),
               ANSIBLE_CALLBACK_RESULT_FORMAT="json")
    return subprocess.run(
        [tool("ansible"), "localhost", "-i", "localhost,", "-c", "local", "-m", "anycast.network.bird_state",
         "-a", "birdc=%s manifest=%s fail_on_problems=true" % (tmp / "no-birdc", tmp / "no-manifest"),
         "-e", "ansible_python_interpreter=%s" % sys.executable] + list(extra),
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False)


def test_the_pop_leads_the_message(tmp_path):
    proc = bird_state(tmp_path, "-e", "anycast_pop=jfk")
    assert proc.returncode != 0
    assert '"msg": "PoP jfk: BIRD does not answer' in proc.stdout, proc.stdout[-2000:]


def test_without_a_pop_the_message_is_the_modules(tmp_path):
    proc = bird_state(tmp_path)
    assert proc.returncode != 0
    assert '"msg": "BIRD does not answer' in proc.stdout, proc.stdout[-2000:]

"""A bad image stops the rollout at the first PoP (docs/workloads.md, "Rollout"), and the demo's secret stays secret.

Each case runs the configure step of site.yml on the converged lab with the lab intent, the demo's image replaced
(an extra-vars file with the whole intent: extra vars win over the inventory's). The first PoP configured is `ams`
(the intent's order): the run must fail there with a message naming the image or the failed check, `ams` must still
serve v1, and no instance of another PoP may have been touched (its record and its unit's start time unchanged).
"""

import copy
import os
import pathlib
import subprocess

import pytest
import yaml

from test_services_helpers import need
from toolpath import BIN
from workload_helpers import INSTANCES, dump, states

ROOT = pathlib.Path(__file__).resolve().parents[2]
INTENT = yaml.safe_load((ROOT / "inventories/lab/group_vars/all/intent.yml").read_text())["anycast_intent"]
pytestmark = [pytest.mark.lab, pytest.mark.slow]
FIRST_POP = "ams"


def configure(tmp_path, intent=None, extra=()):
    env = dict(os.environ, ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"), ANSIBLE_NOCOLOR="1",
               PATH="%s:%s" % (BIN, os.environ.get("PATH", "")))
    cmd = [str(BIN / "ansible-playbook"), "-i", str(ROOT / "inventories/lab"), str(ROOT / "site.yml"),
           "--tags", "configure"]
    if intent is not None:
        path = tmp_path / "intent.yml"
        path.write_text(yaml.safe_dump({"anycast_intent": intent}, sort_keys=False))
        cmd += ["-e", "@%s" % path]
    return subprocess.run(cmd + list(extra), cwd=ROOT, env=env, capture_output=True, text=True, timeout=1200,
                          check=False)


def with_demo_image(image):
    intent = copy.deepcopy(INTENT)
    intent["services"]["demo"]["image"] = image
    return intent


def failed_hosts(stdout):
    """Hosts with a failed task ("fatal: [host]" or a loop's "failed: [host] (item=...)"; a delegated task's
    "[host -> other]" counts for both)."""
    hosts = set()
    for line in stdout.splitlines():
        if line.startswith(("fatal: [", "failed: [")):
            inside = line.split("[", 1)[1].split("]", 1)[0]
            hosts.update(h.strip() for h in inside.split("->"))
    return sorted(hosts)


def check_stopped_at_first_pop(proc, before, after):
    assert proc.returncode != 0, proc.stdout[-3000:]
    failed = failed_hosts(proc.stdout + proc.stderr)
    assert failed and all(h.startswith(FIRST_POP + "-") for h in failed), (failed, proc.stdout[-4000:])
    for name in INSTANCES:
        # Every instance still answers with the version it ran, from the image it had recorded.
        assert after[name]["version"] == "v1", dump(after)
        assert after[name]["record"] == before[name]["record"], dump({"before": before, "after": after})
        if not name.startswith(FIRST_POP + "-"):
            # Later PoPs were never touched: not even restarted.
            assert after[name]["since"] == before[name]["since"], dump({"before": before, "after": after})


def test_a_tag_missing_from_the_registry_fails_at_the_first_pop(converged_lab, tmp_path):
    before = states(converged_lab)
    assert all(s["version"] == "v1" for s in before.values()), dump(before)
    proc = configure(tmp_path, with_demo_image("registry.lab.test:5000/demo:no-such-tag"))
    after = states(converged_lab)
    check_stopped_at_first_pop(proc, before, after)
    # The pull failed, before anything stopped: the instances of the first PoP were not restarted either.
    assert all(after[n]["since"] == before[n]["since"] for n in INSTANCES), dump({"before": before, "after": after})
    out = proc.stdout + proc.stderr
    assert "demo:no-such-tag" in out and "manifest unknown" in out, out[-3000:]


def test_an_image_failing_its_health_check_is_rolled_back_at_the_first_pop(converged_lab, tmp_path):
    before = states(converged_lab)
    proc = configure(tmp_path, with_demo_image("registry.lab.test:5000/demo:unhealthy"))
    after = states(converged_lab)
    check_stopped_at_first_pop(proc, before, after)
    # The first instance was swapped, did not pass its check, and was rolled back to v1 (restarted twice).
    assert after["%s-1" % FIRST_POP]["since"] != before["%s-1" % FIRST_POP]["since"]
    text = " ".join((proc.stdout + proc.stderr).split())
    # The message names the instance, the step, the workload and its image, and says what was done.
    assert ("%s-1: the health check failed for workload demo (registry.lab.test:5000/demo@sha256:"
            % FIRST_POP) in text, text[-4000:]
    assert "run their previous images again; later PoPs were not touched" in text, text[-4000:]


def _token():
    return (ROOT / ".lab" / "demo-token").read_text().split()[0]


def test_the_workload_secret_is_in_no_output_report_or_readable_file(converged_lab, tmp_path):
    token = _token()
    assert len(token) >= 16
    proc = configure(tmp_path, extra=["--limit", "pop_%s" % FIRST_POP, "-vvv", "--diff"])
    assert proc.returncode == 0, proc.stdout[-3000:]
    assert token not in proc.stdout and token not in proc.stderr
    # Nothing the controller keeps: the lab's state (but the file the intent's lookup reads it from) and reports.
    for base in (ROOT / ".lab", ROOT / "reports"):
        for path in base.rglob("*") if base.exists() else []:
            if path.is_file() and path.name != "demo-token":
                assert token.encode() not in path.read_bytes(), path
    # On an instance: the secret reaches the workload (its environment file), and no file holding it is readable by
    # anyone but root.
    container = need("instance", "%s-1" % FIRST_POP)
    found = subprocess.run(["podman", "exec", container, "sh", "-c",
                            "grep -rlsF -- \"$1\" /etc /var /run /tmp /root /usr/local /opt /home; true", "sh", token],
                           capture_output=True, text=True, timeout=120, check=False).stdout.split()
    assert "/etc/anycast/workloads/demo.env" in found, found
    for path in found:
        # Readable by anyone but root: tried as nobody (the file's mode and every directory above it count).
        other = subprocess.run(["podman", "exec", container, "setpriv", "--reuid=nobody", "--regid=nogroup",
                                "--clear-groups", "cat", path], capture_output=True, text=True, check=False)
        assert other.returncode != 0 and token not in other.stdout, (path, "readable by nobody")
    env_dir = subprocess.run(["podman", "exec", container, "stat", "-c", "%a", "/etc/anycast/workloads"],
                             capture_output=True, text=True, check=False).stdout.strip()
    assert env_dir == "700", env_dir

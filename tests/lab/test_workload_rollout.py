"""A bad image stops the rollout at the first PoP (docs/workloads.md, "Rollout"), and the demo's secret stays secret.

Each case runs the configure step of site.yml on the converged lab with the lab intent, the demo's image replaced
(an extra-vars file with the whole intent: extra vars win over the inventory's). The first PoP configured is `ams`
(the intent's order): the run must fail there with a message naming the image or the failed check, `ams` must still
serve v1, and no instance of another PoP may have been touched (its record and its unit's start time unchanged).
"""

import copy
import os
import pathlib
import stat
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
    return sorted({line.split("[", 1)[1].split("]", 1)[0] for line in stdout.splitlines()
                   if line.startswith("fatal: [")})


def check_stopped_at_first_pop(proc, before, after):
    assert proc.returncode != 0, proc.stdout[-3000:]
    failed = failed_hosts(proc.stdout)
    assert failed and all(h.startswith(FIRST_POP + "-") for h in failed), failed
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
    assert "demo:no-such-tag" in proc.stdout and "manifest unknown" in proc.stdout, proc.stdout[-3000:]


def test_an_image_failing_its_health_check_is_rolled_back_at_the_first_pop(converged_lab, tmp_path):
    before = states(converged_lab)
    proc = configure(tmp_path, with_demo_image("registry.lab.test:5000/demo:unhealthy"))
    after = states(converged_lab)
    check_stopped_at_first_pop(proc, before, after)
    # The first instance was swapped, did not pass its check, and was rolled back to v1 (restarted twice).
    assert after["%s-1" % FIRST_POP]["since"] != before["%s-1" % FIRST_POP]["since"]
    text = proc.stdout
    assert "rolled back" in text.lower() or "rollback" in text.lower(), text[-4000:]
    assert "demo" in text and "health" in text.lower(), text[-4000:]


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
        mode = subprocess.run(["podman", "exec", container, "stat", "-c", "%a %U", path], capture_output=True,
                              text=True, check=False).stdout.split()
        assert mode and int(mode[0], 8) & (stat.S_IROTH | stat.S_IWOTH) == 0, (path, mode)
        # Its directory chain keeps others out too, or the file itself does.
    env_dir = subprocess.run(["podman", "exec", container, "stat", "-c", "%a", "/etc/anycast/workloads"],
                             capture_output=True, text=True, check=False).stdout.strip()
    assert env_dir == "700", env_dir

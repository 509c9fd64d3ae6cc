"""The lab, brought up once per test session from the default topology and the lab inventory's intent."""

import os
import pathlib
import shutil
import subprocess
import tempfile
import time

import pytest
import yaml

from ansible_collections.anycast.network.plugins.module_utils.lab import addressing, ca, podman
from ansible_collections.anycast.network.plugins.module_utils.lab import topology as topo_mod
from toolpath import BIN

ROOT = pathlib.Path(__file__).resolve().parents[2]
STATE_DIR = ROOT / ".lab"
INTENT = yaml.safe_load((ROOT / "inventories/lab/group_vars/all/intent.yml").read_text())["anycast_intent"]


def make_plan(name="default", intent=INTENT):
    topo = topo_mod.load(str(ROOT / "lab" / "topologies" / ("%s.yml" % name)))
    return addressing.plan_for_intent(topo, intent)


# The order the lab tests run in: the lab alone first (the lifecycle test ends with a fresh lab, which the default
# tests need unconfigured), then everything on the converged default lab, and last the mystery variant, which
# replaces the topology and leaves the lab down. The workload tests come after the services' (their rollouts fail
# on purpose and leave every instance on the demo's first version), the demo's answers before its rollouts.
ORDER = ("test_lab_lifecycle", "test_lab_default", "test_routing_default", "test_services_", "test_workload_demo",
         "test_workload_", "test_metrics_", "test_runner_", "test_secrets", "test_rpki", "test_routing_mystery",
         "test_scale_")
# The last two take the default lab down (the mystery variant, then the scale lab): a file not named here runs
# before them, on the default lab.
UNLISTED = ORDER.index("test_routing_mystery") - 0.5


def _rank(item):
    base = os.path.basename(str(item.fspath))
    return next((i for i, prefix in enumerate(ORDER) if base.startswith(prefix)), UNLISTED)


def pytest_itemcollected(item):
    # Markers as each test is collected, before `-m lab` selects by them.
    if "tests/lab/" in str(item.fspath):
        item.add_marker(pytest.mark.lab)
    base = os.path.basename(str(item.fspath))
    if base.startswith(("test_services_", "test_workload_", "test_metrics_", "test_runner_", "test_secrets")):
        item.add_marker(pytest.mark.usefixtures("converged_lab"))


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items):
    # The lab's tests build on each other's state: one order, whatever a plugin that shuffles did before this hook
    # (files by ORDER, then by name; a file's tests as written).
    items.sort(key=lambda item: (_rank(item), str(item.fspath), item.location[1] or 0))


@pytest.fixture(scope="session")
def lab_available():
    if shutil.which("podman") is None:
        pytest.skip("podman is not installed")
    if subprocess.run(["podman", "image", "exists", podman.IMAGE + ":current"], check=False).returncode != 0:
        pytest.skip("the lab image is missing: run scripts/setup.d/10-lab-image.sh")


@pytest.fixture(scope="session")
def default_lab(lab_available):
    plan = make_plan("default")
    podman.up(plan, str(STATE_DIR), timeout=90)
    return plan


@pytest.fixture(scope="session")
def lab_intent():
    return INTENT


@pytest.fixture(scope="session")
def lab_state_dir():
    return STATE_DIR


@pytest.fixture(scope="session")
def lab_plan():
    """make_plan(topology name) -> the plan of that lab topology for the lab inventory's intent."""
    return make_plan


SERVICE_UNITS = ("bird", "caddy", "anycast-acme-relay", "nsd", "anycast-healthgate") + tuple(
    "anycast-workload-%s" % name for name, svc in sorted(INTENT["services"].items()) if svc["kind"] == "workload")


def _unconverged(plan):
    """Instances where a service the roles run is not active (the lab was rebuilt since the roles last ran)."""
    bad = []
    for inst in plan["instances"]:
        proc = podman.exec_(plan["nodes"][inst["name"]]["container"], "systemctl", "is-active", *SERVICE_UNITS)
        if proc.returncode != 0:
            bad.append(inst["name"])
    return bad


@pytest.fixture(scope="session")
def converged_lab(default_lab):
    """The default lab as the lab command leaves it: site.yml run once from nothing (when an instance lacks a service
    the roles run), every instance holding a certificate from the lab's CA; then up to a minute for every vantage point to be
    served by its expected PoP (routes settle after the health gates rise)."""
    from test_services_helpers import EXPECTED_POP, WEB4, http_instance, need

    plan = default_lab
    if _unconverged(plan):
        # As the lab command on a fresh machine: site.yml makes the lab itself (every instance created by this run,
        # so not asked by the converged check) with no fact cache (no instance's Python known yet).
        with tempfile.TemporaryDirectory() as facts:
            env = dict(os.environ, ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"), ANSIBLE_NOCOLOR="1",
                       ANSIBLE_CACHE_PLUGIN_CONNECTION=facts,
                       PATH="%s:%s" % (BIN, os.environ.get("PATH", "")))
            cmd = [str(BIN / "ansible-playbook"), "-i", str(ROOT / "inventories" / "lab")]
            down = subprocess.run(cmd + [str(ROOT / "playbooks" / "lab_down.yml"), "-e", "lab_keep_image=true"],
                                  cwd=ROOT, env=env, capture_output=True, text=True, timeout=600, check=False)
            assert down.returncode == 0, down.stdout[-3000:]
            proc = subprocess.run(cmd + [str(ROOT / "site.yml")], cwd=ROOT, env=env, capture_output=True, text=True,
                                  timeout=1200, check=False)
        assert proc.returncode == 0, proc.stdout[-5000:]
        assert proc.stdout.count("created by this run") >= len(plan["instances"]), proc.stdout[-5000:]
        assert not _unconverged(plan), "services still down after site.yml"
    certs = ca.converge_certificates(podman.exec_, plan, INTENT, timeout=180)
    assert certs["ok"], certs
    deadline = time.monotonic() + 60
    pending = dict(EXPECTED_POP)
    while pending and time.monotonic() < deadline:
        for vp, pop in list(pending.items()):
            who = http_instance(need("vantage", vp), WEB4)
            if who and who.rsplit("-", 1)[0] == pop:
                del pending[vp]
        if pending:
            time.sleep(1)
    # Whatever still differs is for the tests themselves to report.
    return plan


@pytest.fixture(scope="session")
def services_lab(converged_lab):
    return converged_lab

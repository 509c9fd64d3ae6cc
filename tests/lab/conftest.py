"""The lab, brought up once per test session from the default topology and the lab inventory's intent."""

import pathlib
import shutil
import subprocess

import pytest
import yaml

from ansible_collections.anycast.network.plugins.module_utils.lab import addressing, podman
from ansible_collections.anycast.network.plugins.module_utils.lab import topology as topo_mod

ROOT = pathlib.Path(__file__).resolve().parents[2]
STATE_DIR = ROOT / ".lab"
INTENT = yaml.safe_load((ROOT / "inventories/lab/group_vars/all/intent.yml").read_text())["anycast_intent"]


def make_plan(name="default", intent=INTENT):
    topo = topo_mod.load(str(ROOT / "lab" / "topologies" / ("%s.yml" % name)))
    return addressing.plan_for_intent(topo, intent)


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/lab/" in str(item.fspath):
            item.add_marker(pytest.mark.lab)


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

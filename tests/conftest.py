"""Make the checkout importable as the collection ansible_collections.anycast.network."""

import os
import pathlib
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
COLLECTIONS = ROOT / "collections"
link = COLLECTIONS / "ansible_collections" / "anycast" / "network"
if not link.exists():
    link.parent.mkdir(parents=True, exist_ok=True)
    link.symlink_to("../../..")
if str(COLLECTIONS) not in sys.path:
    sys.path.insert(0, str(COLLECTIONS))

# The playbooks tests run read the checkout's ansible.cfg, whose fact cache is a directory of the checkout shared
# with the lab command: a test that runs a role against a local host named like a lab instance (lhr-1) would leave
# this machine's facts (its package list) for the lab's instance of that name. Every test's playbook keeps its facts
# in memory unless it says otherwise.
os.environ.setdefault("ANSIBLE_CACHE_PLUGIN", "memory")


@pytest.fixture
def run():
    """run(module, args, check_mode=False, diff=False) -> the module's result (see tests/module_runner.py)."""
    from module_runner import run_module
    return run_module

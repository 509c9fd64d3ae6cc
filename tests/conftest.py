"""Make the checkout importable as the collection ansible_collections.anycast.network."""

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


@pytest.fixture
def run():
    """run(module, args, check_mode=False, diff=False) -> the module's result (see tests/module_runner.py)."""
    from module_runner import run_module
    return run_module

"""The simulated network's pebble, one per test (each test counts its own orders)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent.parent))  # tests/: module_runner

from acme_network import Network, tools_missing  # noqa: E402


@pytest.fixture
def network(tmp_path):
    missing = tools_missing()
    if missing:
        pytest.skip(", ".join(missing) + " not installed")
    net = Network(tmp_path).start()
    yield net
    net.stop()

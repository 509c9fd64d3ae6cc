"""Fixtures for the Vultr unit tests: the emulator called in process (no socket), a client wired to it."""

import pytest
from vultr_unit_support import API_KEY, FakeClock

from vultr_emulator import Emulator  # noqa: I001 (on the path through vultr_unit_support)

from ansible_collections.anycast.network.plugins.module_utils.vultr.client import VultrClient


@pytest.fixture
def emulator():
    emu = Emulator(api_key=API_KEY, boot_delay=0.0, max_page_size=2, bind=False, seed=7)
    emu.state.create_key({"name": "anycast-admin", "ssh_key": "ssh-ed25519 AAAAC3Nz admin@example.com"})
    return emu


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def make_client(emulator, clock):
    def make(api_key=API_KEY, **kwargs):
        kwargs.setdefault("transport", emulator.transport())
        return VultrClient(api_key=api_key, api_url="https://api.vultr.test/v2", sleep=clock.sleep, clock=clock,
                           **kwargs)

    return make

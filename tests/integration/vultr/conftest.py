"""Fixtures of the Vultr integration tests: the emulator on loopback, a runner of playbooks against it."""

import pytest
from vultr_it_support import API_KEY, Runner

from vultr_emulator import Emulator  # noqa: I001 (on the path through vultr_it_support)


@pytest.fixture
def emulator():
    emu = Emulator(api_key=API_KEY, boot_delay=0.5, max_page_size=2, stall_seconds=1.0, seed=5)
    emu.state.create_key({"name": "anycast-admin", "ssh_key": "ssh-ed25519 AAAAC3Nz admin@example.com"})
    emu.start()
    yield emu
    emu.stop()


@pytest.fixture
def runner(emulator, tmp_path):
    return Runner(emulator, tmp_path)

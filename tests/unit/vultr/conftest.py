"""Fixtures for the Vultr unit tests: the emulator called in process (no socket), a client wired to it."""

import pathlib
import sys

import pytest

EMULATOR_DIR = pathlib.Path(__file__).resolve().parents[2] / "emulators" / "vultr"
if str(EMULATOR_DIR) not in sys.path:
    sys.path.insert(0, str(EMULATOR_DIR))

from vultr_emulator import Emulator  # noqa: E402

from ansible_collections.anycast.network.plugins.module_utils.vultr import VultrClient  # noqa: E402

API_KEY = "unit-test-key-5f3a"


class FakeClock:
    """time.monotonic and time.sleep that never wait; records every sleep."""

    def __init__(self):
        self.now = 1000.0
        self.sleeps = []

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds


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
    def make(api_key=API_KEY, check_mode=False, **kwargs):
        client = VultrClient(api_key=api_key, api_url="https://api.vultr.test/v2", check_mode=check_mode,
                             sleep=clock.sleep, clock=clock, **kwargs)
        session = emulator.session()
        session.headers.update(client.session.headers)
        client.session = session
        return client

    return make


class FakeModule:
    """The parts of AnsibleModule the modules' run() functions use."""

    class Failed(Exception):
        pass

    def __init__(self, params, check_mode=False):
        self.params = params
        self.check_mode = check_mode
        self.warnings = []

    def warn(self, text):
        self.warnings.append(text)

    def fail_json(self, **kwargs):
        raise FakeModule.Failed(kwargs)


def module_params(module, **params):
    """Defaults of a module's argument spec, overridden by ``params``."""
    spec = module.vultr_argument_spec()
    if hasattr(module, "instance_spec"):
        spec.update(module.instance_spec())
    out = {k: v.get("default") for k, v in spec.items()}
    out.update(params)
    return out

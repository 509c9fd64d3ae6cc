"""Helpers of the Vultr unit tests (a module with its own name, so test directories do not collide)."""

import pathlib
import sys

EMULATOR_DIR = pathlib.Path(__file__).resolve().parents[2] / "emulators" / "vultr"
if str(EMULATOR_DIR) not in sys.path:
    sys.path.insert(0, str(EMULATOR_DIR))

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

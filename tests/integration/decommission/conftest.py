"""Fixtures of the decommission tests: the Vultr emulator and moto (Route53) on loopback, a playbook runner, and
fake instances (the controller itself, over the local connection) whose anycast-announce logs every call."""

import importlib.util
import json
import os
import pathlib
import subprocess
import sys

import pytest
import yaml

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parents[2]
for path in (ROOT / "tests" / "integration" / "vultr", ROOT / "tests" / "integration" / "route53"):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

from vultr_it_support import API_KEY  # noqa: E402  (on the path above)

from vultr_emulator import Emulator  # noqa: E402,I001  (on the path through vultr_it_support)

# moto's fixtures (moto, aws_env, zone) come from the Route53 tests' conftest, loaded by its path.
_spec = importlib.util.spec_from_file_location("route53_conftest", ROOT / "tests" / "integration" / "route53" / "conftest.py")
_route53 = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_route53)
moto = _route53.moto
aws_env = _route53.aws_env
zone = _route53.zone

BIN = pathlib.Path(sys.executable).parent

# Stands in for /usr/local/sbin/anycast-announce: logs "<time> <command>" and answers as the real one does.
FAKE_ANNOUNCE = r'''#!{python}
import json, sys, time
command = [a for a in sys.argv[1:] if a in ("drain", "withdraw", "undrain", "status")][-1]
dry = "--dry-run" in sys.argv
with open({log!r}, "a") as fh:
    fh.write("%f %s%s\n" % (time.time(), command, " dry-run" if dry else ""))
if command == {fail!r}:
    sys.exit("refused: " + command)
print(json.dumps({{"changed": not dry, "mode": command}}))
'''


@pytest.fixture
def emulator():
    emu = Emulator(api_key=API_KEY, boot_delay=0.3, max_page_size=10, seed=7)
    emu.state.create_key({"name": "anycast-admin", "ssh_key": "ssh-ed25519 AAAAC3Nz admin@example.com"})
    emu.start()
    yield emu
    emu.stop()


class Fleet:
    """Fake instances: one announce script and its log per PoP and index (announce-<pop>-<n>)."""

    def __init__(self, tmp_path):
        self.dir = tmp_path / "instances"
        self.dir.mkdir()

    def add(self, pop, index, fail=None):
        name = "%s-%d" % (pop, index)
        script = self.dir / ("announce-" + name)
        script.write_text(FAKE_ANNOUNCE.format(python=sys.executable, log=str(self.log_path(name)), fail=fail))
        script.chmod(0o755)

    def log_path(self, name):
        return self.dir / (name + ".log")

    def calls(self, name):
        path = self.log_path(name)
        if not path.exists():
            return []
        return [(float(t), c) for t, c in (line.split(" ", 1) for line in path.read_text().splitlines())]


class Runner:
    def __init__(self, emulator, tmp_path, fleet):
        self.emulator = emulator
        self.tmp_path = tmp_path
        self.fleet = fleet

    def run(self, playbook, intent, *args, inventory=True, extra=None, check=True):
        data = {"anycast_intent": intent, "anycast_vultr_poll_interval": 0.3, "ansible_connection": "local",
                "ansible_python_interpreter": sys.executable,
                "anycast_decommission_record": str(self.tmp_path / "state" / "static-hosts.json"),
                "anycast_decommission_units": [], "anycast_decommission_ports": [9],
                "anycast_decommission_wait_timeout": 0}
        data.update(extra or {})
        (self.tmp_path / "vars.yml").write_text(yaml.safe_dump(data))
        sources = ["-i", "localhost,"]
        if inventory:
            config = {"plugin": "anycast.network.vultr", "network": intent["network"],
                      "compose": {"anycast_decommission_announce_command":
                                  "'%s/announce-' ~ anycast_pop ~ '-' ~ anycast_instance_index" % self.fleet.dir}}
            (self.tmp_path / "itest.vultr.yml").write_text(yaml.safe_dump(config))
            sources += ["-i", str(self.tmp_path / "itest.vultr.yml")]
        env = dict(os.environ, VULTR_API_KEY=API_KEY, VULTR_API_URL=self.emulator.url, VULTR_API_TIMEOUT="2",
                   ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"), ANSIBLE_NOCOLOR="1", ANSIBLE_FORCE_COLOR="0",
                   PATH="%s:%s" % (BIN, os.environ.get("PATH", "")))
        proc = subprocess.run([str(BIN / "ansible-playbook"), *sources, "-e", "@%s" % (self.tmp_path / "vars.yml"),
                               "playbooks/" + playbook, *args], cwd=ROOT, env=env, capture_output=True, text=True,
                              timeout=240, check=False)
        if check:
            assert proc.returncode == 0, proc.stdout[-6000:] + proc.stderr[-3000:]
        return proc


@pytest.fixture
def fleet(tmp_path):
    return Fleet(tmp_path)


@pytest.fixture
def runner(emulator, tmp_path, fleet):
    return Runner(emulator, tmp_path, fleet)


def instances(emulator):
    return {i["label"]: i for i in emulator.snapshot()["instances"]}


def dump(value):
    return json.dumps(value, indent=1, sort_keys=True)

"""Helpers of the Vultr integration tests: ansible-playbook and ansible-inventory against the emulator."""

import json
import os
import pathlib
import re
import subprocess
import sys

import yaml

ROOT = pathlib.Path(__file__).resolve().parents[3]
EMULATOR_DIR = ROOT / "tests" / "emulators" / "vultr"
if str(EMULATOR_DIR) not in sys.path:
    sys.path.insert(0, str(EMULATOR_DIR))


API_KEY = "itest-Kx93-vultr-secret"
BIN = pathlib.Path(sys.executable).parent


def intent(network="itest", **pops):
    """An intent with Vultr PoPs given as name=count (or name=dict)."""
    out = {"network": network, "defaults": {"vultr": {"plan": "vc2-1c-1gb", "os_id": 2136,
                                                      "ssh_keys": ["anycast-admin"]}}, "pops": {}}
    for name, spec in pops.items():
        if isinstance(spec, int):
            spec = {"provider": "vultr", "region": name, "instances": spec}
        out["pops"][name] = spec
    return {"anycast_intent": out}


class Runner:
    def __init__(self, emulator, tmp_path):
        self.emulator = emulator
        self.tmp_path = tmp_path

    def env(self, **extra):
        env = dict(os.environ)
        env.update({
            "VULTR_API_KEY": API_KEY,
            "VULTR_API_URL": self.emulator.url,
            "VULTR_API_TIMEOUT": "0.7",
            "VULTR_API_RETRY_MAX_DELAY": "0.4",
            "VULTR_API_RETRIES": "8",
            "ANSIBLE_NOCOLOR": "1",
            "ANSIBLE_FORCE_COLOR": "0",
            "ANSIBLE_RETRY_FILES_ENABLED": "0",
            "PATH": "%s:%s" % (BIN, env.get("PATH", "")),
        })
        env.update(extra)
        return env

    def playbook(self, data, *args, check=True, env=None):
        path = self.tmp_path / "intent.yml"
        path.write_text(yaml.safe_dump(data))
        cmd = [str(BIN / "ansible-playbook"), "-i", "localhost,", "-e", "@%s" % path,
               "-e", "anycast_vultr_poll_interval=0.3", "-e", "ansible_connection=local",
               "-e", "ansible_python_interpreter=%s" % sys.executable,
               "playbooks/provision_vultr.yml", *args]
        proc = subprocess.run(cmd, cwd=ROOT, env=self.env(**(env or {})), capture_output=True, text=True,
                              timeout=150, check=False)
        if check:
            assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
        return proc

    def inventory(self, config, env=None):
        path = self.tmp_path / "itest.vultr.yml"
        path.write_text(yaml.safe_dump(config))
        proc = subprocess.run([str(BIN / "ansible-inventory"), "-i", str(path), "--list"], cwd=ROOT,
                              env=self.env(**(env or {})), capture_output=True, text=True, timeout=60, check=False)
        assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
        return unwrap(json.loads(proc.stdout))


def unwrap(value):
    """ansible-inventory marks values from plugins as unsafe ({"__ansible_unsafe": ...}): take the values."""
    if isinstance(value, dict):
        if set(value) == {"__ansible_unsafe"}:
            return value["__ansible_unsafe"]
        return {k: unwrap(v) for k, v in value.items()}
    if isinstance(value, list):
        return [unwrap(v) for v in value]
    return value


def changed(proc, host="localhost"):
    match = re.search(r"^%s\s*:\s*ok=\d+\s+changed=(\d+)" % re.escape(host), proc.stdout, re.M)
    assert match, proc.stdout[-2000:]
    return int(match.group(1))

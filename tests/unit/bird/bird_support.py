"""Shared helpers for the BIRD role's tests: render scenarios with ansible-playbook, run real BIRD on loopback."""

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from toolpath import BIN

ROOT = Path(__file__).resolve().parents[3]
VENV_BIN = BIN
ANNOUNCE = ROOT / "roles" / "bird" / "files" / "anycast-announce"

needs_bird = pytest.mark.skipif(shutil.which("bird") is None, reason="BIRD 2 is not installed (apt install bird2)")


def load_intent(env):
    base = ROOT / "inventories" / env
    for candidate in (base / "group_vars" / "all" / "intent.yml", base / "intent.yml"):
        if candidate.exists():
            return yaml.safe_load(candidate.read_text())["anycast_intent"]
    raise FileNotFoundError(env)


def render(tmp_path, scenarios):
    """Render every scenario (name -> hostvars) in one ansible-playbook run; return name -> dict of paths."""
    hosts = {}
    out = {}
    for name, hostvars in scenarios.items():
        d = tmp_path / name
        d.mkdir(parents=True, exist_ok=True)
        paths = {
            "bird_config_file": str(d / "bird.conf"),
            "bird_manifest_file": str(d / "routing.json"),
            "bird_state_file": str(d / "announce.json"),
            "bird_include_file": str(d / "announce.conf"),
            "bird_announce_command": str(d / "anycast-announce"),
            "bird_birdc": ["birdc", "-s", str(d / "bird.ctl")],
        }
        hv = {"ansible_connection": "local", "ansible_python_interpreter": sys.executable,
              "anycast_lab_state_dir": str(tmp_path)}
        hv.update(paths)
        hv.update(hostvars)
        hosts[name] = hv
        out[name] = {k.replace("bird_", "").replace("_file", ""): Path(v) if isinstance(v, str) else v
                     for k, v in paths.items()}
        out[name]["dir"] = d
    inventory = tmp_path / "inventory.yml"
    inventory.write_text(yaml.safe_dump({"all": {"hosts": hosts}}))
    env = dict(os.environ, ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"), ANSIBLE_FORCE_COLOR="0",
               ANSIBLE_NOCOLOR="1", ANSIBLE_CACHE_PLUGIN="memory")
    proc = subprocess.run([str(VENV_BIN / "ansible-playbook"), "-i", str(inventory),
                           str(Path(__file__).parent / "render.yml")],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False)
    if proc.returncode != 0:
        raise AssertionError("ansible-playbook failed:\n%s\n%s" % (proc.stdout[-6000:], proc.stderr[-3000:]))
    return out


def lab_host(pop="lhr", index=1, address="192.0.2.21", address6="2001:db8:21::21", intent=None):
    return {"anycast_intent": intent or load_intent("lab"), "anycast_pop": pop, "anycast_instance_index": index,
            "anycast_address": address, "anycast_address6": address6}


class Bird:
    """A BIRD daemon on loopback with its own control socket, stopped by its PID."""

    def __init__(self, config, socket, pidfile):
        self.config, self.socket, self.pidfile = str(config), str(socket), str(pidfile)
        self.pid = None

    def start(self):
        proc = subprocess.run(["bird", "-c", self.config, "-s", self.socket, "-P", self.pidfile],
                              capture_output=True, text=True, timeout=20, check=False)
        if proc.returncode != 0:
            raise AssertionError("bird -c %s: %s" % (self.config, proc.stderr))
        deadline = time.time() + 10
        while time.time() < deadline:
            if os.path.exists(self.pidfile) and os.path.getsize(self.pidfile) > 0:
                self.pid = int(Path(self.pidfile).read_text().strip())
                if self.birdc("show", "status").returncode == 0:
                    return self
            time.sleep(0.1)
        raise AssertionError("BIRD did not start with %s" % self.config)

    def birdc(self, *args):
        return subprocess.run(["birdc", "-s", self.socket] + list(args), capture_output=True, text=True,
                              timeout=20, check=False)

    def stop(self):
        if self.pid:
            try:
                os.kill(self.pid, 15)
            except ProcessLookupError:
                pass
            deadline = time.time() + 10
            while time.time() < deadline:
                try:
                    os.kill(self.pid, 0)
                except ProcessLookupError:
                    break
                time.sleep(0.1)
            self.pid = None


def wait_for(predicate, timeout=30.0, interval=0.25):
    deadline = time.time() + timeout
    last = None
    while time.time() < deadline:
        last = predicate()
        if last:
            return last
        time.sleep(interval)
    return last


def announce(paths, *args):
    proc = subprocess.run(["python3", str(ANNOUNCE), "--manifest", str(paths["manifest"])] + list(args),
                          capture_output=True, text=True, timeout=60, check=False)
    return proc.returncode, json.loads(proc.stdout) if proc.stdout.strip() else {}

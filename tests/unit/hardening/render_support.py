"""Render the roles' templates for the hardening tests: straight through Ansible's Templar (fast, for the fuzzer)
and through ansible-playbook (the roles' own tasks), and check the results with the daemons' own tools."""

import copy
import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT / "tests"))
from toolpath import BIN  # noqa: E402 pylint: disable=wrong-import-position

# The collection loader first, before anything imports ansible_collections (the Templar finds the collection's
# filters through it).
from ansible.plugins.loader import init_plugin_loader  # noqa: E402 pylint: disable=wrong-import-position

init_plugin_loader([str(ROOT / "collections")])

TOOLS = {"bird": "bird", "caddy": "caddy", "nsd": "nsd-checkzone", "nft": "nft"}


def need(*names):
    for name in names:
        if not shutil.which(TOOLS.get(name, name)) and not Path("/usr/sbin/" + TOOLS.get(name, name)).exists():
            pytest.skip("%s is not installed" % name)
    if "nft" in names and os.geteuid() != 0:
        pytest.skip("nft -c needs root")


def load_intent(env="lab"):
    return yaml.safe_load((ROOT / "inventories" / env / "group_vars" / "all" / "intent.yml").read_text())["anycast_intent"]


def lab_hostvars(intent=None):
    return {"anycast_intent": copy.deepcopy(intent or load_intent()), "anycast_pop": "lhr", "anycast_instance_index": 1,
            "anycast_address": "192.0.2.21", "anycast_address6": "2001:db8:21::21", "inventory_hostname": "lhr-1"}


_TEMPLAR = {}


def _templar_setup():
    _TEMPLAR["ready"] = True


def trust_as_template(text):
    """ansible-core 2.19 renders only strings marked as templates; 2.18 renders every string."""
    try:
        from ansible.template import trust_as_template as trust
    except ImportError:  # ansible-core 2.18
        return text
    return trust(text)


def _trust(value):
    if isinstance(value, str):
        return trust_as_template(value)
    if isinstance(value, dict):
        return {k: _trust(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_trust(v) for v in value]
    return value


def role_vars(role):
    out = {}
    for part in ("defaults", "vars"):
        path = ROOT / "roles" / role / part / "main.yml"
        if path.exists():
            out.update(_trust(yaml.safe_load(path.read_text())))
    return out


def direct(role, template, hostvars, overrides=None, item=None):
    """The role's template rendered with its defaults and vars, the host's variables and the overrides (which
    outrank the role's vars, as set_fact and include_vars do), as the template task would."""
    _templar_setup()
    from ansible.parsing.dataloader import DataLoader
    from ansible.template import Templar
    variables = role_vars(role)
    variables.update(copy.deepcopy(hostvars))
    variables.setdefault("ansible_managed", "Ansible managed")
    variables.update(overrides or {})
    if item is not None:
        variables["item"] = item
    templar = Templar(loader=DataLoader(), variables=variables)
    text = (ROOT / "roles" / role / "templates" / template).read_text()
    return templar.template(trust_as_template(text))


def check(kind, text, tmp_path, origin=None):
    """(ok, message) of the daemon's own check of a rendered configuration."""
    path = Path(tmp_path) / ("checked-" + kind)
    path.write_text(text)
    argv = {"bird": ["bird", "-p", "-c", str(path)],
            "caddy": ["caddy", "adapt", "--adapter", "caddyfile", "--config", str(path)],
            "nsd-checkzone": ["nsd-checkzone", origin or ".", str(path)],
            "nsd-checkconf": ["nsd-checkconf", str(path)],
            "nft": ["nft", "-c", "-f", str(path)]}[kind]
    proc = subprocess.run(argv, capture_output=True, text=True, timeout=60, check=False)
    return proc.returncode == 0, proc.stdout + proc.stderr


def bird_meaning(text):
    """What a BIRD configuration does, without its passwords and comments: the protocols and their channels, and
    every filter's text."""
    lines = [re.sub(r"\s*#.*$", "", line) for line in text.splitlines()]
    lines = [line for line in lines if line.strip() and not line.strip().startswith(("password ", "description "))]
    body = "\n".join(lines)
    protocols = re.findall(r"^protocol (\S+)(?: (\S+))? \{", body, re.M)
    channels = re.findall(r"^  (ipv[46]) \{", body, re.M)
    filters = dict(re.findall(r"^filter (\S+) \{\n(.*?)\n\}", body, re.M | re.S))
    return {"protocols": protocols, "channels": channels, "filters": filters, "text": body}


def run_play(tmp_path, hosts, play):
    """ansible-playbook over local hosts (name -> hostvars); returns (returncode, {host: failed task's message})."""
    inv = tmp_path / "inventory.yml"
    base = {"ansible_connection": "local", "ansible_python_interpreter": sys.executable,
            "anycast_lab_state_dir": str(tmp_path)}
    inv.write_text(json.dumps({"all": {"hosts": {n: dict(base, **hv) for n, hv in hosts.items()}}}))
    pb = tmp_path / "play.yml"
    pb.write_text(textwrap.dedent(play))
    env = dict(os.environ, ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"), ANSIBLE_NOCOLOR="1",
               ANSIBLE_STDOUT_CALLBACK="ansible.builtin.default", ANSIBLE_CACHE_PLUGIN="memory",
               ANSIBLE_LOCAL_TEMP=str(tmp_path / ".ansible-tmp"))
    proc = subprocess.run([str(BIN / "ansible-playbook"), "-i", str(inv), str(pb)], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=600, check=False)
    failures = {}
    task = None
    for block in re.split(r"\n(?=TASK \[|fatal: |ok: |changed: |skipping: |PLAY )", proc.stdout):
        if block.startswith("TASK ["):
            task = block[6:block.index("]")]
        match = re.match(r"fatal: \[([^\]]+)\]", block)
        if match:
            failures[match.group(1)] = (task, block)
    return proc.returncode, failures, proc.stdout + proc.stderr

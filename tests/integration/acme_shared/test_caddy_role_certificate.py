"""The caddy role's certificate tasks themselves (certificate.yml, certificate_install.yml), run by ansible-playbook
over four local "instances" (each its own web root and certificate directory) against pebble on loopback: one order
for the first run, none for a second run or a re-created instance, every instance holding the same files."""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT / "tests"))
from toolpath import BIN  # noqa: E402

INTENT = yaml.safe_load((ROOT / "inventories/lab/group_vars/all/intent.yml").read_text())["anycast_intent"]
PLAY = """
- name: The network's shared certificate, as the configure step runs it after its waves
  hosts: anycast_instances
  gather_facts: false
  tasks:
    - name: Read back, decide, order when due
      ansible.builtin.include_role:
        name: anycast.network.caddy
        tasks_from: certificate.yml
    - name: Install
      ansible.builtin.include_role:
        name: anycast.network.caddy
        tasks_from: certificate_install.yml
"""


def run(network, tmp_path, names):
    intent = copy.deepcopy(INTENT)
    # The web service's hostname set only (the lab's demo workloads order from the lab's own CA).
    intent["services"] = {k: v for k, v in intent["services"].items() if v.get("kind") != "workload"}
    # The lab's own password file is the lab's (ansible-core 2.18 renders every string of the intent).
    intent["defaults"]["upstreams"][0]["password"] = "harmless-pw"
    intent["services"]["web"]["tls"] = {"mode": "acme", "acme_directory": network.directory,
                                        "ca_root": network.ca_root, "email": "hostmaster@anycast.test"}
    hosts = {}
    for name in names:
        inst = network.workdir / "instances" / name
        hosts[name] = {"anycast_pop": name.rsplit("-", 1)[0], "caddy_tls_dir": str(inst / "tls"),
                       "caddy_acme_webroot": str(inst / "www"),
                       # No Caddy runs here: as if this run had just started it (its handler then does not reload).
                       "__caddy_run": {"results": [{"item": "caddy", "changed": True}]}}
    inv = {"all": {"vars": {"anycast_intent": intent, "ansible_connection": "local",
                            "ansible_python_interpreter": sys.executable},
                   "children": {"anycast_instances": {"hosts": hosts}}}}
    (tmp_path / "inventory.yml").write_text(json.dumps(inv))
    (tmp_path / "play.yml").write_text(PLAY)
    env = dict(os.environ, ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"), ANSIBLE_NOCOLOR="1",
               ANSIBLE_LOCAL_TEMP=str(tmp_path / ".ansible-tmp"), ANSIBLE_STDOUT_CALLBACK="ansible.builtin.default",
               ANSIBLE_CACHE_PLUGIN="ansible.builtin.memory")
    proc = subprocess.run([str(BIN / "ansible-playbook"), "-i", str(tmp_path / "inventory.yml"),
                           str(tmp_path / "play.yml")], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=300, check=False)
    assert proc.returncode == 0, proc.stdout[-5000:] + proc.stderr[-2000:]
    return proc.stdout


def test_the_role_orders_once_and_installs_everywhere(network, tmp_path):
    if os.geteuid() != 0:
        pytest.skip("installs files owned by caddy")
    subprocess.run(["getent", "passwd", "caddy"], check=True, capture_output=True)
    names = ["lhr-1", "lhr-2", "ams-1", "jfk-1"]
    for name in names:
        network.add_instance(name)
    out = run(network, tmp_path, names)
    assert network.orders() == 1, out[-3000:]
    assert "web: no certificate" in out
    bundles = {n: (network.workdir / "instances" / n / "tls" / "web.pem") for n in names}
    first = {p.read_text() for p in bundles.values()}
    assert len(first) == 1 and "PRIVATE KEY" in next(iter(first))
    for path in bundles.values():
        assert oct(path.stat().st_mode & 0o777) == "0o600"
        assert (path.parent / "web.account.key").stat().st_mode & 0o777 == 0o600
    # No secret in the output.
    assert "PRIVATE KEY" not in out and "BEGIN CERTIFICATE" not in out
    # The challenges are gone again.
    assert not [f for n in names for f in (network.workdir / "instances" / n / "www/.well-known/acme-challenge").iterdir()]

    out = run(network, tmp_path, names)
    assert network.orders() == 1 and "web: valid until" in out

    # lhr-2 destroyed and re-created: it gets the current certificate; no order.
    network.destroy(network.workdir / "instances" / "lhr-2")
    network.add_instance("lhr-2")
    run(network, tmp_path, names)
    assert network.orders() == 1
    assert {p.read_text() for p in bundles.values()} == first

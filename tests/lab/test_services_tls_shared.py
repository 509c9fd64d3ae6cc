"""One ACME order per hostname set for the whole lab network (docs/tls.md), counted in the lab pebble's own log.

A cold converge of the 8 instances (the lab torn down first: pebble starts with an empty log), a second converge,
and an instance destroyed and re-created together make exactly one order at pebble (its WFE logs each new order:
`Added order "<id>" to the db`), and every instance serves that one certificate, verified by pebble's issuing root.
"""

import hashlib
import os
import pathlib
import subprocess
import tempfile

import pytest

from ansible_collections.anycast.network.plugins.module_utils.lab import ca, podman
from test_services_helpers import HOST, need, sh
from toolpath import BIN

pytestmark = [pytest.mark.lab, pytest.mark.slow]
ROOT = pathlib.Path(__file__).resolve().parents[2]
PEBBLE_LOG = "/var/log/pebble.log"
RECREATED = "ams-2"


def playbook(name, *extra):
    with tempfile.TemporaryDirectory() as facts:
        env = dict(os.environ, ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"), ANSIBLE_NOCOLOR="1",
                   ANSIBLE_CACHE_PLUGIN_CONNECTION=facts, PATH="%s:%s" % (BIN, os.environ.get("PATH", "")))
        proc = subprocess.run([str(BIN / "ansible-playbook"), "-i", str(ROOT / "inventories" / "lab"),
                               str(ROOT / name), *extra], cwd=ROOT, env=env, capture_output=True, text=True,
                              timeout=1500, check=False)
    assert proc.returncode == 0, proc.stdout[-5000:]
    return proc.stdout


def orders():
    """New orders pebble took since it started (the lab CA container is new after a tear-down)."""
    out = sh(need("ca", "ca"), "grep -c 'Added order \"' %s || true" % PEBBLE_LOG, check=False).stdout.strip()
    return int(out or 0)


def served(plan):
    """Each instance's served certificate (SHA-256 of its DER), asked on its own address with the service's name."""
    found = {}
    for inst in plan["instances"]:
        container = need("instance", inst["name"])
        address = inst["address"] or inst["address6"]
        host = "[%s]" % address if ":" in address else address
        pem = sh(container, "echo | timeout 5 openssl s_client -connect %s:443 -servername %s 2>/dev/null "
                            "| openssl x509 -outform PEM" % (host, HOST), check=False).stdout
        found[inst["name"]] = hashlib.sha256(pem.encode()).hexdigest() if "BEGIN CERTIFICATE" in pem else None
    return found


def test_one_order_for_a_cold_converge_a_second_one_and_a_re_created_instance(default_lab):
    plan = default_lab
    assert len(plan["instances"]) == 8
    playbook("playbooks/lab_down.yml", "-e", "lab_keep_image=true")
    playbook("site.yml")
    after_first = orders()
    assert after_first == 1, sh(need("ca", "ca"), "grep -i order %s" % PEBBLE_LOG, check=False).stdout[-3000:]
    first = served(plan)
    assert None not in first.values() and len(set(first.values())) == 1, first

    playbook("site.yml")
    assert orders() == 1

    # Destroyed and re-created: the next run provisions it again and gives it the current certificate.
    subprocess.run([*podman.PODMAN, "rm", "-f", "anycast-lab-%s" % RECREATED], check=True, capture_output=True)
    playbook("site.yml")
    assert orders() == 1
    again = served(plan)
    assert again == first, (first, again)

    # The one certificate is pebble's and names the service, on every instance (its own address).
    root = ca.issuing_root(podman.exec_, plan)
    for inst in plan["instances"]:
        state = ca.check_certificate(podman.exec_, need("instance", inst["name"]), inst["address"], HOST, root)
        assert state == "valid", (inst["name"], state)
        mode = sh(need("instance", inst["name"]), "stat -c '%a %U' /etc/caddy/tls/web.pem").stdout.split()
        assert mode == ["600", "caddy"], (inst["name"], mode)

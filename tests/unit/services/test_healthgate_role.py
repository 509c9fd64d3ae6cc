"""The healthgate role's configuration for the lab intent, checked by the daemon itself."""

import copy
import json
import subprocess
import sys

import yaml

from services_support import ROOT, lab_inventory, run_playbook

LAB_INTENT = yaml.safe_load((ROOT / "inventories/lab/group_vars/all/intent.yml").read_text())["anycast_intent"]

RENDER = """
- name: Render the healthgate role's configuration
  hosts: lhr-1
  gather_facts: false
  vars_files: [{role}/defaults/main.yml]
  tasks:
    - name: Render
      ansible.builtin.template:
        src: "{role}/templates/{{{{ item }}}}.j2"
        dest: "{out}/{{{{ item }}}}"
        mode: "0644"
      loop: [healthgate.json, anycast-healthgate.service]
"""


def test_lab_checks_and_gates(tmp_path):
    inv = lab_inventory(tmp_path, copy.deepcopy(LAB_INTENT))
    out = tmp_path / "out"
    out.mkdir()
    run_playbook(tmp_path, inv, RENDER.format(role=ROOT / "roles/healthgate", out=out))
    cfg = json.loads((out / "healthgate.json").read_text())
    # 11 rounds 1 s apart: the first success starts the count, so rise spans 10 s of health.
    assert (cfg["interval"], cfg["fall"], cfg["rise"]) == (1.0, 2, 11)
    assert cfg["prefixes"] == ["203.0.113.0/24", "2001:db8:ac00::/48"]
    names = {c["name"]: c for c in cfg["checks"]}
    assert names["web:web:203.0.113.10"]["host"] == "www.anycast.test"
    assert names["web:web:2001:db8:ac00::10"]["path"] == "/healthz"
    assert names["dns:anycast.test:203.0.113.53"]["type"] == "dns_soa"
    assert names["dns:anycast.test:2001:db8:ac00::53"]["zone"] == "anycast.test"
    assert names["bird"]["type"] == "bird"
    daemon = ROOT / "roles/healthgate/files/anycast-healthgate"
    ok = subprocess.run([sys.executable, str(daemon), "--check-config", "--config", str(out / "healthgate.json")],
                        capture_output=True, text=True, check=False)
    assert ok.returncode == 0, ok.stderr
    # The daemon maps each check to its covering prefix: a sick IPv4 service withdraws the /24 only.
    sys.path.insert(0, str(ROOT / "tests/unit/services"))
    from test_healthgate import hg
    checks = [hg.Check(c, cfg["prefixes"], up=True) for c in cfg["checks"]]
    gates = {c.name: c.prefixes for c in checks}
    assert gates["web:web:203.0.113.10"] == ["203.0.113.0/24"]
    assert gates["dns:anycast.test:2001:db8:ac00::53"] == ["2001:db8:ac00::/48"]
    assert gates["bird"] == cfg["prefixes"]
    unit = (out / "anycast-healthgate.service").read_text()
    assert "After=network-online.target bird.service caddy.service nsd.service" in unit
    assert "TimeoutStopSec=25" in unit


def test_metrics_listen_on_the_management_address_only_when_metrics_are_on(tmp_path):
    """Off: loopback. On: the management address (ansible_host) and the intent's port, where base opens it."""
    intent = copy.deepcopy(LAB_INTENT)
    intent.pop("metrics", None)
    inv = lab_inventory(tmp_path, intent)
    out = tmp_path / "out"
    out.mkdir()
    run_playbook(tmp_path, inv, RENDER.format(role=ROOT / "roles/healthgate", out=out))
    assert json.loads((out / "healthgate.json").read_text())["metrics_listen"] == "127.0.0.1:9731"
    for host, want in (("192.0.2.11", "192.0.2.11:9740"), ("2001:db8:1::11", "[2001:db8:1::11]:9740")):
        intent["metrics"] = {"enabled": True, "healthgate_port": 9740}
        doc = json.loads(inv.read_text())
        doc["all"]["vars"]["anycast_intent"] = intent
        doc["all"]["children"]["anycast_instances"]["hosts"]["lhr-1"]["ansible_host"] = host
        inv.write_text(json.dumps(doc))
        run_playbook(tmp_path, inv, RENDER.format(role=ROOT / "roles/healthgate", out=out))
        cfg = json.loads((out / "healthgate.json").read_text())
        assert cfg["metrics_listen"] == want
        daemon = ROOT / "roles/healthgate/files/anycast-healthgate"
        ok = subprocess.run([sys.executable, str(daemon), "--check-config", "--config", str(out / "healthgate.json")],
                            capture_output=True, text=True, check=False)
        assert ok.returncode == 0, ok.stderr

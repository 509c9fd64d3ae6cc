"""The nsd role's preflight and templates, rendered for the lab intent and checked by the real NSD tools."""

import copy
import re
import subprocess

import yaml

from services_support import ROOT, lab_inventory, need, run_playbook

LAB_INTENT = yaml.safe_load((ROOT / "inventories/lab/group_vars/all/intent.yml").read_text())["anycast_intent"]

# The role's preflight (record checks) and its zone and nsd.conf tasks, rendering into a scratch directory
# (nothing installed, NSD not run).
RENDER = """
- name: Render the nsd role
  hosts: lhr-1
  gather_facts: false
  tasks:
    - name: Preflight
      ansible.builtin.import_role:
        name: anycast.network.nsd
        tasks_from: preflight.yml
    - name: Zones and nsd.conf
      ansible.builtin.import_role:
        name: anycast.network.nsd
        tasks_from: files.yml
  vars:
    nsd_zones_dir: {out}
    nsd_config_file: {out}/nsd.conf
    nsd_run_service: false
"""


def render(tmp_path, intent):
    need("nsd-checkzone")
    inv = lab_inventory(tmp_path, intent)
    out = tmp_path / "out"
    out.mkdir(exist_ok=True)
    proc = run_playbook(tmp_path, inv, RENDER.format(out=out), check=False)
    return out, proc


def test_lab_zone_and_config(tmp_path):
    out, proc = render(tmp_path, copy.deepcopy(LAB_INTENT))
    assert proc.returncode == 0, proc.stdout[-3000:]
    text = (out / "anycast.test.zone").read_text()
    assert re.search(r"^anycast\.test\.\t300\tIN\tNS\tns1\.anycast\.test\.$", text, re.M)
    assert "ns1.anycast.test.\t300\tIN\tA\t203.0.113.53" in text
    assert "ns1.anycast.test.\t300\tIN\tAAAA\t2001:db8:ac00::53" in text
    assert "www.anycast.test.\t300\tIN\tA\t203.0.113.10" in text
    assert "hostmaster.anycast.test." in text
    conf = (out / "nsd.conf").read_text()
    assert 'nsid: "ascii_lhr-1"' in conf and 'identity: "lhr-1"' in conf
    assert "ip-address: 203.0.113.53" in conf and "ip-address: 2001:db8:ac00::53" in conf
    serial = re.search(r"serial (\d+)", text).group(1)
    # Second run, same content: not changed, same serial.
    proc = run_playbook(tmp_path, tmp_path / "inventory.json", RENDER.format(out=out))
    assert "changed=0" in proc.stdout, proc.stdout[-2000:]
    # New content: a new, higher serial.
    intent = copy.deepcopy(LAB_INTENT)
    intent["services"]["dns"]["zones"][0]["records"].append({"name": "api", "type": "A", "value": "203.0.113.11"})
    out2, proc = render(tmp_path, intent)
    text2 = (out2 / "anycast.test.zone").read_text()
    serial2 = re.search(r"serial (\d+)", text2).group(1)
    assert int(serial2) > int(serial)
    check = subprocess.run(["nsd-checkzone", "anycast.test", str(out2 / "anycast.test.zone")], capture_output=True, text=True, check=False)
    assert check.returncode == 0 and serial2 in check.stdout + text2


def test_bad_record_stops_before_anything_is_rendered(tmp_path):
    intent = copy.deepcopy(LAB_INTENT)
    intent["services"]["dns"]["zones"][0]["records"].append({"name": "www", "type": "AAAA", "value": "not-an-address"})
    out, proc = render(tmp_path, intent)
    assert proc.returncode != 0
    # ansible-core 2.18 prints the message in YAML single quotes, where a quote is doubled.
    assert ("services.dns.zones[0].records[4]: value 'not-an-address' is not an IPv6 address"
            in proc.stdout.replace("''", "'"))
    assert not list(out.iterdir())

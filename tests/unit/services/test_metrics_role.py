"""The metrics role's scrape targets file, rendered from the role's own variables for a lab instance."""

import copy
import json

import yaml

from services_support import ROOT, lab_inventory, run_playbook

LAB_INTENT = yaml.safe_load((ROOT / "inventories/lab/group_vars/all/intent.yml").read_text())["anycast_intent"]

RENDER = """
- name: Render the metrics role's targets
  hosts: lhr-1
  gather_facts: false
  vars_files: [{role}/defaults/main.yml, {role}/vars/main.yml]
  tasks:
    - name: Write the targets as the role does
      ansible.builtin.copy:
        content: "{{{{ __metrics_targets | to_nice_json }}}}"
        dest: "{out}/targets.json"
        mode: "0644"
"""


def test_every_endpoint_on_the_management_address_with_the_intents_ports(tmp_path):
    intent = copy.deepcopy(LAB_INTENT)
    intent["metrics"] = {"enabled": True, "healthgate_port": 9740, "caddy_port": 9800}
    inv = lab_inventory(tmp_path, intent)
    doc = json.loads(inv.read_text())
    doc["all"]["children"]["anycast_instances"]["hosts"]["lhr-1"]["ansible_host"] = "198.51.100.7"
    inv.write_text(json.dumps(doc))
    out = tmp_path / "out"
    out.mkdir()
    run_playbook(tmp_path, inv, RENDER.format(role=ROOT / "roles/metrics", out=out))
    groups = json.loads((out / "targets.json").read_text())
    got = {g["labels"]["job"]: (g["targets"], g["labels"].get("__metrics_path__"), g["labels"].get("scope"))
           for g in groups}
    assert got == {"node": (["198.51.100.7:9100"], None, None), "bird": (["198.51.100.7:9324"], None, None),
                   "caddy": (["198.51.100.7:9800"], "/metrics", None),
                   "healthgate": (["198.51.100.7:9740"], "/metrics", None)}
    assert all(g["labels"]["pop"] == "lhr" and g["labels"]["instance"] == "lhr-1" for g in groups)

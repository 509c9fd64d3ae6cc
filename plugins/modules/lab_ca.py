#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: anycast.network contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: lab_ca
short_description: Check that every lab instance holds a certificate from the lab's ACME CA
version_added: "1.0.0"
description:
  - For every web service of the intent whose C(tls.acme_directory) is the lab CA's (pebble in the lab's C(ca)
    container), checks on every lab PoP instance that Caddy serves a certificate for each of the service's
    hostnames, on the instance's own address, that pebble's current issuing root verifies.
  - The lab starts pebble in the background and pebble forgets its keys and orders when it restarts. So the lab
    repairs what it caused; the roles' configuration is never touched. An instance waiting in Caddy's retry back-off
    (1, 2, 5, 10 minutes ...) is nudged with a graceful C(systemctl reload caddy) (Caddy then tries at once), and a
    certificate of an earlier pebble and the ACME account pebble forgot are removed from Caddy's storage first.
    At most two nudges per instance.
  - Waits, bounded by O(timeout), until every instance holds a valid certificate; fails with the instances that do
    not.
  - Does nothing (and succeeds) when no web service uses the lab CA.
  - Reads the lab's plan from C(<state_dir>/lab.json) (written by M(anycast.network.lab_network)).
options:
  intent:
    description: The network's intent (C(anycast_intent)).
    type: dict
    required: true
  state_dir:
    description: The lab's state directory.
    type: path
    required: true
  timeout:
    description: Seconds to wait for every certificate.
    type: int
    default: 180
notes:
  - Runs on the controller as root and uses C(podman exec) in the lab's CA and instance containers.
attributes:
  check_mode:
    description: Can run in check mode and report what would change without changing it.
    support: full
    details: In check mode nothing is nudged; the certificates are only checked.
  diff_mode:
    description: Returns details of what changed (or would change in check mode) when run in diff mode.
    support: none
author:
  - anycast.network developers (@anycast-network)
"""

EXAMPLES = r"""
- name: Every lab instance holds a certificate from the lab CA
  anycast.network.lab_ca:
    intent: "{{ anycast_intent }}"
    state_dir: "{{ anycast_lab_state_dir }}"
  register: lab_ca
"""

RETURN = r"""
instances:
  description: Per instance, per hostname, C(valid), C(stale) (issued by another CA), C(missing) or C(inactive) (no Caddy).
  returned: always
  type: dict
  sample: {"lhr-1": {"www.anycast.test": "valid"}}
nudged:
  description: The instances the lab nudged, and why (C(missing) or C(stale)).
  returned: always
  type: list
  elements: dict
  sample: [{"instance": "ams-1", "reason": "missing"}]
issuing_root:
  description: pebble's current issuing root (PEM), what clients of the lab trust; empty without a lab CA service.
  returned: always
  type: str
"""


from ansible.module_utils.basic import AnsibleModule

from ansible_collections.anycast.network.plugins.module_utils.lab import ca
from ansible_collections.anycast.network.plugins.module_utils.lab import podman


def main():
    module = AnsibleModule(
        argument_spec={
            "intent": {"type": "dict", "required": True},
            "state_dir": {"type": "path", "required": True},
            "timeout": {"type": "int", "default": 180},
        },
        supports_check_mode=True,
    )
    try:
        plan = podman.read_plan(module.params["state_dir"])
    except podman.LabError as exc:
        module.fail_json(msg=str(exc))

    try:
        result = ca.converge_certificates(podman.exec_, plan, module.params["intent"],
                                          timeout=0 if module.check_mode else module.params["timeout"],
                                          check_mode=module.check_mode)
    except podman.LabError as exc:
        module.fail_json(msg=str(exc))
    out = {"changed": bool(result["nudged"]) and not module.check_mode, "instances": result["instances"],
           "nudged": result["nudged"], "issuing_root": result["root"] or ""}
    if ca.problem(result) and not module.check_mode:
        module.fail_json(msg=ca.problem(result), **out)
    module.exit_json(**out)


if __name__ == "__main__":
    main()

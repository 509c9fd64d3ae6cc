#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: anycast.network contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: vultr_startup_script
short_description: Manage a startup script of a Vultr account
version_added: "1.0.0"
description:
  - Create, update or remove a startup script, identified by its name.
  - The script is given as plain text; the module sends it base64-encoded as the API wants.
options:
  name:
    description: Name of the script; its identity in the account.
    type: str
    required: true
  script:
    description: The script itself, in plain text. Required with O(state=present).
    type: str
  type:
    description: When the script runs, C(boot) (at first boot) or C(pxe).
    type: str
    choices: [boot, pxe]
    default: boot
  state:
    description: Whether the script exists.
    type: str
    choices: [present, absent]
    default: present
extends_documentation_fragment:
  - anycast.network.vultr
  - anycast.network.vultr.attributes
  - ansible.builtin.action_common_attributes
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
author:
  - anycast.network contributors
"""

EXAMPLES = r"""
- name: A first-boot script that prepares a PoP instance
  anycast.network.vultr_startup_script:
    name: anycast-firstboot
    script: |
      #!/bin/sh
      apt-get update && apt-get install -y python3
"""

RETURN = r"""
vultr_startup_script:
  description: The script as the API holds it, with C(script) decoded (empty after removal).
  returned: success
  type: dict
  contains:
    id:
      description: ID of the script.
      type: str
      sample: cb676a46-66fd-4dfb-b839-443f2e6c0b60
    name:
      description: Name of the script.
      type: str
      sample: anycast-firstboot
    type:
      description: C(boot) or C(pxe).
      type: str
      sample: boot
    script:
      description: The script, decoded.
      type: str
      sample: "#!/bin/sh\n"
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.anycast.network.plugins.module_utils.vultr.client import (
    VultrAPIError,
    b64,
    client_from_module,
    unb64,
    vultr_argument_spec,
)


def _decoded(script):
    if not script:
        return {}
    out = dict(script)
    out["script"] = unb64(script.get("script"))
    return out


def run(module, client):
    name = module.params["name"]
    found = client.find_by("/startup-scripts", "startup_scripts", "name", name)
    if len(found) > 1:
        module.fail_json(msg="%d startup scripts are named %s: remove the extra ones first" % (len(found), name))
    header = "startup script %s" % name
    if module.params["state"] == "absent":
        if not found:
            return False, {}
        client.delete("/startup-scripts/%s" % found[0]["id"], {"name": name}, header=header)
        return True, {}
    wanted = {"name": name, "type": module.params["type"], "script": module.params["script"]}
    if not found:
        body = dict(wanted, script=b64(wanted["script"]))
        created = client.create(
            "/startup-scripts", "startup_script", body, header=header,
            find=lambda: next(iter(client.find_by("/startup-scripts", "startup_scripts", "name", name)), None))
        return True, _decoded(created)
    # The list leaves the script out: read it whole to compare.
    current = _decoded(client.get("/startup-scripts/%s" % found[0]["id"], "startup_script") or found[0])
    changes = {k: v for k, v in wanted.items() if current.get(k) != v}
    if not changes:
        return False, current
    client.update("/startup-scripts/%s" % current["id"], "startup_script",
                  {k: current.get(k) for k in changes},
                  {k: (b64(v) if k == "script" else v) for k, v in changes.items()},
                  header=header, refetch=False)
    if client.diffs and "script" in changes:
        client.diffs[-1]["before"]["script"] = current.get("script")
        client.diffs[-1]["after"]["script"] = wanted["script"]
    after = dict(current)
    after.update(changes)
    return True, after


def main():
    argument_spec = vultr_argument_spec()
    argument_spec.update(
        name=dict(type="str", required=True),
        script=dict(type="str"),
        type=dict(type="str", choices=["boot", "pxe"], default="boot"),
        state=dict(type="str", choices=["present", "absent"], default="present"),
    )
    module = AnsibleModule(
        argument_spec=argument_spec,
        required_if=[("state", "present", ["script"])],
        supports_check_mode=True,
    )
    client = client_from_module(module)
    try:
        changed, script = run(module, client)
    except VultrAPIError as exc:
        module.fail_json(msg=str(exc), status=exc.status)
    result = dict(changed=changed, vultr_startup_script=script)
    if module._diff:
        result["diff"] = client.diffs
    module.exit_json(**result)


if __name__ == "__main__":
    main()

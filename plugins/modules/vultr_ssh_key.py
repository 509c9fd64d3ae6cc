#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: anycast.network contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: vultr_ssh_key
short_description: Manage an SSH key of a Vultr account
version_added: "1.0.0"
description:
  - Create, update or remove an SSH key in a Vultr account, identified by its name.
  - Instances refer to keys by name (O(anycast.network.vultr_instance#module:ssh_keys)).
options:
  name:
    description: Name of the key; the identity of the key in the account.
    type: str
    required: true
  ssh_key:
    description:
      - The public key, one line (C(ssh-ed25519 AAAA... comment)). Required with O(state=present).
    type: str
  state:
    description: Whether the key exists.
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
- name: Upload the operators' key
  anycast.network.vultr_ssh_key:
    name: anycast-admin
    ssh_key: "{{ lookup('ansible.builtin.file', 'files/anycast-admin.pub') }}"

- name: Remove an old key
  anycast.network.vultr_ssh_key:
    name: old-laptop
    state: absent
"""

RETURN = r"""
vultr_ssh_key:
  description: The key as the API holds it (empty after removal).
  returned: success
  type: dict
  contains:
    id:
      description: ID of the key.
      type: str
      sample: 3b8066a7-b438-455a-9688-44afc9a3597f
    name:
      description: Name of the key.
      type: str
      sample: anycast-admin
    ssh_key:
      description: The public key.
      type: str
      sample: ssh-ed25519 AAAAC3Nza... admin@example.com
    date_created:
      description: When the key was created.
      type: str
      sample: "2024-05-01T10:00:00+00:00"
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.anycast.network.plugins.module_utils.vultr.client import (
    VultrAPIError,
    client_from_module,
    vultr_argument_spec,
)


def run(module, client):
    name = module.params["name"]
    found = client.find_by("/ssh-keys", "ssh_keys", "name", name)
    if len(found) > 1:
        module.fail_json(msg="%d SSH keys are named %s: remove the extra ones first" % (len(found), name))
    current = found[0] if found else None
    header = "ssh key %s" % name
    if module.params["state"] == "absent":
        if not current:
            return False, {}
        client.delete("/ssh-keys/%s" % current["id"], current, header=header)
        return True, {}
    wanted = {"name": name, "ssh_key": module.params["ssh_key"].strip()}
    if not current:
        return True, client.create("/ssh-keys", "ssh_key", wanted, header=header,
                                   find=lambda: next(iter(client.find_by("/ssh-keys", "ssh_keys", "name", name)),
                                                     None))
    return client.update("/ssh-keys/%s" % current["id"], "ssh_key", current, wanted, header=header)


def main():
    argument_spec = vultr_argument_spec()
    argument_spec.update(
        name=dict(type="str", required=True),
        ssh_key=dict(type="str", no_log=False),
        state=dict(type="str", choices=["present", "absent"], default="present"),
    )
    module = AnsibleModule(
        argument_spec=argument_spec,
        required_if=[("state", "present", ["ssh_key"])],
        supports_check_mode=True,
    )
    client = client_from_module(module)
    try:
        changed, key = run(module, client)
    except VultrAPIError as exc:
        module.fail_json(msg=str(exc), status=exc.status)
    result = dict(changed=changed, vultr_ssh_key=key or {})
    if module._diff:
        result["diff"] = client.diffs
    module.exit_json(**result)


if __name__ == "__main__":
    main()

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
  - anycast.network developers (@anycast-network)
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

from ansible_collections.anycast.network.plugins.module_utils.vultr.base import AnsibleVultr


class VultrSshKey(AnsibleVultr):
    namespace = "vultr_ssh_key"
    resource_path = "/ssh-keys"
    result_key = "ssh_key"
    resource_name = "SSH key"
    key_name = "name"
    create_keys = ("name", "ssh_key")
    update_keys = ("name", "ssh_key")
    module_options = dict(required_if=[("state", "present", ["ssh_key"])])

    @classmethod
    def module_argument_spec(cls):
        return dict(
            name=dict(type="str", required=True),
            ssh_key=dict(type="str", no_log=False),
            state=dict(type="str", choices=["present", "absent"], default="present"),
        )

    def wanted(self, keys):
        wanted = super().wanted(keys)
        if wanted.get("ssh_key"):
            wanted["ssh_key"] = wanted["ssh_key"].strip()
        return wanted


def main():
    VultrSshKey.run_module()


if __name__ == "__main__":
    main()

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
  - anycast.network developers (@anycast-network)
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

from ansible_collections.anycast.network.plugins.module_utils.vultr.base import AnsibleVultr
from ansible_collections.anycast.network.plugins.module_utils.vultr.client import b64, unb64


class VultrStartupScript(AnsibleVultr):
    namespace = "vultr_startup_script"
    resource_path = "/startup-scripts"
    result_key = "startup_script"
    key_name = "name"
    create_keys = ("name", "type", "script")
    update_keys = ("name", "type", "script")
    # The list leaves the script out: read it whole to compare.
    get_details = True
    module_options = dict(required_if=[("state", "present", ["script"])])

    @classmethod
    def module_argument_spec(cls):
        return dict(
            name=dict(type="str", required=True),
            script=dict(type="str"),
            type=dict(type="str", choices=["boot", "pxe"], default="boot"),
            state=dict(type="str", choices=["present", "absent"], default="present"),
        )

    def to_api(self, data):
        out = dict(data)
        if "script" in out:
            out["script"] = b64(out["script"])
        return out

    def transform_resource(self, resource):
        if not resource:
            return resource
        out = dict(resource)
        if "script" in out:
            out["script"] = unb64(out["script"])
        return out


def main():
    VultrStartupScript.run_module()


if __name__ == "__main__":
    main()

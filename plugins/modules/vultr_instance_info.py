#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: anycast.network contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: vultr_instance_info
short_description: List Vultr instances
version_added: "1.0.0"
description:
  - List the instances of the account, every page of them, optionally filtered.
options:
  label:
    description: Only the instances with exactly this label.
    type: str
  tag:
    description: Only the instances carrying this tag.
    type: str
  region:
    description: Only the instances in this region.
    type: str
extends_documentation_fragment:
  - anycast.network.vultr
  - anycast.network.vultr.attributes
  - ansible.builtin.action_common_attributes
attributes:
  check_mode:
    support: full
    details: The module only reads.
  diff_mode:
    support: none
author:
  - anycast.network contributors
"""

EXAMPLES = r"""
- name: Every instance of the network "example"
  anycast.network.vultr_instance_info:
    tag: "anycast:example"
  register: __vultr_instances

- name: Their labels
  ansible.builtin.debug:
    msg: "{{ __vultr_instances.vultr_instance_info | map(attribute='label') }}"
"""

RETURN = r"""
vultr_instance_info:
  description: The matching instances, in the order of the API.
  returned: success
  type: list
  elements: dict
  sample:
    - id: cb676a46-66fd-4dfb-b839-443f2e6c0b60
      label: example-ams-1
      region: ams
      plan: vc2-1c-1gb
      status: active
      power_status: running
      main_ip: 192.0.2.10
      v6_main_ip: "2001:db8:1::1"
      tags: ["anycast:example", "anycast-pop:ams"]
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.anycast.network.plugins.module_utils.vultr.client import (
    VultrAPIError,
    client_from_module,
    instance_summary,
    vultr_argument_spec,
)


def main():
    argument_spec = vultr_argument_spec()
    argument_spec.update(label=dict(type="str"), tag=dict(type="str"), region=dict(type="str"))
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True)
    client = client_from_module(module)
    try:
        items = client.list_instances(label=module.params["label"], tag=module.params["tag"],
                                      region=module.params["region"])
    except VultrAPIError as exc:
        module.fail_json(msg=str(exc), status=exc.status)
    module.exit_json(changed=False, vultr_instance_info=[instance_summary(i) for i in items])


if __name__ == "__main__":
    main()

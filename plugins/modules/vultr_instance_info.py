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
  - anycast.network developers (@anycast-network)
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

from ansible_collections.anycast.network.plugins.module_utils.vultr.base import AnsibleVultr
from ansible_collections.anycast.network.plugins.module_utils.vultr.client import instance_summary


class VultrInstanceInfo(AnsibleVultr):
    namespace = "vultr_instance_info"
    resource_path = "/instances"
    result_key = "instance"

    @classmethod
    def module_argument_spec(cls):
        return dict(label=dict(type="str"), tag=dict(type="str"), region=dict(type="str"))

    def run(self):
        # The client filters again on its side: the API treats some filters as prefixes or ignores them.
        items = self.client.list_instances(label=self.params["label"], tag=self.params["tag"],
                                           region=self.params["region"])
        self.result[self.namespace] = [instance_summary(i) for i in items]
        return self.result


def main():
    VultrInstanceInfo.run_module()


if __name__ == "__main__":
    main()

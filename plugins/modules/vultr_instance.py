#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: anycast.network contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: vultr_instance
short_description: Manage one Vultr cloud compute instance
version_added: "1.0.0"
description:
  - Create, start, stop or remove a Vultr instance identified by its label.
  - Idempotent by label (and region when given); O(tags) are kept in sync on an existing instance.
    Region, plan and operating system of an existing instance are not changed in place; a difference is
    reported as a warning.
  - A create that failed in a way that may hide a success (timeout, 5xx) is never simply repeated; the module
    looks the label up again first, so a retry does not create a second instance.
  - To run a whole PoP, use M(anycast.network.vultr_pop), which creates all instances before waiting.
options:
  label:
    description: The label of the instance, its identity.
    type: str
    required: true
  hostname:
    description: Host name given to the instance at creation; defaults to the label.
    type: str
  state:
    description:
      - V(present) creates the instance if needed and leaves its power state alone; V(started) and V(stopped) also
        start or halt it; V(absent) removes it.
    type: str
    choices: [present, absent, started, stopped]
    default: present
  region:
    description: Region ID (for example C(ams)). Required to create.
    type: str
  plan:
    description: Plan ID (for example C(vc2-1c-1gb)). Required to create.
    type: str
  os_id:
    description: Operating system ID (see C(GET /os)); one of O(os_id) or O(image_id) is required to create.
    type: int
  image_id:
    description: Application image ID, instead of O(os_id).
    type: str
  ssh_keys:
    description: Names of SSH keys of the account to install (see M(anycast.network.vultr_ssh_key)).
    type: list
    elements: str
    default: []
  startup_script:
    description: Name of a startup script of the account to run at first boot.
    type: str
  user_data:
    description:
      - User data (cloud-init) in plain text; the module sends it base64-encoded. Only used at creation.
      - Never shown in diffs.
    type: str
  enable_ipv6:
    description: Give the instance an IPv6 address (only used at creation).
    type: bool
    default: true
  tags:
    description: Tags of the instance; kept in sync on an existing instance.
    type: list
    elements: str
    default: []
  wait:
    description: Wait until the instance is C(active) and booted after creating or starting it.
    type: bool
    default: true
  wait_timeout:
    description: Seconds to wait with O(wait).
    type: float
    default: 900
  poll_interval:
    description: Seconds between two looks at the instance while waiting.
    type: float
    default: 5
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
- name: A Debian 12 instance in Amsterdam
  anycast.network.vultr_instance:
    label: example-ams-1
    region: ams
    plan: vc2-1c-1gb
    os_id: 2136
    ssh_keys: [anycast-admin]
    tags: ["anycast:example", "anycast-pop:ams"]

- name: Stop it
  anycast.network.vultr_instance:
    label: example-ams-1
    state: stopped

- name: Remove it
  anycast.network.vultr_instance:
    label: example-ams-1
    state: absent
"""

RETURN = r"""
vultr_instance:
  description: The instance (empty after removal). In check mode, a planned instance has no C(id).
  returned: success
  type: dict
  contains:
    id:
      description: ID of the instance.
      type: str
      sample: cb676a46-66fd-4dfb-b839-443f2e6c0b60
    label:
      description: Label.
      type: str
      sample: example-ams-1
    region:
      description: Region ID.
      type: str
      sample: ams
    plan:
      description: Plan ID.
      type: str
      sample: vc2-1c-1gb
    status:
      description: C(pending), C(active), C(suspended) or C(resizing).
      type: str
      sample: active
    power_status:
      description: C(running) or C(stopped).
      type: str
      sample: running
    main_ip:
      description: Main IPv4 address (C(0.0.0.0) until one is assigned).
      type: str
      sample: 192.0.2.10
    v6_main_ip:
      description: Main IPv6 address, empty without IPv6.
      type: str
      sample: "2001:db8:1::1"
    tags:
      description: Tags.
      type: list
      elements: str
      sample: ["anycast:example", "anycast-pop:ams"]
"""

from ansible_collections.anycast.network.plugins.module_utils.vultr.base import AnsibleVultr
from ansible_collections.anycast.network.plugins.module_utils.vultr.client import instance_summary
from ansible_collections.anycast.network.plugins.module_utils.vultr.instance import (
    build_create_body,
    drift,
    instance_spec,
    missing_create_options,
)


class VultrInstance(AnsibleVultr):
    namespace = "vultr_instance"
    resource_path = "/instances"
    result_key = "instance"
    key_name = "label"
    update_keys = ("tags",)
    module_options = dict(mutually_exclusive=[("os_id", "image_id")])

    @classmethod
    def module_argument_spec(cls):
        spec = instance_spec()
        spec.update(
            label=dict(type="str", required=True),
            hostname=dict(type="str"),
            state=dict(type="str", choices=["present", "absent", "started", "stopped"], default="present"),
        )
        return spec

    def find(self):
        # One label, and one region when it is given.
        return self.client.list_instances(label=self.params["label"], region=self.params.get("region"))

    def create_data(self):
        missing = missing_create_options(self.params)
        if missing:
            self.module.fail_json(msg="instance %s does not exist; to create it, set %s"
                                  % (self.params["label"], ", ".join(missing)))
        return build_create_body(self.client, self.params, self.params["label"], self.params["tags"],
                                 hostname=self.params.get("hostname"))

    def transform_result(self, resource):
        return instance_summary(resource)

    def wait(self, instance):
        ready = self.client.wait_instances([instance["id"]], self.params["wait_timeout"],
                                           self.params["poll_interval"])
        return ready[instance["id"]]

    def present(self):
        """Create the instance or keep its tags in sync; wait for a new one."""
        current = self.query()
        if current is None:
            current = self.create()
            if self.params["wait"] and not self.check_mode:
                current = self.wait(current)
            return current
        for note in drift(current, self.params):
            self.module.warn(note + " (not changed in place)")
        return self.update(current)

    def _power(self, action, power_status):
        """Make the instance run or stop (``start`` only a stopped one, ``halt`` any that is not stopped)."""
        current = self.present()

        def needed(instance):
            if power_status == "running":
                return instance.get("power_status") == "stopped"
            return instance.get("power_status") != "stopped"

        if self.check_mode:
            if needed(current):
                self.mark_changed()
                return dict(current, power_status=power_status)
            return current
        if self.params["wait"]:
            current = self.wait(current)  # one look when it is ready already
        if not needed(current):
            return current
        if action == "halt" and current.get("status") != "active":
            current = self.wait(current)
        self.action(current, action, {"power_status": current.get("power_status")}, {"power_status": power_status})
        return self.client.get(self.path(current), self.result_key) or current

    def started(self):
        return self._power("start", "running")

    def stopped(self):
        return self._power("halt", "stopped")


def main():
    VultrInstance.run_module()


if __name__ == "__main__":
    main()

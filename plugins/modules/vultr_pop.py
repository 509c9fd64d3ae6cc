#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: anycast.network contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: vultr_pop
short_description: Converge the Vultr instances of one anycast PoP to a count
version_added: "1.0.0"
description:
  - Makes the PoP O(pop) of the network O(network) have exactly O(count) instances, labelled
    C(<network>-<pop>-<n>) for n = 1..O(count) and tagged C(anycast:<network>) and C(anycast-pop:<pop>) (plus O(tags)).
  - All missing instances are created first, then the module waits for all of them at once, so a PoP of twenty
    boots in about the time of one.
  - Instances numbered above O(count) are the surplus. With O(remove_surplus=false) they are only reported
    (RV(surplus)), so a playbook can drain them before a second call removes them.
  - Two instances with the same label (left by an earlier failure) are reduced to one (the active, oldest one is
    kept); the extra ones never appeared under their own name in an inventory and are removed at once.
  - A create whose answer was lost is not repeated blindly, the label is looked up again first.
  - Tags of existing instances are kept in sync; a different region, plan or OS is reported as a warning.
options:
  network:
    description: Name of the network (C(anycast_intent.network)).
    type: str
    required: true
  pop:
    description: Name of the PoP (a key of C(anycast_intent.pops)).
    type: str
    required: true
  count:
    description: Number of instances the PoP must have. V(0) with O(remove_surplus=true) empties the PoP.
    type: int
    default: 1
  state:
    description: V(present) converges to O(count); V(absent) removes every instance of the PoP.
    type: str
    choices: [present, absent]
    default: present
  remove_surplus:
    description: Remove the instances numbered above O(count) (otherwise they are only reported).
    type: bool
    default: true
  region:
    description: Region ID. Required to create instances.
    type: str
  plan:
    description: Plan ID. Required to create instances.
    type: str
  os_id:
    description: Operating system ID; one of O(os_id) or O(image_id) is required to create instances.
    type: int
  image_id:
    description: Application image ID, instead of O(os_id).
    type: str
  ssh_keys:
    description: Names of SSH keys of the account to install.
    type: list
    elements: str
    default: []
  startup_script:
    description: Name of a startup script of the account.
    type: str
  user_data:
    description: User data in plain text (sent base64-encoded; only used at creation; never shown in diffs).
    type: str
  enable_ipv6:
    description: Give new instances an IPv6 address.
    type: bool
    default: true
  tags:
    description: Tags added to the two tags of the PoP.
    type: list
    elements: str
    default: []
  wait:
    description: Wait until every instance of the PoP is C(active) and booted.
    type: bool
    default: true
  wait_timeout:
    description: Seconds to wait with O(wait), for all instances together.
    type: float
    default: 900
  poll_interval:
    description: Seconds between two looks at the PoP while waiting (one paged list per look).
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
- name: Three instances in Amsterdam for the network "example"
  anycast.network.vultr_pop:
    network: example
    pop: ams
    count: 3
    region: ams
    plan: vc2-1c-1gb
    os_id: 2136
    ssh_keys: [anycast-admin]

- name: Scale down, but only report the surplus (drain it before removing it)
  anycast.network.vultr_pop:
    network: example
    pop: ams
    count: 1
    region: ams
    plan: vc2-1c-1gb
    os_id: 2136
    remove_surplus: false
  register: __vultr_pop

- name: Remove every instance of the PoP
  anycast.network.vultr_pop:
    network: example
    pop: ams
    state: absent
"""

RETURN = r"""
instances:
  description: The instances of the PoP numbered 1..count, by index (planned ones have no C(id) in check mode).
  returned: success
  type: list
  elements: dict
  sample:
    - index: 1
      id: cb676a46-66fd-4dfb-b839-443f2e6c0b60
      label: example-ams-1
      region: ams
      status: active
      main_ip: 192.0.2.10
      v6_main_ip: "2001:db8:1::1"
      tags: ["anycast:example", "anycast-pop:ams"]
created:
  description: Labels of the instances created.
  returned: success
  type: list
  elements: str
  sample: [example-ams-2, example-ams-3]
surplus:
  description: The instances numbered above the count (removed when RV(removed) lists them).
  returned: success
  type: list
  elements: dict
  sample:
    - index: 3
      id: 0b0e4f8c-5c5e-4d1c-9d3c-3a8d1a2d7f10
      label: example-ams-3
      main_ip: 192.0.2.12
removed:
  description: Labels of the surplus instances removed.
  returned: success
  type: list
  elements: str
  sample: [example-ams-3]
duplicates_removed:
  description: IDs of extra instances that carried the label of another one, removed.
  returned: success
  type: list
  elements: str
  sample: []
"""

from ansible_collections.anycast.network.plugins.module_utils.vultr.base import AnsibleVultr
from ansible_collections.anycast.network.plugins.module_utils.vultr.client import (
    TAG_POP,
    instance_index,
    instance_label,
    instance_pop,
    instance_ready,
    instance_summary,
    pop_tags,
)
from ansible_collections.anycast.network.plugins.module_utils.vultr.instance import (
    build_create_body,
    drift,
    instance_spec,
    missing_create_options,
)


def _keep_order(instance):
    """Which of two instances with one label to keep: the ready one, then the oldest."""
    return (0 if instance_ready(instance) else 1, instance.get("date_created") or "", instance.get("id") or "")


def _entry(index, instance):
    out = instance_summary(instance)
    out["index"] = index
    return out


class VultrPop(AnsibleVultr):
    """The instances of one PoP, numbered 1..count: a set of instances rather than one resource."""

    resource_path = "/instances"
    result_key = "instance"
    key_name = "label"
    module_options = dict(mutually_exclusive=[("os_id", "image_id")])

    @classmethod
    def module_argument_spec(cls):
        spec = instance_spec()
        spec.update(
            network=dict(type="str", required=True),
            pop=dict(type="str", required=True),
            count=dict(type="int", default=1),
            state=dict(type="str", choices=["present", "absent"], default="present"),
            remove_surplus=dict(type="bool", default=True),
        )
        return spec

    def __init__(self, module, client=None):
        super().__init__(module, client)
        self.result.update(created=[], removed=[], surplus=[], duplicates_removed=[], instances=[])
        self.network, self.pop = self.params["network"], self.params["pop"]
        self.tags = pop_tags(self.network, self.pop)
        self.tags += [t for t in self.params["tags"] if t not in self.tags]

    def current(self):
        """This PoP's instances by index (several when an earlier failure left two with one label)."""
        by_index = {}
        for inst in self.client.list_instances(tag=TAG_POP + self.pop):
            if instance_pop(inst, self.network) != self.pop:
                continue
            index = instance_index(inst.get("label"), self.network, self.pop)
            if index is None:
                self.module.warn("instance %s (%s) carries the tags of PoP %s but not a label <network>-<pop>-<n>; "
                                 "left alone" % (inst.get("label"), inst.get("id"), self.pop))
                continue
            by_index.setdefault(index, []).append(inst)
        return by_index

    def remove_duplicates(self, by_index):
        current = {}
        for index, group in sorted(by_index.items()):
            group.sort(key=_keep_order)
            current[index] = group[0]
            for extra in group[1:]:
                self.delete(extra, header="duplicate instance %s (%s)" % (extra.get("label"), extra.get("id")))
                self.result["duplicates_removed"].append(extra["id"])
        return current

    def create_missing(self, current, count):
        missing = [n for n in range(1, count + 1) if n not in current]
        if not missing:
            return missing
        options = missing_create_options(self.params)
        if options:
            self.module.fail_json(msg="PoP %s needs %d new instance(s); set %s"
                                  % (self.pop, len(missing), ", ".join(options)))
        template = build_create_body(self.client, self.params, instance_label(self.network, self.pop, missing[0]),
                                     self.tags)
        # Every create goes out before any wait: the PoP boots in parallel.
        for n in missing:
            label = instance_label(self.network, self.pop, n)
            current[n] = self.create(dict(template, label=label, hostname=label), header="instance %s" % label,
                                     find=lambda label=label: next(iter(self.client.list_instances(label=label)),
                                                                   None))
            self.result["created"].append(label)
        return missing

    def run(self):
        p = self.params
        count = 0 if p["state"] == "absent" else p["count"]
        remove_surplus = True if p["state"] == "absent" else p["remove_surplus"]
        if count < 0:
            self.module.fail_json(msg="count must be 0 or more, not %d" % count)

        current = self.remove_duplicates(self.current())
        missing = self.create_missing(current, count)

        for n in range(1, count + 1):
            if n in missing:
                continue
            for note in drift(current[n], p):
                self.module.warn(note + " (not changed in place)")
            current[n] = self.update(current[n], {"tags": self.tags})

        # Surplus: numbered above the count. Removed at once unless remove_surplus is false.
        for n in sorted(i for i in current if i > count):
            inst = current.pop(n)
            self.result["surplus"].append(_entry(n, inst))
            if remove_surplus:
                self.delete(inst)
                self.result["removed"].append(inst.get("label"))

        if p["wait"] and not self.check_mode:
            waiting = [inst["id"] for inst in current.values() if not instance_ready(inst)]
            if waiting:
                ready = self.client.wait_instances(waiting, p["wait_timeout"], p["poll_interval"],
                                                   tag=TAG_POP + self.pop)
                for n, inst in current.items():
                    current[n] = ready.get(inst["id"], inst)

        self.result["instances"] = [_entry(n, current[n]) for n in sorted(current)]
        self.result["api_requests"] = self.client.stats["requests"]
        self.result["api_retries"] = self.client.stats["retries"]
        return self.get_result()

    def transform_result(self, resource):
        return instance_summary(resource)


def main():
    VultrPop.run_module()


if __name__ == "__main__":
    main()

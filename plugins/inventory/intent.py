# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: intent
short_description: PoP instances of the lab and static providers, from the network's intent
version_added: 1.0.0
description:
  - Reads the intent file (the one description of the network, variable C(anycast_intent)) and adds a host for
    every instance of a C(lab) PoP and every host of a C(static) PoP.
  - Vultr PoPs are listed by the M(anycast.network.vultr_instance) API through the P(anycast.network.vultr#inventory)
    inventory plugin instead; this plugin only creates their groups.
  - Hosts are grouped in C(anycast_instances), C(pop_<pop>) and C(provider_<provider>) and carry the hostvars
    C(anycast_pop), C(anycast_instance_index), C(anycast_provider), C(anycast_address), C(anycast_address6).
  - The group C(provider_lab) sets C(ansible_python_interpreter=/usr/bin/python3) (the lab image is Debian 12) and
    C(ansible_ssh_common_args), at the lowest precedence of inventory variables (a value in C(group_vars) or
    C(host_vars) replaces it).
  - The lab's SSH options are C(-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR)
    and the lab's key exchange (C(-o KexAlgorithms=curve25519-sha256)). The lab's containers live on sealed podman
    networks and are built again with new host keys whenever the lab is rebuilt, so their keys are not checked or
    remembered. Every other host keeps Ansible's host key checking; the connection settings that are not about
    host keys (ControlMaster, ControlPersist, pipelining) stay in C(ansible.cfg).
  - The intent itself is loaded by Ansible as an ordinary variable (put it in C(group_vars/all/)); this plugin
    reads the same file only for the host list. An intent file that is missing, empty, not valid YAML (the error
    names the line) or has a key written twice, and a lab topology that does not fit the intent's lab PoPs, fail
    the inventory source with the collection's own message; set C(any_unparsed_is_failed) (section
    C([inventory]) of C(ansible.cfg)) so that such a run stops at once. A parsable intent with mistakes is listed
    as far as it can be and left to the validate step.
  - The autoscaler's decision record (O(autoscale_record), docs/autoscaling.md) is applied to the intent before
    lab hosts are listed (the same function as the normalisation's), and exposed to every host as
    C(anycast_autoscale_record) (the record without its log; no PoP entries without a record) and
    C(anycast_autoscale_record_file).
  - Inventory files for this plugin end in C(.anycast.yml) or C(.anycast.yaml).
extends_documentation_fragment:
  - ansible.builtin.constructed
options:
  plugin:
    description: The name of this plugin.
    required: true
    type: str
    choices: [anycast.network.intent]
  intent_file:
    description: The intent file, relative to the inventory file.
    type: str
    default: group_vars/all/intent.yml
  lab_topology:
    description:
      - The lab topology file, relative to the inventory file. Needed when the intent has C(lab) PoPs.
    type: str
    env:
      - name: ANYCAST_LAB_TOPOLOGY
  lab_state_dir:
    description:
      - Where the lab keeps its generated state (SSH key, BGP password), relative to the inventory file.
      - Exposed to every host as C(anycast_lab_state_dir); the topology as C(anycast_lab_topology).
    type: str
    default: ../../.lab
    env:
      - name: ANYCAST_LAB_STATE_DIR
  autoscale_record:
    description:
      - The autoscaler's decision record, relative to the inventory file; C({network}) is replaced by the
        intent's network name. A missing file is an empty record.
      - Under AWX, point it at a directory that outlives the job (docs/autoscaling.md).
    type: str
    default: ../../.state/{network}/autoscale.json
    env:
      - name: ANYCAST_AUTOSCALE_RECORD
"""

EXAMPLES = r"""
# inventories/lab/hosts.anycast.yml
plugin: anycast.network.intent
intent_file: group_vars/all/intent.yml
lab_topology: ../../lab/topologies/default.yml
---
# inventories/prod/hosts.anycast.yml, static hosts only, with an extra group per region
plugin: anycast.network.intent
keyed_groups:
  - key: anycast_pop
    prefix: site
"""

import os

from ansible.errors import AnsibleParserError
from ansible.plugins.inventory import BaseInventoryPlugin, Constructable

from ansible_collections.anycast.network.plugins.module_utils.autoscale import record as autoscale_record
from ansible_collections.anycast.network.plugins.module_utils.intent.files import (
    IntentFileError, load_intent_file, load_yaml)

# The lab's containers are rebuilt with new host keys and reached only over the lab's sealed networks: their keys
# are neither checked nor written to known_hosts. Only the provider_lab group gets these options.
LAB_HOST_KEY_ARGS = "-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR"


class InventoryModule(BaseInventoryPlugin, Constructable):
    NAME = "anycast.network.intent"

    def verify_file(self, path):
        return super().verify_file(path) and path.endswith((".anycast.yml", ".anycast.yaml"))

    def parse(self, inventory, loader, path, cache=True):
        super().parse(inventory, loader, path, cache)
        self._read_config_data(path)
        base = os.path.dirname(os.path.abspath(path))
        state_dir = os.path.normpath(os.path.join(base, self.get_option("lab_state_dir")))
        self.inventory.set_variable("all", "anycast_lab_state_dir", state_dir)
        if self.get_option("lab_topology"):
            # The lab playbooks and the validate step use the same topology file as this inventory.
            self.inventory.set_variable("all", "anycast_lab_topology",
                                        os.path.normpath(os.path.join(base, self.get_option("lab_topology"))))
        intent_path = os.path.join(base, self.get_option("intent_file"))
        try:
            intent = load_intent_file(intent_path)
        except IntentFileError as exc:
            # Fails loudly: with `any_unparsed_is_failed` (see docs/intent.md) the run stops here, with this message.
            raise AnsibleParserError(str(exc))
        if not isinstance(intent, dict) or not isinstance(intent.get("pops"), dict):
            return  # nothing to list; the validate step explains what is wrong
        intent = self._autoscaled(base, intent)
        for group in ("anycast_instances", "provider_lab", "provider_static", "provider_vultr"):
            self.inventory.add_group(group)
        # The lab image is Debian 12: its Python is known, no discovery (a group variable of this source, so any
        # setting in group_vars or host_vars wins).
        self.inventory.set_variable("provider_lab", "ansible_python_interpreter", "/usr/bin/python3")
        self.inventory.set_variable("provider_lab", "ansible_ssh_common_args", self._lab_ssh_args())
        # The same said to connection plugins that check host keys themselves (Mitogen's) rather than through ssh.
        self.inventory.set_variable("provider_lab", "ansible_host_key_checking", False)
        lab_hosts = None
        for pop_name, pop in intent["pops"].items():
            if not isinstance(pop, dict) or not isinstance(pop_name, str):
                continue
            group = "pop_" + pop_name.replace("-", "_")
            self.inventory.add_group(group)
            provider = pop.get("provider")
            if provider == "static":
                hosts = [self._static_host(pop_name, i, h) for i, h in enumerate(pop.get("hosts") or [], start=1)
                         if isinstance(h, dict) and isinstance(h.get("name"), str)]
            elif provider == "lab":
                if lab_hosts is None:
                    lab_hosts = self._lab_hosts(base, intent, state_dir)
                hosts = [h for h in lab_hosts if h.get("pop") == pop_name]
            else:
                continue
            for host in hosts:
                self._add(host, group, provider)

    def _autoscaled(self, base, intent):
        """The intent with the autoscaler's record applied (autoscale record.apply, as the normalisation does);
        the record's entries and path become variables of every host."""
        network = str(intent.get("network") or "")
        path = os.path.normpath(os.path.join(base, self.get_option("autoscale_record").replace("{network}", network)))
        try:
            record = autoscale_record.load(path)
        except ValueError as exc:
            raise AnsibleParserError(str(exc))
        self.inventory.set_variable("all", "anycast_autoscale_record", autoscale_record.without_log(record))
        self.inventory.set_variable("all", "anycast_autoscale_record_file", path)
        return autoscale_record.apply(intent, record)

    @staticmethod
    def _static_host(pop_name, index, entry):
        host = {"name": entry["name"], "pop": pop_name, "index": index,
                "address": entry.get("address", ""), "address6": entry.get("address6", "")}
        host["ansible_host"] = entry.get("ansible_host") or entry.get("address") or entry.get("address6")
        if entry.get("ansible_user"):
            host["ansible_user"] = entry["ansible_user"]
        return host

    @staticmethod
    def _lab_ssh_args(own=None):
        """The lab's host key options, then its own SSH options (by default the lab's key exchange)."""
        if own is None:
            from ansible_collections.anycast.network.plugins.module_utils.lab.inventory import SSH_COMMON_ARGS
            own = SSH_COMMON_ARGS
        return ("%s %s" % (LAB_HOST_KEY_ARGS, own)).strip()

    def _lab_hosts(self, base, intent, state_dir):
        topo_opt = self.get_option("lab_topology")
        if not topo_opt:
            raise AnsibleParserError("The intent has lab PoPs but the inventory sets no lab_topology.")
        topo_path = os.path.join(base, topo_opt)
        try:
            from ansible_collections.anycast.network.plugins.module_utils.lab.inventory import lab_hosts
            topology = load_yaml(topo_path)
            hosts = lab_hosts(topology, intent)
        except Exception as exc:
            raise AnsibleParserError("Cannot derive the lab hosts from %s: %s" % (topo_path, exc))
        for host in hosts:
            # The lab's SSH options are the provider_lab group's; a host's own options keep the host key options.
            own = host.pop("ansible_ssh_common_args", None)
            if own is not None and self._lab_ssh_args(own) != self._lab_ssh_args():
                host["ansible_ssh_common_args"] = self._lab_ssh_args(own)
            key = host.get("ansible_ssh_private_key_file")
            if key and not os.path.isabs(key):
                host["ansible_ssh_private_key_file"] = os.path.join(state_dir, key)
        return hosts

    def _add(self, host, group, provider):
        name = host["name"]
        self.inventory.add_host(name, group=group)
        self.inventory.add_child("anycast_instances", group)
        self.inventory.add_child("provider_" + provider, group)
        hostvars = {
            "anycast_pop": host["pop"],
            "anycast_instance_index": host["index"],
            "anycast_provider": provider,
            "anycast_address": host.get("address") or "",
            "anycast_address6": host.get("address6") or "",
            "ansible_host": host.get("ansible_host"),
        }
        for key, value in host.items():
            if key.startswith("ansible_") and key != "ansible_host":
                hostvars[key] = value
        for key, value in hostvars.items():
            if value is not None:
                self.inventory.set_variable(name, key, value)
        strict = self.get_option("strict")
        self._set_composite_vars(self.get_option("compose"), hostvars, name, strict=strict)
        self._add_host_to_composed_groups(self.get_option("groups"), hostvars, name, strict=strict)
        self._add_host_to_keyed_groups(self.get_option("keyed_groups"), hostvars, name, strict=strict)

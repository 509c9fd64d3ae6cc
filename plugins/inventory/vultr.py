# -*- coding: utf-8 -*-
# Copyright: anycast.network contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
name: vultr
short_description: The Vultr PoP instances of an anycast network
version_added: "1.0.0"
description:
  - Lists the Vultr instances that carry the collection's tags for the network O(network)
    (C(anycast:<network>) and C(anycast-pop:<pop>)) and a label C(<network>-<pop>-<n>), every page of them.
  - Each becomes a host named by its label, in the groups C(anycast_instances), C(pop_<pop>), C(provider_vultr) and
    C(region_<region>), with the host variables C(anycast_pop), C(anycast_instance_index), C(anycast_provider),
    C(anycast_address) (main IPv4, empty while none is assigned), C(anycast_address6) (main IPv6, empty without one),
    C(ansible_host), and the instance's attributes prefixed with O(variable_prefix).
  - The configuration file name must end with C(vultr.yml) or C(vultr.yaml).
  - API calls are retried with backoff on HTTP 429, 5xx and timeouts, like the collection's modules.
options:
  plugin:
    description: The name of this plugin.
    type: str
    required: true
    choices: [anycast.network.vultr]
  network:
    description: Name of the network (C(anycast_intent.network)) whose instances are listed.
    type: str
    required: true
  connect_with:
    description: Which address becomes C(ansible_host); the other one is used when the first is missing.
    type: str
    choices: [main_ip, v6_main_ip, label]
    default: main_ip
  variable_prefix:
    description: Prefix of the host variables holding the instance's attributes.
    type: str
    default: vultr_
  attributes:
    description: Attributes of the instance copied into host variables.
    type: list
    elements: str
    default: [id, label, hostname, region, plan, os, os_id, status, power_status, server_status, main_ip,
              v6_main_ip, internal_ip, tags, date_created]
  include_pending:
    description: Also list instances that are not C(active) yet (their addresses may still be empty).
    type: bool
    default: true
extends_documentation_fragment:
  - anycast.network.vultr.plugin
  - constructed
  - inventory_cache
author:
  - anycast.network developers (@anycast-network)
"""

EXAMPLES = r"""
# inventories/production/instances.vultr.yml (VULTR_API_KEY in the environment)
plugin: anycast.network.vultr
network: example
---
# With the key from a vault variable, a cache, and extra groups
plugin: anycast.network.vultr
network: example
api_key: "{{ vault_vultr_api_key }}"
cache: true
cache_plugin: ansible.builtin.jsonfile
cache_connection: .cache/inventory
cache_timeout: 300
keyed_groups:
  - key: vultr_plan
    prefix: plan
compose:
  ansible_user: "'root'"
"""

from ansible.errors import AnsibleError
from ansible.module_utils.common.text.converters import to_native
from ansible.plugins.inventory import BaseInventoryPlugin, Cacheable, Constructable

from ansible_collections.anycast.network.plugins.module_utils.vultr.client import (
    TAG_NETWORK,
    VultrAPIError,
    client_from_params,
    instance_index,
    instance_pop,
    public_address,
)

try:
    from ansible.template import trust_as_template
except ImportError:  # ansible-core before 2.19 trusts every template
    trust_as_template = None


class InventoryModule(BaseInventoryPlugin, Constructable, Cacheable):
    NAME = "anycast.network.vultr"

    def verify_file(self, path):
        return super().verify_file(path) and path.endswith(("vultr.yml", "vultr.yaml"))

    def _templated(self, name):
        """An option that may be a template (api_key: "{{ vault_key }}"): trusted on 2.19, then rendered."""
        value = self.get_option(name)
        if isinstance(value, str) and "{{" in value:
            if trust_as_template is not None:
                value = trust_as_template(value)
            if self.templar.is_template(value):
                value = self.templar.template(value)
        return value

    def _fetch(self):
        options = {name: self.get_option(name) for name in ("api_timeout", "api_retries", "api_retry_max_delay",
                                                            "api_per_page", "validate_certs")}
        options.update(api_key=self._templated("api_key"), api_url=self._templated("api_url"))
        try:
            client = client_from_params(options)
            return client.list_instances(tag=TAG_NETWORK + self.get_option("network"))
        except VultrAPIError as exc:
            raise AnsibleError("anycast.network.vultr: %s" % to_native(exc))

    def parse(self, inventory, loader, path, cache=True):
        super().parse(inventory, loader, path, cache=cache)
        self._read_config_data(path)
        cache_key = self.get_cache_key(path)
        use_cache = self.get_option("cache") and cache
        update_cache = self.get_option("cache") and not cache
        instances = None
        if use_cache:
            try:
                instances = self._cache[cache_key]
            except KeyError:
                update_cache = True
        if instances is None:
            instances = self._fetch()
        if update_cache:
            self._cache[cache_key] = instances
        self._populate(instances)

    @staticmethod
    def _group(name):
        return "".join(c if c.isalnum() or c == "_" else "_" for c in name)

    def _populate(self, instances):
        network = self.get_option("network")
        prefix = self.get_option("variable_prefix")
        attributes = self.get_option("attributes")
        strict = self.get_option("strict")
        for group in ("anycast_instances", "provider_vultr"):
            self.inventory.add_group(group)
        seen = set()
        for inst in sorted(instances, key=lambda i: (i.get("label") or "", i.get("date_created") or "")):
            pop = instance_pop(inst, network)
            label = inst.get("label")
            index = instance_index(label, network, pop) if pop else None
            if index is None:
                self.display.vvv("anycast.network.vultr: skipping %s (%s): not a PoP instance of %s"
                                 % (label, inst.get("id"), network))
                continue
            if not self.get_option("include_pending") and inst.get("status") != "active":
                continue
            if label in seen:
                self.display.warning("anycast.network.vultr: two instances are labelled %s; using the first one"
                                     % label)
                continue
            seen.add(label)
            address = public_address(inst.get("main_ip"))
            address6 = public_address(inst.get("v6_main_ip"))
            connect = self.get_option("connect_with")
            if connect == "label":
                host_address = label
            elif connect == "v6_main_ip":
                host_address = address6 or address
            else:
                host_address = address or address6
            host = self.inventory.add_host(label)
            for group in ("anycast_instances", "provider_vultr", self._group("pop_%s" % pop),
                          self._group("region_%s" % inst.get("region", "unknown"))):
                self.inventory.add_group(group)
                self.inventory.add_child(group, host)
            hostvars = {
                "anycast_pop": pop,
                "anycast_instance_index": index,
                "anycast_provider": "vultr",
                "anycast_address": address,
                "anycast_address6": address6,
            }
            if host_address:
                hostvars["ansible_host"] = host_address
            for attr in attributes:
                if attr in inst:
                    hostvars[prefix + attr] = inst[attr]
            for key, value in hostvars.items():
                self.inventory.set_variable(host, key, value)
            all_vars = self.inventory.get_host(host).get_vars()
            self._set_composite_vars(self.get_option("compose"), all_vars, host, strict=strict)
            all_vars = self.inventory.get_host(host).get_vars()
            self._add_host_to_composed_groups(self.get_option("groups"), all_vars, host, strict=strict)
            self._add_host_to_keyed_groups(self.get_option("keyed_groups"), all_vars, host, strict=strict)

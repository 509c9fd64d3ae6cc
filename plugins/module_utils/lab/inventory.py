# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the intent inventory plugin needs to know about lab PoP instances."""

from __future__ import annotations

from ansible_collections.anycast.network.plugins.module_utils.lab import addressing
from ansible_collections.anycast.network.plugins.module_utils.lab import topology as topo_mod

SSH_KEY = "id_ed25519"
# The lab's SSH key exchange. OpenSSH 9.2 (Debian 12) prefers sntrup761x25519, whose client-side key generation costs
# about 0.13 CPU-seconds per connection on the project's 2-core machines, against under 0.01 for curve25519
# (docs/benchmarks.md). Its post-quantum half guards recorded traffic against later decryption; lab traffic never
# leaves the machine's sealed bridges, so the lab uses curve25519 alone. Real instances keep OpenSSH's default.
SSH_COMMON_ARGS = "-o KexAlgorithms=curve25519-sha256"


def lab_hosts(topology, intent):
    """Every instance of the intent's lab PoPs, as the lab addresses it.

    topology: the lab topology as loaded from its YAML file (validated here); intent: the intent (the value of
    anycast_intent, or a mapping holding it). Returns, in a stable order, one dict per instance:
    {name: '<pop>-<n>', pop, index, ansible_host (management address), address, address6, ansible_user: root,
    ansible_ssh_private_key_file (relative to the lab state directory), ansible_ssh_common_args (the lab's key
    exchange)}.
    """
    topo = topo_mod.validate(topology)
    pops = addressing.lab_pops(intent)
    hosts = []
    for item in addressing.instances(topo, pops):
        hosts.append({
            "name": item["name"],
            "pop": item["pop"],
            "index": item["index"],
            "region": item["region"],
            "ansible_host": item["mgmt"],
            "address": item["address"],
            "address6": item["address6"],
            "ansible_user": "root",
            "ansible_ssh_private_key_file": SSH_KEY,
            "ansible_ssh_common_args": SSH_COMMON_ARGS,
        })
    order = {name: i for i, name in enumerate(pops)}
    hosts.sort(key=lambda h: (order[h["pop"]], h["index"]))
    return hosts

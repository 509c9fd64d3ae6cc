# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters of the private mesh (docs/mesh.md; documented in the .yml files beside this one)."""

from __future__ import annotations

import base64
import binascii
import ipaddress
from collections.abc import Mapping

from ansible_collections.anycast.network.plugins.module_utils.intent import derive


def _mesh_part(intent):
    """Only the mesh section and each PoP's mesh number: nothing else of the intent is templated (an upstream's
    password from a lookup, say)."""
    if not isinstance(intent, Mapping):
        return {}
    part = {}
    if isinstance(intent.get("mesh"), Mapping):
        part["mesh"] = {str(k): intent["mesh"][k] for k in intent["mesh"]}
    pops = intent.get("pops")
    if isinstance(pops, Mapping):
        part["pops"] = {str(name): ({"mesh_number": pops[name]["mesh_number"]}
                                    if isinstance(pops[name], Mapping) and "mesh_number" in pops[name] else {})
                        for name in pops}
    return part


def anycast_mesh(intent):
    """The normalised mesh: enabled, ipv4, ipv6, port, numbers (PoP: its mesh number)."""
    return derive.mesh(_mesh_part(intent))


def _public_key(value):
    """A WireGuard public key: 32 bytes in base64 (44 characters), else ''."""
    text = str(value or "").strip()
    try:
        return text if len(text) == 44 and len(base64.b64decode(text, validate=True)) == 32 else ""
    except (binascii.Error, ValueError):
        return ""


def anycast_mesh_peers(hosts, hostvars, intent, key_var="mesh_public_key"):
    """Every member of the mesh, read once per run: {host: {pop, index, address, address6 (its mesh addresses),
    endpoint, endpoint6 (its public addresses), public_key}}. A host is a member when the mesh is on, its PoP has a
    mesh number and its public key was read this run (an instance that did not answer is left out)."""
    settings = anycast_mesh(intent)
    out = {}
    if not settings["enabled"]:
        return out
    for host in sorted(str(h) for h in hosts or []):
        facts = hostvars[host] if host in hostvars else {}
        if not isinstance(facts, Mapping):
            continue
        key = _public_key(facts.get(key_var))
        index = facts.get("anycast_instance_index")
        if not key or index is None:
            continue
        addresses = derive.mesh_addresses(settings, facts.get("anycast_pop"), int(index))
        if not (addresses["address"] or addresses["address6"]):
            continue
        out[host] = dict(addresses, pop=str(facts.get("anycast_pop")), index=int(index), public_key=key,
                         endpoint=str(facts.get("anycast_address") or ""),
                         endpoint6=str(facts.get("anycast_address6") or ""))
    return out


def anycast_mesh_openings(peers, intent, interface="wg0"):
    """The input chain's rules of the mesh: WireGuard's UDP port from the members' public addresses only; on the
    mesh interface, the members' mesh addresses only (anything else arriving there is dropped). Each rule:
    {iifname, family (ip/ip6), saddr (list), proto, port, verdict}; none when the mesh is off or has no member."""
    settings = anycast_mesh(intent)
    if not settings["enabled"] or not isinstance(peers, Mapping) or not peers:
        return []
    members = [peers[h] for h in sorted(peers) if isinstance(peers[h], Mapping)]

    def collect(key):
        found = []
        for member in members:
            value = str(member.get(key) or "")
            if value and value not in found:
                found.append(str(ipaddress.ip_address(value)))
        return found

    rules = []
    for family, key in (("ip", "endpoint"), ("ip6", "endpoint6")):
        if collect(key):
            rules.append({"iifname": "", "family": family, "saddr": collect(key), "proto": "udp",
                          "port": settings["port"], "verdict": "accept"})
    for family, key in (("ip", "address"), ("ip6", "address6")):
        if collect(key):
            rules.append({"iifname": str(interface), "family": family, "saddr": collect(key), "proto": "",
                          "port": None, "verdict": "accept"})
    rules.append({"iifname": str(interface), "family": "", "saddr": [], "proto": "", "port": None, "verdict": "drop"})
    return rules


class FilterModule:
    def filters(self):
        return {"anycast_mesh": anycast_mesh, "anycast_mesh_peers": anycast_mesh_peers,
                "anycast_mesh_openings": anycast_mesh_openings}

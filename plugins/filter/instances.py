# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters over the inventory's instances (documented in the .yml files beside this one)."""

from __future__ import annotations

from collections.abc import Mapping


def anycast_instance_addresses(hosts, hostvars):
    """Each instance's own unicast addresses, read once per run: a template that needs its peers' addresses reads
    this map instead of every peer's variables (one full variable merge per peer, per instance)."""
    out = {}
    for host in hosts or []:
        facts = hostvars[host] if host in hostvars else {}
        if not isinstance(facts, Mapping):
            continue
        out[str(host)] = {key: str(facts.get("anycast_" + key) or "") for key in ("address", "address6")}
    return out


class FilterModule:
    def filters(self):
        return {"anycast_instance_addresses": anycast_instance_addresses}

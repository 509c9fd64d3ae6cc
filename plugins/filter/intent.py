# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters that derive per-instance data from the intent (documented in the .yml files beside this one)."""

from __future__ import annotations

from ansible_collections.anycast.network.plugins.module_utils.intent import derive


def _plain(value):
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def anycast_sessions(intent, pop, address="", address6=""):
    return derive.sessions(_plain(intent), str(pop), str(address or ""), str(address6 or ""))


def anycast_bgp_sessions(upstreams, pop, prefixes, address="", address6=""):
    return derive.sessions_for(_plain(upstreams), _plain(pop or {}), _plain(prefixes), str(address or ""),
                               str(address6 or ""))


def anycast_prefixes(intent, family=None):
    return derive.prefixes(_plain(intent), family)


def anycast_services(intent, kind=None):
    return derive.services(_plain(intent), kind)


def anycast_service_addresses(intent, family=None):
    return derive.service_addresses(_plain(intent), family)


def pop_batches(groups, hosts=None):
    """Sizes of the non-empty pop_* groups, in inventory order: a `serial:` list that takes one PoP at a time.
    With hosts, only those hosts count (the instances a play actually runs on)."""
    only = None if hosts is None else set(hosts)
    sizes = [len([h for h in members if only is None or h in only])
             for name, members in groups.items() if str(name).startswith("pop_")]
    sizes = [size for size in sizes if size]
    return sizes or [1]


class FilterModule:
    def filters(self):
        return {
            "anycast_sessions": anycast_sessions,
            "anycast_bgp_sessions": anycast_bgp_sessions,
            "anycast_prefixes": anycast_prefixes,
            "anycast_services": anycast_services,
            "anycast_service_addresses": anycast_service_addresses,
            "pop_batches": pop_batches,
        }

# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters that derive per-instance data from the intent (documented in the .yml files beside this one)."""

from __future__ import annotations

from collections.abc import Mapping

from ansible_collections.anycast.network.plugins.module_utils.intent import derive, workload


def _plain(value):
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def _part(intent, *keys):
    """The parts of the intent a derivation reads, as plain data. Only those are templated: the intent's values
    are templated when read (a password from a lookup, say), and these filters run in many tasks of every instance."""
    if not isinstance(intent, Mapping):
        return _plain(intent)
    return {key: _plain(intent[key]) for key in keys if key in intent}


def intent_model(intent, record=None):
    return derive.normalize(_plain(intent), _plain(record) if record else None)


def _upstreams_without_secrets(upstreams):
    keys = ("profile", "asn", "provider_name")
    if not isinstance(upstreams, (list, tuple)):
        return _plain(upstreams)
    return [{k: _plain(up[k]) for k in keys if k in up} if isinstance(up, Mapping) else _plain(up) for up in upstreams]


def anycast_upstream_providers(intent):
    """Only the upstreams' profile, asn and provider_name are read: their passwords are never templated here."""
    part = {}
    if isinstance(intent, Mapping) and isinstance(intent.get("defaults"), Mapping) and "upstreams" in intent["defaults"]:
        part["defaults"] = {"upstreams": _upstreams_without_secrets(intent["defaults"]["upstreams"])}
    pops = intent.get("pops") if isinstance(intent, Mapping) else None
    if isinstance(pops, Mapping):
        part["pops"] = {}
        for name, pop in pops.items():
            part["pops"][str(name)] = {"upstreams": _upstreams_without_secrets(pop["upstreams"])} \
                if isinstance(pop, Mapping) and "upstreams" in pop else {}
    return derive.upstream_providers(part)


def anycast_geodns_records(intent, groups, hostvars):
    """The PoPs' unicast addresses come from the inventory: anycast_address and anycast_address6 of each host in
    the PoP's group, hosts in name order. Of the PoPs only geodns_fallback is read (no upstream is templated)."""
    part = _part(intent, "geodns", "services")
    pops = intent.get("pops") if isinstance(intent, Mapping) else None
    unicast = {}
    if isinstance(pops, Mapping):
        part["pops"] = {}
        for name, pop in pops.items():
            name = str(name)
            part["pops"][name] = {"geodns_fallback": _plain(pop["geodns_fallback"])} \
                if isinstance(pop, Mapping) and "geodns_fallback" in pop else {}
            addresses = []
            for host in sorted(groups.get(derive.pop_group(name), []) if "geodns_fallback" in part["pops"][name]
                               else []):
                facts = hostvars[host] if host in hostvars else {}
                for key in ("anycast_address", "anycast_address6"):
                    value = facts.get(key) if isinstance(facts, Mapping) else None
                    if value:
                        addresses.append(str(value))
            unicast[name] = addresses
    return derive.geodns_records(part, unicast)


def anycast_sessions(intent, pop, address="", address6=""):
    pop = str(pop)
    part = _part(intent, "defaults", "prefixes")
    pops = intent.get("pops") if isinstance(intent, Mapping) else None
    if isinstance(pops, Mapping) and pop in pops:
        part["pops"] = {pop: _plain(pops[pop])}
    return derive.sessions(part, pop, str(address or ""), str(address6 or ""))


def anycast_bgp_sessions(upstreams, pop, prefixes, address="", address6=""):
    return derive.sessions_for(_plain(upstreams), _plain(pop or {}), _plain(prefixes), str(address or ""),
                               str(address6 or ""))


def anycast_prefixes(intent, family=None):
    return derive.prefixes(_part(intent, "prefixes"), family)


def _services_without_secrets(intent):
    """The services, without a workload's secrets and registry credentials: those are read (and templated) by the
    workload role only, in tasks that show nothing."""
    services = intent["services"] if isinstance(intent, Mapping) and "services" in intent else None
    if not isinstance(services, Mapping):
        return _part(intent, "services")
    return {"services": {str(name): {k: _plain(v) for k, v in svc.items() if k not in ("secrets", "registry_auth")}
                         if isinstance(svc, Mapping) else _plain(svc) for name, svc in services.items()}}


def anycast_services(intent, kind=None):
    return derive.services(_services_without_secrets(intent), kind)


def anycast_service_addresses(intent, family=None):
    return derive.service_addresses(_services_without_secrets(intent), family)


def anycast_workloads(intent, secrets=True):
    """The workloads; with secrets=False without their secret values (what tasks that show their loop items read):
    `secrets` empty and `registry_auth` only its username, so a task still knows that it has credentials."""
    workloads = derive.workloads(_part(intent, "services"))
    if secrets:
        return workloads
    shown = []
    for wl in workloads:
        wl = dict(wl, secrets={})
        if wl.get("registry_auth"):
            wl["registry_auth"] = {"username": wl["registry_auth"].get("username")}
        shown.append(wl)
    return shown


def anycast_workload_sites(intent):
    return workload.sites(derive.workloads(_services_without_secrets(intent)))


def anycast_workload_openings(intent, web_ports=()):
    return workload.openings(derive.workloads(_services_without_secrets(intent)), _plain(web_ports or []))


def anycast_workload_checks(intent, command=None):
    return workload.health_checks(derive.workloads(_services_without_secrets(intent)),
                                  None if command is None else _plain(command))


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
            "intent_model": intent_model,
            "anycast_upstream_providers": anycast_upstream_providers,
            "anycast_geodns_records": anycast_geodns_records,
            "anycast_sessions": anycast_sessions,
            "anycast_bgp_sessions": anycast_bgp_sessions,
            "anycast_prefixes": anycast_prefixes,
            "anycast_services": anycast_services,
            "anycast_service_addresses": anycast_service_addresses,
            "anycast_workloads": anycast_workloads,
            "anycast_workload_sites": anycast_workload_sites,
            "anycast_workload_openings": anycast_workload_openings,
            "anycast_workload_checks": anycast_workload_checks,
            "pop_batches": pop_batches,
        }

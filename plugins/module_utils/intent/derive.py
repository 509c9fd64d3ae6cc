# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Values derived from a valid intent, shared by the inventory plugin, the filters and the roles."""

from __future__ import annotations

import ipaddress

from . import rules


def prefixes(intent, family=None):
    """The intent's prefixes as strings, optionally only IPv4 (4) or IPv6 (6)."""
    nets = [ipaddress.ip_network(p) for p in intent.get("prefixes", [])]
    return [str(n) for n in nets if family is None or n.version == int(family)]


def pop_upstreams(intent, pop_name):
    """The upstream sessions of a PoP as written (PoP list, else defaults)."""
    pop = intent.get("pops", {}).get(pop_name, {})
    if "upstreams" in pop:
        return pop["upstreams"]
    return intent.get("defaults", {}).get("upstreams", [])


def sessions(intent, pop_name, address="", address6=""):
    """BGP sessions of one instance, one per upstream and address family, every default filled in."""
    pop = intent.get("pops", {}).get(pop_name, {})
    return sessions_for(pop_upstreams(intent, pop_name), pop, intent.get("prefixes", []), address, address6)


def sessions_for(upstreams, pop, prefix_list, address="", address6=""):
    """Sessions from their parts: the upstreams, the PoP's settings, the network's prefixes, the instance's addresses.

    PoP-level traffic engineering applies to every session; an upstream's own settings override it. A family is
    left out when the network has no prefix of it or the instance has no address of it. `exports` is exactly what
    the session announces (nothing with announce false); `host_route` the instance's own /32 or /128 where asked.
    """
    nets = {4: [], 6: []}
    for p in prefix_list:
        net = ipaddress.ip_network(str(p))
        nets[net.version].append(str(net))
    own = {4: address or "", 6: address6 or ""}
    result = []
    for index, up in enumerate(upstreams):
        te = {
            "communities": [str(c) for c in up.get("communities", pop.get("communities", []))],
            "large_communities": [str(c) for c in up.get("large_communities", pop.get("large_communities", []))],
            "prepend": int(up.get("prepend", pop.get("prepend", 0))),
            "announce": bool(up.get("announce", pop.get("announce", True))),
        }
        if up.get("profile") == "vultr":
            candidates = [(4, rules.VULTR_NEIGHBOR4), (6, rules.VULTR_NEIGHBOR6)]
            base = {"asn": rules.VULTR_PEER_ASN, "multihop": rules.VULTR_MULTIHOP,
                    "provider_name": up.get("provider_name", rules.VULTR_PROVIDER_NAME),
                    "provider_asn": rules.VULTR_PUBLIC_ASN, "import": "none", "host_routes": False}
        else:
            neighbor = ipaddress.ip_address(str(up["neighbor"]))
            candidates = [(neighbor.version, str(neighbor))]
            base = {"asn": int(up["asn"]), "multihop": int(up.get("multihop", 1)),
                    "provider_name": up.get("provider_name", "AS%s" % up["asn"]),
                    "provider_asn": int(up["asn"]), "import": up.get("import", "none"),
                    "host_routes": bool(up.get("host_routes", False))}
        for family, neighbor in candidates:
            source = (up.get("source") if up.get("profile") != "vultr" else "") or own[family]
            if not nets[family] or not source:
                continue
            host = []
            if base["host_routes"] and own[family]:
                host = ["%s/%d" % (own[family], 32 if family == 4 else 128)]
            session = {
                "name": "up%d_v%d" % (index, family),
                "upstream": index,
                "profile": up.get("profile"),
                "family": family,
                "neighbor": neighbor,
                "source": source,
                "password": up.get("password", ""),
                "bfd": bool(up.get("bfd", False)),
                "host_route": host,
                "exports": (nets[family] + host) if te["announce"] else [],
            }
            session.update(base)
            session.update(te)
            result.append(session)
    return result


def services(intent, kind=None):
    """Services as a list of dicts with their name and kind filled in."""
    out = []
    for name, svc in intent.get("services", {}).items():
        svc_kind = svc.get("kind", name)
        if kind is None or svc_kind == kind:
            item = dict(svc)
            item.update(name=name, kind=svc_kind)
            out.append(item)
    return out


def service_addresses(intent, family=None):
    """Every anycast service address, optionally of one family."""
    out = []
    for svc in services(intent):
        for addr in svc.get("addresses", []):
            ip = ipaddress.ip_address(addr)
            if family is None or ip.version == int(family):
                out.append(str(ip))
    return out


def instance_names(intent):
    """Host names of lab and Vultr instances and static hosts, per PoP."""
    names = {}
    for pop_name, pop in intent.get("pops", {}).items():
        if pop.get("provider") == "static":
            names[pop_name] = [h["name"] for h in pop.get("hosts", [])]
        elif pop.get("provider") == "vultr":
            names[pop_name] = ["%s-%s-%d" % (intent.get("network"), pop_name, n)
                               for n in range(1, pop.get("instances", 0) + 1)]
        else:
            names[pop_name] = ["%s-%d" % (pop_name, n) for n in range(1, pop.get("instances", 0) + 1)]
    return names

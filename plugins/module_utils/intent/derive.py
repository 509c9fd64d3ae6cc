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
    """BGP sessions of one instance, one per upstream and address family, every default filled in.

    PoP-level traffic engineering applies to every session; an upstream's own settings override it.
    """
    pop = intent.get("pops", {}).get(pop_name, {})
    families = {ipaddress.ip_network(p).version for p in intent.get("prefixes", [])}
    own = {4: address or "", 6: address6 or ""}
    result = []
    for index, up in enumerate(pop_upstreams(intent, pop_name)):
        te = {
            "communities": list(up.get("communities", pop.get("communities", []))),
            "large_communities": list(up.get("large_communities", pop.get("large_communities", []))),
            "prepend": up.get("prepend", pop.get("prepend", 0)),
            "announce": up.get("announce", pop.get("announce", True)),
        }
        if up.get("profile") == "vultr":
            candidates = [(4, rules.VULTR_NEIGHBOR4), (6, rules.VULTR_NEIGHBOR6)]
            base = {"asn": rules.VULTR_PEER_ASN, "multihop": rules.VULTR_MULTIHOP,
                    "provider_name": up.get("provider_name", rules.VULTR_PROVIDER_NAME),
                    "provider_asn": rules.VULTR_PUBLIC_ASN}
        else:
            neighbor = ipaddress.ip_address(up["neighbor"])
            candidates = [(neighbor.version, str(neighbor))]
            base = {"asn": up["asn"], "multihop": up.get("multihop", 1),
                    "provider_name": up.get("provider_name", "AS%d" % up["asn"]),
                    "provider_asn": up["asn"]}
        for family, neighbor in candidates:
            source = up.get("source") or own[family]
            if family not in families or not source:
                continue
            session = {
                "name": "up%d_v%d" % (index, family),
                "upstream": index,
                "profile": up.get("profile"),
                "family": family,
                "neighbor": neighbor,
                "source": source,
                "password": up.get("password", ""),
                "bfd": bool(up.get("bfd", False)),
                "import": up.get("import", "none"),
                "host_routes": bool(up.get("host_routes", False)),
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

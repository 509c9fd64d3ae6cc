# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Values derived from a valid intent, shared by the inventory plugin, the filters and the roles.

`normalize(intent)` is the one way through the data: the intent in the same shape, every default of schema.py
filled, every inherited value resolved. The other functions here read its output.
"""

from __future__ import annotations

import copy
import ipaddress
import re

from . import rules, schema, workload
from ..autoscale import record as autoscale_record

TE_KEYS = ("communities", "large_communities", "prepend", "announce")


def _fill(value, field, name=None):
    """`value` with the defaults of its schema field filled in; a value of the wrong shape is returned as it is."""
    if isinstance(field, schema.Dict) and isinstance(value, dict):
        variant = field.variant_of(value, name)
        out = {}
        for key, item in value.items():
            out[key] = _fill(item, field.fields[key], key) if key in field.fields else copy.deepcopy(item)
        for key, sub in field.fields.items():
            if key in out or sub.default is schema.MISSING:
                continue
            if field.variant and not field.applies(key, variant):
                continue
            out[key] = copy.deepcopy(sub.default)
        if field.variant and variant in field.fields[field.variant].choices:
            out[field.variant] = variant
        return out
    if isinstance(field, schema.Map) and isinstance(value, dict):
        return {key: _fill(item, field.of, key) for key, item in value.items()}
    if isinstance(field, schema.List) and isinstance(value, list):
        return [_fill(item, field.of) for item in value]
    return copy.deepcopy(value)


def normalize(intent, record=None):
    """The normalised intent: the same shape as the intent, with

    - each autoscaled PoP's `instances` from the scaler's decision `record` when one is given (autoscale
      record.apply: within min and max, only while the intent's count is the one the scaler started from);

    - every default declared in schema.py filled in (health_path, tls.mode, multihop, import, geodns.ttl, ...);
    - each service's kind resolved (a service named web or dns without kind has that kind);
    - each PoP's upstreams from defaults.upstreams when it lists none, its vultr settings merged over
      defaults.vultr (vultr PoPs);
    - each upstream's communities, large_communities, prepend and announce from its PoP when it sets none, and its
      provider_name filled (Vultr's company for the vultr profile, AS<asn> otherwise); a generic upstream with
      import full gets the max_prefixes of its neighbour's family and max_prefixes_action;
    - registry.loa.output_dir from registry.output_dir;
    - rpki_rtr.port (323) when an RTR cache is given;
    - rollout.growth (1) and rollout.canary (the first PoP) when a rollout is given (`rollout()` for every intent).

    Works on a part of an intent (only the keys present are normalised) and leaves a malformed part as it is:
    validation reports it.
    """
    if not isinstance(intent, dict):
        return copy.deepcopy(intent)
    if record:
        intent = autoscale_record.apply(intent, record)
    out = _fill(intent, schema.INTENT)
    defaults = out.get("defaults") if isinstance(out.get("defaults"), dict) else {}
    pops = out.get("pops") if isinstance(out.get("pops"), dict) else {}
    for pop in pops.values():
        if not isinstance(pop, dict):
            continue
        if "upstreams" not in pop and isinstance(defaults.get("upstreams"), list):
            pop["upstreams"] = copy.deepcopy(defaults["upstreams"])
        if pop.get("provider") == "vultr" and isinstance(defaults.get("vultr"), dict):
            merged = copy.deepcopy(defaults["vultr"])
            merged.update(pop.get("vultr") if isinstance(pop.get("vultr"), dict) else {})
            pop["vultr"] = merged
        for up in pop.get("upstreams") if isinstance(pop.get("upstreams"), list) else []:
            if not isinstance(up, dict):
                continue
            for key in TE_KEYS:
                if key not in up and key in pop:
                    up[key] = copy.deepcopy(pop[key])
            if up.get("profile") == "generic" and up.get("import") == "full":
                try:
                    family = ipaddress.ip_address(str(up.get("neighbor"))).version
                except ValueError:
                    family = None
                if family:
                    limits = _import_limits(up, "full", family)
                    up.setdefault("max_prefixes", limits["max_prefixes"])
                    up.setdefault("max_prefixes_action", limits["max_prefixes_action"])
            if "provider_name" not in up:
                if up.get("profile") == "vultr":
                    up["provider_name"] = rules.VULTR_PROVIDER_NAME
                elif up.get("asn") is not None:
                    up["provider_name"] = "AS%s" % up["asn"]
    registry = out.get("registry")
    if isinstance(registry, dict) and isinstance(registry.get("loa"), dict):
        registry["loa"].setdefault("output_dir", registry.get("output_dir"))
    if isinstance(out.get("rollout"), dict) and "canary" not in out["rollout"] and pops:
        out["rollout"]["canary"] = list(pops)[:1]
    return out


def rollout(intent):
    """The configure step's rollout (docs/rollout.md): {'canary': [PoP, ...], 'growth': int, 'max_wave': int or
    None (no limit)}. An intent without one gets the default: its first PoP, then one PoP at a time."""
    model = normalize(intent) if isinstance(intent, dict) else {}
    settings = model.get("rollout") if isinstance(model.get("rollout"), dict) else _fill({}, schema.ROLLOUT)
    pops = model.get("pops") if isinstance(model.get("pops"), dict) else {}
    return {"canary": [str(p) for p in settings.get("canary") or list(pops)[:1]],
            "growth": int(settings.get("growth") or 1), "max_wave": settings.get("max_wave")}


def prefixes(intent, family=None):
    """The intent's prefixes as strings, optionally only IPv4 (4) or IPv6 (6)."""
    nets = [ipaddress.ip_network(p) for p in intent.get("prefixes", [])]
    return [str(n) for n in nets if family is None or n.version == int(family)]


def pop_upstreams(intent, pop_name):
    """The upstream sessions of a PoP, normalised (its own list, else defaults.upstreams)."""
    pop = normalize(intent).get("pops", {}).get(pop_name, {})
    return pop.get("upstreams", []) if isinstance(pop, dict) else []


def sessions(intent, pop_name, address="", address6=""):
    """BGP sessions of one instance, one per upstream and address family, every default filled in."""
    model = normalize(intent)
    pop = model.get("pops", {}).get(pop_name, {})
    return sessions_for(pop.get("upstreams", []), pop, model.get("prefixes", []), address, address6)


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
            session.update(_import_limits(up, base["import"], family))
            result.append(session)
    return result


def _import_limits(up, policy, family):
    """A full table's limits: `max_prefixes` (BIRD's import limit, default by family), `max_prefixes_action`, and
    `receive_limit` (routes received before the filters, kept when filtered) that much again beyond it. None for
    import none and default, whose limits are the bird role's."""
    if policy != "full":
        return {"max_prefixes": None, "max_prefixes_action": None, "receive_limit": None}
    limit = int(up.get("max_prefixes", rules.FULL_TABLE_MAX_PREFIXES[family]))
    return {"max_prefixes": limit,
            "max_prefixes_action": str(up.get("max_prefixes_action", rules.FULL_TABLE_LIMIT_ACTION)),
            "receive_limit": int(limit * rules.FULL_TABLE_RECEIVE_FACTOR)}


def rpki_rtr(intent):
    """The RTR cache of the normalised intent ({address, port}), or None."""
    rtr = normalize({"rpki_rtr": intent["rpki_rtr"]})["rpki_rtr"] if isinstance(intent, dict) and \
        isinstance(intent.get("rpki_rtr"), dict) else None
    return {"address": str(rtr["address"]), "port": int(rtr["port"])} if rtr and "address" in rtr else None


def services(intent, kind=None):
    """Services of the normalised intent as a list of dicts with their name and kind filled in."""
    out = []
    for name, svc in normalize(intent).get("services", {}).items():
        svc_kind = svc.get("kind", name)
        if kind is None or svc_kind == kind:
            item = dict(svc)
            item.update(name=name, kind=svc_kind)
            out.append(item)
    return out


def workloads(intent):
    """The workloads (services of kind workload) as the roles read them: see workload.derive."""
    return workload.derive(normalize(intent))


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


def upstream_providers(intent):
    """Every upstream provider of the network, for its Letter of Authorization: name, public ASN and the PoPs it
    serves (PoPs in name order), once per provider name and ASN."""
    found = {}
    pops = normalize(intent).get("pops", {})
    for pop_name in sorted(pops):
        for up in pops[pop_name].get("upstreams", []):
            asn = rules.VULTR_PUBLIC_ASN if up.get("profile") == "vultr" else int(up["asn"])
            entry = found.setdefault((up["provider_name"], asn), {"name": up["provider_name"], "asn": asn, "pops": []})
            if pop_name not in entry["pops"]:
                entry["pops"].append(pop_name)
    return list(found.values())


def pop_group(pop_name):
    """The inventory group of a PoP's instances."""
    return "pop_" + re.sub(r"[^A-Za-z0-9_]", "_", str(pop_name))


def geodns_records(intent, unicast):
    """What the GeoDNS step asks Route53 for, one entry per geodns hostname.

    `unicast` maps each PoP to its instances' unicast addresses (from the inventory). A hostname's default records
    point at the anycast addresses of the web services that list it (all web services when none does); each PoP's
    geodns_fallback location at that PoP's unicast addresses. The health check path is the geodns one, else the
    first of those services' health_path (no path for tcp). The DNS services' name servers inside geodns.zone follow
    the web names (geodns_nameserver_records).
    """
    model = normalize(intent)
    geodns = model.get("geodns") or {}
    web = services(model, "web")
    fallbacks = []
    for pop_name, pop in model.get("pops", {}).items():
        for location in pop.get("geodns_fallback") or []:
            item = dict(location)
            item.update(pop=pop_name, addresses=list(unicast.get(pop_name, [])))
            fallbacks.append(item)
    check = geodns.get("health_check") or {"protocol": "http"}
    out = []
    for hostname in geodns.get("hostnames") or []:
        named = [s for s in web if hostname in (s.get("hostnames") or [])]
        chosen = named or web
        addresses = []
        for svc in chosen:
            for address in svc.get("addresses", []):
                if address not in addresses:
                    addresses.append(address)
        health = {"protocol": check.get("protocol", "http")}
        if "port" in check:
            health["port"] = check["port"]
        if "host" in check:
            health["fqdn"] = check["host"]
        if health["protocol"] != "tcp":
            health["path"] = check.get("path") or (chosen[0].get("health_path", "/") if chosen else "/")
        out.append({"name": hostname, "default_addresses": addresses, "fallbacks": fallbacks, "health_check": health})
    out.extend(geodns_nameserver_records(model, fallbacks, [r["name"] for r in out]))
    return out


def _inside(host, zone):
    host, zone = str(host).rstrip(".").lower(), str(zone or "").rstrip(".").lower()
    return bool(zone) and (host == zone or host.endswith("." + zone))


def geodns_nameserver_records(model, fallbacks, taken=()):
    """The name-server hostnames of the DNS services that lie in geodns.zone, one entry each, as geodns_records.

    Their default records carry the DNS service's anycast addresses; each geodns_fallback location gets its PoP's
    unicast addresses, where that PoP's NSD answers. The health check is TCP to port 53: Route53 has no DNS check
    (its types are HTTP(S), HTTP(S)_STR_MATCH, TCP, CALCULATED, CLOUDWATCH_METRIC and RECOVERY_CONTROL), and a TCP
    connection to port 53 is what shows that NSD accepts queries on that address.
    """
    zone = (model.get("geodns") or {}).get("zone")
    out = []
    for svc in services(model, "dns"):
        for hostname in svc.get("nameservers") or []:
            if not _inside(hostname, zone) or hostname in taken or hostname in [r["name"] for r in out]:
                continue
            out.append({"name": hostname, "default_addresses": list(svc.get("addresses", [])),
                        "fallbacks": fallbacks, "health_check": {"protocol": "tcp", "port": 53}})
    return out


def mesh(intent):
    """The private mesh of the normalised intent (docs/mesh.md): {'enabled', 'ipv4', 'ipv6', 'port', 'numbers'}, the
    ranges as strings (or '' when not named) and each PoP's mesh number. An intent without one: the mesh is off."""
    model = normalize(intent) if isinstance(intent, dict) else {}
    settings = model.get("mesh") if isinstance(model.get("mesh"), dict) else _fill({}, schema.MESH)
    pops = model.get("pops") if isinstance(model.get("pops"), dict) else {}
    return {"enabled": settings.get("enabled") is True,
            "ipv4": str(settings.get("ipv4") or ""), "ipv6": str(settings.get("ipv6") or ""),
            "port": int(settings.get("port") or 51820),
            "numbers": {str(name): int(pop["mesh_number"]) for name, pop in pops.items()
                        if isinstance(pop, dict) and isinstance(pop.get("mesh_number"), int)}}


def mesh_addresses(settings, pop_name, index):
    """An instance's mesh addresses ({'address', 'address6'}; '' for a family the mesh does not use, or when its PoP
    has no number), from its PoP's mesh number and its index in the PoP alone: the same on every run, whichever
    instances come or go. IPv4: range + 256 × number + index (10.99.3.2 for the second instance of PoP 3 in
    10.99.0.0/16); IPv6: the number is the subnet after a /48, the index the interface id (fd..:3::2)."""
    number = settings.get("numbers", {}).get(str(pop_name))
    index = int(index)
    out = {"address": "", "address6": ""}
    if number is None or not 1 <= index <= 254:
        return out
    if settings.get("ipv4"):
        net = ipaddress.ip_network(settings["ipv4"])
        out["address"] = str(net.network_address + 256 * number + index)
    if settings.get("ipv6"):
        net = ipaddress.ip_network(settings["ipv6"])
        out["address6"] = str(net.network_address + (number << 64) + index)
    return out

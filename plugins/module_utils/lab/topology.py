# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Lab topology: loading, validation and normalisation.

A topology describes the simulated internet the lab builds (see docs/lab.md): regions, transit carriers and their
business relationships, the provider edges (Vultr emulation) that PoP instances peer with, and eyeball networks
with named vantage points. Validation reports every mistake at once, each with its path in the file.
"""

from __future__ import annotations

import re

NAME_RE = re.compile(r"^[a-z][a-z0-9]{0,11}$")
RELATIONS = ("peer", "transit")
# ASNs the lab uses itself or that mean something special.
VULTR_ASN = 20473
VULTR_CUSTOMER_ASN = 64515
RESERVED_ASNS = {0, 23456, 65535, VULTR_ASN, VULTR_CUSTOMER_ASN}
# Local preference per business relationship (Gao-Rexford: customer > peer > provider).
LOCAL_PREF = {"customer": 200, "peer": 150, "provider": 100}
MAX_DISTANCE_PENALTY = 40


class TopologyError(ValueError):
    """The topology is invalid; .errors lists every problem with its path."""

    def __init__(self, errors):
        self.errors = list(errors)
        super().__init__("invalid lab topology:\n  - " + "\n  - ".join(self.errors))


def _is_int(value):
    return isinstance(value, int) and not isinstance(value, bool)


def _asn_ok(value):
    # Carriers and eyeballs use 16-bit ASNs so that Vultr's standard action communities (64600:X) can name them.
    return _is_int(value) and 1 <= value <= 65534 and value not in RESERVED_ASNS


def _pair_key(a, b):
    return tuple(sorted((a, b)))


def validate(topology):
    """Return the normalised topology, or raise TopologyError with every problem found."""
    errors = []
    err = errors.append
    if not isinstance(topology, dict):
        raise TopologyError(["the topology must be a mapping"])
    known = {"name", "description", "regions", "latency", "carriers", "relations", "edges", "eyeballs", "pops",
             "services"}
    for key in topology:
        if key not in known:
            err("%s: unknown key (expected one of %s)" % (key, ", ".join(sorted(known))))

    name = topology.get("name", "lab")
    if not isinstance(name, str) or not re.match(r"^[a-z0-9-]{1,32}$", name):
        err("name: 1-32 of [a-z0-9-] expected, got %r" % (name,))

    # Regions.
    regions = {}
    raw_regions = topology.get("regions")
    if not isinstance(raw_regions, dict) or not raw_regions:
        err("regions: a mapping of region name to {id, city} is required")
        raw_regions = {}
    ids = {}
    for rname, rdef in raw_regions.items():
        path = "regions.%s" % rname
        if not isinstance(rname, str) or not NAME_RE.match(rname):
            err("%s: region names are 1-12 of [a-z0-9], starting with a letter" % path)
            continue
        if not isinstance(rdef, dict):
            err("%s: a mapping {id, city} expected" % path)
            continue
        rid = rdef.get("id")
        if not _is_int(rid) or not 1 <= rid <= 47:
            err("%s.id: a number 1-47 expected (it fixes the region's addresses), got %r" % (path, rid))
        elif rid in ids:
            err("%s.id: %d is already the id of region %s" % (path, rid, ids[rid]))
        else:
            ids[rid] = rname
        city = rdef.get("city", rname)
        if not isinstance(city, str):
            err("%s.city: a string expected" % path)
        regions[rname] = {"id": rid, "city": city}

    # Latency: one-way milliseconds between regions.
    latency = {}
    raw_latency = topology.get("latency") or {}
    if not isinstance(raw_latency, dict):
        err("latency: a mapping 'a-b: milliseconds' expected")
        raw_latency = {}
    for key, ms in raw_latency.items():
        path = "latency.%s" % key
        parts = str(key).split("-")
        if len(parts) != 2 or parts[0] == parts[1]:
            err("%s: the key must name two different regions as 'a-b'" % path)
            continue
        for part in parts:
            if part not in regions:
                err("%s: unknown region %r" % (path, part))
        if not isinstance(ms, (int, float)) or isinstance(ms, bool) or ms < 0 or ms > 1000:
            err("%s: one-way delay in milliseconds (0-1000) expected, got %r" % (path, ms))
            continue
        latency[_pair_key(*parts)] = ms

    # Carriers.
    carriers = {}
    raw_carriers = topology.get("carriers")
    if not isinstance(raw_carriers, dict) or not raw_carriers:
        err("carriers: a mapping of carrier name to {asn, regions} is required")
        raw_carriers = {}
    asns = {}

    def claim_asn(path, asn):
        """Every lab AS number is valid, and used once."""
        if not _asn_ok(asn):
            err("%s.asn: a 16-bit AS number other than 0, 23456, 65535, 20473 and 64515 expected, got %r"
                % (path, asn))
        elif asn in asns:
            err("%s.asn: AS%d is already used by %s" % (path, asn, asns[asn]))
        else:
            asns[asn] = path

    for cname, cdef in raw_carriers.items():
        path = "carriers.%s" % cname
        if not isinstance(cname, str) or not NAME_RE.match(cname):
            err("%s: carrier names are 1-12 of [a-z0-9], starting with a letter" % path)
            continue
        if not isinstance(cdef, dict):
            err("%s: a mapping {asn, regions} expected" % path)
            continue
        asn = cdef.get("asn")
        claim_asn(path, asn)
        cregions = cdef.get("regions")
        if not isinstance(cregions, list) or not cregions:
            err("%s.regions: a list of regions where the carrier has a router expected" % path)
            cregions = []
        for i, r in enumerate(cregions):
            if r not in regions:
                err("%s.regions[%d]: unknown region %r" % (path, i, r))
        if len(set(cregions)) != len(cregions):
            err("%s.regions: a region is listed twice" % path)
        for i, a in enumerate(cregions):
            for b in cregions[i + 1:]:
                if a in regions and b in regions and a != b and _pair_key(a, b) not in latency:
                    err("%s.regions: no latency given between %s and %s (the carrier links them)" % (path, a, b))
        carriers[cname] = {"asn": asn, "regions": [r for r in cregions if r in regions]}

    # Relations between carriers.
    relations = []
    raw_rel = topology.get("relations") or []
    if not isinstance(raw_rel, list):
        err("relations: a list expected")
        raw_rel = []
    seen_rel = set()
    for i, rel in enumerate(raw_rel):
        path = "relations[%d]" % i
        if not isinstance(rel, dict):
            err("%s: a mapping expected" % path)
            continue
        if "peers" in rel:
            kind = "peer"
            pair = rel.get("peers")
            if not isinstance(pair, list) or len(pair) != 2 or pair[0] == pair[1]:
                err("%s.peers: a list of two different carriers expected" % path)
                continue
            a, b = pair
        elif "provider" in rel or "customer" in rel:
            kind = "transit"
            a, b = rel.get("provider"), rel.get("customer")
            if a == b:
                err("%s: provider and customer must differ" % path)
                continue
        else:
            err("%s: either 'peers: [a, b]' or 'provider: a, customer: b' expected" % path)
            continue
        bad = False
        for c in (a, b):
            if c not in carriers:
                err("%s: unknown carrier %r" % (path, c))
                bad = True
        if bad:
            continue
        key = _pair_key(a, b)
        if key in seen_rel:
            err("%s: %s and %s already have a relation" % (path, a, b))
            continue
        seen_rel.add(key)
        rregions = rel.get("regions")
        if not isinstance(rregions, list) or not rregions:
            err("%s.regions: a list of regions where the two interconnect expected" % path)
            continue
        ok = []
        for j, r in enumerate(rregions):
            if r not in carriers[a]["regions"] or r not in carriers[b]["regions"]:
                err("%s.regions[%d]: %s and %s are not both present in %r" % (path, j, a, b, r))
            else:
                ok.append(r)
        relations.append({"kind": kind, "a": a, "b": b, "regions": ok})

    def _upstreams(path, raw, region):
        out = []
        if not isinstance(raw, list) or not raw:
            err("%s: a list of carriers expected" % path)
            return out
        seen = set()
        for j, up in enumerate(raw):
            upath = "%s[%d]" % (path, j)
            if isinstance(up, str):
                up = {"carrier": up}
            if not isinstance(up, dict):
                err("%s: a carrier name or {carrier, local_pref} expected" % upath)
                continue
            carrier = up.get("carrier")
            lp = up.get("local_pref", 100)
            if carrier not in carriers:
                err("%s.carrier: unknown carrier %r" % (upath, carrier))
                continue
            if region not in carriers[carrier]["regions"]:
                err("%s.carrier: %s has no router in %s" % (upath, carrier, region))
                continue
            if carrier in seen:
                err("%s.carrier: %s is listed twice" % (upath, carrier))
                continue
            if not _is_int(lp) or not 1 <= lp <= 1000:
                err("%s.local_pref: a number 1-1000 expected" % upath)
                continue
            seen.add(carrier)
            out.append({"carrier": carrier, "local_pref": lp})
        return out

    # Provider edges (Vultr emulation), one per region.
    edges = {}
    raw_edges = topology.get("edges")
    if not isinstance(raw_edges, dict) or not raw_edges:
        err("edges: a mapping of region to {upstreams} is required (the provider edges PoPs peer with)")
        raw_edges = {}
    for region, edef in raw_edges.items():
        path = "edges.%s" % region
        if region not in regions:
            err("%s: unknown region %r" % (path, region))
            continue
        if not isinstance(edef, dict):
            err("%s: a mapping {upstreams} expected" % path)
            continue
        edges[region] = {"upstreams": _upstreams(path + ".upstreams", edef.get("upstreams"), region)}

    # Eyeball networks and their vantage points.
    eyeballs = {}
    raw_eyeballs = topology.get("eyeballs") or {}
    if not isinstance(raw_eyeballs, dict):
        err("eyeballs: a mapping of vantage point name to {asn, region, upstreams} expected")
        raw_eyeballs = {}
    for vp, edef in raw_eyeballs.items():
        path = "eyeballs.%s" % vp
        if not isinstance(vp, str) or not NAME_RE.match(vp):
            err("%s: vantage point names are 1-12 of [a-z0-9], starting with a letter" % path)
            continue
        if not isinstance(edef, dict):
            err("%s: a mapping expected" % path)
            continue
        asn = edef.get("asn")
        claim_asn(path, asn)
        region = edef.get("region")
        if region not in regions:
            err("%s.region: unknown region %r" % (path, region))
            continue
        city = edef.get("city", regions[region]["city"])
        eyeballs[vp] = {"asn": asn, "region": region, "city": city,
                        "upstreams": _upstreams(path + ".upstreams", edef.get("upstreams"), region)}
    if len(eyeballs) > 60:
        err("eyeballs: at most 60 vantage points")

    # PoPs: optional mapping of intent PoP name to the edge its instances peer with.
    pops = {}
    raw_pops = topology.get("pops") or {}
    if not isinstance(raw_pops, dict):
        err("pops: a mapping of PoP name to {edge} expected")
        raw_pops = {}
    for pop, pdef in raw_pops.items():
        path = "pops.%s" % pop
        edge = pdef.get("edge") if isinstance(pdef, dict) else None
        if edge not in edges:
            err("%s.edge: no provider edge in region %r" % (path, edge))
            continue
        pops[pop] = {"edge": edge}

    # Lab services: the ACME CA.
    services = {}
    raw_services = topology.get("services") or {}
    if not isinstance(raw_services, dict):
        err("services: a mapping expected")
        raw_services = {}
    for sname, sdef in raw_services.items():
        path = "services.%s" % sname
        if sname != "ca":
            err("%s: unknown service (the lab knows 'ca')" % path)
            continue
        if not isinstance(sdef, dict):
            err("%s: a mapping {carrier, region} expected" % path)
            continue
        carrier, region = sdef.get("carrier"), sdef.get("region")
        if carrier not in carriers or region not in carriers[carrier]["regions"]:
            err("%s: carrier %r has no router in region %r" % (path, carrier, region))
            continue
        services[sname] = {"carrier": carrier, "region": region, "hostname": sdef.get("hostname", "ca.lab.test")}

    if errors:
        raise TopologyError(errors)
    return {
        "name": name,
        "description": topology.get("description", ""),
        "regions": regions,
        "latency": latency,
        "carriers": carriers,
        "relations": relations,
        "edges": edges,
        "eyeballs": eyeballs,
        "pops": pops,
        "services": services,
    }


def distance_penalty(topo, a, b):
    """Local-preference penalty for a route learned over a carrier's backbone from region b, seen in region a.

    It stands in for the IGP cost of hot-potato routing: within one relationship class the nearest exit wins, and
    the penalty never crosses classes (it stays below the 50 between customer, peer and provider).
    """
    if a == b:
        return 0
    ms = topo["latency"].get(_pair_key(a, b), 0)
    return min(MAX_DISTANCE_PENALTY, int(round(ms / 2.0)) + 1)


def latency_ms(topo, a, b):
    if a == b:
        return 0
    return topo["latency"].get(_pair_key(a, b), 0)


def load(path):
    """Read a topology file (YAML) and validate it."""
    import yaml  # pylint: disable=import-outside-toplevel

    with open(path, encoding="utf-8") as handle:
        data = yaml.safe_load(handle)
    return validate(data)

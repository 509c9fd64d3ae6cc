# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What one verify run asks of RIPE Atlas, decided before anything is created (pure Python).

From the normalised intent's ``vantage.atlas`` section and services:

* ``problems(intent)``: what the structure check of the intent cannot see (a vantage point's expected PoP is one of
  the intent's PoPs; a vantage point names probes, a country, or a city with its coordinates);
* ``targets(intent)``: per address family, the DNS service's first address (queried for its first zone's SOA with
  the NSID option, so the answer names the instance) and the web service's first address (traced);
* ``probe_filters(point)``: the query of the probes API that finds a vantage point's probes;
* ``definitions(targets, description)``: the measurement definitions (fields of ``POST /api/v2/measurements/``);
* ``cost(definitions, probes, atlas)``: the credits a run costs, at most ``credits_per_run``.

Field names follow the RIPE Atlas REST API reference (measurement creation: definitions, probes; probes list:
``country_code``, ``radius=<lat>,<lon>:<km>``, ``id__in``, ``status``).
"""

from __future__ import annotations

import ipaddress
import re

COUNTRY_RE = re.compile(r"^[A-Z]{2}$")
CONNECTED = 1  # a probe's status id when it is connected (probes API, status.id)


class AtlasPlanError(Exception):
    """The intent's Atlas section cannot be measured as written."""


def atlas_settings(intent):
    return ((intent or {}).get("vantage") or {}).get("atlas")


def problems(intent):
    """Problems of meaning in ``vantage`` (the structure is the schema's), each 'path: message'."""
    vantage = (intent or {}).get("vantage") or {}
    pops = set((intent or {}).get("pops") or {})
    out = []
    atlas = vantage.get("atlas") or {}
    for name, point in sorted((atlas.get("points") or {}).items()):
        path = "vantage.atlas.points.%s" % name
        if point.get("expected_pop") not in pops:
            out.append("%s.expected_pop: %r is not a PoP of the intent (%s)"
                       % (path, point.get("expected_pop"), ", ".join(sorted(pops))))
        ways = [k for k in ("country", "city", "probes") if point.get(k)]
        if len(ways) != 1:
            out.append("%s: name exactly one of country, city (with latitude and longitude) or probes, not %s"
                       % (path, " and ".join(ways) or "none"))
        if point.get("city") and (point.get("latitude") is None or point.get("longitude") is None):
            out.append("%s: a city needs its latitude and longitude (probes are found within radius_km of it)" % path)
        if point.get("country") and not COUNTRY_RE.match(str(point["country"])):
            out.append("%s.country: %r is not an ISO 3166-1 alpha-2 code such as GB" % (path, point["country"]))
    for name, lab in sorted((vantage.get("lab") or {}).items()):
        if lab.get("expected_pop") not in pops:
            out.append("vantage.lab.%s.expected_pop: %r is not a PoP of the intent" % (name, lab.get("expected_pop")))
    return out


def targets(intent):
    """[{service, family, address, query}] for the DNS and web services' first address of each family."""
    out = []
    for kind in ("dns", "web"):
        for name, svc in sorted(((intent or {}).get("services") or {}).items()):
            if svc.get("kind", name) != kind:
                continue
            seen = set()
            for addr in svc.get("addresses") or []:
                family = ipaddress.ip_address(str(addr)).version
                if family in seen or any(t["service"] == kind and t["family"] == family for t in out):
                    continue
                seen.add(family)
                zones = svc.get("zones") or []
                out.append({"service": kind, "family": family, "address": str(addr),
                            "query": str(zones[0]["name"]) if kind == "dns" and zones else None})
    return out


def probe_filters(point):
    """The probes API query for one vantage point: connected probes in its country, near its city, or by id."""
    if point.get("probes"):
        return {"id__in": ",".join(str(int(p)) for p in point["probes"])}
    filters = {"status": CONNECTED}
    if point.get("country"):
        filters["country_code"] = str(point["country"])
    else:
        filters["radius"] = "%s,%s:%d" % (point["latitude"], point["longitude"], int(point.get("radius_km") or 50))
    if point.get("asn"):
        filters["asn"] = int(point["asn"])
    return filters


def choose_probes(point, found, count):
    """The probes of a vantage point: named ones as named, else the first `count` connected ones by id (the same
    probes from run to run while they stay connected, so runs compare)."""
    if point.get("probes"):
        wanted = [int(p) for p in point["probes"]]
        known = {int(p["id"]): p for p in found}
        missing = [p for p in wanted if p not in known]
        if missing:
            raise AtlasPlanError("probes %s are not known to RIPE Atlas" % ", ".join(str(p) for p in missing))
        return [known[p] for p in wanted]
    connected = [p for p in found if ((p.get("status") or {}).get("id", CONNECTED)) == CONNECTED]
    return sorted(connected, key=lambda p: int(p["id"]))[:count]


def definitions(target_list, description):
    """Measurement definitions, one per target: DNS with NSID over UDP, ICMP traceroute; one-off."""
    out = []
    for t in target_list:
        common = {"af": t["family"], "target": t["address"], "description": "%s: %s IPv%d" % (
            description, t["service"], t["family"])}
        if t["service"] == "dns":
            out.append(dict(common, type="dns", query_class="IN", query_type="SOA", query_argument=t["query"],
                            set_nsid_bit=True, set_rd_bit=False, use_probe_resolver=False, protocol="UDP",
                            include_abuf=True))
        else:
            out.append(dict(common, type="traceroute", protocol="ICMP", packets=3, paris=16))
    return out


def cost(defs, probe_count, atlas):
    """Credits one run costs: every definition's result from every probe, at the intent's cost per result."""
    per = {"dns": int(atlas.get("dns_result_credits") or 10),
           "traceroute": int(atlas.get("traceroute_result_credits") or 30)}
    return sum(per[d["type"]] for d in defs) * probe_count


def within_budget(defs, probe_count, atlas):
    """(credits, problem or None): a run that would cost more than credits_per_run is refused."""
    credits = cost(defs, probe_count, atlas)
    budget = int(atlas["credits_per_run"])
    if credits > budget:
        per_probe = cost(defs, 1, atlas)
        return credits, ("the Atlas measurements would cost %d credits (%d probes x %d credits), more than "
                         "credits_per_run %d: measure from at most %d probes, or raise the budget"
                         % (credits, probe_count, per_probe, budget, budget // per_probe if per_probe else 0))
    return credits, None

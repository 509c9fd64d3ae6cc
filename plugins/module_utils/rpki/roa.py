# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Route origin validation of our own announcements, and the ROAs that would make them valid.

The state of a route follows RFC 6811 section 2: a ROA (VRP) *covers* a route when the ROA's prefix contains the
route's prefix; a covering ROA *matches* when its origin AS is the route's origin and the route is no longer than
its max length. Valid: a matching ROA exists. Invalid: covering ROAs exist and none matches. NotFound: nothing
covers. A ROA for AS0 covers but never matches (RFC 6483 section 4, RFC 7607): it makes a route invalid unless
another ROA matches.

The ROA proposed as the fix is the minimal one of RFC 9319: the announced prefix itself with max length equal to
its length (so a /32 or /128 host route gets its own ROA), never a wider max length on an aggregate.
"""

from __future__ import annotations

import ipaddress
import re

from ..intent import derive

VALID, INVALID, NOT_FOUND = "valid", "invalid", "not-found"


class RoaFormatError(Exception):
    pass


def _asn(value):
    """An AS number from 64500, "64500" or "AS64500"."""
    if isinstance(value, bool):
        raise ValueError(value)
    if isinstance(value, int):
        return value
    match = re.fullmatch(r"(?i:AS)?(\d+)", str(value).strip())
    if not match:
        raise ValueError(value)
    return int(match.group(1))


def roa(prefix, max_length, asn):
    """One ROA (or VRP) as used here: {prefix, max_length, asn} with the prefix normalised."""
    net = ipaddress.ip_network(str(prefix), strict=True)
    max_length = int(max_length) if max_length is not None else net.prefixlen
    limit = 32 if net.version == 4 else 128
    if not net.prefixlen <= max_length <= limit:
        raise ValueError("max length %s outside /%d-/%d" % (max_length, net.prefixlen, limit))
    return {"prefix": str(net), "max_length": max_length, "asn": _asn(asn)}


def parse_relying_party(data):
    """VRPs from a relying party's JSON: an object with a list `roas` of {asn, prefix, maxLength} (rpki-client `-j`,
    rpki-client(8); Routinator's `json` format has the same members; `asn` is a number or "AS<number>").
    Other members are ignored."""
    if not isinstance(data, dict) or not isinstance(data.get("roas"), list):
        raise RoaFormatError("not a relying party's JSON output: no list 'roas' at the top")
    out = []
    for i, item in enumerate(data["roas"]):
        try:
            out.append(roa(item["prefix"], item.get("maxLength"), item["asn"]))
        except (KeyError, TypeError, ValueError) as exc:
            raise RoaFormatError("roas[%d] is not a VRP with asn, prefix and maxLength (%s)" % (i, exc))
    return out


def parse_ripe(items):
    """ROAs from the RIPE NCC RPKI Management API's `GET /roas`: a list of {asn: "AS<n>", prefix, maximalLength}."""
    if not isinstance(items, list):
        raise RoaFormatError("the RPKI Management API did not answer a list of ROAs")
    out = []
    for i, item in enumerate(items):
        try:
            out.append(roa(item["prefix"], item.get("maximalLength"), item["asn"]))
        except (KeyError, TypeError, ValueError) as exc:
            raise RoaFormatError("ROA %d of the API's answer is not {asn, prefix, maximalLength} (%s)" % (i, exc))
    return out


def to_ripe(item):
    """A ROA in the shape of the RIPE API's requests."""
    return {"asn": "AS%d" % item["asn"], "prefix": item["prefix"], "maximalLength": item["max_length"]}


def announcements(intent, instances=None):
    """What the network originates: each prefix of the intent, and each /32 or /128 host route an upstream with
    host_routes announces, of static hosts (from the intent) and of the `instances` given (dicts with name, pop,
    address, address6: from the inventory, for lab and vultr PoPs). Returns dicts {prefix, origin, path, kind}."""
    model = derive.normalize(intent)
    origin = model.get("asn")
    out = []
    seen = set()
    for i, prefix in enumerate(model.get("prefixes") or []):
        net = str(ipaddress.ip_network(str(prefix)))
        seen.add(net)
        out.append({"prefix": net, "origin": origin, "path": "prefixes[%d]" % i, "kind": "prefix"})
    hosts = []
    for pop_name, pop in sorted((model.get("pops") or {}).items()):
        if not isinstance(pop, dict):
            continue
        if pop.get("provider") == "static":
            for j, host in enumerate(pop.get("hosts") or []):
                hosts.append((pop_name, pop, host.get("address", ""), host.get("address6", ""),
                              "pops.%s.hosts[%d]" % (pop_name, j)))
    for inst in instances or []:
        pop = (model.get("pops") or {}).get(inst.get("pop"))
        if isinstance(pop, dict) and pop.get("provider") != "static":
            hosts.append((inst.get("pop"), pop, inst.get("address") or "", inst.get("address6") or "",
                          "instance %s" % inst.get("name")))
    for pop_name, pop, address, address6, path in hosts:
        sessions = derive.sessions_for(pop.get("upstreams") or [], pop, model.get("prefixes") or [], address, address6)
        for session in sessions:
            for route in session["host_route"] if session["announce"] else []:
                net = str(ipaddress.ip_network(route))
                if net not in seen:
                    seen.add(net)
                    out.append({"prefix": net, "origin": origin, "path": "%s (host route to %s)" % (path, pop_name),
                                "kind": "host route"})
    return out


def state(prefix, origin, roas):
    """(state, covering ROAs) of one route per RFC 6811 section 2."""
    net = ipaddress.ip_network(str(prefix))
    covering = [r for r in roas if ipaddress.ip_network(r["prefix"]).version == net.version
                and net.subnet_of(ipaddress.ip_network(r["prefix"]))]
    if not covering:
        return NOT_FOUND, covering
    if any(r["asn"] == origin and r["asn"] != 0 and net.prefixlen <= r["max_length"] for r in covering):
        return VALID, covering
    return INVALID, covering


def _show(item):
    return "%s max /%d AS%d" % (item["prefix"], item["max_length"], item["asn"])


def check(announced, roas):
    """Each announcement with its state, why, the ROAs that cover it and, unless valid, the fix: the ROA to create.

    Existing ROAs are never widened or removed: an aggregate's short max length still protects the rest of it
    (RFC 9319), and a ROA for another origin may be meant (a scrubbing service's)."""
    results = []
    for item in announced:
        prefix, origin = item["prefix"], item["origin"]
        found, covering = state(prefix, origin, roas)
        length = ipaddress.ip_network(prefix).prefixlen
        entry = dict(item, state=found, roas=covering, fix=None)
        wanted = {"prefix": prefix, "max_length": length, "asn": origin}
        if found == VALID:
            matching = [r for r in covering if r["asn"] == origin and length <= r["max_length"]]
            entry["reason"] = "covered by %s" % ", ".join(_show(r) for r in matching)
        elif found == NOT_FOUND:
            entry["reason"] = "no ROA covers it: anyone may originate it unchallenged"
            entry["fix"] = wanted
        else:
            ours = [r for r in covering if r["asn"] == origin]
            zero = [r for r in covering if r["asn"] == 0]
            others = [r for r in covering if r["asn"] not in (0, origin)]
            why = []
            if ours:
                why.append("the ROA%s of AS%d (%s) allow%s at most /%d, it is a /%d"
                           % ("s" if len(ours) > 1 else "", origin, ", ".join(_show(r) for r in ours),
                              "" if len(ours) > 1 else "s", max(r["max_length"] for r in ours), length))
            if zero:
                why.append("an AS0 ROA (%s) says nobody may originate it" % ", ".join(_show(r) for r in zero))
            if others:
                why.append("it is authorised for another origin only (%s), not AS%d"
                           % (", ".join(_show(r) for r in others), origin))
            entry["reason"] = "; ".join(why)
            entry["fix"] = wanted
        results.append(entry)
    return results


def fix_text(entry):
    """The fix in words: the ROA to create, with prefix, max length and origin."""
    fix = entry["fix"]
    if fix is None:
        return ""
    return "create a ROA: prefix %s, max length %d, origin AS%d" % (fix["prefix"], fix["max_length"], fix["asn"])


def problems(results):
    """One line per announcement that is not valid: its path, prefix, state, why and the fix."""
    template = "%s: %s from AS%s is RPKI %s (%s); %s"
    return [template % (r["path"], r["prefix"], r["origin"], r["state"].upper(), r["reason"], fix_text(r))
            for r in results if r["state"] != VALID]


def changes(results):
    """The ROAs to publish so every announcement becomes valid, each once."""
    added = []
    for entry in results:
        if entry["fix"] and entry["fix"] not in added:
            added.append(entry["fix"])
    return added

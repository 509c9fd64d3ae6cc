# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""RIPE Atlas results as the rows of verify.json, parsed by ripe.atlas.sagan (RIPE NCC's parser of the result
formats, which decodes the DNS answer buffer ``abuf`` and its EDNS0 NSID option).

* A DNS result's NSID names the instance that answered (NSD's ``nsid`` is the instance's name), hence its PoP.
* A traceroute result gives the round-trip time to the web address and the hops on the way. It cannot name the
  instance; when the web and DNS addresses share an announced prefix, they follow the same route, so the PoP the
  same probe's DNS query reached is the traceroute's PoP too (``pop_from: dns``).
"""

from __future__ import annotations

import ipaddress
import re

try:
    from ripe.atlas.sagan import DnsResult, Result, TracerouteResult
    HAS_SAGAN = True
    SAGAN_IMPORT_ERROR = None
except ImportError as exc:  # pragma: no cover - reported by the module
    HAS_SAGAN = False
    SAGAN_IMPORT_ERROR = exc


def pop_of_instance(instance, instances):
    """The PoP of an instance name: from the inventory's map, else the name's `<pop>-<n>` ending."""
    if not instance:
        return None
    if instance in (instances or {}):
        return instances[instance]
    match = re.match(r"^(?:.*-)?([a-z0-9]+)-\d+$", str(instance))
    return match.group(1) if match else None


def parse_dns(raw):
    """{probe_id, family, target, instance, rtt_ms, error} from one DNS result."""
    res = DnsResult(raw, on_error=Result.ACTION_IGNORE, on_malformation=Result.ACTION_IGNORE)
    out = {"probe_id": res.probe_id, "family": raw.get("af"), "target": raw.get("dst_addr"), "instance": None,
           "rtt_ms": None, "error": None}
    if res.is_error and not res.responses:
        out["error"] = str(res.error_message or "no answer")
        return out
    for response in res.responses:
        if response.response_time is not None and out["rtt_ms"] is None:
            out["rtt_ms"] = response.response_time
        message = response.abuf
        edns0 = getattr(message, "edns0", None) if message else None
        for option in (getattr(edns0, "options", None) or []):
            if option.nsid:
                out["instance"] = option.nsid
                break
        if out["instance"]:
            break
    if not out["instance"]:
        out["error"] = "answer without NSID" if res.responses else str(res.error_message or "no answer")
    return out


def parse_traceroute(raw):
    """{probe_id, family, target, reached, rtt_ms, hops} from one traceroute result."""
    res = TracerouteResult(raw, on_error=Result.ACTION_IGNORE, on_malformation=Result.ACTION_IGNORE)
    hops = []
    for hop in res.hops:
        addresses = [p.origin for p in hop.packets if p.origin]
        hops.append(addresses[0] if addresses else "*")
    return {"probe_id": res.probe_id, "family": raw.get("af"), "target": raw.get("dst_addr"),
            "reached": bool(res.destination_ip_responded), "hops": hops,
            "rtt_ms": res.last_median_rtt if res.destination_ip_responded else None,
            "error": None if res.destination_ip_responded else "the traceroute did not reach %s" % raw.get("dst_addr")}


def _prefix(address, prefixes):
    addr = ipaddress.ip_address(str(address))
    for p in prefixes or []:
        net = ipaddress.ip_network(str(p), strict=False)
        if addr.version == net.version and addr in net:
            return net
    return None


def rows(points, probes_of, measured, intent, instances=None):
    """The verify.json rows: one per probe, service and family.

    points: {name: point settings}; probes_of: {name: [probe objects of the probes API]};
    measured: [{"target": target (plan.targets), "results": [raw results]}]; instances: {instance: PoP}.
    """
    prefixes = (intent or {}).get("prefixes") or []
    origin = (intent or {}).get("asn")
    by_probe = {}
    for name, probes in probes_of.items():
        for probe in probes:
            by_probe[int(probe["id"])] = (name, probe)
    dns_pop = {}
    parsed = []
    for entry in measured:
        target = entry["target"]
        for raw in entry["results"]:
            item = parse_dns(raw) if target["service"] == "dns" else parse_traceroute(raw)
            parsed.append((target, item))
            if target["service"] == "dns" and item["instance"]:
                dns_pop[(item["probe_id"], target["family"])] = (target["address"], item["instance"])
    out = []
    answered = set()
    for target, item in parsed:
        if item["probe_id"] not in by_probe:
            continue
        name, probe = by_probe[item["probe_id"]]
        point = points[name]
        coords = ((probe.get("geometry") or {}).get("coordinates") or [None, None])
        row = {
            "vantage": name, "city": point.get("city") or point.get("country") or name,
            "family": "ipv%d" % target["family"], "service": target["service"], "target": target["address"],
            "probe_id": item["probe_id"], "probe_asn": probe.get("asn_v%d" % target["family"]),
            "origin_asn": origin, "longitude": coords[0], "latitude": coords[1],
            "expected_pop": point.get("expected_pop"), "rtt_ms": item["rtt_ms"], "as_path": [], "source": "atlas",
        }
        if target["service"] == "dns":
            row.update(instance=item["instance"], pop=pop_of_instance(item["instance"], instances),
                       ok=bool(item["instance"]), error=item["error"], pop_from="nsid" if item["instance"] else None)
        else:
            row.update(instance=None, pop=None, hops=item["hops"], ok=item["reached"], error=item["error"])
            dns = dns_pop.get((item["probe_id"], target["family"]))
            if dns and _prefix(dns[0], prefixes) is not None and \
                    _prefix(dns[0], prefixes) == _prefix(target["address"], prefixes):
                row.update(pop=pop_of_instance(dns[1], instances), pop_from="dns")
        answered.add((item["probe_id"], target["service"], target["family"]))
        out.append(row)
    # A probe that sent no result at all is a row too: it did not answer.
    for name, probes in sorted(probes_of.items()):
        for probe in probes:
            for entry in measured:
                target = entry["target"]
                if (int(probe["id"]), target["service"], target["family"]) in answered:
                    continue
                coords = ((probe.get("geometry") or {}).get("coordinates") or [None, None])
                out.append({"vantage": name, "city": points[name].get("city") or points[name].get("country") or name,
                            "family": "ipv%d" % target["family"], "service": target["service"],
                            "target": target["address"], "probe_id": int(probe["id"]),
                            "probe_asn": probe.get("asn_v%d" % target["family"]), "origin_asn": origin,
                            "longitude": coords[0], "latitude": coords[1],
                            "expected_pop": points[name].get("expected_pop"), "rtt_ms": None, "as_path": [],
                            "instance": None, "pop": None, "ok": False, "error": "no result from the probe",
                            "source": "atlas"})
    out.sort(key=lambda r: (r["vantage"], r["family"], r["service"], r["probe_id"]))
    return out

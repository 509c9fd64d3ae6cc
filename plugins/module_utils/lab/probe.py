# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Probes from the lab's vantage points: which PoP and instance answer the anycast addresses, how fast, and the AS
path each vantage point's router chose (the table the seed's author made with curl from four cities)."""

from __future__ import annotations

import collections
import ipaddress
import json
import re
import shlex
from concurrent.futures import ThreadPoolExecutor

from ansible_collections.anycast.network.plugins.module_utils.lab import podman

HEADER = "x-anycast-instance"


def service_targets(intent):
    """First IPv4 and first IPv6 address of the web and dns services: {(kind, family): (address, hostname)}."""
    if isinstance(intent, dict) and "anycast_intent" in intent:
        intent = intent["anycast_intent"]
    out = {}
    for name, svc in sorted(((intent or {}).get("services") or {}).items()):
        kind = svc.get("kind", name)
        hostnames = svc.get("hostnames") or []
        for addr in svc.get("addresses") or []:
            family = ipaddress.ip_address(str(addr)).version
            if (kind, family) not in out:
                out[(kind, family)] = (str(addr), hostnames[0] if hostnames else None)
    return out


def _script(targets, count, unicast):
    """The shell script a client runs: every probe, each result on one tab-separated line."""
    lines = ["#!/bin/sh"]
    for (kind, family), (addr, hostname) in sorted(targets.items()):
        if kind == "web":
            url_host = "[%s]" % addr if family == 6 else addr
            host_hdr = "-H %s" % shlex.quote("Host: %s" % hostname) if hostname else ""
            # One curl for the `count` requests; `Connection: close` makes each one a new connection (a new source
            # port, so ECMP may pick another instance). One line per request, the instance from its header; every
            # URL has its own `-o` (curl pairs them in order), so no body reaches the output.
            lines.append(
                "curl -s -m 2 %s -H 'Connection: close' "
                "-w 'HTTP\\t%d\\t%%{http_code} %%{time_connect}\\t%%header{%s}\\n' %s 2>/dev/null"
                % (host_hdr, family, HEADER, " ".join(["-o /dev/null http://%s/" % url_host] * count)))
        elif kind == "dns":
            lines.append("out=$(dig +time=2 +tries=1 +norecurse +nsid @%s id.server CH TXT 2>/dev/null | "
                         "tr -d '\\t' | grep -E 'NSID|^id.server|status:' | tr '\\n' '|'); "
                         "printf 'DNS\\t%d\\t%%s\\n' \"$out\"" % (addr, family))
        # In the background, like the unicast pings: each prints one short line, and the script waits for all.
        lines.append("printf 'PING\\t%d\\t%%s\\n' \"$(ping -%d -n -q -c 3 -i 0.2 -W 1 %s 2>/dev/null | tail -n1)\" &"
                     % (family, family, addr))
    for name, addr in unicast:
        fam = 6 if ":" in addr else 4
        lines.append("printf 'UNICAST\\t%s\\t%d\\t%%s\\n' \"$(ping -%d -n -q -c 1 -W 1 %s 2>/dev/null | tail -n1)\" &"
                     % (name, fam, fam, addr))
    lines.append("wait")
    return "\n".join(lines) + "\n"


def _avg_ms(ping_tail):
    match = re.search(r"= [\d.]+/([\d.]+)/", ping_tail or "")
    return round(float(match.group(1)), 3) if match else None


def _json_documents(text):
    """The JSON documents printed one after the other (vtysh with several -c prints one per command)."""
    decoder, docs, pos = json.JSONDecoder(), [], 0
    while True:
        while pos < len(text) and text[pos].isspace():
            pos += 1
        if pos >= len(text):
            return docs
        try:
            doc, pos = decoder.raw_decode(text, pos)
        except ValueError:
            return docs
        docs.append(doc)


def _best_path(data):
    """(AS path of the best path, prefix) from `show bgp ... json` of one address; (None, prefix) without one."""
    prefix = data.get("prefix")
    for path in data.get("paths") or []:
        best = path.get("bestpath") or {}
        if best.get("overall") or path.get("best"):
            return (path.get("aspath") or {}).get("string", ""), prefix
    return None, prefix


def _as_paths(router, addresses):
    """{family: (AS path, prefix)} at `router` for {family: address}, in one vtysh run."""
    families = sorted(addresses)
    args = []
    for family in families:
        args += ["-c", "show bgp %s unicast %s json" % ("ipv4" if family == 4 else "ipv6", addresses[family])]
    proc = podman.exec_(router, "vtysh", *args)
    docs = _json_documents(proc.stdout or "")
    if len(docs) != len(families):  # an answer missing: no route known for any of them
        return {family: (None, None) for family in families}
    return {family: _best_path(doc) for family, doc in zip(families, docs)}


def probe_vantage(plan, vp_name, intent, count=5):
    vp = plan["vantage_points"][vp_name]
    targets = service_targets(intent)
    pop_of = {i["name"]: i["pop"] for i in plan["instances"]}
    unicast = []
    for inst in plan["instances"]:
        unicast.append((inst["name"], inst["address"]))
        unicast.append((inst["name"], inst["address6"]))
    first = {}  # per family, the first service address: the route the probes of that family follow
    for family in (4, 6):
        found = targets.get(("web", family)) or targets.get(("dns", family))
        if found:
            first[family] = found[0]
    routes = _as_paths(vp["router"], first) if first else {}
    # Only addresses the vantage point's router has a route for are probed: the rest is reported unreachable at once.
    routed = {key: val for key, val in targets.items() if routes.get(key[1], (None, None))[0] is not None}
    script = _script(routed, count, unicast)
    proc = podman.exec_(vp["client"], "sh", "-s", check=False, timeout=120, input_text=script)
    http = collections.defaultdict(list)
    dns = {}
    ping = {}
    uni = collections.defaultdict(dict)
    for line in (proc.stdout or "").splitlines():
        parts = line.split("\t")
        if parts[0] == "HTTP" and len(parts) >= 4:
            family = int(parts[1])
            fields = parts[2].split()
            status, connect = (fields + [None, None])[:2]
            header = parts[3].strip() or None
            try:
                connect = float(connect) if connect and float(connect) > 0 else None
            except ValueError:
                connect = None
            http[family].append({"instance": header,
                                 "status": int(status) if status and status.isdigit() else 0,
                                 "connect_ms": round(connect * 1000, 3) if connect else None})
        elif parts[0] == "DNS" and len(parts) >= 3:
            family = int(parts[1])
            text = parts[2]
            ident = None
            match = (re.search(r'NSID: .*\("([^"]+)"\)', text)
                     or re.search(r'id\.server\.\S*CH\s*TXT\s*"([^"]+)"', text.replace("|", "\n")))
            if match:
                ident = match.group(1)
            status = re.search(r"status: (\w+)", text)
            dns[family] = {"instance": ident, "status": status.group(1) if status else "no answer"}
        elif parts[0] == "PING" and len(parts) >= 3:
            ping[int(parts[1])] = _avg_ms(parts[2])
        elif parts[0] == "UNICAST" and len(parts) >= 4:
            uni[parts[1]]["ipv%s" % parts[2]] = _avg_ms(parts[3])

    results = []
    for family in (4, 6):
        web = targets.get(("web", family))
        if not web and ("dns", family) not in targets:
            continue
        addr = (web or targets[("dns", family)])[0]
        answers = http.get(family, [])
        seen = collections.Counter(a["instance"] for a in answers if a["instance"])
        instance = seen.most_common(1)[0][0] if seen else None
        connects = [a["connect_ms"] for a in answers if a["connect_ms"]]
        as_path, prefix = routes.get(family, (None, None))
        rtt = ping.get(family)
        if rtt is None and connects:
            rtt = round(min(connects), 3)
        entry = {
            "vantage": vp_name,
            "city": vp["city"],
            "family": "ipv%d" % family,
            "address": addr,
            "reachable": bool(instance) or rtt is not None,
            "pop": pop_of.get(instance) if instance in pop_of else (instance.rsplit("-", 1)[0] if instance else None),
            "instance": instance,
            "instances_seen": dict(seen),
            "http_status": sorted({a["status"] for a in answers}),
            "rtt_ms": rtt,
            "as_path": as_path,
            "route": prefix,
        }
        if ("dns", family) in targets:
            entry["dns"] = dict(dns.get(family) or {"instance": None, "status": "no answer"},
                                address=targets[("dns", family)][0])
        if not entry["reachable"]:
            entry["status"] = "unreachable" if as_path is None else "no answer"
        else:
            entry["status"] = "ok" if instance else "no instance id"
        results.append(entry)
    unicast_ok = dict(uni)
    return {"vantage": vp_name, "results": results, "unicast": unicast_ok}


def probe_all(plan, intent, count=5, vantage_points=None):
    names = vantage_points or sorted(plan["vantage_points"], key=lambda n: plan["vantage_points"][n].get("index", 0))
    with ThreadPoolExecutor(max_workers=4) as pool:
        out = list(pool.map(lambda n: probe_vantage(plan, n, intent, count), names))
    return out


def table(probes):
    """The vantage table as text: city, family, PoP, the instance answering HTTP and the one answering DNS, ms,
    AS path."""
    rows = [("city", "family", "PoP", "HTTP", "DNS", "ms", "AS path")]
    for vp in probes:
        for res in vp["results"]:
            dns = res.get("dns") or {}
            rows.append((res["city"], res["family"], res["pop"] or "-",
                         res["instance"] or res["status"], dns.get("instance") or dns.get("status") or "-",
                         "%.1f" % res["rtt_ms"] if res["rtt_ms"] is not None else "-",
                         res["as_path"] if res["as_path"] is not None else "(no route)"))
    widths = [max(len(str(r[i])) for r in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(str(c).ljust(w) for c, w in zip(r, widths)).rstrip() for r in rows)

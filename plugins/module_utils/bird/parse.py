# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Read BIRD 2's `birdc` output and compare it with what the intent asks for.

Pure Python (no Ansible imports), shared by the module anycast.network.bird_state and the tests. The formats are
those of BIRD 2.0 (`show protocols all`, `show route export <protocol> all`).
"""

from __future__ import annotations

import re

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_TIME = re.compile(r"^\d{2}:\d{2}(:\d{2}(\.\d+)?)?$")
_KV = re.compile(r"^(\s+)([A-Za-z][A-Za-z0-9 ./-]*?):\s+(.*)$")
_ROUTES = re.compile(r"(\d+) (imported|filtered|exported|preferred)")
_ROUTE_LINE = re.compile(r"^(\S+/\d+)\s+(.*)$")
_CONT_LINE = re.compile(r"^\s+(via|unreachable|blackhole|prohibited|dev)\b")
_PAIR = re.compile(r"\((\d+),(\d+)\)")
_TRIPLE = re.compile(r"\((\d+), ?(\d+), ?(\d+)\)")
_LIMIT = re.compile(r"^(\d+)(\s+\[HIT\])?$")

ESTABLISHED = "Established"


def _strip_banner(text):
    lines = text.splitlines()
    version = None
    if lines and lines[0].startswith("BIRD ") and lines[0].rstrip().endswith("ready."):
        version = lines[0].split()[1]
        lines = lines[1:]
    return version, lines


def _key(label):
    return re.sub(r"[^a-z0-9]+", "_", label.strip().lower()).strip("_")


def parse_protocols(text):
    """`birdc show protocols all` -> (version, list of protocol dicts).

    Each protocol: name, proto, table, state (up/start/down/...), since, info, and for BGP bgp_state,
    neighbor_address, neighbor_as, local_as, last_error, source_address, established; channels: a dict per
    channel (ipv4, ipv6) with state, input_filter, output_filter, routes (imported, filtered, exported,
    preferred) and limits (receive, import, export: {limit, hit, action}).
    """
    version, lines = _strip_banner(text)
    protocols = []
    current = None
    channel = None
    limit = None
    for raw in lines:
        line = raw.rstrip()
        if not line:
            continue
        if line.startswith("Name ") and "Proto" in line:
            continue
        if not line[0].isspace():
            fields = line.split()
            if len(fields) < 4:
                continue
            name, proto, table, state = fields[:4]
            rest = fields[4:]
            since = ""
            if rest and (_DATE.match(rest[0]) or _TIME.match(rest[0])):
                since = rest.pop(0)
                if rest and _DATE.match(since) and _TIME.match(rest[0]):
                    since += " " + rest.pop(0)
            current = {"name": name, "proto": proto, "table": table, "state": state, "since": since,
                       "info": " ".join(rest), "channels": {}}
            protocols.append(current)
            channel = None
            limit = None
            continue
        if current is None:
            continue
        stripped = line.strip()
        if stripped.startswith("Channel "):
            channel = {"routes": {}, "limits": {}}
            current["channels"][stripped.split()[1]] = channel
            limit = None
            continue
        m = _KV.match(line)
        if not m:
            continue
        key, value = _key(m.group(2)), m.group(3).strip()
        if channel is not None:
            if key == "routes":
                channel["routes"] = {kind: int(num) for num, kind in _ROUTES.findall(value)}
            elif key in ("receive_limit", "import_limit", "export_limit"):
                lm = _LIMIT.match(value)
                limit = {"limit": int(lm.group(1)) if lm else value, "hit": bool(lm and lm.group(2))}
                channel["limits"][key.split("_")[0]] = limit
            elif key == "action" and limit is not None:
                limit["action"] = value
            elif key in ("state", "table", "preference", "input_filter", "output_filter", "bgp_next_hop"):
                channel[key] = value
            continue
        if key in ("bgp_state", "neighbor_address", "neighbor_port", "neighbor_as", "local_as", "neighbor_id",
                   "last_error", "source_address", "session", "hold_timer", "keepalive_timer", "description",
                   "connect_delay", "error_wait", "start_delay"):
            current[key] = value
    for p in protocols:
        if p["proto"] == "BGP":
            p["established"] = p.get("bgp_state") == ESTABLISHED
            for key in ("neighbor_as", "local_as"):
                if str(p.get(key, "")).isdigit():
                    p[key] = int(p[key])
    return version, protocols


def parse_routes(text):
    """`birdc show route ... all` (or without `all`) -> list of route dicts.

    Each route: prefix, and when the attributes are shown: as_path (list of ints), communities ("A:B"),
    large_communities ("A:B:C"). Only the first (best) route of each prefix is kept.
    """
    _unused, lines = _strip_banner(text)
    routes = []
    seen = set()
    current = None
    for raw in lines:
        line = raw.rstrip()
        if not line or line.startswith("Table ") or line.startswith("No valid") or line.startswith("Network not"):
            continue
        m = _ROUTE_LINE.match(line)
        if m and not line[0].isspace():
            prefix = m.group(1)
            if prefix in seen:
                current = None
                continue
            seen.add(prefix)
            current = {"prefix": prefix, "as_path": [], "communities": [], "large_communities": []}
            routes.append(current)
            continue
        if current is None:
            continue
        stripped = line.strip()
        if stripped.startswith("BGP.as_path:"):
            current["as_path"] = [int(a) for a in re.findall(r"\d+", stripped.split(":", 1)[1])]
        elif stripped.startswith("BGP.community:"):
            current["communities"] = ["%s:%s" % pair for pair in _PAIR.findall(stripped)]
        elif stripped.startswith("BGP.large_community:"):
            current["large_communities"] = ["%s:%s:%s" % t for t in _TRIPLE.findall(stripped)]
    return routes


def _describe(session):
    return "%s (%s, IPv%s, neighbour %s AS%s)" % (
        session.get("name"), session.get("provider_name", "upstream"), session.get("family"),
        session.get("neighbor"), session.get("asn"))


def compare(manifest, protocols, exports, announce_state=None, honour_announce_state=False):
    """Problems (strings naming the session and what is wrong) and warnings.

    manifest: the routing manifest the BIRD role writes (sessions with their expected exports).
    protocols: parse_protocols()[1]. exports: {session name: parse_routes() of `show route export`}.
    announce_state: anycast-announce's state ({mode, gates}); with honour_announce_state, a drained, withdrawn
    or gated-down announcement is expected (and reported as a warning) instead of being a problem.
    """
    problems = []
    warnings = []
    by_name = {p["name"]: p for p in protocols}
    state = announce_state or {}
    mode = state.get("mode", "normal")
    gates = state.get("gates", {})
    wanted = {s["name"] for s in manifest.get("sessions", [])}
    for session in manifest.get("sessions", []):
        name = session["name"]
        what = _describe(session)
        proto = by_name.get(name)
        if proto is None:
            problems.append("session %s is not in BIRD's running configuration (run the bird role, then "
                            "`birdc configure`)" % what)
            continue
        if not proto.get("established"):
            detail = "BGP state %s" % (proto.get("bgp_state") or proto.get("state"))
            if proto.get("last_error"):
                detail += ", last error: %s" % proto["last_error"]
            elif proto.get("info"):
                detail += " (%s)" % proto["info"]
            hint = ""
            text = (proto.get("last_error", "") + " " + proto.get("info", "")).lower()
            bgp_state = proto.get("bgp_state") or ""
            if "bad peer as" in text or "as" in text.split():
                hint = "; check the neighbour's AS number in the intent"
            elif bgp_state in ("Idle", "Connect", "Active", "") or "hold timer" in text or "socket" in text:
                hint = ("; the BGP connection does not come up: a wrong or missing BGP password (TCP-MD5 "
                        "mismatches are dropped without an answer), the neighbour unreachable from the source "
                        "address, or tcp/179 filtered")
            problems.append("session %s is not Established: %s%s" % (what, detail, hint))
        for chan in proto.get("channels", {}).values():
            for kind, lim in chan.get("limits", {}).items():
                if lim.get("hit"):
                    msg = "session %s: %s limit %s hit (action %s)" % (what, kind, lim.get("limit"),
                                                                       lim.get("action", "?"))
                    if kind == "export":
                        problems.append(msg + ": the filters exported more than the intent announces")
                    else:
                        warnings.append(msg + ": the neighbour sends more routes than expected")
        expected = set(session.get("exports", []))
        reasons = {}
        if mode == "withdraw":
            for prefix in expected:
                reasons[prefix] = "withdrawn by anycast-announce (mode withdraw; `anycast-announce undrain`)"
        for prefix, gate in gates.items():
            if gate == "down" and prefix in expected and prefix not in reasons:
                reasons[prefix] = "held down by the health gate"
        if mode == "drain":
            warnings.append("session %s: drained (65535:0 and prepends on every export)" % name)
        if not proto.get("established"):
            continue
        actual = {r["prefix"] for r in exports.get(name, [])}
        for prefix in sorted(expected - actual):
            if prefix in reasons:
                if honour_announce_state:
                    warnings.append("session %s: %s not exported: %s" % (name, prefix, reasons[prefix]))
                else:
                    problems.append("session %s does not export %s: %s" % (what, prefix, reasons[prefix]))
            else:
                problems.append("session %s does not export %s, which the intent announces" % (what, prefix))
        for prefix in sorted(actual - expected):
            problems.append("session %s exports %s, which the intent does not announce to it (a leak)"
                            % (what, prefix))
        if not session.get("announce", True) and not actual:
            warnings.append("session %s: announce is false, nothing exported (as intended)" % name)
    for proto in protocols:
        if proto["proto"] == "BGP" and proto["name"] not in wanted:
            problems.append("BIRD runs a BGP session %s that the intent does not have" % proto["name"])
    return problems, warnings

# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""RPKI in the lab: the provider edges validate the origin of their customers' routes (RFC 6811) against a VRP set
served to each edge's FRR over RTR (RFC 8210) by stayrtr, running on the edge itself.

The edges accept from an instance only routes that are RPKI-valid: a provider that requires its customers' origin to
be authorised (a ROA) rejects both invalid and not-found routes, so a prefix without a ROA gets no catchment, which is
what the lab must be able to show. Carriers and eyeball networks do not validate.

The VRP set is a file in the format of rpki-client's JSON output (``{"roas": [{"prefix", "maxLength", "asn"}]}``,
rpki-client(8)), which stayrtr reads (``-cache``) and polls (``-refresh``). The lab writes it at every start from the
intent: the ROAs of its rpki source when that is a relying party's file (``rpki: {source: rpki-client, file}``),
else a ROA per announced prefix (the intent's ASN, maxLength the prefix's length: the ROAs an operator files before
announcing), into each edge's node directory, outside the container's spec: a new VRP set is picked up by
the running stayrtr within its refresh interval, and FRR re-validates its routes (soft reconfiguration inbound keeps
what each instance sent). ``publish`` replaces the set, as a relying party's next fetch would, and re-runs each
edge's import policy once the edge holds it.
"""

from __future__ import annotations

import ipaddress
import json
import os
import re
import time

STAYRTR_PORT = 3323
STAYRTR_REFRESH = 2
VRP_FILE = "vrps.json"


def default_roas(intent):
    """A ROA per prefix of the intent: its ASN, maxLength the prefix's own length."""
    asn = (intent or {}).get("asn")
    roas = []
    for prefix in (intent or {}).get("prefixes") or []:
        net = ipaddress.ip_network(str(prefix), strict=False)
        roas.append({"prefix": str(net), "maxLength": net.prefixlen, "asn": "AS%s" % asn})
    return roas


def lab_roas(intent, base_dir="."):
    """The ROAs the lab publishes: the intent's own when its rpki source is a relying party's file (rpki-client's
    JSON, read as the rpki step reads it), else a ROA per prefix of the intent (default_roas). A file that cannot be
    read raises RpkiStepError with its path."""
    settings = (intent or {}).get("rpki") or {}
    if settings.get("source") == "rpki-client":
        from ansible_collections.anycast.network.plugins.module_utils.rpki import step

        return [{"prefix": r["prefix"], "maxLength": r["max_length"], "asn": "AS%d" % r["asn"]}
                for r in step.read_roas(settings, base_dir)]
    return default_roas(intent)


def vrp_json(roas):
    """The VRP set as stayrtr reads it (rpki-client's JSON output)."""
    return json.dumps({"metadata": {"generated": 0, "counts": len(roas)},
                       "roas": [{"prefix": r["prefix"], "maxLength": int(r["maxLength"]),
                                 "asn": r["asn"] if str(r["asn"]).startswith("AS") else "AS%s" % r["asn"]}
                                for r in roas]}, indent=1, sort_keys=True) + "\n"


def start_script():
    """Started by the image's init on an edge, after FRR: stayrtr on loopback, polling the lab's VRP set."""
    return "\n".join([
        "#!/bin/sh",
        "# Written by the anycast.network lab: the RTR cache of this provider edge (lab/rpki.py).",
        "nohup stayrtr -bind 127.0.0.1:%d -cache /etc/anycast-lab/%s -refresh %d -checktime=false -loglevel warn \\"
        % (STAYRTR_PORT, VRP_FILE, STAYRTR_REFRESH),
        "  -metrics.addr 127.0.0.1:9847 >/var/log/stayrtr.log 2>&1 &",
        "",
    ])


def write_vrps(nodes_dir, edge_names, roas):
    """Write the VRP set into each edge's node directory (mounted in the edge at /etc/anycast-lab), atomically."""
    text = vrp_json(roas)
    for name in edge_names:
        ndir = os.path.join(nodes_dir, name)
        os.makedirs(ndir, exist_ok=True)
        path = os.path.join(ndir, VRP_FILE)
        tmp = path + ".tmp"
        with open(tmp, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)


def publish(exec_, plan, nodes_dir, roas, timeout=30):
    """A new VRP set at every edge, as a relying party's next fetch brings it: written, read by each edge's stayrtr
    and FRR (its RTR prefix table holds as many prefixes of each family as the set), then each edge's import policy
    re-run on what its instances sent (`clear bgp * soft in`: FRR 8.4 re-validates the routes it holds, but not one it
    rejected before, which a ROA published later must bring back). Returns {edge: error} for the edges that did not
    take the set in time (empty when all did)."""
    edges = [n for n in plan["nodes"].values() if n.get("rpki")]
    write_vrps(nodes_dir, [n["name"] for n in edges], roas)
    want = (sum(1 for r in roas if ":" not in r["prefix"]), sum(1 for r in roas if ":" in r["prefix"]))
    errors = {}
    for node in edges:
        deadline = time.monotonic() + timeout
        seen = None
        while True:
            out = exec_(node["container"], "vtysh", "-c", "show rpki prefix-table").stdout
            counts = [int(x) for x in re.findall(r"Number of IPv[46] Prefixes: (\d+)", out)]
            seen = tuple(counts) if len(counts) == 2 else None
            if seen == want or time.monotonic() > deadline:
                break
            time.sleep(0.5)
        if seen != want:
            errors[node["name"]] = "RTR prefix table %s, want %s" % (seen, want)
            continue
        exec_(node["container"], "vtysh", "-c", "clear bgp * soft in")
    return errors

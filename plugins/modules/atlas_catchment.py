#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: contributors to the anycast.network collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: atlas_catchment
short_description: Measure the catchment from RIPE Atlas probes
version_added: "1.1.0"
description:
  - Measures which PoP answers the anycast addresses from the RIPE Atlas vantage points of the intent
    (C(vantage.atlas.points)). Each vantage point's probes (named by id, or found by country, or near a city) send
    a DNS query with the NSID option to the DNS service's first address of each family (the NSID names the
    instance that answered, hence its PoP) and a traceroute to the web service's first address of each family
    (round-trip time and hops).
  - Estimates the credits of the run first and refuses, before anything is created, a run that costs more than
    C(vantage.atlas.credits_per_run).
  - Writes the rows in the form of the lab's probes (O(report), normally C(reports/verify.json)), each with the
    vantage point's expected PoP, for M(anycast.network.catchment_report).
options:
  intent:
    description: The network's intent, normalised (C(anycast_intent | anycast.network.intent_model)).
    type: dict
    required: true
  api_key:
    description:
      - A RIPE Atlas API key allowed to create measurements. Never logged, never written to O(report).
      - From the environment variable C(RIPE_ATLAS_KEY) when unset.
    type: str
  server:
    description: The Atlas API's host (and port); default C(vantage.atlas.server) of the intent.
    type: str
  ca_path:
    description: A CA bundle to verify the API's certificate with, instead of the system's.
    type: path
  instances:
    description: Instance name to PoP, for the names NSID returns (e.g. the inventory's C(anycast_pop)).
    type: dict
    default: {}
  report:
    description: Write the rows as JSON to this file (its directory must exist). Not written in check mode.
    type: path
  poll_interval:
    description: Seconds between two looks at the results.
    type: float
    default: 10
attributes:
  check_mode:
    support: full
    description: Finds the probes and estimates the credits (reading costs nothing); creates no measurement.
  diff_mode:
    support: none
    description: Nothing to compare.
  platform:
    platforms: posix
    support: full
    description: Runs on the controller (C(hosts=localhost)); only the Atlas API is reached.
requirements:
  - ripe.atlas.cousteau (the Atlas API)
  - ripe.atlas.sagan (the result formats)
notes:
  - A measurement costs credits, and every run creates one-off measurements. The cost per result is the intent's
    C(dns_result_credits) and C(traceroute_result_credits).
author:
  - anycast.network developers (@anycast-network)
seealso:
  - module: anycast.network.catchment_report
"""

EXAMPLES = r"""
- name: Measure the catchment from RIPE Atlas (the key from RIPE_ATLAS_KEY)
  anycast.network.atlas_catchment:
    intent: "{{ anycast_intent | anycast.network.intent_model }}"
    report: reports/verify.json
  register: atlas

- name: Show the vantage table
  ansible.builtin.debug:
    msg: "{{ atlas.table.splitlines() }}"
"""

RETURN = r"""
probes:
  description: One row per probe, service and address family, in the form of verify.json's C(probes).
  returned: always
  type: list
  elements: dict
  sample:
    - {vantage: lon, city: London, family: ipv4, service: dns, target: 203.0.113.53, probe_id: 6001,
       instance: jfk-1, pop: jfk, expected_pop: lhr, rtt_ms: 71.3, ok: true, latitude: 51.51, longitude: -0.13}
credits:
  description: The estimated cost of the run in credits (what the check and the budget compare).
  returned: always
  type: int
  sample: 160
budget:
  description: The intent's C(credits_per_run).
  returned: always
  type: int
  sample: 500
measurements:
  description: The ids of the measurements created (none in check mode).
  returned: always
  type: list
  elements: int
  sample: [90000001, 90000002]
misrouted:
  description: Rows whose PoP is not the vantage point's expected PoP.
  returned: always
  type: list
  elements: dict
  sample: [{vantage: lon, family: ipv4, service: dns, pop: jfk, expected_pop: lhr, probe_id: 6001}]
missing:
  description: Measurements that had not ended with every result at the deadline (C(vantage.atlas.wait)).
  returned: always
  type: list
  elements: int
  sample: []
table:
  description: The vantage table as text (vantage point, probe, family, service, PoP, expected, instance, ms).
  returned: always
  type: str
"""

import datetime
import json
import os
import time
import traceback

from ansible.module_utils.basic import AnsibleModule, env_fallback, missing_required_lib

from ansible_collections.anycast.network.plugins.module_utils.atlas import client as atlas_client
from ansible_collections.anycast.network.plugins.module_utils.atlas import plan, results
from ansible_collections.anycast.network.plugins.module_utils.common import atomic_file


def table(rows):
    head = ("vantage", "probe", "family", "service", "PoP", "expected", "instance", "ms")
    lines = [head]
    for r in rows:
        lines.append((r["vantage"], str(r["probe_id"]), r["family"], r["service"], r["pop"] or "-",
                      r["expected_pop"] or "-", r.get("instance") or (r.get("error") or "-"),
                      "-" if r["rtt_ms"] is None else "%.1f" % r["rtt_ms"]))
    widths = [max(len(str(line[i])) for line in lines) for i in range(len(head))]
    return "\n".join("  ".join(str(c).ljust(w) for c, w in zip(line, widths)).rstrip() for line in lines)


def measure(module, api):
    intent = module.params["intent"]
    atlas = plan.atlas_settings(intent)
    if not atlas:
        module.fail_json(msg="the intent has no vantage.atlas section: nothing to measure from RIPE Atlas")
    problems = plan.problems(intent)
    if problems:
        module.fail_json(msg="the intent's vantage points cannot be measured: " + "; ".join(problems))
    targets = plan.targets(intent)
    if not targets:
        module.fail_json(msg="the intent has no web or dns service address to measure")
    points = atlas["points"]
    probes_of = {}
    for name, point in sorted(points.items()):
        found = api.probes(plan.probe_filters(point))
        chosen = plan.choose_probes(point, found, int(atlas.get("probes_per_point") or 1))
        if not chosen:
            module.fail_json(msg="vantage point %s: RIPE Atlas has no connected probe there (%s)"
                             % (name, json.dumps(plan.probe_filters(point), sort_keys=True)))
        probes_of[name] = chosen
    probe_ids = sorted({int(p["id"]) for chosen in probes_of.values() for p in chosen})
    description = atlas.get("description") or "anycast %s verify" % intent.get("network", "")
    defs = plan.definitions(targets, description)
    credits, over = plan.within_budget(defs, len(probe_ids), atlas)
    result = {"changed": False, "credits": credits, "budget": int(atlas["credits_per_run"]), "measurements": [],
              "missing": [], "probes": [], "misrouted": [], "table": ""}
    if over:
        module.fail_json(msg=over, **result)
    if module.check_mode:
        return result
    ids = api.create(defs, probe_ids)
    result["changed"] = True
    result["measurements"] = ids
    deadline = time.monotonic() + int(atlas.get("wait") or 600)
    got, missing = api.wait(ids, len(probe_ids), deadline, interval=module.params["poll_interval"])
    measured = [{"target": t, "results": got.get(m, [])} for t, m in zip(targets, ids)]
    rows = results.rows(points, probes_of, measured, intent, module.params["instances"])
    result.update(probes=rows, missing=missing, table=table(rows),
                  misrouted=[{k: r[k] for k in ("vantage", "family", "service", "pop", "expected_pop", "probe_id")}
                             for r in rows if r["pop"] and r["expected_pop"] and r["pop"] != r["expected_pop"]])
    if module.params["report"]:
        data = {"network": intent.get("network", ""), "source": "atlas",
                "generated": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
                "measurements": ids, "credits": credits, "probes": rows}
        atomic_file.write(module.params["report"], json.dumps(data, indent=2, sort_keys=True) + "\n")
    return result


ARGUMENT_SPEC = dict(
    intent=dict(type="dict", required=True),
    api_key=dict(type="str", no_log=True, fallback=(env_fallback, ["RIPE_ATLAS_KEY"])),
    server=dict(type="str"),
    ca_path=dict(type="path"),
    instances=dict(type="dict", default={}),
    report=dict(type="path"),
    poll_interval=dict(type="float", default=10),
)


def main():
    module = AnsibleModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True)
    if not atlas_client.HAS_COUSTEAU:
        module.fail_json(msg=missing_required_lib("ripe.atlas.cousteau"),
                         exception="".join(traceback.format_exception(atlas_client.COUSTEAU_IMPORT_ERROR)))
    if not results.HAS_SAGAN:
        module.fail_json(msg=missing_required_lib("ripe.atlas.sagan"),
                         exception="".join(traceback.format_exception(results.SAGAN_IMPORT_ERROR)))
    atlas = plan.atlas_settings(module.params["intent"]) or {}
    if not module.params["api_key"]:
        module.fail_json(msg="no RIPE Atlas API key: set RIPE_ATLAS_KEY in the controller's environment (or api_key)")
    ca_path = module.params["ca_path"]
    if ca_path and not os.path.isfile(ca_path):
        module.fail_json(msg="ca_path %s is not a file" % ca_path)
    api = atlas_client.AtlasClient(module.params["api_key"], server=module.params["server"] or atlas.get(
        "server") or "atlas.ripe.net", verify=ca_path or True)
    try:
        module.exit_json(**measure(module, api))
    except (atlas_client.AtlasError, plan.AtlasPlanError) as exc:
        module.fail_json(msg=str(exc))


if __name__ == "__main__":
    main()

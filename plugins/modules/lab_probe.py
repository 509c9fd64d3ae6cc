#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: anycast.network contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: lab_probe
short_description: Probe the anycast addresses from the lab's vantage points
version_added: "1.0.0"
description:
  - From the client of every vantage point of the lab (or those in O(vantage_points)), over IPv4 and IPv6, finds
    which PoP and instance answer the intent's anycast web address (the C(X-Anycast-Instance) response header, else
    an instance name in the body), which instance answers the DNS address (NSID, else CHAOS TXT C(id.server)), the
    round-trip time, and the AS path the vantage point's router chose for the anycast prefix.
  - Also pings every PoP instance's unicast addresses from every vantage point.
  - An anycast address nobody announces is reported with status C(unreachable), not as a failure.
  - Reads the lab's plan from C(<state_dir>/lab.json) (written by M(anycast.network.lab_network)). Changes nothing.
options:
  intent:
    description: The network's intent (C(anycast_intent)); its services give the addresses probed.
    type: dict
    required: true
  state_dir:
    description: The lab's state directory.
    type: path
    required: true
  vantage_points:
    description: Names of the vantage points to probe from; all when empty.
    type: list
    elements: str
    default: []
  count:
    description: HTTP requests per vantage point and family (new connections, so ECMP spreads them).
    type: int
    default: 5
  certificates:
    description:
      - First make sure every instance holds a certificate from the lab's ACME CA for every web service that uses it
        (what M(anycast.network.lab_ca) does, in the same run), bounded by O(certificate_timeout); fail otherwise.
    type: bool
    default: false
  certificate_timeout:
    description: Seconds to wait for the certificates.
    type: int
    default: 180
  session_timeout:
    description:
      - When a BGP session between lab routers is not Established at the first look (a lab brought up with
        O(anycast.network.lab_network#module:routers=answering) may still be converging), seconds to wait until
        every one is, after which the probes run again; fail after that.
    type: int
    default: 60
  report:
    description:
      - Also write the results as JSON to this file (its directory is made), with the vantage points' results, the
        lab routers' and the provider edges' sessions, and the unicast reachability per vantage point.
      - A report is output, not configuration; writing it does not count as a change. Not written in check mode.
    type: path
notes:
  - Runs on the controller as root and uses C(podman exec) in the lab's client and router containers.
attributes:
  check_mode:
    description: Can run in check mode and report what would change without changing it.
    support: full
  diff_mode:
    description: Returns details of what changed (or would change in check mode) when run in diff mode.
    support: none
author:
  - anycast.network developers (@anycast-network)
"""

EXAMPLES = r"""
- name: Probe from every vantage point
  anycast.network.lab_probe:
    intent: "{{ anycast_intent }}"
    state_dir: "{{ anycast_lab_state_dir }}"
  register: probe

- name: Show the vantage table
  ansible.builtin.debug:
    msg: "{{ probe.table.splitlines() }}"
"""

RETURN = r"""
certificates:
  description: With O(certificates), per instance and hostname the certificate's state, and the instances nudged.
  returned: always
  type: dict
  sample: {instances: {lhr-1: {www.anycast.test: valid}}, nudged: []}
probes:
  description: Per vantage point, the results per address family and the unicast reachability of every instance.
  returned: always
  type: list
  elements: dict
  sample:
    - vantage: lhr
      results:
        - city: London
          family: ipv4
          pop: lhr
          instance: lhr-1
          instances_seen: {lhr-1: 3, lhr-2: 2}
          rtt_ms: 0.12
          as_path: "65010 20473 64500"
          status: ok
      unicast: {lhr-1: {ipv4: 0.1, ipv6: 0.1}}
router_sessions:
  description: Every BGP session between lab routers (carriers, provider edges, eyeballs) and its state.
  returned: always
  type: list
  elements: dict
edge_sessions:
  description: The provider edges' sessions with the PoP instances, with the prefixes received.
  returned: always
  type: list
  elements: dict
table:
  description: The vantage table (city, family, PoP, instance answering HTTP, instance answering DNS, ms, AS path) as text.
  returned: always
  type: str
"""


import json
from concurrent.futures import ThreadPoolExecutor

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.anycast.network.plugins.module_utils.common import atomic_file
from ansible_collections.anycast.network.plugins.module_utils.lab import ca
from ansible_collections.anycast.network.plugins.module_utils.lab import podman
from ansible_collections.anycast.network.plugins.module_utils.lab import probe


def write_report(path, probes, sessions, edge_sessions):
    data = {
        "vantage_points": [result for vp in probes for result in vp["results"]],
        "lab_router_sessions": sessions,
        "edge_sessions": edge_sessions,
        "unicast": {vp["vantage"]: vp["unicast"] for vp in probes},
    }
    atomic_file.write(path, json.dumps(data, indent=4, sort_keys=True) + "\n")


ARGUMENT_SPEC = {
    "intent": {"type": "dict", "required": True},
    "state_dir": {"type": "path", "required": True},
    "vantage_points": {"type": "list", "elements": "str", "default": []},
    "count": {"type": "int", "default": 5},
    "report": {"type": "path"},
    "certificates": {"type": "bool", "default": False},
    "certificate_timeout": {"type": "int", "default": 180},
    "session_timeout": {"type": "int", "default": 60},
}
MODULE_KWARGS = {"supports_check_mode": True}


def run(module):
    """The probe; also run in the worker by the action plugin of the same name (plugin_utils/controller_module.py)."""
    try:
        plan = podman.read_plan(module.params["state_dir"])
    except podman.LabError as exc:
        module.fail_json(msg=str(exc))
    unknown = [v for v in module.params["vantage_points"] if v not in plan["vantage_points"]]
    if unknown:
        module.fail_json(msg="unknown vantage points: %s (the lab has: %s)"
                         % (", ".join(unknown), ", ".join(sorted(plan["vantage_points"]))))
    # The certificates, the routers' sessions and the vantage points' probes are read side by side; the probes use
    # plain HTTP, so they do not wait for the certificates. A lab brought up just before may still be converging:
    # when a session between lab routers is not Established, the probes run again once every one is.
    certificates = {}

    def _probe():
        return probe.probe_all(plan, module.params["intent"], count=module.params["count"],
                               vantage_points=module.params["vantage_points"] or None)

    try:
        with ThreadPoolExecutor(max_workers=2) as pool:
            certs = None
            if module.params["certificates"]:
                certs = pool.submit(ca.converge_certificates, podman.exec_, plan, module.params["intent"],
                                    timeout=0 if module.check_mode else module.params["certificate_timeout"],
                                    check_mode=module.check_mode)
            summaries = pool.submit(podman.router_summaries, plan)
            probes = _probe()
            summaries = summaries.result()
            sessions = podman.router_sessions(plan, summaries=summaries)
            if any(s["state"] != "Established" for s in sessions) and not module.check_mode:
                summaries = {}
                podman.wait_ready(plan, timeout=module.params["session_timeout"], summaries=summaries, routers=True,
                                  instances=False)
                sessions = podman.router_sessions(plan, summaries=summaries)
                probes = _probe()
            certs = certs.result() if certs else None
        edge_sessions = podman.instance_sessions(plan, summaries=summaries)
    except podman.LabError as exc:
        module.fail_json(msg=str(exc))
    if certs is not None:
        certificates = {"instances": certs["instances"], "nudged": certs["nudged"]}
        if ca.problem(certs) and not module.check_mode:
            module.fail_json(msg=ca.problem(certs), certificates=certificates)
    if module.params["report"] and not module.check_mode:
        write_report(module.params["report"], probes, sessions, edge_sessions)
    module.exit_json(changed=False, certificates=certificates, probes=probes, table=probe.table(probes),
                     router_sessions=sessions, edge_sessions=edge_sessions)


def main():
    run(AnsibleModule(argument_spec=ARGUMENT_SPEC, **MODULE_KWARGS))


if __name__ == "__main__":
    main()

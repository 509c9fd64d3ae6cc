# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters of the catchment report play (documented in the .yml files beside this one)."""

from __future__ import annotations

import json
from collections.abc import Mapping

BIRD_RC = "@@birdc-rc="
ANNOUNCE_RC = "@@announce-rc="


def anycast_report_read(stdout):
    """What one instance said: `birdc -r show protocols all`, then `@@birdc-rc=N`, then the announce helper's JSON
    status, then `@@announce-rc=N`. A part whose command failed is empty."""
    out = str(stdout or "")
    bird = out.split("\n" + BIRD_RC, 1)[0] if ("\n" + BIRD_RC) in out else ""
    rest = out.split(BIRD_RC, 1)[1] if BIRD_RC in out else "1\n"
    bird_rc, after = (rest.split("\n", 1) + [""])[:2]
    announce = after.split("\n" + ANNOUNCE_RC, 1)[0]
    announce_rc = rest.split(ANNOUNCE_RC, 1)[1] if ANNOUNCE_RC in rest else "1"
    announce = announce.strip()
    status = {}
    if announce_rc.strip() == "0" and announce.startswith("{"):
        try:
            status = json.loads(announce)
        except ValueError:
            status = {}
    return {"bird_protocols": bird if bird_rc.strip() == "0" else "", "announce": status}


def anycast_report_instances(hosts, hostvars):
    """Per instance, what the report draws: from the verify step's result (bird_verify_result) when it read the
    instance, else what the report's own play read (anycast_report_instance)."""
    out = {}
    for host in hosts or []:
        facts = hostvars[host] if host in hostvars else {}
        verify = facts.get("bird_verify_result") if isinstance(facts, Mapping) else None
        state = verify.get("bird_state") if isinstance(verify, Mapping) else None
        if isinstance(state, Mapping):
            out[host] = {
                "pop": facts.get("anycast_pop"),
                "reachable": True,
                "sessions": [{"name": s.get("name"), "state": s.get("bgp_state"), "exported": s.get("routes_exported"),
                              "neighbor": s.get("neighbor_address")} for s in state.get("sessions") or []],
                "announce": verify.get("announce_status") or {},
            }
        else:
            own = facts.get("anycast_report_instance") if isinstance(facts, Mapping) else None
            out[host] = dict(own) if isinstance(own, Mapping) else {}
    return out


class FilterModule:
    def filters(self):
        return {
            "anycast_report_read": anycast_report_read,
            "anycast_report_instances": anycast_report_instances,
        }

"""RPKI in the lab: the provider edges accept an instance's route only when a ROA authorises its origin (lab/rpki.py).
A prefix whose ROA is withdrawn from the VRP set disappears from every vantage point, the other family's prefix
staying served; published again, it comes back at every expected PoP."""

import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "collections"))
from ansible_collections.anycast.network.plugins.module_utils.lab import podman, probe, rpki  # noqa: E402

from test_services_helpers import EXPECTED_POP  # noqa: E402

pytestmark = pytest.mark.lab


def _edges(plan):
    return [n["name"] for n in plan["nodes"].values() if n.get("rpki")]


def _where(plan, intent):
    """(vantage point, family) -> the PoP that answered, or None: one probe round from every vantage point."""
    out = {}
    for vantage in probe.probe_all(plan, intent, count=1, vantage_points=sorted(EXPECTED_POP)):
        for res in vantage["results"]:
            out[(vantage["vantage"], res["family"])] = res.get("pop") if res.get("status") == "ok" else None
    return out


def _wait(plan, intent, want, timeout):
    """Probe until every vantage point is where want(vp, family) says (None: no answer); the last reading."""
    deadline = time.monotonic() + timeout
    while True:
        seen = _where(plan, intent)
        if all(seen[key] == want(*key) for key in seen) or time.monotonic() > deadline:
            return seen
        time.sleep(2)


def test_no_roa_no_catchment_and_the_roa_brings_it_back(converged_lab, lab_intent, lab_state_dir):
    plan = converged_lab
    edges = _edges(plan)
    assert edges and all("rpki cache" in podman.exec_(plan["nodes"][e]["container"], "vtysh", "-c",
                                                      "show running-config").stdout for e in edges)
    roas = rpki.default_roas(lab_intent)
    v4 = [r for r in roas if ":" not in r["prefix"]]
    assert v4 and len(roas) > len(v4)
    nodes_dir = str(Path(lab_state_dir) / "nodes")
    expected = {(vp, fam): EXPECTED_POP[vp] for vp in EXPECTED_POP for fam in ("ipv4", "ipv6")}
    # The lab's own set (what lab up writes), taken by every edge: every vantage point at its PoP.
    assert rpki.publish(podman.exec_, plan, nodes_dir, roas) == {}
    assert _wait(plan, lab_intent, lambda vp, fam: expected[(vp, fam)], 60) == expected
    try:
        # The IPv4 prefix's ROA withdrawn (as when it was never filed): not-found at every edge, so dropped.
        assert rpki.publish(podman.exec_, plan, nodes_dir, [r for r in roas if r not in v4]) == {}
        seen = _wait(plan, lab_intent, lambda vp, fam: None if fam == "ipv4" else EXPECTED_POP[vp], 60)
        assert all(seen[(vp, "ipv4")] is None for vp in EXPECTED_POP), seen
        assert all(seen[(vp, "ipv6")] == EXPECTED_POP[vp] for vp in EXPECTED_POP), seen
        state = podman.exec_(plan["nodes"][edges[0]]["container"], "vtysh", "-c",
                             "show bgp ipv4 unicast %s" % v4[0]["prefix"]).stdout
        assert "rpki validation-state: valid" not in state, state
    finally:
        assert rpki.publish(podman.exec_, plan, nodes_dir, roas) == {}
    # The ROA published again: every vantage point back at its PoP.
    assert _wait(plan, lab_intent, lambda vp, fam: expected[(vp, fam)], 90) == expected

"""anycast.network.lab_probe: a lab still converging is probed again once every session between its routers is up."""

from ansible_collections.anycast.network.plugins.module_utils.lab import podman, probe
from ansible_collections.anycast.network.plugins.modules import lab_probe
from module_runner import run_module

PLAN = {"vantage_points": {"lhr": {}}, "services": {}, "nodes": {
    "edge-lhr": {"name": "edge-lhr", "container": "anycast-lab-edge-lhr", "kind": "edge",
                 "neighbors": [{"role": "carrier", "address": "198.18.2.1", "description": "atlas-lhr",
                                "family": 4}]}}}


def _summary(state):
    return {"ipv4Unicast": {"peers": {"198.18.2.1": {"state": state}}}}


def _run(monkeypatch, states):
    """Runs the module with the routers answering `states` in turn; returns (result, probe runs, waits)."""
    answers, probes, waits = iter(states), [], []
    monkeypatch.setattr(podman, "read_plan", lambda state_dir: PLAN)
    monkeypatch.setattr(podman, "bgp_summary", lambda container: _summary(next(answers)))
    monkeypatch.setattr(podman.time, "sleep", lambda seconds: waits.append(seconds))
    monkeypatch.setattr(podman, "instance_sessions", lambda plan, summaries=None: [])
    monkeypatch.setattr(probe, "probe_all", lambda plan, intent, count, vantage_points: probes.append(1) or {})
    monkeypatch.setattr(probe, "table", lambda probes: [])
    result = run_module(lab_probe, {"intent": {}, "state_dir": "/nonexistent"})
    return result, len(probes), len(waits)


def test_a_converged_lab_is_probed_once(monkeypatch):
    result, probes, waits = _run(monkeypatch, ["Established"])
    assert not result.get("failed") and probes == 1 and waits == 0
    assert [s["state"] for s in result["router_sessions"]] == ["Established"]


def test_a_converging_lab_is_probed_again_once_its_sessions_are_up(monkeypatch):
    result, probes, waits = _run(monkeypatch, ["Active", "Connect", "Established"])
    assert not result.get("failed") and probes == 2 and waits == 1
    assert [s["state"] for s in result["router_sessions"]] == ["Established"]

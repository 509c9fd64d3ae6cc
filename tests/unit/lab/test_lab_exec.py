"""Commands in lab containers: the containers' PIDs for nsenter come from one podman call, not one per container."""

import json
import os
import subprocess

import pytest

from ansible_collections.anycast.network.plugins.module_utils.lab import podman


@pytest.fixture
def fake_podman(monkeypatch):
    calls = []
    running = {"anycast-lab-edge-ams": os.getpid(), "anycast-lab-ams-1": os.getppid()}

    def fake(*args, check=True, timeout=120, input_text=None):
        calls.append(args)
        if args[0] == "ps":
            out = json.dumps([{"Names": [name], "Pid": pid} for name, pid in running.items()])
        elif args[0] == "inspect":
            out = "%d\n" % running.get(args[-1], 0)
        else:
            raise AssertionError(args)
        return subprocess.CompletedProcess(["podman"] + list(args), 0, out, "")

    monkeypatch.setattr(podman, "podman", fake)
    monkeypatch.setattr(podman, "_PIDS", {})
    monkeypatch.setattr(podman, "_PIDS_PRIMED", [])
    monkeypatch.setattr(podman.os, "geteuid", lambda: 0)
    real_exists = os.path.exists
    monkeypatch.setattr(podman.os.path, "exists", lambda p: True if p == "/usr/bin/nsenter" else real_exists(p))
    return calls, running


def test_one_podman_call_gives_every_running_container_its_pid(fake_podman):
    calls, running = fake_podman
    assert podman._container_pid("anycast-lab-edge-ams") == running["anycast-lab-edge-ams"]
    assert podman._container_pid("anycast-lab-ams-1") == running["anycast-lab-ams-1"]
    assert podman._container_pid("anycast-lab-edge-ams") == running["anycast-lab-edge-ams"]
    assert [c[0] for c in calls] == ["ps"]
    assert "label=%s" % podman.LABEL in calls[0]


def test_a_container_started_later_is_looked_up_on_its_own(fake_podman):
    calls, running = fake_podman
    podman._container_pid("anycast-lab-edge-ams")
    running["anycast-lab-lhr-1"] = os.getpid()
    assert podman._container_pid("anycast-lab-lhr-1") == os.getpid()
    assert [c[0] for c in calls] == ["ps", "inspect"]
    # Not running at all: no PID (podman exec is used, and fails with podman's own message).
    assert podman._container_pid("anycast-lab-gone") is None


def test_a_restarted_container_is_looked_up_again(fake_podman):
    calls, _running = fake_podman
    podman._container_pid("anycast-lab-edge-ams")
    pid, _start = podman._PIDS["anycast-lab-edge-ams"]
    podman._PIDS["anycast-lab-edge-ams"] = (pid, "another start time")
    assert podman._container_pid("anycast-lab-edge-ams") == pid
    assert [c[0] for c in calls] == ["ps", "inspect"]


def _plan():
    return {"nodes": {
        "ams-1": {"name": "ams-1", "container": "anycast-lab-ams-1", "kind": "instance",
                  "interfaces": [{"ifname": "mgmt0", "ip4": "198.18.250.10"}]},
        "edge-ams": {"name": "edge-ams", "container": "anycast-lab-edge-ams", "kind": "edge",
                     "neighbors": [{"role": "carrier", "address": "198.18.1.1", "description": "atlas-ams",
                                    "family": 4}]},
    }}


@pytest.fixture
def lab_reads(monkeypatch):
    reads = []
    monkeypatch.setattr(podman, "_tcp_open", lambda addr, port, timeout=0.5: True)
    monkeypatch.setattr(podman, "exec_", lambda c, *cmd, **kw: subprocess.CompletedProcess(cmd, 0, "running\n", ""))

    def summary(container):
        reads.append(container)
        return {"ipv4Unicast": {"peers": {"198.18.1.1": {"state": "Established"}}}}
    monkeypatch.setattr(podman, "bgp_summary", summary)
    return reads


def test_ready_waits_for_the_routers_too(lab_reads):
    summaries = {}
    assert podman.wait_ready(_plan(), timeout=5, summaries=summaries)
    assert lab_reads == ["anycast-lab-edge-ams"] and list(summaries) == ["anycast-lab-edge-ams"]


def test_ready_without_the_routers_reads_only_the_instances(lab_reads):
    assert podman.wait_ready(_plan(), timeout=5, routers=False)
    assert lab_reads == []


def test_answering_routers_need_frr_only_not_their_sessions(monkeypatch, lab_reads):
    """routers="answering" (site.yml's lab step) returns once FRR answers, with its sessions still coming up; the
    probe's wait (routers true, no instances) holds out for every session."""
    answers = iter([None, {"ipv4Unicast": {"peers": {"198.18.1.1": {"state": "Active"}}}}])
    monkeypatch.setattr(podman, "bgp_summary", lambda c: lab_reads.append(c) or next(answers))
    monkeypatch.setattr(podman.time, "sleep", lambda s: None)
    waited = {}
    assert podman.wait_ready(_plan(), timeout=5, routers="answering", waited=waited)
    assert len(lab_reads) == 2 and set(waited) == {"instances", "routers"}
    monkeypatch.setattr(podman, "bgp_summary", lambda c: {"ipv4Unicast": {"peers": {"198.18.1.1": {"state": "Active"}}}})
    with pytest.raises(podman.LabError, match="edge-ams: no session with atlas-ams/IPv4"):
        podman.wait_ready(_plan(), timeout=0, routers=True, instances=False)


def test_tear_down_removes_the_lab_networks_of_podmans_cni_backend_too(monkeypatch):
    """A machine where podman used CNI before the project named netavark keeps CNI lab networks netavark never
    lists: the tear-down finds them by the lab label with the CNI backend and removes them with it."""
    calls = []

    def fake_run(argv, **kwargs):
        calls.append(argv)
        out = ""
        if argv[:5] == ["podman", "--network-backend", "cni", "network", "ls"]:
            assert "label=%s" % podman.LABEL in argv
            out = "anycast-lab-old-1\nanycast-lab-old-2\n"
        elif "ps" in argv or "ls" in argv:
            out = "[]"
        return subprocess.CompletedProcess(argv, 0, out, "")

    monkeypatch.setattr(podman.subprocess, "run", fake_run)
    checked = podman.down(check_mode=True)
    assert checked["changed"] and checked["networks_removed"] == ["anycast-lab-old-1 (cni)", "anycast-lab-old-2 (cni)"]
    assert not [c for c in calls if "rm" in c]
    podman.down()
    assert calls[-1] == ["podman", "--network-backend", "cni", "network", "rm", "-f", "anycast-lab-old-1",
                         "anycast-lab-old-2"]
    assert not [c for c in calls if "rm" in c and "netavark" in c]


def test_tear_down_without_a_cni_backend(monkeypatch):
    def fake_run(argv, **kwargs):
        if "cni" in argv:
            return subprocess.CompletedProcess(argv, 125, "", "Error: cni plugins not found")
        return subprocess.CompletedProcess(argv, 0, "[]", "")

    monkeypatch.setattr(podman.subprocess, "run", fake_run)
    assert podman.down() == {"changed": False, "containers_removed": [], "networks_removed": [], "images_removed": []}

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

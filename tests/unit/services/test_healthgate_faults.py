"""The health gate under faults of its own: a full or read-only state directory, a restart over a stored "up", gates
reset behind its back (BIRD started again), an internal error, and the watchdog's pings (docs/healthgate.md,
"Faults"). Against the fake anycast-announce; tests/unit/bird/test_faults_live.py runs the same paths with BIRD."""

import json
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from test_healthgate import DAEMON, calls, free_port, gate_calls, hg, wait_for, web, web_gate  # noqa: F401

FAILING = Path(__file__).with_name("failing_writes.py")
PREFIX = "127.0.0.0/24"

pytestmark = pytest.mark.integration


def start(config, env, fail=None, notify=None):
    """The daemon; `fail` = (errno name, directory): every write there fails."""
    argv = [sys.executable, str(DAEMON), "--config", str(config)]
    if fail:
        argv = [sys.executable, str(FAILING), fail[0], str(fail[1])] + argv[1:]
    if notify:
        env = dict(env, NOTIFY_SOCKET=str(notify), WATCHDOG_USEC="2000000")
    return subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def stop(proc):
    if proc.poll() is None:
        proc.kill()
    out, _unused = proc.communicate(timeout=10)
    return out


def metric(port, name):
    """A sample of the gate's metrics (None while the endpoint does not answer yet)."""
    try:
        body = urllib.request.urlopen("http://127.0.0.1:%d/metrics" % port, timeout=2).read().decode()
    except OSError:
        return None
    for line in body.splitlines():
        if line.startswith("anycast_healthgate_%s " % name):
            return float(line.split()[1])
    return None


@pytest.mark.parametrize("code", ["ENOSPC", "EROFS"])
def test_a_state_dir_that_takes_no_write_does_not_stop_the_gate(tmp_path, web, code):
    """The gate's state directory is full (or read-only) from the start: the gate runs from memory, announces,
    withdraws within fall when the service fails, and reports the failed writes; it never exits."""
    server, handler = web
    state_dir = tmp_path / "state"
    state_dir.mkdir()
    port = free_port()
    config, env = web_gate(tmp_path, server, state_file=str(state_dir / "healthgate.json"),
                           metrics_listen="127.0.0.1:%d" % port)
    proc = start(config, env, fail=(code, state_dir))
    try:
        assert wait_for(lambda: gate_calls(tmp_path / "announce.log", PREFIX, "up"), 15), stop(proc)
        handler.healthy = False
        t_fail = time.monotonic()
        assert wait_for(lambda: gate_calls(tmp_path / "announce.log", PREFIX, "down"), 15), stop(proc)
        # Within fall (2 rounds of 0.1 s); the bound is loose for a loaded machine, the point is that it happens.
        assert time.monotonic() - t_fail <= 2.0
        # Every save failed and is retried, counted, and the process is still there.
        assert wait_for(lambda: (metric(port, "state_write_failures_total") or 0) >= 2, 15)
        assert proc.poll() is None
        assert not list(state_dir.iterdir())
    finally:
        out = stop(proc)
    assert "not written" in out and os_error_name(code) in out, out
    assert out.count("not written") == 1  # logged once, not every round


def os_error_name(code):
    return {"ENOSPC": "No space left on device", "EROFS": "Read-only file system"}[code]


def test_a_restart_over_a_stored_up_state_waits_for_rise(tmp_path, web):
    """A crash or hard stop left the announcement "up" (and the gate's state file): the new process withdraws it in
    its first round and announces again only after `rise` good rounds."""
    server, _handler = web
    log = tmp_path / "announce.log"
    (tmp_path / "announce.json").write_text(json.dumps({"mode": "normal", "gates": {PREFIX: "up"}}))
    (tmp_path / "healthgate.json").write_text(json.dumps({"mode": "running", "withdrawn_by_healthgate": False,
                                                          "prefixes": {PREFIX: {"healthy": True}}}))
    proc = start(*web_gate(tmp_path, server, rise=8, initial_rise=1))
    try:
        assert wait_for(lambda: gate_calls(log, PREFIX, "up"), 15), stop(proc)
        down, up = gate_calls(log, PREFIX, "down"), gate_calls(log, PREFIX, "up")
        assert down and down[0]["t"] < up[0]["t"]
        assert up[0]["t"] - down[0]["t"] >= 7 * 0.1 - 0.05
    finally:
        stop(proc)


def _gate_state(path):
    try:
        return json.loads(path.read_text()).get("gates", {}).get(PREFIX)
    except (OSError, ValueError):
        return None


def test_gates_reset_behind_the_gate_need_rise_again(tmp_path, web):
    """BIRD started again renders every gate at the initial gate (down): the gate notices within reconcile_interval
    and announces again only after `rise` good rounds, not at once."""
    server, _handler = web
    log = tmp_path / "announce.log"
    state = tmp_path / "announce.json"
    proc = start(*web_gate(tmp_path, server, rise=8, initial_rise=1, reconcile_interval=0.3))
    try:
        assert wait_for(lambda: gate_calls(log, PREFIX, "up"), 15), stop(proc)
        # The announce stand-in logs the call, then writes its state: reset only what it has written.
        assert wait_for(lambda: _gate_state(state) == "up", 15), stop(proc)
        reset_at = time.time()
        tmp = tmp_path / "announce.json.new"
        tmp.write_text(json.dumps({"mode": "normal", "gates": {PREFIX: "down"}}))
        tmp.replace(state)
        assert wait_for(lambda: len(gate_calls(log, PREFIX, "up")) == 2, 15), stop(proc)
        assert gate_calls(log, PREFIX, "up")[1]["t"] - reset_at >= 7 * 0.1 - 0.05
    finally:
        out = stop(proc)
    assert "reset outside the gate" in out


def test_an_internal_error_holds_the_announcement_for_a_bounded_time(tmp_path, web, monkeypatch):
    """A bug in a round (not a failing check) keeps the last announcement, raises the alert metrics, and after
    error_hold seconds of failing rounds the gate gives up (the unit's ExecStopPost then withdraws)."""
    server, _handler = web
    config, env = web_gate(tmp_path, server, error_hold=0.5)
    for key in ("FAKE_ANNOUNCE_STATE", "FAKE_ANNOUNCE_LOG"):
        monkeypatch.setenv(key, env[key])
    gate = hg.Gate(json.loads(config.read_text()))
    try:
        assert gate.guarded_round() is not None
        assert gate_calls(tmp_path / "announce.log", PREFIX, "up")
        before = len(calls(tmp_path / "announce.log"))

        def broken():
            raise KeyError("a bug")
        monkeypatch.setattr(gate, "run_round", broken)
        t0 = time.monotonic()
        assert gate.guarded_round() is True
        assert "anycast_healthgate_degraded 1.0" in gate.metrics().decode()
        assert "anycast_healthgate_internal_errors_total 1.0" in gate.metrics().decode()
        assert len(calls(tmp_path / "announce.log")) == before  # nothing withdrawn while held
        with pytest.raises(SystemExit):
            while time.monotonic() - t0 < 3:
                gate.guarded_round()
                time.sleep(0.05)
        assert time.monotonic() - t0 >= 0.5
        # Working rounds clear the degraded flag.
        monkeypatch.undo()
        for key in ("FAKE_ANNOUNCE_STATE", "FAKE_ANNOUNCE_LOG"):
            monkeypatch.setenv(key, env[key])
        gate.failing_since = time.monotonic()
        gate.guarded_round()
        assert "anycast_healthgate_degraded 0.0" in gate.metrics().decode()
    finally:
        gate.pool.shutdown(wait=False)


def test_every_round_pings_the_watchdog_and_a_hung_gate_stops(tmp_path, web):
    """Under a watchdog (WATCHDOG_USEC) every round sends WATCHDOG=1; a gate stopped in its tracks (SIGSTOP, as a
    hang) sends nothing, which is what makes systemd kill it once WatchdogSec has passed."""
    server, _handler = web
    notify = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    notify.bind(str(tmp_path / "notify"))
    notify.settimeout(0.5)
    proc = start(*web_gate(tmp_path, server), notify=tmp_path / "notify")
    try:
        pings = []
        deadline = time.monotonic() + 5
        while len(pings) < 5 and time.monotonic() < deadline:
            try:
                message = notify.recv(256)
            except socket.timeout:
                continue
            if message == b"WATCHDOG=1":
                pings.append(time.monotonic())
        assert len(pings) == 5
        assert max(b - a for a, b in zip(pings, pings[1:])) < 1.0  # one a round (interval 0.1 s), with slack
        proc.send_signal(signal.SIGSTOP)
        time.sleep(0.2)
        while True:  # what was sent before the stop
            try:
                notify.recv(256)
            except socket.timeout:
                break
        with pytest.raises(socket.timeout):
            notify.settimeout(1.5)
            notify.recv(256)
    finally:
        proc.send_signal(signal.SIGCONT)
        notify.close()
        stop(proc)

"""Fail closed, against a real BIRD on loopback and a BIRD peer playing the provider edge (docs/healthgate.md,
"Faults"): anycast-announce with a full disk, the gate SIGKILLed or hung (its unit's ExecStopPost withdraws, its
restart waits for rise), and BIRD killed and started again (its drop-in renders every gate at the initial gate)."""

import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import http.server
from pathlib import Path

import pytest

from bird_support import ANNOUNCE, ROOT, Bird, load_intent, needs_bird, render, wait_for
from test_live import free_port, peer_config, received

pytestmark = [needs_bird, pytest.mark.integration]

PASSWORD = "loopback-secret"
PREFIX = "203.0.113.0/24"
GATE = ROOT / "roles/healthgate/files/anycast-healthgate"
FAILING = ROOT / "tests/unit/services/failing_writes.py"


def unit_command(template, directive, announce_cmd, manifest=None):
    """The command line of `directive` in one of the roles' unit templates, as systemd would run it (the '+' prefix,
    full privileges, dropped: the test runs as whoever it runs as)."""
    line = next(x for x in template.read_text().splitlines() if x.startswith(directive + "="))
    text = line.split("=", 1)[1].lstrip("+")
    text = text.replace("{{ healthgate_announce_cmd }}", str(announce_cmd))
    text = text.replace("{{ bird_announce_command }} --manifest {{ bird_manifest_file }}", str(announce_cmd))
    assert "{{" not in text, text
    return text.split()


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("bird-faults")
    intent = load_intent("lab")
    intent["pops"]["lhr"]["upstreams"] = [
        {"profile": "generic", "neighbor": "127.0.0.2", "asn": 64515, "multihop": 2, "password": PASSWORD}]
    d = tmp / "inst"
    paths = render(tmp, {"inst": {
        "anycast_intent": intent, "anycast_pop": "lhr", "anycast_address": "127.0.0.1", "anycast_address6": "",
        "bird_hold_time": 9, "bird_keepalive_time": 3, "bird_connect_retry_time": 1, "bird_error_wait_time": [1, 2],
        "bird_initial_gate": "down",
        # The layout of an instance: the mode on disk, the gates and BIRD's include in memory (/run).
        "bird_state_file": str(d / "var" / "announce.json"), "bird_include_file": str(d / "run" / "announce.conf")}})["inst"]
    ports = {"inst": free_port(), "a": free_port()}
    text = paths["config"].read_text()
    text = text.replace("local 127.0.0.1 as", "local 127.0.0.1 port %d as" % ports["inst"])
    text = text.replace("neighbor 127.0.0.2 as", "neighbor 127.0.0.2 port %d as" % ports["a"])
    text = re.sub(r"protocol kernel .*?\n\}\n", "", text, flags=re.S)
    paths["config"].write_text(text)
    (d / "peer_a.conf").write_text(peer_config("a", "127.0.0.2", ports["a"], 64515, ports["inst"], PASSWORD))
    # anycast-announce as installed: one command the gate and the units call.
    cmd = d / "anycast-announce"
    cmd.write_text("#!/bin/sh\nexec %s %s --manifest %s \"$@\"\n" % (sys.executable, ANNOUNCE, paths["manifest"]))
    cmd.chmod(0o755)
    inst = Bird(paths["config"], paths["birdc"][2], d / "inst.pid")
    edge = Bird(d / "peer_a.conf", d / "a.ctl", d / "a.pid")
    try:
        inst.start()
        edge.start()
        yield {"dir": d, "inst": inst, "edge": edge, "cmd": cmd, "manifest": paths["manifest"],
               "runtime": d / "run" / "announce-runtime.json"}
    finally:
        inst.stop()
        edge.stop()


def announce(lab, *args, fail=None):
    """anycast-announce; `fail` = (errno name, [directories]) where every write fails."""
    argv = [sys.executable, str(ANNOUNCE), "--manifest", str(lab["manifest"])] + list(args)
    if fail:
        argv = [sys.executable, str(FAILING), fail[0], ":".join(str(x) for x in fail[1])] + argv[1:]
    proc = subprocess.run(argv, capture_output=True, text=True, timeout=60, check=False)
    return proc.returncode, json.loads(proc.stdout), proc.stderr


def edge_has(lab):
    return PREFIX in received(lab["edge"])


def runtime_gate(lab):
    try:
        return json.loads(lab["runtime"].read_text())["gates"][PREFIX]
    except (OSError, ValueError, KeyError):
        return None


def announced(lab):
    """Every test starts from the prefix announced, whatever ran before it (the order is random)."""
    announce(lab, "undrain")
    rc, out, _err = announce(lab, "gate", PREFIX, "up")
    assert rc == 0, out
    assert wait_for(lambda: edge_has(lab), 40), received(lab["edge"])


def test_bird_starts_withdrawn_and_the_edge_sees_the_gate(lab, tmp_path):
    """The include rendered as BIRD starts (the drop-in's command) holds every gate at the initial gate: down."""
    boot = unit_command(ROOT / "roles/bird/templates/bird-anycast.conf.j2", "ExecCondition", lab["cmd"])
    announced(lab)
    lab["inst"].stop()
    assert wait_for(lambda: lab["inst"].birdc("show", "status").returncode != 0, 30)
    Path(lab["inst"].pidfile).unlink(missing_ok=True)
    assert subprocess.run(boot, capture_output=True, timeout=60, check=False).returncode == 0
    assert announce(lab, "status")[1]["gates"][PREFIX] == "down"  # bird_initial_gate: down
    lab["inst"].start()
    assert established_soon(lab)
    assert not edge_has(lab)
    announced(lab)


def established_soon(lab):
    return wait_for(lambda: "Established" in lab["inst"].birdc("show", "protocols", "up0_v4").stdout, 40)


@pytest.mark.parametrize("code", ["ENOSPC", "EROFS"])
def test_a_full_disk_never_stops_a_withdrawal(lab, code):
    """The persistent state's disk takes no write: a withdraw still reaches the edge (the mode lives in memory
    first, its save is a warning). Nothing takes a write, /run included: the gate's withdrawal still reaches it,
    by disabling the static protocol (nothing written); a later call that can write puts everything back."""
    d = lab["dir"]
    announced(lab)
    rc, out, err = announce(lab, "withdraw", fail=(code, [d / "var"]))
    assert rc == 0 and out["persisted"] is False and "mode not saved" in err, (out, err)
    assert wait_for(lambda: not edge_has(lab), 20)
    rc, out, err = announce(lab, "undrain", fail=(code, [d / "var"]))
    assert rc == 0, (out, err)
    assert wait_for(lambda: edge_has(lab), 20)
    rc, out, err = announce(lab, "gate", PREFIX, "down", fail=(code, [d / "var", d / "run"]))
    assert rc == 4 and "birdc disable anycast_v4" in out["msg"], (out, err)
    assert wait_for(lambda: not edge_has(lab), 20)
    assert runtime_gate(lab) == "up"  # nothing was written
    # The disk works again: the gate's next call writes, and BIRD runs the include again.
    rc, out, _err = announce(lab, "gate", PREFIX, "up")
    assert rc == 0 and "Reconfigured" in out.get("bird", ""), out
    assert wait_for(lambda: edge_has(lab), 30)


def web_server():
    class Ok(http.server.BaseHTTPRequestHandler):
        def log_message(self, *_a):
            pass

        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Ok)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@pytest.fixture
def gate(lab, tmp_path):
    """A health gate with one HTTP check gating PREFIX, calling the real anycast-announce; returns a starter."""
    server = web_server()
    cfg = {"interval": 0.2, "timeout": 0.15, "fall": 2, "rise": 8, "initial_rise": 1, "drain_wait": 0,
           "announce_cmd": str(lab["cmd"]), "state_file": str(tmp_path / "healthgate.json"), "metrics_listen": "",
           "reconcile_interval": 0.5, "prefixes": [PREFIX],
           "checks": [{"name": "web", "type": "http", "address": "127.0.0.1", "port": server.server_address[1],
                       "prefixes": [PREFIX]}]}
    config = tmp_path / "hg.json"
    config.write_text(json.dumps(cfg))
    procs = []

    def start(env=None):
        proc = subprocess.Popen([sys.executable, str(GATE), "--config", str(config)], env=dict(os.environ, **(env or {})),
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        procs.append(proc)
        return proc
    yield start
    for proc in procs:
        if proc.poll() is None:
            proc.send_signal(signal.SIGCONT)
            proc.kill()
        proc.communicate(timeout=10)
    server.shutdown()
    server.server_close()


def first_up_after(lab, t0, timeout=40):
    """Seconds from t0 until the runtime state shows PREFIX up (None if it does not within timeout)."""
    if wait_for(lambda: runtime_gate(lab) == "up", timeout, 0.02):
        return time.monotonic() - t0
    return None


def test_a_killed_gate_withdraws_and_its_restart_waits_for_rise(lab, gate):
    stop_post = unit_command(ROOT / "roles/healthgate/templates/anycast-healthgate.service.j2", "ExecStopPost",
                             lab["cmd"])
    announce(lab, "gate", PREFIX, "down")
    proc = gate()
    assert first_up_after(lab, time.monotonic()) is not None
    assert wait_for(lambda: edge_has(lab), 30)
    proc.kill()  # SIGKILL: no drain, no last word
    proc.communicate(timeout=10)
    assert subprocess.run(stop_post, capture_output=True, timeout=60, check=False).returncode == 0
    assert runtime_gate(lab) == "down"
    assert wait_for(lambda: not edge_has(lab), 20)
    # Restarted (Restart=always): the state file says it ran before, so rise (8 rounds of 0.2 s) applies.
    t0 = time.monotonic()
    proc = gate()
    took = first_up_after(lab, t0)
    assert took is not None and took >= 7 * 0.2, took
    assert wait_for(lambda: edge_has(lab), 30)


def test_a_hung_gate_is_killed_by_the_watchdog_and_withdrawn(lab, gate, tmp_path):
    """systemd's watchdog, emulated as systemd.service(5) documents it: no WATCHDOG=1 within WatchdogSec, the
    service is killed (SIGABRT; SIGKILL here, as a stopped process does not act on SIGABRT) and ExecStopPost runs."""
    stop_post = unit_command(ROOT / "roles/healthgate/templates/anycast-healthgate.service.j2", "ExecStopPost",
                             lab["cmd"])
    watchdog = 1.0
    notify = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    notify.bind(str(tmp_path / "notify"))
    notify.settimeout(0.1)
    announce(lab, "gate", PREFIX, "down")
    proc = gate({"NOTIFY_SOCKET": str(tmp_path / "notify"), "WATCHDOG_USEC": str(int(watchdog * 1e6))})
    try:
        assert first_up_after(lab, time.monotonic()) is not None
        assert wait_for(lambda: edge_has(lab), 30)
        proc.send_signal(signal.SIGSTOP)  # hung: alive, answering nothing
        last = time.monotonic()
        while time.monotonic() - last < watchdog:
            try:
                if notify.recv(256) == b"WATCHDOG=1":
                    last = time.monotonic()
            except socket.timeout:
                pass
        proc.kill()
        proc.communicate(timeout=10)
        assert subprocess.run(stop_post, capture_output=True, timeout=60, check=False).returncode == 0
        assert wait_for(lambda: not edge_has(lab), 20)
    finally:
        notify.close()


def test_bird_killed_and_started_again_comes_back_withdrawn_until_rise(lab, gate):
    """BIRD dies (kill -9) while the gate announces; systemd starts it again, its drop-in's ExecCondition first:
    every gate is back at the initial gate (down), and the gate, finding its gate reset, announces after rise."""
    boot = unit_command(ROOT / "roles/bird/templates/bird-anycast.conf.j2", "ExecCondition", lab["cmd"])
    announce(lab, "gate", PREFIX, "down")
    proc = gate()
    assert first_up_after(lab, time.monotonic()) is not None
    assert wait_for(lambda: edge_has(lab), 30)
    os.kill(lab["inst"].pid, signal.SIGKILL)
    # A killed BIRD leaves its pid file: the next start must not take the dead pid for the new process.
    Path(lab["inst"].pidfile).unlink()
    assert subprocess.run(boot, capture_output=True, timeout=60, check=False).returncode == 0
    t0 = time.monotonic()
    assert runtime_gate(lab) == "down"
    lab["inst"].start()
    took = first_up_after(lab, t0)
    assert took is not None and took >= 7 * 0.2, took
    assert wait_for(lambda: edge_has(lab), 40)
    proc.send_signal(signal.SIGTERM)
    out, _unused = proc.communicate(timeout=20)
    assert "reset outside the gate" in out, out

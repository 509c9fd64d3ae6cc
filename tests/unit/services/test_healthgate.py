"""The health gate daemon: state machine, DNS wire format, and the real daemon against loopback services."""

import http.server
import importlib.machinery
import importlib.util
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
DAEMON = ROOT / "roles/healthgate/files/anycast-healthgate"
FAKE = Path(__file__).with_name("fake_announce.py")


def load_daemon():
    loader = importlib.machinery.SourceFileLoader("anycast_healthgate", str(DAEMON))
    spec = importlib.util.spec_from_loader("anycast_healthgate", loader)
    mod = importlib.util.module_from_spec(spec)
    loader.exec_module(mod)
    return mod


hg = load_daemon()


def free_port(kind=socket.SOCK_STREAM):
    with socket.socket(socket.AF_INET, kind) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --- pure logic ------------------------------------------------------------------------------


def test_fall_and_rise_thresholds():
    c = hg.Check({"name": "x", "type": "http", "address": "192.0.2.1"}, ["192.0.2.0/24"], up=True)
    assert c.prefixes == ["192.0.2.0/24"]
    assert not c.record(False, "", 0.0, fall=2, rise=3)
    assert c.up
    assert c.record(False, "", 0.0, fall=2, rise=3)
    assert not c.up
    # one success between failures resets the count
    for _unused in range(2):
        assert not c.record(True, "", 0.0, fall=2, rise=3)
    assert not c.record(False, "", 0.0, fall=2, rise=3)
    for _unused in range(2):
        assert not c.record(True, "", 0.0, fall=2, rise=3)
    assert c.record(True, "", 0.0, fall=2, rise=3)
    assert c.up and c.transitions == 2


def test_covering_prefix_prefers_the_most_specific():
    prefixes = ["203.0.113.0/24", "203.0.113.128/25", "2001:db8:ac00::/48"]
    assert hg.covering_prefix("203.0.113.10", prefixes) == "203.0.113.0/24"
    assert hg.covering_prefix("203.0.113.200", prefixes) == "203.0.113.128/25"
    assert hg.covering_prefix("2001:db8:ac00::53", prefixes) == "2001:db8:ac00::/48"
    assert hg.covering_prefix("198.51.100.1", prefixes) is None


def test_bird_check_gates_every_prefix():
    c = hg.Check({"name": "bird", "type": "bird"}, ["203.0.113.0/24", "2001:db8:ac00::/48"], up=False)
    assert c.prefixes == ["203.0.113.0/24", "2001:db8:ac00::/48"]


def test_config_validation_reports_every_problem():
    problems = hg.validate_config({
        "prefixes": ["203.0.113.0/24"], "fall": 0, "timeout": 2, "interval": 1,
        "checks": [{"name": "a", "type": "http", "address": "198.51.100.1"},
                   {"name": "a", "type": "dns_soa", "address": "203.0.113.53"},
                   {"name": "c", "type": "ping"}],
    })
    text = "\n".join(problems)
    assert "fall must be an integer" in text
    assert "timeout must not exceed interval" in text
    assert "no prefix covers 198.51.100.1" in text
    assert "checks[1]: a unique name" in text
    assert "checks[1]: zone is required" in text
    assert "checks[2]: type must be one of" in text
    hooks = "\n".join(hg.validate_config({"on_announce": [["systemctl", "reload", "caddy"], []],
                                          "on_announce_delay": -1}))
    assert "on_announce must be a list of commands" in hooks and "on_announce_delay must be a number" in hooks
    assert hg.validate_config({"on_announce": [["systemctl", "reload", "caddy"]], "on_announce_delay": 0}) == []


def test_dns_query_and_soa_parsing():
    q = hg.build_query("anycast.test", 0x1234)
    assert q[:2] == b"\x12\x34" and q.endswith(b"\x07anycast\x04test\x00\x00\x06\x00\x01")
    # A hand-made authoritative answer: header, question, SOA answer with compressed names.
    header = bytes.fromhex("1234 8400 0001 0001 0000 0000".replace(" ", ""))
    question = q[12:]
    rdata = b"\x03ns1\xc0\x0c" + b"\x0ahostmaster\xc0\x0c" + (2024010101).to_bytes(4, "big") + bytes(16)
    answer = b"\xc0\x0c" + bytes.fromhex("0006 0001 0000012c".replace(" ", "")) + len(rdata).to_bytes(2, "big") + rdata
    assert hg.parse_soa_answer(header + question + answer, 0x1234) == (True, "SOA serial 2024010101")
    refused = bytes.fromhex("1234 8005 0001 0000 0000 0000".replace(" ", "")) + question
    assert hg.parse_soa_answer(refused, 0x1234) == (False, "rcode 5")
    not_aa = bytes.fromhex("1234 8000 0001 0000 0000 0000".replace(" ", "")) + question
    assert hg.parse_soa_answer(not_aa, 0x1234) == (False, "not authoritative")


def test_gate_status_shapes():
    assert hg.gate_is_up({"gates": {"203.0.113.0/24": "up"}}, "203.0.113.0/24")
    assert hg.gate_is_up({"gates": {"203.0.113.0/24": {"state": "up"}}}, "203.0.113.0/24")
    assert hg.gate_is_up({"gates": [{"prefix": "203.0.113.0/24", "up": True}]}, "203.0.113.0/24")
    assert not hg.gate_is_up({"gates": {"203.0.113.0/24": "down"}}, "203.0.113.0/24")
    assert not hg.gate_is_up({}, "203.0.113.0/24")


# --- the daemon, for real, against loopback services --------------------------------------------


class Toggle(http.server.BaseHTTPRequestHandler):
    healthy = True

    def log_message(self, *_a):
        pass

    def do_GET(self):
        status = 200 if type(self).healthy else 503
        self.send_response(status)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")


@pytest.fixture
def web():
    handler = type("Handler", (Toggle,), {"healthy": True})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server, handler
    server.shutdown()
    server.server_close()


@pytest.fixture
def nsd(tmp_path):
    if not Path("/usr/sbin/nsd").exists():
        pytest.skip("nsd is not installed")
    port = free_port(socket.SOCK_DGRAM)
    zone = tmp_path / "anycast.test.zone"
    zone.write_text("$ORIGIN anycast.test.\n$TTL 300\n@ SOA ns1 hostmaster 2024010101 3600 900 604800 300\n"
                    "@ NS ns1\nns1 A 127.0.0.1\n")
    conf = tmp_path / "nsd.conf"
    conf.write_text(f"""server:
  ip-address: 127.0.0.1@{port}
  username: ""
  chroot: ""
  database: ""
  zonelistfile: "{tmp_path}/zone.list"
  xfrdfile: "{tmp_path}/xfrd.state"
  pidfile: "{tmp_path}/nsd.pid"
  logfile: "{tmp_path}/nsd.log"
remote-control:
  control-enable: no
zone:
  name: anycast.test
  zonefile: "{zone}"
""")
    proc = subprocess.Popen(["/usr/sbin/nsd", "-d", "-c", str(conf)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            ok, _unused = hg.check_dns_soa({"address": "127.0.0.1", "port": port, "zone": "anycast.test"}, 0.2)
            if ok:
                break
        except OSError:
            time.sleep(0.1)
    yield port, proc
    proc.terminate()
    proc.wait(10)


def test_dns_soa_check_against_nsd(nsd):
    port, _unused = nsd
    assert hg.check_dns_soa({"address": "127.0.0.1", "port": port, "zone": "anycast.test"}, 0.5) == \
        (True, "SOA serial 2024010101")
    ok, detail = hg.run_check({"type": "dns_soa", "address": "127.0.0.1", "port": port, "zone": "other.test"}, 0.5)[:2]
    assert not ok and detail in ("rcode 5", "not authoritative")


def wait_for(predicate, timeout, step=0.02):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(step)
    return predicate()


def gate_snapshot(path, prefix, healthy):
    """The gate's state file once it says `prefix` is `healthy`, else None (also while it is half written)."""
    try:
        snap = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    return snap if snap.get("prefixes", {}).get(prefix, {}).get("healthy") is healthy else None


def announce_mode(state):
    """The mode in the announcement state file, or None while it is missing or half written."""
    try:
        return json.loads(state.read_text())["mode"]
    except (OSError, ValueError, KeyError):
        return None


def rounds(port):
    """The gate's rounds_total from its metrics endpoint (0 while it does not answer yet)."""
    try:
        body = urllib.request.urlopen("http://127.0.0.1:%d/metrics" % port, timeout=2).read().decode()
    except OSError:
        return 0
    for line in body.splitlines():
        if line.startswith("anycast_healthgate_rounds_total "):
            return float(line.split()[1])
    return 0


def hook_runs(path):
    """Times written by the test hook, complete lines only (a hook may be writing its line right now)."""
    text = path.read_text() if path.exists() else ""
    return [float(line) for line in text.split("\n")[:-1]]


def calls(log):
    if not log.exists():
        return []
    return [json.loads(line) for line in log.read_text().splitlines()]


def gate_calls(log, prefix, verb):
    """The gate calls that set prefix to verb (one call may set several prefixes)."""
    return [c for c in calls(log) if c["args"][:1] == ["gate"]
            and (prefix, verb) in zip(c["args"][1::2], c["args"][2::2])]


def web_gate(tmp_path, server, **settings):
    """A gate with one HTTP check on 127.0.0.1 (the `web` fixture's server) gating 127.0.0.0/24 and the fake
    anycast-announce: returns (config path, environment for the daemon). `settings` override the defaults here."""
    cfg = {"interval": 0.1, "timeout": 0.1, "fall": 2, "rise": 3, "drain_wait": 0, "announce_cmd": str(FAKE),
           "state_file": str(tmp_path / "healthgate.json"), "metrics_listen": "",
           "prefixes": ["127.0.0.0/24"],
           "checks": [{"name": "web", "type": "http", "address": "127.0.0.1", "port": server.server_address[1]}]}
    cfg.update(settings)
    config = tmp_path / "hg.json"
    config.write_text(json.dumps(cfg))
    env = dict(os.environ, FAKE_ANNOUNCE_STATE=str(tmp_path / "announce.json"),
               FAKE_ANNOUNCE_LOG=str(tmp_path / "announce.log"))
    return config, env


def start_gate(config, env):
    return subprocess.Popen([sys.executable, str(DAEMON), "--config", str(config)], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


@pytest.mark.integration
def test_daemon_withdraws_fast_recovers_slowly_and_drains_on_stop(tmp_path, web, nsd):
    server, handler = web
    dns_port, nsd_proc = nsd
    metrics_port = free_port()
    state = tmp_path / "announce.json"
    log = tmp_path / "announce.log"
    cfg = {
        "interval": 0.2, "timeout": 0.15, "fall": 2, "rise": 10, "initial_rise": 2, "drain_wait": 0.6,
        "announce_cmd": str(FAKE), "state_file": str(tmp_path / "healthgate.json"),
        "metrics_listen": f"127.0.0.1:{metrics_port}",
        "prefixes": ["127.0.0.0/24", "::1/128"],
        "checks": [
            {"name": "web", "type": "http", "address": "127.0.0.1", "port": server.server_address[1],
             "path": "/healthz", "host": "www.anycast.test"},
            {"name": "dns", "type": "dns_soa", "address": "127.0.0.1", "port": dns_port, "zone": "anycast.test"},
        ],
    }
    (tmp_path / "hg.json").write_text(json.dumps(cfg))
    env = dict(os.environ, FAKE_ANNOUNCE_STATE=str(state), FAKE_ANNOUNCE_LOG=str(log))
    proc = subprocess.Popen([sys.executable, str(DAEMON), "--config", str(tmp_path / "hg.json")], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        # Starts withdrawn (no gate state). No state file of its own either: its first start on this instance, so
        # it announces after `initial_rise` good rounds (the first at once, the second one interval later), not
        # after `rise`. Timed from the gate's start (its `status` call, logged with a timestamp), not from the
        # spawn of the process, whose interpreter start-up under load says nothing about rise.
        assert wait_for(lambda: gate_calls(log, "127.0.0.0/24", "up"), 5)
        started = [c["t"] for c in calls(log) if c["args"] == ["status"]][0]
        assert 0.2 - 0.05 <= gate_calls(log, "127.0.0.0/24", "up")[0]["t"] - started < 9 * 0.2
        # The check on 127.0.0.1 gates 127.0.0.0/24 only; ::1/128 has no check, so it is announced too.
        assert gate_calls(log, "::1/128", "up")
        # Web breaks: withdrawn within fall * interval (+ one round of slack).
        handler.healthy = False
        t_fail = time.monotonic()
        assert wait_for(lambda: gate_calls(log, "127.0.0.0/24", "down"), 3)
        detect = time.monotonic() - t_fail
        assert detect <= 3 * 0.2 + 0.3, detect
        assert not gate_calls(log, "::1/128", "down")
        # Recovers: announced again only after rise good rounds.
        handler.healthy = True
        t_ok = time.monotonic()
        assert wait_for(lambda: len(gate_calls(log, "127.0.0.0/24", "up")) == 2, 5)
        assert time.monotonic() - t_ok >= 9 * 0.2
        # DNS dies: withdrawn as well.
        nsd_proc.terminate()
        nsd_proc.wait(5)
        assert wait_for(lambda: len(gate_calls(log, "127.0.0.0/24", "down")) == 2, 3)
        # Metrics and state file.

        def scrape():
            return urllib.request.urlopen(f"http://127.0.0.1:{metrics_port}/metrics", timeout=2).read().decode()
        want = 'anycast_healthgate_prefix_transitions_total{prefix="127.0.0.0/24",to="down"} 2.0'

        def scraped_with_want():
            text = scrape()
            return text if want in text else None

        body = wait_for(scraped_with_want, 3)
        assert body, scrape()
        assert 'anycast_healthgate_prefix_healthy{prefix="127.0.0.0/24"} 0.0' in body
        assert 'anycast_healthgate_check_up{check="web",type="http"} 1.0' in body
        assert "anycast_healthgate_check_duration_seconds{check=\"dns\"}" in body
        # The gate saves its state file after it has published the round's metrics: wait for the file itself.
        snap = wait_for(lambda: gate_snapshot(tmp_path / "healthgate.json", "127.0.0.0/24", healthy=False), 3)
        assert snap, (tmp_path / "healthgate.json").read_text()
        assert snap["prefixes"]["127.0.0.0/24"]["healthy"] is False
        assert snap["checks"]["dns"]["up"] is False
        # Clean stop: drain, wait drain_wait, withdraw.
        proc.send_signal(signal.SIGTERM)
        out, _unused = proc.communicate(timeout=10)
        verbs = [(c["t"], c["args"][0]) for c in calls(log) if c["args"][0] in ("drain", "withdraw")]
        assert [v for _unused, v in verbs] == ["drain", "withdraw"], out
        assert verbs[1][0] - verbs[0][0] >= 0.6
        snap = json.loads((tmp_path / "healthgate.json").read_text())
        assert snap["mode"] == "stopped" and snap["withdrawn_by_healthgate"] is True
        assert "WITHDRAWN" in out and "draining" in out
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


@pytest.mark.integration
def test_ready_for_systemd_once_the_first_round_decided(tmp_path, web):
    """Type=notify: READY=1 comes after the first round has announced a fresh instance's healthy prefix, so
    `systemctl start` returns with the announcement in place."""
    server, _handler = web
    log = tmp_path / "announce.log"
    config, env = web_gate(tmp_path, server, interval=1.0, timeout=0.5, rise=10)
    notify = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    notify.bind(str(tmp_path / "notify"))
    notify.settimeout(10)
    proc = start_gate(config, dict(env, NOTIFY_SOCKET=str(tmp_path / "notify")))
    try:
        assert notify.recv(256) == b"READY=1"
        assert gate_calls(log, "127.0.0.0/24", "up")
    finally:
        notify.close()
        proc.kill()
        proc.wait()


@pytest.mark.integration
def test_a_restart_withdrawn_waits_for_the_full_rise(tmp_path, web):
    """Only the gate's first start on an instance takes `initial_rise`: with its state file present (it ran before
    and withdrew the prefix), a check needs `rise` good rounds again."""
    server, _handler = web
    state = tmp_path / "announce.json"
    log = tmp_path / "announce.log"
    state.write_text(json.dumps({"mode": "normal", "gates": {"127.0.0.0/24": "down"}}))
    (tmp_path / "healthgate.json").write_text(json.dumps({"mode": "running", "withdrawn_by_healthgate": False}))
    proc = start_gate(*web_gate(tmp_path, server, rise=8, initial_rise=1))
    try:
        t0 = time.monotonic()
        assert wait_for(lambda: gate_calls(log, "127.0.0.0/24", "up"), 5)
        assert time.monotonic() - t0 >= 7 * 0.1 - 0.05
    finally:
        proc.kill()
        proc.wait()


@pytest.mark.integration
def test_restart_after_clean_stop_undrains_once_healthy_and_keeps_a_hand_drain(tmp_path, web):
    server, _handler = web
    state = tmp_path / "announce.json"
    log = tmp_path / "announce.log"
    state.write_text(json.dumps({"mode": "withdraw", "gates": {"127.0.0.0/24": "up"}}))
    (tmp_path / "healthgate.json").write_text(json.dumps({"mode": "stopped", "withdrawn_by_healthgate": True}))
    port = free_port()
    config, env = web_gate(tmp_path, server, metrics_listen="127.0.0.1:%d" % port)
    proc = start_gate(config, env)
    try:
        # What is asserted is the announcement state: wait for it, not for the call the fake command logs before
        # it writes that state.
        assert wait_for(lambda: announce_mode(state) == "normal", 5)
        assert [c for c in calls(log) if c["args"] == ["undrain"]]
        proc.send_signal(signal.SIGTERM)
        proc.wait(10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    # An operator's drain (no marker of ours) is left alone.
    log.unlink()
    state.write_text(json.dumps({"mode": "drain", "gates": {"127.0.0.0/24": "up"}}))
    (tmp_path / "healthgate.json").write_text(json.dumps({"mode": "running", "withdrawn_by_healthgate": False}))
    proc = start_gate(config, env)
    try:
        # The gate had every chance to undrain: more rounds than rise (3) after it announced the gate up again (a
        # restart starts every check down). Waiting on its own round counter, not on a fixed sleep.
        assert wait_for(lambda: gate_calls(log, "127.0.0.0/24", "up"), 5)
        seen = rounds(port)
        assert wait_for(lambda: rounds(port) >= seen + 5, 5)
        assert not [c for c in calls(log) if c["args"] == ["undrain"]]
        assert announce_mode(state) == "drain"
    finally:
        proc.kill()
        proc.wait()


@pytest.mark.integration
def test_failed_announce_is_retried(tmp_path, web):
    server, handler = web
    state = tmp_path / "announce.json"
    log = tmp_path / "announce.log"
    state.write_text(json.dumps({"mode": "normal", "gates": {"127.0.0.0/24": "up"}}))
    port = free_port()
    config, env = web_gate(tmp_path, server, fall=1, rise=1, metrics_listen="127.0.0.1:%d" % port)
    handler.healthy = False
    proc = start_gate(config, dict(env, FAKE_ANNOUNCE_FAIL="gate"))
    try:
        assert wait_for(lambda: gate_calls(log, "127.0.0.0/24", "down"), 3)
        # Failing calls are retried, but not more than every 5 s: ten more rounds (1 s), counted, not slept.
        seen = rounds(port)
        assert wait_for(lambda: rounds(port) >= seen + 10, 5)
        assert len(gate_calls(log, "127.0.0.0/24", "down")) == 1
    finally:
        proc.kill()
        proc.wait()


@pytest.mark.integration
def test_commands_run_once_a_little_after_announcing(tmp_path, web):
    """on_announce: once the gate announces what it did not, its commands run once, on_announce_delay later, in the
    background (the gate keeps its rounds); withdrawn and announced again, they run again."""
    server, handler = web
    log = tmp_path / "announce.log"
    ran = tmp_path / "ran"
    hook = [sys.executable, "-c", "import sys, time; open(sys.argv[1], 'a').write('%f\\n' % time.time())", str(ran)]
    config, env = web_gate(tmp_path, server, fall=1, rise=2, initial_rise=1, on_announce=[hook, hook],
                           on_announce_delay=0.5)
    proc = start_gate(config, env)

    def runs():
        return hook_runs(ran)
    try:
        assert wait_for(lambda: gate_calls(log, "127.0.0.0/24", "up"), 3)
        announced = gate_calls(log, "127.0.0.0/24", "up")[0]["t"]
        assert wait_for(lambda: len(runs()) == 2, 3), runs()
        assert all(t - announced >= 0.45 for t in runs()), (announced, runs())
        time.sleep(0.5)
        assert len(runs()) == 2  # once per announcement, not every round
        handler.healthy = False
        assert wait_for(lambda: gate_calls(log, "127.0.0.0/24", "down"), 3)
        time.sleep(0.8)
        assert len(runs()) == 2  # a withdrawal runs nothing
        handler.healthy = True
        assert wait_for(lambda: len(gate_calls(log, "127.0.0.0/24", "up")) == 2, 3)
        assert wait_for(lambda: len(runs()) == 4, 3), runs()
    finally:
        proc.kill()
        proc.wait()


@pytest.mark.integration
def test_commands_still_due_survive_a_configuration_reload(tmp_path, web):
    """SIGHUP re-executes the gate in place; on_announce commands its predecessor had not run yet (the route still
    spreading) run once, when they were due, from the new process: a configuration change right after a fresh
    instance announced does not lose the Caddy reload that retries its certificate orders."""
    server, _unused = web
    log = tmp_path / "announce.log"
    ran = tmp_path / "ran"
    hook = [sys.executable, "-c", "import sys, time; open(sys.argv[1], 'a').write('%f\\n' % time.time())", str(ran)]
    config, env = web_gate(tmp_path, server, fall=1, rise=2, initial_rise=1, on_announce=[hook],
                           on_announce_delay=1.5)
    proc = start_gate(config, env)
    try:
        assert wait_for(lambda: gate_calls(log, "127.0.0.0/24", "up"), 3)
        announced = gate_calls(log, "127.0.0.0/24", "up")[0]["t"]
        assert wait_for(lambda: json.loads((tmp_path / "healthgate.json").read_text()).get("on_announce_due"), 2)
        proc.send_signal(signal.SIGHUP)
        # The file exists as soon as the hook opens it: wait for its line.
        assert wait_for(lambda: hook_runs(ran), 4)
        time.sleep(0.5)
        runs = hook_runs(ran)
        assert len(runs) == 1 and runs[0] - announced >= 1.4, (announced, runs)
        assert len(gate_calls(log, "127.0.0.0/24", "up")) == 1  # the new process kept the announcement
        assert wait_for(lambda: json.loads((tmp_path / "healthgate.json").read_text()).get("on_announce_due")
                        is None, 2)
    finally:
        proc.kill()
        proc.wait()


def _tls_server(tmp_path, names, days):
    """An HTTPS server on loopback with a self-signed certificate for `names`, valid for `days` (negative: expired)."""
    import datetime
    import ssl
    import threading

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, names[0])]))
            .issuer_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, names[0])]))
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=abs(days) + 2))
            .not_valid_after(now + datetime.timedelta(days=days))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(n) for n in names]), critical=False)
            .sign(key, hashes.SHA256()))
    pem = tmp_path / ("srv-%d.pem" % days)
    pem.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                      serialization.NoEncryption()) + cert.public_bytes(serialization.Encoding.PEM))
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(pem)
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)

    def serve():
        while True:
            try:
                conn, _addr = listener.accept()
            except OSError:
                return
            try:
                with ctx.wrap_socket(conn, server_side=True) as tls:
                    tls.recv(1)
            except (OSError, ssl.SSLError):
                pass

    threading.Thread(target=serve, daemon=True).start()
    return listener, cert.not_valid_after_utc.timestamp()


def test_tls_check_names_expiry_and_the_first_certificate(tmp_path):
    """HTTPS must answer with a certificate naming the hostnames; an expired one is exported, never a failure (the
    network's one certificate expires everywhere at once); before the first one is installed the check passes."""
    if not shutil.which("openssl"):
        pytest.skip("openssl is not installed")
    good, good_expiry = _tls_server(tmp_path, ["www.anycast.test", "anycast.test"], 60)
    wrong, _unused = _tls_server(tmp_path, ["other.test"], 61)
    expired, _unused = _tls_server(tmp_path, ["www.anycast.test"], -1)
    installed = tmp_path / "web.pem"
    installed.write_text("x")
    spec = {"name": "tls:web:127.0.0.1", "type": "tls", "address": "127.0.0.1",
            "names": ["www.anycast.test", "anycast.test"], "when_file": str(installed)}
    try:
        ok, detail = hg.check_tls(dict(spec, port=good.getsockname()[1]), 3)
        assert ok and detail == "names match"
        assert abs(hg.CERT_NOT_AFTER["tls:web:127.0.0.1"] - good_expiry) < 2
        ok, detail = hg.check_tls(dict(spec, port=wrong.getsockname()[1]), 3)
        assert not ok and "does not name" in detail
        ok, detail = hg.check_tls(dict(spec, port=expired.getsockname()[1], names=["www.anycast.test"]), 3)
        assert ok and "EXPIRED" in detail
        # Nothing listening, but no certificate installed yet: the instance may announce (the CA must reach it).
        installed.unlink()
        ok, detail = hg.check_tls(dict(spec, port=1), 3)
        assert ok and "installed yet" in detail
        problems = hg.validate_config({"prefixes": [], "checks": [{"name": "t", "type": "tls", "address": "127.0.0.1"}]})
        assert any("list of names" in p for p in problems), problems
    finally:
        for listener in (good, wrong, expired):
            listener.close()


def test_tcp_and_udp_checks_done_by_the_gate_itself():
    # A UDP server on loopback that answers every datagram; a TCP listener; and ports where nothing answers.
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    udp.bind(("127.0.0.1", 0))
    seen = []

    def answer():
        data, peer = udp.recvfrom(2048)
        seen.append(data)
        udp.sendto(b"pong", peer)

    thread = threading.Thread(target=answer, daemon=True)
    thread.start()
    ok, detail, _took = hg.run_check({"type": "udp", "address": "127.0.0.1", "port": udp.getsockname()[1],
                                      "send": "ping"}, 2.0)
    thread.join(2)
    assert ok and detail == "4 bytes" and seen == [b"ping"]
    ok, detail, _took = hg.run_check({"type": "udp", "address": "127.0.0.1", "port": udp.getsockname()[1]}, 0.3)
    assert not ok, detail  # nobody answers this time
    udp.close()
    tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    tcp.bind(("127.0.0.1", 0))
    tcp.listen(1)
    assert hg.run_check({"type": "tcp", "address": "127.0.0.1", "port": tcp.getsockname()[1]}, 1.0)[0]
    port = tcp.getsockname()[1]
    tcp.close()
    assert not hg.run_check({"type": "tcp", "address": "127.0.0.1", "port": port}, 1.0)[0]
    # Validated like the other network checks: a covering prefix and a port.
    problems = hg.validate_config({"prefixes": ["203.0.113.0/24"], "checks": [
        {"name": "a", "type": "udp", "address": "203.0.113.31", "port": 7007, "send": "x"},
        {"name": "b", "type": "tcp", "address": "198.51.100.1", "port": 22},
        {"name": "c", "type": "udp", "address": "203.0.113.32"}]})
    assert problems == ["checks[1]: no prefix covers 198.51.100.1", "checks[2]: port is required"], problems

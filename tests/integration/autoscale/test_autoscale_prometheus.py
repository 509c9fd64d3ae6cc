"""The scaler against a real Prometheus on loopback, scraping counters the test drives (one CPU's seconds per mode
for PoP ams, Caddy's request counter for PoP lhr), with a 1 s scrape interval and a 6 s window:

- no series: no decision (partial data is a unit test);
- sustained load: one step up, with the value that caused it (the action plugin through ansible-playbook: check
  mode leaves the record alone, a real run writes it);
- within the cooldown: no step, whatever the load;
- sustained idle after the cooldown: one step down.
"""

import json
import os
import pathlib
import subprocess
import sys
import time

import pytest
import yaml
from prometheus_support import PROMETHEUS, Load, Prometheus, config, serve

from ansible_collections.anycast.network.plugins.module_utils.autoscale import record, run
from ansible_collections.anycast.network.plugins.module_utils.prometheus.client import PrometheusClient

ROOT = pathlib.Path(__file__).resolve().parents[3]
BIN = pathlib.Path(sys.executable).parent
WINDOW, COOLDOWN, RATE = 6, 12, "3s"

pytestmark = pytest.mark.skipif(PROMETHEUS is None, reason="Debian's prometheus (scripts/setup.d/40-report-and-metrics.sh)")


def the_intent():
    scale = {"window": WINDOW, "cooldown": COOLDOWN, "band": 10}
    return {
        "network": "elastic", "asn": 64500, "prefixes": ["192.0.2.0/24"], "allow_documentation_resources": True,
        "services": {"web": {"kind": "web", "addresses": ["192.0.2.1"], "hostnames": ["www.example.com"]}},
        "defaults": {"upstreams": [{"profile": "vultr", "password": "pw"}]},
        "pops": {
            "ams": {"provider": "lab", "region": "ams", "instances": 1,
                    "autoscale": dict(scale, min=1, max=3, metric="cpu", target=50)},
            "lhr": {"provider": "lab", "region": "lhr", "instances": 2,
                    "autoscale": dict(scale, min=1, max=3, metric="requests", target=100, band=20)},
            # Nothing scrapes nrt: Prometheus has no series of it.
            "nrt": {"provider": "lab", "region": "nrt", "instances": 2,
                    "autoscale": dict(scale, min=1, max=3, metric="cpu", target=50)},
        },
    }


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("prometheus")
    load = Load()
    server, port = serve(load)
    prom = Prometheus(tmp, config(port, {"node": "ams", "caddy": "lhr"}))
    try:
        prom.wait_ready()
        yield load, prom
    finally:
        prom.stop()
        server.shutdown()
        server.server_close()


def decide_until(client, rec, wanted, timeout, pop="ams"):
    """Run the scaler every half second until `pop`'s decision is `wanted` (bounded); every decision seen."""
    seen = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        decisions, new = run.scale(the_intent(), rec, client, time.time(), rate_interval=RATE, only=[pop])
        seen.append(decisions[0])
        if decisions[0]["action"] == wanted:
            return decisions[0], new, seen
        time.sleep(0.5)
    raise AssertionError("no %s decision for %s within %ds: %s" % (wanted, pop, timeout, seen[-3:]))


def playbook(prom_url, record_path, *args):
    pathlib.Path(record_path).parent.mkdir(parents=True, exist_ok=True)
    data = pathlib.Path(record_path).parent.parent / "vars.yml"
    data.write_text(yaml.safe_dump({"anycast_intent": the_intent()}))
    book = pathlib.Path(record_path).parent.parent / "decide.yml"
    out = pathlib.Path(record_path).parent.parent / "result.json"
    book.write_text(yaml.safe_dump([{
        "name": "decide", "hosts": "localhost", "gather_facts": False,
        "tasks": [{"name": "decide", "register": "out", "anycast.network.autoscale": {
            "intent": "{{ anycast_intent }}", "record": str(record_path), "pops": ["ams"], "rate_interval": RATE,
            "prometheus_url": prom_url, "prometheus_username": "scaler", "prometheus_password": "s3cret-basic"}},
            {"name": "keep", "ansible.builtin.copy": {"content": "{{ out | to_json }}", "dest": str(out)},
             "check_mode": False}]}]))
    env = dict(os.environ, ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"), ANSIBLE_NOCOLOR="1")
    proc = subprocess.run([str(BIN / "ansible-playbook"), "-i", "localhost,", "-c", "local", "-e", "@%s" % data,
                           "-e", "ansible_python_interpreter=%s" % sys.executable,
                           str(book), *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
                          check=False)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    assert "s3cret-basic" not in proc.stdout
    return json.loads(out.read_text())


def test_up_after_sustained_load_none_in_the_cooldown_down_after_sustained_idle(world, tmp_path):
    load, prom = world
    client = PrometheusClient(prom.url, timeout=5, retries=2)
    rec = record.empty("elastic")

    # A PoP without series: no decision, and the reason says so.
    missing = run.scale(the_intent(), rec, client, time.time(), rate_interval=RATE, only=["nrt"])[0][0]
    assert missing["action"] == "none" and missing["reason"].startswith("no data"), missing

    # Idle so far; then loaded: no step until the whole window is above 60%.
    load.set(cpu=0.9)

    up, _new, seen = decide_until(client, rec, "up", timeout=40)
    assert all(d["action"] == "none" for d in seen[:-1])
    assert up["from"] == 1 and up["to"] == 2 and up["value"] > 60, up

    # The same through the module: check mode decides without writing; a real run writes the record.
    path = tmp_path / "state" / "autoscale.json"
    checked = playbook(prom.url, path, "--check", "--diff")
    assert checked["changed"] and checked["up"] == ["ams"] and not path.exists()
    assert checked["diff"]["after"] == {"ams": 2}
    real = playbook(prom.url, path)
    assert real["changed"] and real["counts"]["ams"] == 2
    written = json.loads(path.read_text())
    assert written["pops"]["ams"]["instances"] == 2 and written["pops"]["ams"]["value"] > 60
    assert written["log"][-1]["action"] == "up" and "stayed above 60%" in written["log"][-1]["reason"]
    stepped_at = written["pops"]["ams"]["decided_at"]

    # Within the cooldown nothing moves, loaded or idle.
    again = playbook(prom.url, path)
    assert not again["changed"] and "cooldown" in again["decisions"][0]["reason"]
    load.set(cpu=0.05)
    rec = json.loads(path.read_text())
    down, _new, seen = decide_until(client, rec, "down", timeout=COOLDOWN + 40)
    assert time.time() - stepped_at >= COOLDOWN
    assert all(d["action"] == "none" for d in seen[:-1])
    assert down["from"] == 2 and down["to"] == 1 and down["value"] < 40, down


def test_requests_per_instance_from_caddy_scale_up(world):
    load, prom = world
    client = PrometheusClient(prom.url, timeout=5, retries=2)
    load.set(rps=400)   # one reporting instance: 400 req/s per instance, above 100 + 20
    up, _new, _seen = decide_until(client, record.empty("elastic"), "up", timeout=40, pop="lhr")
    assert up["from"] == 2 and up["to"] == 3 and 120 < up["value"] <= 420, up
    assert up["metric"] == "requests"

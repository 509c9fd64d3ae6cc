"""playbooks/autoscale.yml (decide, record, provision with --tags provision) against the Vultr emulator and a real
Prometheus on loopback: after sustained load a scale-up creates exactly one instance in the loaded PoP only; a second
run within the cooldown creates none; after the cooldown, sustained idle takes that instance out through
decommission.yml."""

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
EMULATOR_DIR = ROOT / "tests" / "emulators" / "vultr"
if str(EMULATOR_DIR) not in sys.path:
    sys.path.insert(0, str(EMULATOR_DIR))

from vultr_emulator import PLANS, Emulator  # noqa: E402

API_KEY = "itest-autoscale-vultr-key"
RATE = "3s"

pytestmark = pytest.mark.skipif(PROMETHEUS is None, reason="Debian's prometheus (scripts/setup.d/40-report-and-metrics.sh)")


def the_intent():
    return {
        "network": "elastic", "asn": 64500, "prefixes": ["192.0.2.0/24"], "allow_documentation_resources": True,
        "services": {"web": {"kind": "web", "addresses": ["192.0.2.1"], "hostnames": ["www.example.com"]}},
        "defaults": {"upstreams": [{"profile": "vultr", "password": "pw"}],
                     "vultr": {"plan": "vc2-1c-1gb", "os_id": 2136, "ssh_keys": ["anycast-admin"]}},
        "budget": {"monthly_limit": 100},
        "pops": {
            "ams": {"provider": "vultr", "region": "ams", "instances": 1,
                    "autoscale": {"min": 1, "max": 3, "metric": "cpu", "target": 50, "band": 10, "window": 6,
                                  "cooldown": 600}},
            "lhr": {"provider": "vultr", "region": "lhr", "instances": 1},
        },
    }


@pytest.fixture
def world(tmp_path):
    load = Load()
    server, port = serve(load)
    prom = Prometheus(tmp_path, config(port, {"node": "ams"}))
    emu = Emulator(api_key=API_KEY, boot_delay=0.5, max_page_size=2, seed=11)
    emu.state.create_key({"name": "anycast-admin", "ssh_key": "ssh-ed25519 AAAAC3Nz admin@example.com"})
    emu.start()
    try:
        prom.wait_ready()
        yield load, prom, emu
    finally:
        emu.stop()
        prom.stop()
        server.shutdown()
        server.server_close()


def autoscale(tmp_path, prom, emu, book="playbooks/autoscale.yml", *extra):
    data = tmp_path / "vars.yml"
    data.write_text(yaml.safe_dump({"anycast_intent": the_intent()}))
    env = dict(os.environ, ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"), ANSIBLE_NOCOLOR="1", VULTR_API_KEY=API_KEY,
               VULTR_API_URL=emu.url, VULTR_API_TIMEOUT="2", VULTR_API_RETRIES="4",
               PATH="%s:%s" % (BIN, os.environ.get("PATH", "")))
    proc = subprocess.run(
        [str(BIN / "ansible-playbook"), "-i", "localhost,", "-c", "local", "-e", "@%s" % data,
         "-e", "ansible_python_interpreter=%s" % sys.executable, "-e", "anycast_vultr_poll_interval=0.3",
         "-e", "anycast_autoscale_record_file=%s" % (tmp_path / "state" / "autoscale.json"),
         "-e", "anycast_autoscale_prometheus_url=%s" % prom.url, "-e", "anycast_autoscale_rate_interval=%s" % RATE,
         "--tags", "provision", *extra, book],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=240, check=False)
    assert proc.returncode == 0, proc.stdout[-5000:] + proc.stderr[-2000:]
    return proc


def labels(emu):
    return sorted(i["label"] for i in emu.snapshot()["instances"])


def test_scale_up_creates_one_instance_and_a_run_in_the_cooldown_none(world, tmp_path):
    load, prom, emu = world
    # The intent's count first (the provision step of site.yml): one instance in each PoP.
    autoscale(tmp_path, prom, emu, "playbooks/provision.yml")
    assert labels(emu) == ["elastic-ams-1", "elastic-lhr-1"]
    # Idle: the scaler runs, nothing is provisioned.
    idle = autoscale(tmp_path, prom, emu)
    assert labels(emu) == ["elastic-ams-1", "elastic-lhr-1"] and emu.snapshot()["created"] == 2, idle.stdout[-3000:]
    # Sustained load until the scaler would step (asked in process, nothing written), then the playbook.
    load.set(cpu=0.95)
    client = PrometheusClient(prom.url, timeout=5, retries=2)
    deadline = time.monotonic() + 40
    while True:
        seen = run.scale(the_intent(), record.empty("elastic"), client, time.time(), RATE, only=["ams"],
                         plans=PLANS)[0][0]
        if seen["action"] == "up":
            break
        assert time.monotonic() < deadline, "no sustained load seen by Prometheus: %s" % seen
        time.sleep(0.5)
    grown = autoscale(tmp_path, prom, emu)
    assert "cpu stayed above 60%" in grown.stdout
    assert labels(emu) == ["elastic-ams-1", "elastic-ams-2", "elastic-lhr-1"], grown.stdout[-6000:]
    assert emu.snapshot()["created"] == 3 and emu.snapshot()["deleted"] == 0
    # Within the cooldown: no step, no instance, whatever the load.
    again = autoscale(tmp_path, prom, emu)
    assert "in the cooldown" in again.stdout
    assert labels(emu) == ["elastic-ams-1", "elastic-ams-2", "elastic-lhr-1"]
    assert emu.snapshot()["created"] == 3

    # The cooldown over (the record's step moved back in time), sustained idle: one step down, through
    # decommission.yml (the emulator's instances answer no SSH: the drain play finds it unreachable, and
    # anycast_decommission_unreachable=delete lets it go).
    path = tmp_path / "state" / "autoscale.json"
    rec = json.loads(path.read_text())
    rec["pops"]["ams"]["decided_at"] -= 3600
    path.write_text(json.dumps(rec))
    load.set(cpu=0.02)
    deadline = time.monotonic() + 40
    while True:
        seen = run.scale(the_intent(), rec, client, time.time(), RATE, only=["ams"], plans=PLANS)[0][0]
        if seen["action"] == "down":
            break
        assert time.monotonic() < deadline, "no sustained idle seen by Prometheus: %s" % seen
        time.sleep(0.5)
    shrunk = autoscale(tmp_path, prom, emu, "playbooks/autoscale.yml", "-e", "anycast_decommission_unreachable=delete")
    assert "cpu stayed below 40%" in shrunk.stdout
    assert "PLAY [Decommission | drain, wait for the traffic to go, withdraw, stop]" in shrunk.stdout
    assert "elastic-ams-2" in shrunk.stdout.split("PLAY [Decommission | drain")[1]
    assert labels(emu) == ["elastic-ams-1", "elastic-lhr-1"], shrunk.stdout[-4000:]
    assert emu.snapshot()["deleted"] == 1
    assert json.loads(path.read_text())["pops"]["ams"]["instances"] == 1

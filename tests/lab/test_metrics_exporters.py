"""Metrics in the lab: the metrics role on every instance, a Prometheus (Debian's package) on the controller's
loopback scraping the instances' management addresses, and one query per exporter."""

import json
import os
import pathlib
import shutil
import signal
import socket
import subprocess
import time
import urllib.parse
import urllib.request

import pytest
import yaml
from toolpath import BIN

ROOT = pathlib.Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.lab


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def prometheus(tmp_path_factory):
    binary = shutil.which("prometheus")
    if binary is None:
        pytest.skip("Prometheus is not installed (apt install prometheus)")
    work = tmp_path_factory.mktemp("metrics")
    # Metrics switched on the way an operator does: in the intent (the base role then opens the exporters' ports).
    intent = yaml.safe_load((ROOT / "inventories/lab/group_vars/all/intent.yml").read_text())
    intent["anycast_intent"]["metrics"] = {"enabled": True}
    (work / "intent.yml").write_text(yaml.safe_dump(intent))
    play = work / "metrics.yml"
    play.write_text(yaml.safe_dump([{
        "name": "Metrics on every instance", "hosts": "anycast_instances", "gather_facts": False,
        "roles": [{"role": "anycast.network.base"}, {"role": "anycast.network.metrics"}],
        "post_tasks": [{"name": "Read the targets", "ansible.builtin.slurp": {"src": "/etc/anycast/metrics-targets.json"},
                        "register": "targets"},
                       {"name": "Keep them", "delegate_to": "localhost", "ansible.builtin.copy": {
                           "content": "{{ targets.content | b64decode }}",
                           "dest": str(work) + "/targets-{{ inventory_hostname }}.json", "mode": "0644"}}]}]))
    run = subprocess.run([str(BIN / "ansible-playbook"), "-i", str(ROOT / "inventories/lab"),
                          "-e", "@%s" % (work / "intent.yml"), str(play)], capture_output=True, text=True, cwd=ROOT,
                         timeout=600, env=dict(os.environ, ANSIBLE_CONFIG=str(ROOT / "ansible.cfg")), check=False)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-2000:]
    # The management-address targets (node, bird); loopback ones are read on the instance.
    groups = []
    for path in sorted(work.glob("targets-*.json")):
        groups += [g for g in json.loads(path.read_text()) if g["labels"].get("scope") != "loopback"]
    assert groups
    (work / "targets.json").write_text(json.dumps(groups))
    port = _free_port()
    (work / "prometheus.yml").write_text(yaml.safe_dump({
        "global": {"scrape_interval": "2s", "scrape_timeout": "2s"},
        "scrape_configs": [{"job_name": "anycast", "file_sd_configs": [{"files": [str(work / "targets.json")]}]}]}))
    proc = subprocess.Popen([binary, "--config.file=%s" % (work / "prometheus.yml"),
                             "--storage.tsdb.path=%s" % (work / "data"), "--web.listen-address=127.0.0.1:%d" % port],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        yield "http://127.0.0.1:%d" % port, groups
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()


def query(base, expr, want, timeout=60):
    deadline = time.monotonic() + timeout
    result = []
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen("%s/api/v1/query?%s" % (base, urllib.parse.urlencode({"query": expr})),
                                        timeout=5) as resp:
                result = json.load(resp)["data"]["result"]
        except OSError:
            result = []
        if len(result) >= want:
            return result
        time.sleep(1)
    return result


def test_node_exporter_on_every_instance(prometheus):
    base, groups = prometheus
    instances = {g["labels"]["instance"] for g in groups}
    result = query(base, 'node_uname_info{job="node"}', len(instances))
    assert {r["metric"]["instance"] for r in result} >= instances or len(result) == len(instances), result


def test_bird_exporter_sees_the_bgp_sessions(prometheus):
    base, groups = prometheus
    instances = {g["labels"]["instance"] for g in groups}
    result = query(base, 'sum by (instance) (bird_protocol_up{proto="BGP"})', len(instances))
    assert len(result) == len(instances), result
    assert all(float(r["value"][1]) >= 1 for r in result), result

"""The alerting path on loopback, every piece the real program: two BIRD 2 daemons with a BGP session between them,
Debian's prometheus-bird-exporter reading one of them with the flags roles/metrics gives it, Debian's Prometheus
with the collection's alert rules, Debian's Alertmanager with the collection's configuration (only the webhook URL
pointed at the test's receiver) and a small webhook receiver. Every daemon is started here and stopped by its own
PID; every port is a free one on 127.0.0.1."""

import json
import re
import shutil
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT / "tests" / "integration" / "bird_import"))
sys.path.insert(0, str(ROOT / "collections"))

from full_table import BirdDaemon, Process, free_port, listening  # noqa: E402  pylint: disable=wrong-import-position
from ansible_collections.anycast.network.plugins.filter.roles import (  # noqa: E402  pylint: disable=wrong-import-position
    anycast_scrape_targets)

RULES = ROOT / "files" / "prometheus" / "rules" / "anycast.rules.yml"
ALERTMANAGER = ROOT / "files" / "prometheus" / "alertmanager.yml"
BINARIES = ("bird", "birdc", "prometheus-bird-exporter", "prometheus", "prometheus-alertmanager")
SESSION = "up1_v4"          # named as roles/bird names sessions: up<upstream>_v<family>
POP, INSTANCE = "lhr", "lhr-1"
INSTANCE_ASN, UPSTREAM_ASN = 64500, 64496   # documentation ASNs (RFC 5398)
# Prometheus's scrape and evaluation interval here (1 s): the rules' own `for:` is what the alert waits.
INTERVAL = "1s"


def missing_binaries():
    return [name for name in BINARIES if shutil.which(name) is None]


def duration(text):
    """Seconds of a Prometheus duration such as 1m, 90s, 1m30s, 2h."""
    units = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400}
    parts = re.findall(r"(\d+)(ms|s|m|h|d)", str(text))
    if not parts or "".join(n + u for n, u in parts) != str(text):
        raise ValueError("not a duration: %r" % (text,))
    return sum(int(n) * units[u] for n, u in parts)


def rule(name):
    for group in yaml.safe_load(RULES.read_text())["groups"]:
        for item in group["rules"]:
            if item.get("alert") == name:
                return item
    raise KeyError(name)


def bird_config(router_id, local, local_port, asn, neighbor, neighbor_port, neighbor_asn, prefix):
    """A minimal BIRD 2 router on loopback: one static prefix exported over one IPv4 session. The session's timers
    are short so that it comes back within seconds of being enabled again; nothing is exported to the kernel."""
    return """router id %(rid)s;
protocol device {}
protocol static announced { ipv4; route %(prefix)s blackhole; }
protocol bgp %(session)s {
  local %(local)s port %(lport)d as %(asn)d;
  neighbor %(neighbor)s port %(nport)d as %(nasn)d;
  multihop 2;
  hold time 6;
  keepalive time 2;
  connect retry time 1;
  connect delay time 1;
  error wait time 1, 2;
  error forget time 10;
  ipv4 { import all; export where source = RTS_STATIC; };
}
""" % dict(rid=router_id, prefix=prefix, session=SESSION, local=local, lport=local_port, asn=asn,
           neighbor=neighbor, nport=neighbor_port, nasn=neighbor_asn)


class Webhook:
    """An Alertmanager webhook receiver (webhook_config's JSON payload, version 4) that keeps what it gets."""

    def __init__(self):
        self.port = free_port()
        self.received = []          # (time received, payload)
        self.lock = threading.Lock()
        hook = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802  (http.server's name)
                length = int(self.headers.get("Content-Length") or 0)
                payload = json.loads(self.rfile.read(length) or b"{}")
                with hook.lock:
                    hook.received.append((time.time(), self.path, payload))
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args):  # quiet
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self):
        return "http://127.0.0.1:%d/alerts" % self.port

    def start(self):
        self.thread.start()
        return self

    def stop(self):
        self.server.shutdown()
        self.server.server_close()

    def alerts(self, alertname, status, since=0.0):
        """(time received, alert) of every alert named alertname with that status received after since."""
        with self.lock:
            items = list(self.received)
        return [(at, alert) for at, _path, payload in items if at >= since
                for alert in payload.get("alerts", [])
                if alert.get("labels", {}).get("alertname") == alertname and alert.get("status") == status]


class Stack:
    """Everything of the alerting path, started in order and stopped in reverse."""

    def __init__(self, workdir):
        self.dir = Path(workdir)
        self.processes = []
        self.webhook = None
        self.instance = self.upstream = None

    def _start(self, process):
        self.processes.append(process)
        return process

    def start(self):
        d = self.dir
        ports = {name: free_port() for name in ("instance_bgp", "upstream_bgp", "exporter", "prometheus",
                                                 "alertmanager")}
        self.ports = ports  # pylint: disable=attribute-defined-outside-init
        (d / "instance.conf").write_text(bird_config("127.0.0.1", "127.0.0.1", ports["instance_bgp"], INSTANCE_ASN,
                                                     "127.0.0.2", ports["upstream_bgp"], UPSTREAM_ASN,
                                                     "192.0.2.0/24"))
        (d / "upstream.conf").write_text(bird_config("127.0.0.2", "127.0.0.2", ports["upstream_bgp"], UPSTREAM_ASN,
                                                     "127.0.0.1", ports["instance_bgp"], INSTANCE_ASN,
                                                     "198.51.100.0/24"))
        self.instance = self._start(BirdDaemon(d / "instance.conf", d, "instance")).start()
        self.upstream = self._start(BirdDaemon(d / "upstream.conf", d, "upstream")).start()

        # The BIRD exporter with the flags roles/metrics writes to /etc/default/prometheus-bird-exporter.
        self._start(Process([shutil.which("prometheus-bird-exporter"), "-bird.socket=%s" % self.instance.socket,
                             "-bird.v2", "-format.new", "-web.listen-address=127.0.0.1:%d" % ports["exporter"]],
                            d / "exporter.log")).start_foreground()

        self.webhook = Webhook().start()
        config = yaml.safe_load(ALERTMANAGER.read_text())
        for receiver in config["receivers"]:
            for webhook in receiver.get("webhook_configs", []):
                webhook["url"] = self.webhook.url
        (d / "alertmanager.yml").write_text(yaml.safe_dump(config))
        (d / "alertmanager").mkdir()
        self._start(Process([shutil.which("prometheus-alertmanager"), "--config.file=%s" % (d / "alertmanager.yml"),
                             "--storage.path=%s" % (d / "alertmanager"),
                             "--web.listen-address=127.0.0.1:%d" % ports["alertmanager"],
                             "--cluster.listen-address="],  # no gossip port: a single Alertmanager
                            d / "alertmanager.log")).start_foreground()

        # The instance's targets file as roles/metrics writes it, with the BIRD exporter's group only (no node
        # exporter runs here, and its absence would be an alert of its own).
        targets = [group for group in anycast_scrape_targets("127.0.0.1", free_port(), ports["exporter"], [],
                                                             {"pop": POP, "instance": INSTANCE})
                   if group["labels"]["job"] == "bird"]
        (d / "targets.json").write_text(json.dumps(targets))
        (d / "prometheus.yml").write_text(yaml.safe_dump({
            "global": {"scrape_interval": INTERVAL, "evaluation_interval": INTERVAL},
            "rule_files": [str(RULES)],
            "alerting": {"alertmanagers": [{"static_configs": [{"targets": ["127.0.0.1:%d" % ports["alertmanager"]]}]}]},
            "scrape_configs": [{"job_name": "anycast", "file_sd_configs": [{"files": [str(d / "targets.json")]}]}],
        }))
        (d / "prometheus").mkdir()
        self._start(Process([shutil.which("prometheus"), "--config.file=%s" % (d / "prometheus.yml"),
                             "--storage.tsdb.path=%s" % (d / "prometheus"),
                             "--web.listen-address=127.0.0.1:%d" % ports["prometheus"]],
                            d / "prometheus.log")).start_foreground()
        for name in ("exporter", "alertmanager", "prometheus"):
            if not listening(ports[name], timeout=30):
                raise AssertionError("%s does not listen on 127.0.0.1:%d:\n%s"
                                     % (name, ports[name], self.logs()))
        return self

    def established(self):
        out = self.instance.birdc("show", "protocols", SESSION).stdout
        return "Established" in out

    def logs(self):
        out = []
        for name in ("instance", "upstream", "exporter", "alertmanager", "prometheus"):
            path = self.dir / ("%s.log" % name)
            if path.exists():
                out.append("--- %s\n%s" % (name, path.read_text(errors="replace")[-3000:]))
        return "\n".join(out)

    def stop(self):
        for process in reversed(self.processes):
            process.stop()
        if self.webhook is not None:
            self.webhook.stop()

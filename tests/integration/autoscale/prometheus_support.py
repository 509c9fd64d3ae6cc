"""A real Prometheus on loopback scraping a metrics endpoint the test controls (node_exporter and Caddy shaped)."""

import http.server
import os
import shutil
import signal
import socket
import subprocess
import threading
import time
import urllib.request

PROMETHEUS = shutil.which("prometheus")


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Load:
    """Counters that advance with the wall clock at the rate the test sets: a node's CPU seconds per mode (one
    CPU, busy share `cpu`) and Caddy's request counter (`rps` per second). Exposition format 0.0.4."""

    def __init__(self):
        self.lock = threading.Lock()
        self.cpu, self.rps = 0.0, 0.0
        self.idle = self.user = self.requests = 0.0
        self.stamp = time.monotonic()

    def _advance(self):
        now = time.monotonic()
        elapsed, self.stamp = now - self.stamp, now
        self.idle += elapsed * (1 - self.cpu)
        self.user += elapsed * self.cpu
        self.requests += elapsed * self.rps

    def set(self, cpu=None, rps=None):
        with self.lock:
            self._advance()
            if cpu is not None:
                self.cpu = cpu
            if rps is not None:
                self.rps = rps

    def node(self):
        with self.lock:
            self._advance()
            return ("# TYPE node_cpu_seconds_total counter\n"
                    'node_cpu_seconds_total{cpu="0",mode="idle"} %.3f\n'
                    'node_cpu_seconds_total{cpu="0",mode="user"} %.3f\n' % (self.idle, self.user))

    def caddy(self):
        with self.lock:
            self._advance()
            return ("# TYPE caddy_http_requests_total counter\n"
                    'caddy_http_requests_total{handler="reverse_proxy",server="srv0"} %.3f\n' % self.requests)


def serve(load):
    """The endpoint: /node and /caddy on a free loopback port, in a thread. Returns (server, port)."""

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (http.server's name)
            body = {"/node": load.node, "/caddy": load.caddy}.get(self.path)
            if body is None:
                self.send_error(404)
                return
            data = body().encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/plain; version=0.0.4")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, server.server_address[1]


def config(target_port, pops):
    """Scrape every second: job node for the PoP measured by CPU, job caddy for the one measured by requests."""
    jobs = []
    for job, pop in pops.items():
        jobs.append("""  - job_name: %s
    metrics_path: /%s
    static_configs:
      - targets: ["127.0.0.1:%d"]
        labels: {pop: %s}
""" % (job, job, target_port, pop))
    return "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nscrape_configs:\n" + "".join(jobs)


class Prometheus:
    """The Debian `prometheus` binary on 127.0.0.1 with its own data directory; stopped by its pid."""

    def __init__(self, tmp_path, text):
        self.port = free_port()
        self.url = "http://127.0.0.1:%d" % self.port
        cfg = tmp_path / "prometheus.yml"
        cfg.write_text(text)
        self.log = open(tmp_path / "prometheus.log", "w")  # noqa: SIM115 (closed in stop)
        self.proc = subprocess.Popen(  # noqa: S603
            [PROMETHEUS, "--config.file=%s" % cfg, "--storage.tsdb.path=%s" % (tmp_path / "data"),
             "--web.listen-address=127.0.0.1:%d" % self.port, "--log.level=warn"],
            stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)

    def wait_ready(self, timeout=30):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("prometheus exited: %s" % open(self.log.name).read()[-2000:])
            try:
                with urllib.request.urlopen(self.url + "/-/ready", timeout=2) as answer:  # noqa: S310 (loopback)
                    if answer.status == 200:
                        return
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError("prometheus not ready after %ds" % timeout)

    def stop(self):
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.kill(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=5)
        self.log.close()

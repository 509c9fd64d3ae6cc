"""A simulated anycast network on loopback for the shared-certificate tests and benchmark.

pebble (the real ACME test CA) resolves every name through pebble-challtestsrv's DNS to 127.0.0.10, the "anycast"
address. What listens there is one HTTP server that, like anycast, hands each request to one of the instances
(chosen at random: the CA lands wherever routing takes it); each instance is a directory (its web root, where the
role writes challenge files, and its /etc/caddy/tls). A converge does what roles/caddy/tasks/certificate_order.yml
does: read back what the instances hold, run anycast.network.acme_certificate (plan), place the challenges on every
instance, run it again (finish), install the result on every instance. pebble logs each new order
(``orders()``), which is what the tests count.
"""

from __future__ import annotations

import http.server
import json
import os
import random
import re
import shutil
import socket
import subprocess
import threading
import time
from pathlib import Path

ANYCAST = "127.0.0.10"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def tools_missing():
    return [tool for tool in ("pebble", "pebble-challtestsrv", "openssl") if not shutil.which(tool)]


def _openssl(*args):
    subprocess.run(["openssl", *args], check=True, capture_output=True)


class Anycast(http.server.ThreadingHTTPServer):
    """Every request to the anycast address lands on one instance, at random."""

    def __init__(self, port, network):
        self.network = network
        super().__init__((ANYCAST, port), _Handler)


class _Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 (the standard library's name)
        instance = random.choice(self.server.network.instances)
        path = instance / "www" / self.path.lstrip("/")
        if not re.fullmatch(r"/\.well-known/acme-challenge/[A-Za-z0-9_-]+", self.path) or not path.is_file():
            self.send_response(404)
            self.end_headers()
            return
        body = path.read_bytes()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


class Network:
    def __init__(self, workdir: Path):
        self.workdir = workdir
        self.instances: list[Path] = []
        self.procs = []
        self.anycast = None

    # --- the CA ---
    def start(self):
        w = self.workdir
        _openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "2",
                 "-keyout", str(w / "root.key"), "-out", str(w / "root.pem"), "-subj", "/CN=test ACME API root")
        _openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout",
                 str(w / "api.key"), "-out", str(w / "api.csr"), "-subj", "/CN=ca.test")
        (w / "ext").write_text("subjectAltName=DNS:ca.test,IP:127.0.0.1\n")
        _openssl("x509", "-req", "-in", str(w / "api.csr"), "-CA", str(w / "root.pem"), "-CAkey", str(w / "root.key"),
                 "-CAcreateserial", "-days", "2", "-out", str(w / "api.pem"), "-extfile", str(w / "ext"))
        dns_port, api_port, mgmt_port, http_port, tls_port, chall_mgmt = (free_port() for _unused in range(6))
        self.procs.append(subprocess.Popen(
            ["pebble-challtestsrv", "-defaultIPv4", ANYCAST, "-defaultIPv6", "", "-dns01", "127.0.0.1:%d" % dns_port,
             "-http01", "", "-https01", "", "-tlsalpn01", "", "-management", "127.0.0.1:%d" % chall_mgmt],
            stdout=open(w / "challtestsrv.log", "w"), stderr=subprocess.STDOUT))
        (w / "pebble.json").write_text(json.dumps({"pebble": {
            "listenAddress": "127.0.0.1:%d" % api_port, "managementListenAddress": "127.0.0.1:%d" % mgmt_port,
            "certificate": str(w / "api.pem"), "privateKey": str(w / "api.key"), "httpPort": http_port,
            "tlsPort": tls_port, "ocspResponderURL": "", "externalAccountBindingRequired": False}}))
        self.pebble_log = w / "pebble.log"
        # PEBBLE_AUTHZREUSE=0: no authorization reuse, so every order is validated (as the lab's pebble runs).
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "PEBBLE_VA_NOSLEEP": "1",
               "PEBBLE_WFE_NONCEREJECT": "0", "PEBBLE_AUTHZREUSE": "0"}
        self.procs.append(subprocess.Popen(
            ["pebble", "-config", str(w / "pebble.json"), "-dnsserver", "127.0.0.1:%d" % dns_port],
            stdout=open(self.pebble_log, "w"), stderr=subprocess.STDOUT, env=env))
        self.anycast = Anycast(http_port, self)
        threading.Thread(target=self.anycast.serve_forever, daemon=True).start()
        self.directory = "https://127.0.0.1:%d/dir" % api_port
        self.ca_root = str(w / "root.pem")
        deadline = time.monotonic() + 20
        while "Listening on" not in self.pebble_log.read_text():
            if time.monotonic() > deadline:
                raise RuntimeError("pebble did not start: " + self.pebble_log.read_text()[-2000:])
            time.sleep(0.1)
        return self

    def stop(self):
        if self.anycast:
            self.anycast.shutdown()
            self.anycast.server_close()
        for proc in self.procs:
            proc.terminate()
        for proc in self.procs:
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()

    def orders(self):
        """New orders pebble accepted, from its log (its WFE logs each one: "Added order ... to the db")."""
        return len(re.findall(ORDER_LINE, self.pebble_log.read_text()))

    def issued(self):
        return len(re.findall(r"Issued certificate serial", self.pebble_log.read_text()))

    # --- the instances ---
    def add_instance(self, name):
        path = self.workdir / "instances" / name
        (path / "www").mkdir(parents=True, exist_ok=True)
        (path / "tls").mkdir(parents=True, exist_ok=True)
        self.instances.append(path)
        return path

    def destroy(self, path):
        shutil.rmtree(path)
        self.instances.remove(path)


# pebble's WFE logs every new order once: Added order "<id>" to the db (pebble 2.4, wfe/wfe.go NewOrder).
ORDER_LINE = r'Added order "[^"]+" to the db'



HOSTNAMES = ["www.anycast.test", "anycast.test"]


def converge(network, hostnames=HOSTNAMES, service="www", now=None, targets=None):
    """One converge of the shared certificate, as roles/caddy/tasks/certificate_order.yml runs it: read back what
    every instance holds, plan once, place the challenges on every instance, finish once, install everywhere.
    ``now`` moves the module's clock (a renewal due in years is tested without waiting years). Returns the plan."""
    from unittest import mock

    from module_runner import run_module

    from ansible_collections.anycast.network.plugins.filter.tls import split_pem
    from ansible_collections.anycast.network.plugins.modules import acme_certificate

    targets = network.instances if targets is None else targets
    held, account_key = [], None
    for inst in network.instances:
        bundle = inst / "tls" / (service + ".pem")
        account = inst / "tls" / (service + "-account.key")
        if bundle.exists():
            key, chain = split_pem(bundle.read_text())
            held.append({"instance": inst.name, "certificate": chain, "private_key": key})
        if account_key is None and account.exists():
            account_key = account.read_text()
    args = {"directory": network.directory, "hostnames": hostnames, "ca_root": network.ca_root, "held": held}
    if account_key:
        args["account_key"] = account_key
    clock = mock.patch.object(acme_certificate, "_now", return_value=now) if now else mock.patch.object(
        acme_certificate, "_now", wraps=acme_certificate._now)
    with clock:
        plan = run_module(acme_certificate, args)
        assert not plan.get("failed"), plan.get("msg")
        result = plan
        if plan["renew"]:
            for inst in network.instances:
                for challenge in plan["challenges"]:
                    path = inst / "www" / challenge["path"].lstrip("/")
                    path.parent.mkdir(parents=True, exist_ok=True)
                    path.write_text(challenge["content"])
            account_key = account_key or plan["account_key"]
            result = run_module(acme_certificate, dict(args, step="finish", account_key=account_key,
                                                       order=plan["order"]))
            assert not result.get("failed"), result.get("msg")
            for inst in network.instances:
                for challenge in plan["challenges"]:
                    (inst / "www" / challenge["path"].lstrip("/")).unlink()
    key = result["private_key"] if plan["renew"] else held[plan["source_index"]]["private_key"]
    account_key = account_key or plan["account_key"]
    for inst in targets:
        bundle = inst / "tls" / (service + ".pem")
        wanted = key.strip() + "\n" + result["certificate"].strip() + "\n"
        if not bundle.exists() or bundle.read_text() != wanted:
            bundle.write_text(wanted)
            bundle.chmod(0o600)
        account = inst / "tls" / (service + "-account.key")
        account.write_text(account_key)
        account.chmod(0o600)
    return dict(plan, account_key=account_key, certificate=result.get("certificate"))

"""ACME behind anycast on loopback: the real pebble, NSD and two Caddies with the role's relay.

Instance A (127.0.0.2) orders a certificate for www.anycast.test. The name resolves (through NSD) to the "anycast"
address 127.0.0.10, which only instance B listens on, so pebble's HTTP-01 validation lands at B. B does not hold
the token; its relay asks A on A's unicast address, and A gets its certificate.
"""

import json
import shutil
import socket
import ssl
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

from services_support import ROOT

RELAY = ROOT / "roles/caddy/files/anycast-acme-relay"
pytestmark = pytest.mark.integration


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def openssl(*args):
    subprocess.run(["openssl", *args], check=True, capture_output=True)


@pytest.fixture
def procs():
    started = []
    yield started
    for p in started:
        p.terminate()
    for p in started:
        try:
            p.wait(10)
        except subprocess.TimeoutExpired:
            p.kill()


def caddyfile(name, binds, http_port, https_port, admin, acme_dir, ca_root, storage):
    return f"""{{
    admin 127.0.0.1:{admin}
    http_port {http_port}
    https_port {https_port}
    storage file_system {storage}
}}
http://www.anycast.test, https://www.anycast.test {{
    bind {binds}
    header X-Anycast-Instance "{name}"
    tls {{
        issuer acme {{
            dir {acme_dir}
            trusted_roots {ca_root}
            disable_tlsalpn_challenge
        }}
    }}
    @acme_relay {{
        path /.well-known/acme-challenge/*
        not header X-Anycast-Acme-Relay *
    }}
    handle @acme_relay {{
        reverse_proxy 127.0.0.1:{{$RELAY_PORT}}
    }}
    handle {{
        respond "hello from {name}" 200
    }}
}}
"""


def test_certificate_issued_while_validation_lands_at_another_instance(tmp_path, procs):
    for tool in ("pebble", "caddy", "openssl"):
        if not shutil.which(tool):
            pytest.skip(tool + " is not installed")
    if not Path("/usr/sbin/nsd").exists():
        pytest.skip("nsd is not installed")
    # pebble's API certificate, signed by a throwaway lab root
    openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "2",
            "-keyout", str(tmp_path / "root.key"), "-out", str(tmp_path / "root.pem"), "-subj", "/CN=lab ACME API root")
    openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout",
            str(tmp_path / "api.key"), "-out", str(tmp_path / "api.csr"), "-subj", "/CN=ca.lab.test")
    (tmp_path / "ext").write_text("subjectAltName=DNS:ca.lab.test,IP:127.0.0.1\n")
    openssl("x509", "-req", "-in", str(tmp_path / "api.csr"), "-CA", str(tmp_path / "root.pem"), "-CAkey",
            str(tmp_path / "root.key"), "-CAcreateserial", "-days", "2", "-out", str(tmp_path / "api.pem"),
            "-extfile", str(tmp_path / "ext"))
    dns_port, api_port, mgmt_port, http_port, https_port, relay_port = (free_port() for _unused in range(6))
    # DNS: www.anycast.test -> the "anycast" address 127.0.0.10
    (tmp_path / "zone").write_text("$ORIGIN anycast.test.\n$TTL 60\n@ SOA ns1 hostmaster 1 3600 900 604800 60\n"
                                   "@ NS ns1\nns1 A 127.0.0.53\nwww A 127.0.0.10\n")
    (tmp_path / "nsd.conf").write_text(f"""server:
  ip-address: 127.0.0.1@{dns_port}
  username: ""
  chroot: ""
  database: ""
  zonelistfile: "{tmp_path}/zone.list"
  xfrdfile: "{tmp_path}/xfrd.state"
  pidfile: "{tmp_path}/nsd.pid"
remote-control:
  control-enable: no
zone:
  name: anycast.test
  zonefile: "{tmp_path}/zone"
""")
    procs.append(subprocess.Popen(["/usr/sbin/nsd", "-d", "-c", str(tmp_path / "nsd.conf")],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
    (tmp_path / "pebble.json").write_text(json.dumps({"pebble": {
        "listenAddress": f"127.0.0.1:{api_port}", "managementListenAddress": f"127.0.0.1:{mgmt_port}",
        "certificate": str(tmp_path / "api.pem"), "privateKey": str(tmp_path / "api.key"),
        "httpPort": http_port, "tlsPort": https_port, "ocspResponderURL": "", "externalAccountBindingRequired": False}}))
    pebble_log = open(tmp_path / "pebble.log", "w")
    procs.append(subprocess.Popen(["pebble", "-config", str(tmp_path / "pebble.json"), "-dnsserver",
                                   f"127.0.0.1:{dns_port}"], stdout=pebble_log, stderr=subprocess.STDOUT,
                                  env={"PEBBLE_VA_NOSLEEP": "1", "PEBBLE_WFE_NONCEREJECT": "0", "PATH": "/usr/bin:/bin"}))
    # B holds the anycast address; its relay knows A's unicast address.
    (tmp_path / "relay.json").write_text(json.dumps({"listen": f"127.0.0.1:{relay_port}", "instance": "B", "timeout": 2,
                                                     "peers": [{"name": "A", "url": f"http://127.0.0.2:{http_port}"},
                                                               {"name": "down", "url": "http://127.0.0.9:9"}]}))
    relay_log = open(tmp_path / "relay.log", "w")
    procs.append(subprocess.Popen(["python3", str(RELAY), "--config", str(tmp_path / "relay.json")],
                                  stdout=relay_log, stderr=subprocess.STDOUT))
    time.sleep(1.0)
    acme_dir = f"https://127.0.0.1:{api_port}/dir"
    logs = {}
    for name, binds in (("B", "127.0.0.3 127.0.0.10"), ("A", "127.0.0.2")):
        cf = tmp_path / f"Caddyfile.{name}"
        cf.write_text(caddyfile(name, binds, http_port, https_port, free_port(), acme_dir, tmp_path / "root.pem",
                                tmp_path / f"data-{name}").replace("{$RELAY_PORT}", str(relay_port)))
        subprocess.run(["caddy", "validate", "--adapter", "caddyfile", "--config", str(cf)], check=True,
                       capture_output=True)
        logs[name] = tmp_path / f"caddy-{name}.log"
        procs.append(subprocess.Popen(["caddy", "run", "--adapter", "caddyfile", "--config", str(cf)],
                                      stdout=open(logs[name], "w"), stderr=subprocess.STDOUT))
        time.sleep(0.5)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and "certificate obtained successfully" not in logs["A"].read_text():
        time.sleep(0.5)
    assert "certificate obtained successfully" in logs["A"].read_text(), logs["A"].read_text()[-3000:]
    relayed = (tmp_path / "relay.log").read_text()
    assert "answered by peer A" in relayed, relayed
    # pebble's issuing root verifies A's certificate.
    ctx = ssl.create_default_context(cafile=str(tmp_path / "root.pem"))
    pebble_root = urllib.request.urlopen(f"https://127.0.0.1:{mgmt_port}/roots/0", context=ctx, timeout=5).read()
    (tmp_path / "issuing.pem").write_bytes(pebble_root)
    client = ssl.create_default_context(cafile=str(tmp_path / "issuing.pem"))
    with socket.create_connection(("127.0.0.2", https_port), timeout=5) as sock:
        with client.wrap_socket(sock, server_hostname="www.anycast.test") as tls:
            tls.sendall(b"GET / HTTP/1.1\r\nHost: www.anycast.test\r\nConnection: close\r\n\r\n")
            reply = b""
            while chunk := tls.recv(4096):
                reply += chunk
    assert b"hello from A" in reply and b"X-Anycast-Instance: A" in reply.replace(b"x-anycast-instance", b"X-Anycast-Instance")


def _load_relay():
    import importlib.machinery
    import importlib.util
    loader = importlib.machinery.SourceFileLoader("anycast_acme_relay", str(RELAY))
    spec = importlib.util.spec_from_loader("anycast_acme_relay", loader)
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module


def test_a_peer_answering_200_with_anything_but_a_key_authorization_is_not_believed():
    """A peer whose web server answers every path with a page (200) does not hold the token: the relay must not hand
    that page to the CA as the key authorization (RFC 8555 section 8.1: token "." thumbprint)."""
    import http.server
    import threading

    token = "F3kv8_pqzomH_fcxyJwD72yGZriKMNeSYt09HyVBAS8"
    answers = {"/page/": b"<!DOCTYPE html><p>Served by instance lhr-1</p>",
               "/holder/": (token + ".R5vWE0ongPxpN-msYyR0IcsHrxqu2PstYSXwg_WQLRI").encode()}

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (the standard library's name)
            body = answers["/holder/" if self.server.server_port == holder.server_port else "/page/"]
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    page = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    holder = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    for server in (page, holder):
        threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        relay_mod = _load_relay()
        only_page = relay_mod.Relay({"instance": "B", "timeout": 2,
                                     "peers": [{"name": "page", "url": "http://127.0.0.1:%d" % page.server_port}]})
        assert only_page.lookup("www.anycast.test", token) == (None, None)
        both = relay_mod.Relay({"instance": "B", "timeout": 2,
                                "peers": [{"name": "page", "url": "http://127.0.0.1:%d" % page.server_port},
                                          {"name": "holder", "url": "http://127.0.0.1:%d" % holder.server_port}]})
        body, peer = both.lookup("www.anycast.test", token)
        assert body == answers["/holder/"] and peer["name"] == "holder"
    finally:
        page.shutdown()
        holder.shutdown()

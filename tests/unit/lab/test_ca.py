"""The lab's ACME CA: the lab root and pebble's API certificate, pebble's files, and where the plan puts them."""

import json
import os
import shutil
import socket
import ssl
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest
import yaml

from ansible_collections.anycast.network.plugins.module_utils.lab import addressing, ca, podman
from ansible_collections.anycast.network.plugins.module_utils.lab import topology as topo_mod

ROOT = Path(__file__).resolve().parents[3]
INTENT = yaml.safe_load((ROOT / "inventories/lab/group_vars/all/intent.yml").read_text())["anycast_intent"]
# The lab intent with its web service alone (the certificate checks below count one hostname per instance).
WEB_INTENT = dict(INTENT, services={k: v for k, v in INTENT["services"].items() if v["kind"] != "workload"})
DEFAULT = yaml.safe_load((ROOT / "lab/topologies/default.yml").read_text())

needs_openssl = pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl is not installed")


def _text(cert):
    return subprocess.run(["openssl", "x509", "-in", cert, "-noout", "-text"], capture_output=True, text=True,
                          check=True).stdout


@needs_openssl
def test_root_made_once_api_certificate_signed_by_it_for_the_hostname(tmp_path):
    first = ca.ensure_ca(str(tmp_path), "ca.lab.test", ["198.18.128.10", "2001:db8:f400::10"])
    assert first["changed"]
    root, api = tmp_path / "ca" / "root.pem", tmp_path / "ca" / "api.pem"
    verify = subprocess.run(["openssl", "verify", "-CAfile", str(root), str(api)], capture_output=True, text=True,
                            check=False)
    assert verify.returncode == 0, verify.stderr
    text = _text(str(api))
    assert "DNS:ca.lab.test" in text and "IP Address:198.18.128.10" in text and "2001:DB8:F400:0:0:0:0:10" in text
    assert "TLS Web Server Authentication" in text
    assert "CA:TRUE" in _text(str(root))
    for key in ("root.key", "api.key"):
        assert os.stat(tmp_path / "ca" / key).st_mode & 0o077 == 0, key
    # Again: nothing changes.
    again = ca.ensure_ca(str(tmp_path), "ca.lab.test", ["198.18.128.10", "2001:db8:f400::10"])
    assert not again["changed"]
    assert (again["root_pem"], again["cert_pem"], again["key_pem"]) == (
        first["root_pem"], first["cert_pem"], first["key_pem"])
    # Another name: a new API certificate from the same root.
    other = ca.ensure_ca(str(tmp_path), "acme.lab.test", ["198.18.128.10"])
    assert other["changed"] and other["root_pem"] == first["root_pem"] and other["cert_pem"] != first["cert_pem"]
    assert "DNS:acme.lab.test" in _text(str(api))


@needs_openssl
def test_lost_root_key_makes_a_new_root_and_certificate(tmp_path):
    first = ca.ensure_ca(str(tmp_path), "ca.lab.test")
    os.remove(tmp_path / "ca" / "root.key")
    second = ca.ensure_ca(str(tmp_path), "ca.lab.test")
    assert second["changed"] and second["root_pem"] != first["root_pem"]
    verify = subprocess.run(["openssl", "verify", "-CAfile", str(tmp_path / "ca" / "root.pem"),
                             str(tmp_path / "ca" / "api.pem")], capture_output=True, text=True, check=False)
    assert verify.returncode == 0, verify.stderr


def test_pebble_files_validate_at_once_over_the_anycast_dns():
    files = ca.node_files({"cert_pem": "C", "key_pem": "K"}, "203.0.113.53:53")
    conf = json.loads(files["pebble.json"])["pebble"]
    assert conf["httpPort"] == 80 and conf["listenAddress"] == ":14000" and conf["managementListenAddress"] == ":15000"
    assert conf["certificate"] == "/etc/anycast-lab/pebble-cert.pem"
    assert conf["privateKey"] == "/etc/anycast-lab/pebble-key.pem"
    script = files["start.sh"]
    assert "-dnsserver 203.0.113.53:53" in script
    for env in ("PEBBLE_VA_NOSLEEP=1", "PEBBLE_WFE_NONCEREJECT=0", "PEBBLE_AUTHZREUSE=0"):
        assert env in script
    # In the background: the lab's init goes on at once.
    assert script.rstrip().endswith("&")
    assert files["pebble-cert.pem"] == "C" and files["pebble-key.pem"] == "K"
    assert podman.file_mode("pebble-key.pem") == 0o600 and podman.file_mode("start.sh") == 0o755
    assert "-dnsserver" not in ca.start_script(None)


def test_start_script_is_valid_shell():
    proc = subprocess.run(["sh", "-n"], input=ca.start_script("[2001:db8:ac00::53]:53"), text=True,
                          capture_output=True, check=False)
    assert proc.returncode == 0, proc.stderr


def test_plan_gives_the_ca_the_intents_dns_and_its_name_to_instances_and_vantage_points():
    plan = addressing.plan_for_intent(topo_mod.validate(DEFAULT), INTENT)
    node = plan["nodes"]["ca"]
    assert node["dns_server"] == "203.0.113.53:53" and node["hostname"] == "ca.lab.test"
    svc = plan["services"]["ca"]
    assert svc["directory"] == "https://ca.lab.test:14000/dir" and svc["roots"] == "https://ca.lab.test:15000/roots/0"
    # The intent's directory is the lab's.
    assert INTENT["services"]["web"]["tls"]["acme_directory"] == svc["directory"]
    for n in plan["nodes"].values():
        if n["kind"] in ("instance", "client"):
            assert n["hosts"] == {"ca.lab.test": "198.18.128.10", "registry.lab.test": "198.18.128.10"}, n["name"]
    args = podman.run_args(plan["nodes"]["client-lhr"], "img")
    assert "--add-host" in args and "ca.lab.test:198.18.128.10" in args


def test_dns_server_of_the_intent():
    assert addressing.intent_dns_server({"services": {"d": {"kind": "dns", "addresses": ["2001:db8::53"]}}}) \
        == "[2001:db8::53]:53"
    assert addressing.intent_dns_server({"anycast_intent": INTENT}) == "203.0.113.53:53"
    assert addressing.intent_dns_server({"services": {"w": {"kind": "web", "addresses": ["192.0.2.1"]}}}) is None


@needs_openssl
def test_ca_node_files_carry_the_generated_certificate(tmp_path):
    plan = addressing.plan_for_intent(topo_mod.validate(DEFAULT), INTENT)
    material = podman.ensure_ca(plan, str(tmp_path))
    files = podman.node_files(plan["nodes"]["ca"], "pw", "ssh-ed25519 AAAA", material)
    assert files["pebble-cert.pem"] == (tmp_path / "ca" / "api.pem").read_text()
    assert "-dnsserver 203.0.113.53:53" in files["start.sh"]
    assert podman.ca_root_path(str(tmp_path)) == str(tmp_path / "ca" / "root.pem")


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@needs_openssl
@pytest.mark.skipif(shutil.which("pebble") is None, reason="pebble is not installed")
def test_real_pebble_serves_its_directory_with_the_lab_certificate(tmp_path):
    """pebble accepts the generated certificate and key; a client trusting only the lab root reaches /dir as
    ca.lab.test (on loopback, with the lab's configuration but loopback ports)."""
    material = ca.ensure_ca(str(tmp_path), "ca.lab.test", ["127.0.0.1"])
    files = ca.node_files(material)
    conf = json.loads(files["pebble.json"])
    api, mgmt = _free_port(), _free_port()
    conf["pebble"].update(listenAddress="127.0.0.1:%d" % api, managementListenAddress="127.0.0.1:%d" % mgmt,
                          certificate=str(tmp_path / "ca" / "api.pem"), privateKey=str(tmp_path / "ca" / "api.key"),
                          httpPort=_free_port(), tlsPort=_free_port())
    (tmp_path / "pebble.json").write_text(json.dumps(conf))
    env = dict(ca.PEBBLE_ENV, PATH="/usr/bin:/bin")
    with open(tmp_path / "pebble.log", "w") as log:
        proc = subprocess.Popen(["pebble", "-config", str(tmp_path / "pebble.json")], stdout=log,
                                stderr=subprocess.STDOUT, env=env)
    try:
        ctx = ssl.create_default_context(cafile=material["root"])
        ctx.check_hostname = False  # the name is checked below, against the certificate, not via DNS
        body = None
        for _ in range(50):
            try:
                with socket.create_connection(("127.0.0.1", api), timeout=2) as sock:
                    strict = ssl.create_default_context(cafile=material["root"])
                    with strict.wrap_socket(sock, server_hostname="ca.lab.test") as tls:
                        tls.sendall(b"GET /dir HTTP/1.1\r\nHost: ca.lab.test\r\nConnection: close\r\n\r\n")
                        body = b""
                        while chunk := tls.recv(4096):
                            body += chunk
                break
            except (ConnectionRefusedError, ConnectionResetError):
                time.sleep(0.1)
        assert body and b"newOrder" in body, (tmp_path / "pebble.log").read_text()
        issuing = urllib.request.urlopen("https://127.0.0.1:%d/roots/0" % mgmt, context=ctx, timeout=5).read()
        assert b"BEGIN CERTIFICATE" in issuing and issuing.decode() != material["root_pem"]
    finally:
        proc.terminate()
        proc.wait(10)


class FakeLab:
    """podman exec stand-in: the CA answers /roots/0; each instance's certificate state changes when Caddy is
    reloaded (a missing one is obtained, a stale one only once it was removed from storage)."""

    def __init__(self, states, obtain=True):
        self.states = dict(states)
        self.obtain = obtain
        self.calls = []

    def __call__(self, container, *cmd, timeout=30, check=False, input_text=None):
        self.calls.append((container, cmd))
        name = container.replace("anycast-lab-", "")
        out, rc = "", 0
        if name == "ca":
            out = "-----BEGIN CERTIFICATE-----\nroot\n-----END CERTIFICATE-----\n"
        elif "systemctl reload caddy" in cmd[-1]:
            assert "%s/ca.lab.test-14000-dir" % ca.CADDY_ACCOUNTS in cmd[-1]
            if self.states[name] in ("missing", "backoff") and self.obtain:
                self.states[name] = "valid"
            if self.states[name] == "stale" and "%s/ca.lab.test-14000-dir" % ca.CADDY_CERTS in cmd[-1]:
                self.states[name] = "valid"
        elif self.states[name] == "inactive":
            out = "inactive\n"
        else:
            assert input_text and "BEGIN CERTIFICATE" in input_text
            out = {"valid": "rc=0\n", "missing": "rc=35\n", "backoff": "rc=35\nbackoff\n",
                   "stale": "rc=60\nissuer=CN = Pebble Intermediate CA 1\n"}[self.states[name]]
        return subprocess.CompletedProcess(cmd, rc, out, "")


def _default_plan():
    return addressing.plan_for_intent(topo_mod.validate(DEFAULT), INTENT)


def test_acme_services_of_the_lab_ca_and_their_storage():
    plan = _default_plan()
    assert ca.lab_acme_services(INTENT, plan) == [("web", ["www.anycast.test"], "https://ca.lab.test:14000/dir"),
                                                  ("demo", ["demo.anycast.test"], "https://ca.lab.test:14000/dir")]
    other = json.loads(json.dumps(INTENT))
    for name in ("web", "demo"):
        other["services"][name]["tls"]["acme_directory"] = "https://acme-v02.api.letsencrypt.org/directory"
    assert ca.lab_acme_services(other, plan) == []
    assert ca.storage_dir("https://ca.lab.test:14000/dir") == "ca.lab.test-14000-dir"


def test_converge_nudges_missing_and_stale_certificates_once_and_leaves_valid_ones():
    plan = _default_plan()
    names = [i["name"] for i in plan["instances"]]
    states = {n: "valid" for n in names}
    states.update({"ams-1": "missing", "lhr-2": "stale"})
    lab = FakeLab(states)
    result = ca.converge_certificates(lab, plan, WEB_INTENT, timeout=30, step=0, patience=0)
    assert result["ok"], result
    assert sorted((n["instance"], n["reason"]) for n in result["nudged"]) == [("ams-1", "missing"), ("lhr-2", "stale")]
    assert all(v == {"www.anycast.test": "valid"} for v in result["instances"].values())
    reloads = [c for c, cmd in lab.calls if "systemctl reload" in cmd[-1]]
    assert sorted(reloads) == ["anycast-lab-ams-1", "anycast-lab-lhr-2"]
    # In check mode the same nudges are reported, none is made.
    dry = FakeLab(dict(states, **{"ams-1": "missing", "lhr-2": "stale"}), obtain=False)
    result = ca.converge_certificates(dry, plan, WEB_INTENT, timeout=0, step=0, patience=0, check_mode=True)
    assert sorted(n["instance"] for n in result["nudged"]) == ["ams-1", "lhr-2"]
    assert not [c for c, cmd in dry.calls if "systemctl reload" in cmd[-1]]
    assert ca.problem(result).startswith("no certificate from the lab CA on: ams-1 (www.anycast.test: missing)")
    # All valid: nothing is touched.
    quiet = FakeLab({n: "valid" for n in names})
    assert ca.converge_certificates(quiet, plan, WEB_INTENT, timeout=5, step=0)["nudged"] == []
    assert not [c for c, cmd in quiet.calls if "systemctl reload" in cmd[-1]]


def test_an_instance_waiting_out_a_failed_try_is_nudged_at_once_a_missing_one_after_patience():
    """The first PoP of a cold lab asked before anything announced: Caddy logged "will retry" and waits a minute.
    It is reloaded at the first look; an instance whose certificate is merely not there yet gets its patience."""
    plan = _default_plan()
    states = {i["name"]: "valid" for i in plan["instances"]}
    states.update({"ams-1": "backoff", "ams-2": "backoff", "lhr-1": "missing"})
    lab = FakeLab(states)
    result = ca.converge_certificates(lab, plan, WEB_INTENT, timeout=30, step=0.05, patience=0.5)
    assert result["ok"], result
    order = [(n["instance"], n["reason"]) for n in result["nudged"]]
    assert order[:2] == [("ams-1", "backoff"), ("ams-2", "backoff")] and order[2:] == [("lhr-1", "missing")]
    looks = [c for c, cmd in lab.calls if c == "anycast-lab-lhr-1" and "systemctl reload" not in cmd[-1]]
    assert len(looks) > 2  # looked at several times before its patience ran out
    reloads = [i for i, (_c, cmd) in enumerate(lab.calls) if "systemctl reload" in cmd[-1]]
    assert [lab.calls[i][0] for i in reloads[:2]] == ["anycast-lab-ams-1", "anycast-lab-ams-2"]
    # Right after the first look at every instance (the CA's root, then one look each).
    assert reloads[0] == 1 + len(plan["instances"])


def test_converge_gives_up_within_its_time_and_says_where():
    plan = _default_plan()
    lab = FakeLab({i["name"]: "missing" for i in plan["instances"]}, obtain=False)
    t0 = time.monotonic()
    result = ca.converge_certificates(lab, plan, WEB_INTENT, timeout=1, step=0.2, patience=0.1)
    assert time.monotonic() - t0 < 10
    assert not result["ok"] and result["instances"]["jfk-2"] == {"www.anycast.test": "missing"}
    # Each instance is nudged once (again only a minute later), once Caddy had its patience to obtain it.
    nudged = [n["instance"] for n in result["nudged"]]
    assert sorted(nudged) == sorted(i["name"] for i in plan["instances"])
    first_reload = next(i for i, (_c, cmd) in enumerate(lab.calls) if "systemctl reload" in cmd[-1])
    assert first_reload > len(plan["instances"])


def test_instance_without_caddy_fails_at_once():
    plan = _default_plan()
    states = {i["name"]: "valid" for i in plan["instances"]}
    states["lax-2"] = "inactive"
    t0 = time.monotonic()
    result = ca.converge_certificates(FakeLab(states), plan, WEB_INTENT, timeout=60, step=0.5)
    assert time.monotonic() - t0 < 5
    assert not result["ok"] and result["instances"]["lax-2"] == {"www.anycast.test": "inactive"}
    assert not result["nudged"]

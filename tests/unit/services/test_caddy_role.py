"""The caddy role's templates, rendered for the lab intent and checked by the real Caddy."""

import copy
import json
import subprocess

import pytest
import yaml

from services_support import ROOT, lab_inventory, need, run_playbook

LAB_INTENT = yaml.safe_load((ROOT / "inventories/lab/group_vars/all/intent.yml").read_text())["anycast_intent"]
EXAMPLE_INTENT = yaml.safe_load((ROOT / "inventories/vultr-example/group_vars/all/intent.yml").read_text())["anycast_intent"]

RENDER = """
- name: Render the caddy role's templates
  hosts: lhr-1
  gather_facts: false
  vars_files: [{role}/defaults/main.yml]
  tasks:
    - name: Render
      vars: {extra}
      ansible.builtin.template:
        src: "{role}/templates/{{{{ item.src }}}}"
        dest: "{out}/{{{{ item.dest }}}}"
        mode: "0644"
      loop:
        - {{src: Caddyfile.j2, dest: Caddyfile}}
        - {{src: acme-relay.json.j2, dest: acme-relay.json}}
"""


def render(tmp_path, intent, extra=None):
    inv = lab_inventory(tmp_path, intent)
    out = tmp_path / "out"
    out.mkdir()
    run_playbook(tmp_path, inv, RENDER.format(role=ROOT / "roles/caddy", out=out, extra=json.dumps(extra or {})))
    return out


def adapt(path):
    need("caddy")
    proc = subprocess.run(["caddy", "adapt", "--adapter", "caddyfile", "--config", str(path)],
                          capture_output=True, text=True, check=True)
    return json.loads(proc.stdout)


def _handlers(node):
    """Every handler object anywhere in an adapted Caddy configuration."""
    if isinstance(node, dict):
        if "handler" in node:
            yield node
        for value in node.values():
            yield from _handlers(value)
    elif isinstance(node, list):
        for value in node:
            yield from _handlers(value)


def test_lab_caddyfile_is_valid_and_routes_as_designed(tmp_path):
    intent = copy.deepcopy(LAB_INTENT)
    # The lab's CA root exists only once the lab made it; this test checks the rest of the file.
    for svc in intent["services"].values():
        svc.get("tls", {}).pop("ca_root", None)
    # Each instance's Caddy ordering its own certificate (caddy_tls_shared: false, as before 1.2.0).
    out = render(tmp_path, intent, {"caddy_tls_shared": False})
    text = (out / "Caddyfile").read_text()
    assert 'X-Anycast-Instance "lhr-1"' in text and 'X-Anycast-Pop "lhr"' in text
    need("caddy")
    subprocess.run(["caddy", "validate", "--adapter", "caddyfile", "--config", str(out / "Caddyfile")],
                   check=True, capture_output=True)
    cfg = adapt(out / "Caddyfile")
    servers = cfg["apps"]["http"]["servers"]
    listens = sorted(a for s in servers.values() for a in s["listen"])
    # anycast v4/v6 and the instance's own addresses, on 80 and 443
    for addr in ("203.0.113.10", "[2001:db8:ac00::10]", "192.0.2.11", "[2001:db8:1::11]"):
        assert "%s:80" % addr in listens and "%s:443" % addr in listens, listens
    # The ACME issuer points at the intent's directory, never TLS-ALPN.
    policies = cfg["apps"]["tls"]["automation"]["policies"]
    issuer = policies[0]["issuers"][0]
    assert issuer["ca"] == "https://ca.lab.test:14000/dir"
    assert issuer["challenges"]["tls-alpn"]["disabled"] is True
    # No automatic HTTP->HTTPS redirect: plain HTTP serves the page (and the challenge relay).
    assert "redir" not in json.dumps(servers) and "Location" not in json.dumps(servers)
    assert "127.0.0.1:8402" in json.dumps(servers)
    # The page is in the configuration itself (no file to install): it names the instance and its PoP.
    pages = [h for h in _handlers(servers) if h.get("handler") == "static_response" and "<html" in h.get("body", "")]
    assert pages and all('id="instance">lhr-1<' in p["body"] and 'id="pop">lhr<' in p["body"] for p in pages)
    relay = json.loads((out / "acme-relay.json").read_text())
    assert relay["instance"] == "lhr-1"
    assert [p["name"] for p in relay["peers"]] == ["lhr-2", "ams-1"]
    assert relay["peers"][0]["url"] == "http://192.0.2.12:80"


def test_shared_certificate_http_only_until_it_is_installed_then_loaded_from_its_file(tmp_path):
    """The network's first converge has no certificate yet: HTTP only (the challenge web root first); once the
    configure step installed it, Caddy loads it from its file and orders nothing itself."""
    intent = copy.deepcopy(LAB_INTENT)
    intent["services"]["web"]["tls"].pop("ca_root", None)
    out = render(tmp_path, intent)
    cfg = adapt(out / "Caddyfile")
    servers = cfg["apps"]["http"]["servers"]
    listens = [a for srv in servers.values() for a in srv["listen"]]
    assert all(a.endswith(":80") for a in listens), listens
    dump = json.dumps(servers)
    assert '"/var/lib/anycast-acme"' in dump and '"file_server"' in dump
    # The shared web root is tried before the relay (a relayed request for a shared token is answered too).
    assert dump.index("file_server") < dump.index("127.0.0.1:8402")
    assert "automation" not in json.dumps(cfg.get("apps", {}).get("tls", {}))

    tls_dir = tmp_path / "tls"
    tls_dir.mkdir()
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                    "-days", "2", "-keyout", str(tls_dir / "key"), "-out", str(tls_dir / "crt"),
                    "-subj", "/CN=www.anycast.test"], check=True, capture_output=True)
    (tls_dir / "web.pem").write_text((tls_dir / "key").read_text() + (tls_dir / "crt").read_text())
    (tmp_path / "out").rename(tmp_path / "out-before")
    out = render(tmp_path, intent, {"caddy_tls_dir": str(tls_dir), "__caddy_tls_bundles": {"web": {"pem": "x"}}})
    subprocess.run(["caddy", "validate", "--adapter", "caddyfile", "--config", str(out / "Caddyfile")],
                   check=True, capture_output=True)
    cfg = adapt(out / "Caddyfile")
    listens = [a for srv in cfg["apps"]["http"]["servers"].values() for a in srv["listen"]]
    assert any(a.endswith(":443") for a in listens), listens
    loaded = cfg["apps"]["tls"]["certificates"]["load_files"]
    assert [(f["certificate"], f["key"]) for f in loaded] == [(str(tls_dir / "web.pem"), str(tls_dir / "web.pem"))]
    assert "issuers" not in json.dumps(cfg["apps"]["tls"].get("automation", {}))


def test_proxy_and_internal_tls_and_ca_root(tmp_path):
    intent = copy.deepcopy(EXAMPLE_INTENT)
    intent["services"]["web"]["tls"] = {"mode": "internal"}
    out = render(tmp_path, intent)
    cfg = adapt(out / "Caddyfile")
    dump = json.dumps(cfg)
    assert "127.0.0.1:8080" in dump          # proxy_to
    assert '"internal"' in dump              # tls internal
    assert "8402" not in dump                # no relay without ACME


def test_tls_off_serves_http_only(tmp_path):
    intent = copy.deepcopy(LAB_INTENT)
    for svc in intent["services"].values():
        if "tls" in svc:
            svc["tls"] = {"mode": "off"}
    out = render(tmp_path, intent)
    cfg = adapt(out / "Caddyfile")
    listens = [a for s in cfg["apps"]["http"]["servers"].values() for a in s["listen"]]
    assert all(a.endswith(":80") for a in listens), listens


@pytest.mark.parametrize("bad", ["frobnicate now", "tls {\n\t\tno_such_option\n\t}", "bind 203.0.113.10\n\tencode nonsense"])
def test_caddy_validate_rejects_a_broken_file(tmp_path, bad):
    need("caddy")
    path = tmp_path / "broken"
    path.write_text("http://x {\n\t%s\n}\n" % bad)
    proc = subprocess.run(["caddy", "validate", "--adapter", "caddyfile", "--config", str(path)],
                          capture_output=True, text=True, check=False)
    assert proc.returncode != 0


def test_access_logs_are_json_on_stderr(tmp_path):
    """Every site logs its requests as JSON to stderr, which systemd puts in the journal; off when asked."""
    intent = copy.deepcopy(LAB_INTENT)
    intent["services"]["web"]["tls"].pop("ca_root", None)
    cfg = adapt(render(tmp_path, intent) / "Caddyfile")
    logs = cfg["logging"]["logs"]
    access = {name: log for name, log in logs.items() if name != "default"}
    assert access and all(log["encoder"]["format"] == "json" and log["writer"]["output"] == "stderr"
                          for log in access.values()), logs
    for server in cfg["apps"]["http"]["servers"].values():
        names = server["logs"]["logger_names"]
        assert names and set(names.values()) <= set(access), server["logs"]


def test_access_logs_can_be_off(tmp_path):
    out = render(tmp_path, copy.deepcopy(LAB_INTENT), extra={"caddy_access_log": False})
    assert "log {" not in (out / "Caddyfile").read_text()


def test_metrics_for_the_scrapers_on_the_management_address(tmp_path):
    """Metrics on: a site of its own serving Caddy's metrics on ansible_host and the intent's port (the admin API
    stays on loopback); off: no such site."""
    intent = copy.deepcopy(LAB_INTENT)
    intent["services"]["web"]["tls"].pop("ca_root", None)
    intent.pop("metrics", None)
    (tmp_path / "off").mkdir()
    cfg = adapt(render(tmp_path / "off", intent) / "Caddyfile")
    assert not [h for h in _handlers(cfg) if h.get("handler") == "metrics"]
    intent["metrics"] = {"enabled": True, "caddy_port": 9800}
    inv = lab_inventory(tmp_path, intent)
    doc = json.loads(inv.read_text())
    doc["all"]["children"]["anycast_instances"]["hosts"]["lhr-1"]["ansible_host"] = "198.51.100.7"
    inv.write_text(json.dumps(doc))
    out = tmp_path / "out"
    out.mkdir()
    run_playbook(tmp_path, inv, RENDER.format(role=ROOT / "roles/caddy", out=out, extra="{}"))
    need("caddy")
    subprocess.run(["caddy", "validate", "--adapter", "caddyfile", "--config", str(out / "Caddyfile")],
                   check=True, capture_output=True)
    cfg = adapt(out / "Caddyfile")
    servers = [s for s in cfg["apps"]["http"]["servers"].values()
               if [h for h in _handlers(s) if h.get("handler") == "metrics"]]
    assert len(servers) == 1 and servers[0]["listen"] == ["198.51.100.7:9800"], servers
    assert cfg["admin"]["listen"] == "localhost:2019"

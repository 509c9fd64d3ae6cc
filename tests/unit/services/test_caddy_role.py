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
      ansible.builtin.template:
        src: "{role}/templates/{{{{ item.src }}}}"
        dest: "{out}/{{{{ item.dest }}}}"
        mode: "0644"
      loop:
        - {{src: Caddyfile.j2, dest: Caddyfile}}
        - {{src: acme-relay.json.j2, dest: acme-relay.json}}
"""


def render(tmp_path, intent):
    inv = lab_inventory(tmp_path, intent)
    out = tmp_path / "out"
    out.mkdir()
    run_playbook(tmp_path, inv, RENDER.format(role=ROOT / "roles/caddy", out=out))
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
    out = render(tmp_path, intent)
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

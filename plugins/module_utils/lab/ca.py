# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The lab's ACME CA: pebble in the `ca` container, with an API certificate signed by a lab root.

Two certificates are involved (docs/tls.md):
- the lab root (`<state_dir>/ca/root.pem`, generated once per lab and kept) signs pebble's API certificate for the
  CA's hostname (`ca.lab.test`); the lab intent hands that root to Caddy (`tls.ca_root`) so it trusts the directory;
- pebble's issuing root is pebble's own, made at every start and published on its management port
  (`https://<hostname>:15000/roots/0`): that is what clients trust for the certificates it issues.

Pebble resolves the names it validates through the intent's anycast DNS service (`-dnsserver`), so its HTTP-01
requests take the lab's routes to the PoP nearest the CA, like a real CA's validation servers would.
"""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
from concurrent.futures import ThreadPoolExecutor

API_PORT = 14000
MANAGEMENT_PORT = 15000
# The lab's image registry (Debian's docker-registry) runs beside pebble on the CA node, with pebble's API certificate
# (which names it too): instances pull workload images from it with TLS verified against the lab root.
REGISTRY_HOSTNAME = "registry.lab.test"
REGISTRY_PORT = 5000
ROOT_DAYS = 3650
API_DAYS = 825
RENEW_BEFORE_DAYS = 30
# pebble's knobs (its README): validate at once, never reject a good nonce, never reuse a valid authorisation (a new
# order must be validated again: the lab tests watch where the validation lands).
PEBBLE_ENV = {"PEBBLE_VA_NOSLEEP": "1", "PEBBLE_WFE_NONCEREJECT": "0", "PEBBLE_AUTHZREUSE": "0"}
# Restarts of pebble should it exit: bounded, one a second at most.
MAX_RESTARTS = 50


class CAError(RuntimeError):
    pass


def _openssl(*args):
    proc = subprocess.run(["openssl"] + list(args), capture_output=True, text=True, check=False, timeout=60)
    if proc.returncode != 0:
        raise CAError("openssl %s failed: %s" % (args[0], (proc.stderr or proc.stdout).strip()[-1000:]))
    return proc.stdout


def _write_private(path, content, mode=0o600):
    fd = os.open(path + ".tmp", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, "w") as handle:
        handle.write(content)
    os.replace(path + ".tmp", path)


def _valid_for(cert, days):
    """True when the certificate file exists and is still valid `days` from now."""
    if not os.path.exists(cert):
        return False
    proc = subprocess.run(["openssl", "x509", "-in", cert, "-noout", "-checkend", str(days * 86400)],
                          capture_output=True, text=True, check=False, timeout=30)
    return proc.returncode == 0


def _sans(hostname, addresses, names=()):
    return ["DNS:%s" % n for n in [hostname] + list(names)] + ["IP:%s" % a for a in addresses if a]


def ensure_ca(state_dir, hostname, addresses=(), names=()):
    """Generate the lab root (once) and pebble's API certificate (again when its names change or it nears expiry).

    `names`: further DNS names of the API certificate (the lab's registry, on the same node).
    Files under <state_dir>/ca/: root.key, root.pem, api.key, api.pem, api.names. Returns
    {"root": <root PEM path>, "root_pem", "cert_pem", "key_pem", "changed"}.
    """
    ca_dir = os.path.join(state_dir, "ca")
    os.makedirs(ca_dir, mode=0o700, exist_ok=True)
    root_key, root_pem = os.path.join(ca_dir, "root.key"), os.path.join(ca_dir, "root.pem")
    api_key, api_pem = os.path.join(ca_dir, "api.key"), os.path.join(ca_dir, "api.pem")
    names_file = os.path.join(ca_dir, "api.names")
    changed = False
    if not (os.path.exists(root_key) and _valid_for(root_pem, RENEW_BEFORE_DAYS)):
        _openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                 "-days", str(ROOT_DAYS), "-keyout", root_key + ".new", "-out", root_pem + ".new",
                 "-subj", "/O=anycast.network lab/CN=anycast.network lab root CA",
                 "-addext", "basicConstraints=critical,CA:TRUE",
                 "-addext", "keyUsage=critical,keyCertSign,cRLSign")
        os.chmod(root_key + ".new", 0o600)
        os.replace(root_key + ".new", root_key)
        os.replace(root_pem + ".new", root_pem)
        for stale in (api_pem, names_file):
            if os.path.exists(stale):
                os.remove(stale)
        changed = True
    sans = ",".join(_sans(hostname, addresses, names))
    have_names = open(names_file, encoding="utf-8").read().strip() if os.path.exists(names_file) else ""
    if have_names != sans or not os.path.exists(api_key) or not _valid_for(api_pem, RENEW_BEFORE_DAYS):
        with tempfile.TemporaryDirectory(dir=ca_dir) as tmp:
            csr, ext = os.path.join(tmp, "api.csr"), os.path.join(tmp, "ext.cnf")
            with open(ext, "w", encoding="utf-8") as handle:
                handle.write("subjectAltName=%s\nbasicConstraints=critical,CA:FALSE\n"
                             "keyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n" % sans)
            _openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                     "-keyout", api_key + ".new", "-out", csr, "-subj", "/CN=%s" % hostname)
            _openssl("x509", "-req", "-in", csr, "-CA", root_pem, "-CAkey", root_key, "-CAcreateserial",
                     "-CAserial", os.path.join(ca_dir, "root.srl"), "-days", str(API_DAYS),
                     "-out", api_pem + ".new", "-extfile", ext)
        os.chmod(api_key + ".new", 0o600)
        os.replace(api_key + ".new", api_key)
        os.replace(api_pem + ".new", api_pem)
        _write_private(names_file, sans + "\n", 0o644)
        changed = True
    with open(root_pem, encoding="utf-8") as r, open(api_pem, encoding="utf-8") as c, \
            open(api_key, encoding="utf-8") as k:
        return {"root": root_pem, "root_pem": r.read(), "cert_pem": c.read(), "key_pem": k.read(),
                "changed": changed}


def pebble_config():
    """pebble's configuration file (JSON), read from /etc/anycast-lab in the CA container."""
    return json.dumps({"pebble": {
        "listenAddress": ":%d" % API_PORT,
        "managementListenAddress": ":%d" % MANAGEMENT_PORT,
        "certificate": "/etc/anycast-lab/pebble-cert.pem",
        "privateKey": "/etc/anycast-lab/pebble-key.pem",
        # HTTP-01 validations go to port 80 of the name, as a real CA's do; TLS-ALPN-01 to 443.
        "httpPort": 80,
        "tlsPort": 443,
        "ocspResponderURL": "",
        "externalAccountBindingRequired": False,
    }}, indent=1, sort_keys=True) + "\n"


def start_script(dns_server=None):
    """The CA container's start.sh (run by the lab's init): pebble and the image registry in the background, each
    restarted should it exit.

    Nothing waits for it: the lab is ready when its routers are; the first ACME client simply retries.
    """
    env = " ".join("%s=%s" % kv for kv in sorted(PEBBLE_ENV.items()))
    args = "-config /etc/anycast-lab/pebble.json"
    if dns_server:
        args += " -dnsserver %s" % dns_server
    return """#!/bin/sh
# The lab's ACME CA: pebble, restarted (at most %(max)d times) should it exit. Log: /var/log/pebble.log.
(
  n=0
  while [ "$n" -lt %(max)d ]; do
    env %(env)s /usr/bin/pebble %(args)s >>/var/log/pebble.log 2>&1
    echo "pebble exited ($?), restarting" >>/var/log/pebble.log
    n=$((n + 1))
    sleep 1
  done
) </dev/null >/dev/null 2>&1 &
# The lab's image registry (Debian's docker-registry), likewise. Log: /var/log/registry.log.
(
  n=0
  while [ "$n" -lt %(max)d ]; do
    /usr/bin/docker-registry serve /etc/anycast-lab/registry.yml >>/var/log/registry.log 2>&1
    echo "registry exited ($?), restarting" >>/var/log/registry.log
    n=$((n + 1))
    sleep 1
  done
) </dev/null >/dev/null 2>&1 &
""" % {"max": MAX_RESTARTS, "env": env, "args": args}


def registry_config():
    """docker-registry's configuration (distribution 2.x, YAML; JSON is YAML): TLS with pebble's API certificate,
    which names the registry; storage inside the CA container (a new container starts empty, the lab pushes again);
    listening on the CA node's own addresses, which only the lab's networks reach."""
    return json.dumps({
        "version": "0.1",
        "log": {"level": "info"},
        "storage": {"filesystem": {"rootdirectory": "/var/lib/docker-registry"}, "delete": {"enabled": True}},
        "http": {"addr": ":%d" % REGISTRY_PORT,
                 "tls": {"certificate": "/etc/anycast-lab/pebble-cert.pem",
                         "key": "/etc/anycast-lab/pebble-key.pem"}},
    }, indent=1, sort_keys=True) + "\n"


def node_files(ca, dns_server=None):
    """Files of the CA node: its start script, pebble's configuration, API certificate and key."""
    return {"start.sh": start_script(dns_server), "pebble.json": pebble_config(), "registry.yml": registry_config(),
            "pebble-cert.pem": ca["cert_pem"], "pebble-key.pem": ca["key_pem"]}


# --- Certificates on the instances -------------------------------------------------------------------------------
# Caddy keeps certificates per issuer under its storage; the directory is named after the ACME directory URL.
CADDY_DATA = "/var/lib/caddy/.local/share/caddy"
CADDY_CERTS = CADDY_DATA + "/certificates"
CADDY_ACCOUNTS = CADDY_DATA + "/acme"
ROOT_IN_CONTAINER = "/run/anycast-lab-pebble-root.pem"


def lab_acme_services(intent, plan):
    """The intent's web services and HTTP workloads whose ACME directory is the lab CA's:
    [(name, hostnames, directory)]."""
    if isinstance(intent, dict) and "anycast_intent" in intent:
        intent = intent["anycast_intent"]
    svc = (plan.get("services") or {}).get("ca")
    out = []
    if not svc:
        return out
    for name, spec in ((intent or {}).get("services") or {}).items():
        if not isinstance(spec, dict) or spec.get("kind") not in ("web", "workload"):
            continue
        tls = spec.get("tls") or {}
        if tls.get("mode", "acme") != "acme" or not spec.get("hostnames"):
            continue
        directory = str(tls.get("acme_directory", ""))
        if "//%s:" % svc["hostname"] in directory or "//%s/" % svc["hostname"] in directory:
            out.append((name, list(spec["hostnames"]), directory))
    return out


def storage_dir(directory):
    """Caddy's (certmagic's) storage key of an ACME issuer: the directory URL's host, port and path."""
    from urllib.parse import urlparse  # pylint: disable=import-outside-toplevel

    url = urlparse(directory)
    key = url.netloc + url.path
    return "".join(c if c.isalnum() or c in ".-_" else "-" for c in key).strip("-")


def issuing_root(exec_, plan, timeout=30):
    """pebble's current issuing root (PEM), fetched inside the CA container; None while pebble is not answering."""
    import time  # pylint: disable=import-outside-toplevel

    container = plan["services"]["ca"]["container"]
    deadline = time.monotonic() + timeout
    while True:
        proc = exec_(container, "curl", "-sk", "-m", "3", "https://127.0.0.1:%d/roots/0" % MANAGEMENT_PORT,
                     timeout=10)
        if proc.returncode == 0 and "BEGIN CERTIFICATE" in proc.stdout:
            return proc.stdout
        if time.monotonic() > deadline:
            return None
        time.sleep(1)


def check_certificate(exec_, container, address, hostname, root_pem):
    """Does the instance serve a certificate for hostname, on its own address, that pebble's root verifies?

    Returns "valid", "stale" (a certificate from another CA, e.g. a pebble that has since restarted), "backoff"
    (missing, and Caddy logged a failed try since it started: it waits out its retry back-off), "missing", or
    "inactive" (Caddy does not run: the roles have not configured the instance).
    """
    host = "[%s]" % address if ":" in address else address
    script = ("cat > %(root)s; systemctl is-active -q caddy || { echo inactive; exit 0; }; "
              "curl -s -o /dev/null -m 5 --cacert %(root)s --resolve %(name)s:443:%(host)s "
              "https://%(name)s/; rc=$?; echo rc=$rc; if [ $rc = 60 ]; then echo | timeout 5 openssl s_client "
              "-connect %(host)s:443 -servername %(name)s 2>/dev/null | openssl x509 -noout -issuer; "
              "elif [ $rc != 0 ]; then since=$(systemctl show --property=ActiveEnterTimestamp --value caddy); "
              "[ -n \"$since\" ] && journalctl -u caddy --since \"$since\" -o cat 2>/dev/null "
              "| grep -q '\"msg\":\"will retry\"' && echo backoff; fi"
              % {"root": ROOT_IN_CONTAINER, "name": hostname, "host": host})
    proc = exec_(container, "sh", "-c", script, timeout=20, input_text=root_pem)
    out = proc.stdout
    if out.strip() == "inactive":
        return "inactive"
    if "rc=0" in out:
        return "valid"
    if "rc=60" in out and "issuer=" in out:
        return "stale"
    if "backoff" in out.split():
        return "backoff"
    return "missing"


def converge_certificates(exec_, plan, intent, timeout=180, step=0.5, patience=3.0, check_mode=False):
    """Make every lab instance hold a certificate from the lab CA for every lab-ACME web service, then report.

    The lab's CA is started in the background and forgets everything when it restarts, so after the lab (re)starts
    it an instance may wait in Caddy's retry back-off (1, 2, 5, 10 ... minutes) or hold a certificate of a CA that is
    gone, and an ACME account that CA no longer knows. This is the lab's doing, so the lab repairs it: the lab CA's
    account (and a stale certificate) is removed from Caddy's storage, and Caddy is reloaded (a forced, graceful
    reload: it starts obtaining at once). Each instance is nudged at most
    twice; then this waits, bounded by `timeout`, and returns {"ok": bool, "root": PEM, "instances": {...}}.
    With check_mode, a nudge is reported but not made.
    """
    import time  # pylint: disable=import-outside-toplevel

    services = lab_acme_services(intent, plan)
    result = {"ok": True, "root": None, "instances": {}, "nudged": []}
    if not services:
        return result
    deadline = time.monotonic() + timeout
    root = issuing_root(exec_, plan, timeout=min(60, timeout))
    if root is None:
        result["ok"] = False
        result["error"] = "the lab CA (pebble) does not answer"
        return result
    result["root"] = root
    nudges = {}
    last_nudge = {}
    pending = {}
    for inst in plan["instances"]:
        node = plan["nodes"][inst["name"]]
        for name, hostnames, directory in services:
            for hostname in hostnames:
                pending[(inst["name"], hostname)] = (node["container"], inst["address"] or inst["address6"],
                                                     directory)
    states = {}
    missing_since = {}
    while pending:
        keys = list(pending)
        # Every instance is looked at in parallel; the nudges below stay one at a time.
        with ThreadPoolExecutor(max_workers=8) as pool:
            looked = dict(zip(keys, pool.map(
                lambda k: check_certificate(exec_, pending[k][0], pending[k][1], k[1], root), keys)))
        for key in keys:
            container, address, directory = pending[key]
            state = looked[key]
            states[key] = state
            if state in ("valid", "inactive"):  # nothing to wait for
                del pending[key]
                continue
            iname = key[0]
            now = time.monotonic()
            since = now - last_nudge.get(iname, -1e9)
            missing_for = now - missing_since.setdefault(key, now)
            # Nudge at once when the certificate is stale or Caddy waits out a failed try (the first PoP of a cold
            # lab asked before anything announced) or, when missing, once Caddy had `patience` seconds to obtain it
            # (it may be doing so right now), and again after a minute; never more than twice.
            if nudges.get(iname, 0) < 2 and (state in ("stale", "backoff") or missing_for >= patience) and since > 60:
                # The account goes too: a restarted pebble knows none (Caddy would get accountDoesNotExist).
                stored = [CADDY_ACCOUNTS] + ([CADDY_CERTS] if state == "stale" else [])
                cmd = "rm -rf %s && systemctl reload caddy" % " ".join(
                    "%s/%s" % (d, storage_dir(directory)) for d in stored)
                if not check_mode:
                    exec_(container, "sh", "-c", cmd, timeout=60)
                nudges[iname] = nudges.get(iname, 0) + 1
                last_nudge[iname] = time.monotonic()
                result["nudged"].append({"instance": iname, "reason": state})
        if not pending or time.monotonic() > deadline:
            break
        time.sleep(step)
    for (iname, hostname), state in sorted(states.items()):
        result["instances"].setdefault(iname, {})[hostname] = state
    result["ok"] = all(state == "valid" for state in states.values())
    return result


def problem(result):
    """What converge_certificates found wrong, in one sentence; None when every certificate is valid."""
    if result["ok"]:
        return None
    bad = sorted("%s (%s: %s)" % (i, h, s) for i, hosts in result["instances"].items()
                 for h, s in hosts.items() if s != "valid")
    return result.get("error") or "no certificate from the lab CA on: %s" % ", ".join(bad)

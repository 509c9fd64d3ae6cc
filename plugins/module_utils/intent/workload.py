# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Workloads (services of kind workload): the meaning of their settings and their derived form.

`check(svc, path, err, others)` reports what the structure check of schema.py cannot see (an image reference,
variable names, ports the instance already uses); `derive(model)` turns the normalised intent's workloads into what
the workload role, Caddy, the firewall and the health gate read (docs/workloads.md).
"""

from __future__ import annotations

import re

# An image reference as the OCI distribution grammar writes it (github.com/distribution/reference, reference.go):
# [registry[:port]/]path[:tag][@digest], path components lowercase letters and digits joined by . _ __ or dashes.
_COMPONENT = r"[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*"
IMAGE_RE = re.compile(
    r"^(?:(?P<registry>(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*"
    r"(?::[0-9]+)?)/)?(?P<path>" + _COMPONENT + r"(?:/" + _COMPONENT + r")*)"
    r"(?::(?P<tag>[\w][\w.-]{0,127}))?(?:@(?P<digest>sha256:[a-f0-9]{64}))?$")
# POSIX names of environment variables (IEEE Std 1003.1, 8.1): letters, digits and underscores, not a digit first.
ENV_NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")

# Ports the instance itself listens on: a workload shares the host network, so it cannot take them.
RESERVED_PORTS = {
    ("tcp", 22): "SSH",
    ("tcp", 53): "NSD (DNS services)", ("udp", 53): "NSD (DNS services)",
    ("tcp", 80): "Caddy (HTTP)", ("tcp", 443): "Caddy (HTTPS)", ("udp", 443): "Caddy (HTTP/3)",
    ("tcp", 179): "BIRD (BGP)",
    ("udp", 3784): "BIRD (BFD)", ("udp", 3785): "BIRD (BFD)", ("udp", 4784): "BIRD (BFD)",
    ("tcp", 2019): "Caddy's admin API", ("tcp", 8402): "the ACME challenge relay",
    ("tcp", 9731): "the health gate's metrics", ("tcp", 9732): "Caddy's metrics",
}

UNIT_PREFIX = "anycast-workload-"


def parse_image(text):
    """{'registry', 'path', 'tag', 'digest', 'name'} of an image reference, or None when it is not one.
    `name` is registry/path, the part a tag or digest is appended to."""
    match = IMAGE_RE.match(text) if isinstance(text, str) else None
    if not match:
        return None
    parts = match.groupdict()
    registry = parts["registry"]
    # As the distribution grammar: the first component is a registry only with a dot, a port, or localhost.
    if registry and not ("." in registry or ":" in registry or registry == "localhost"):
        parts["path"] = registry.lower() + "/" + parts["path"] if registry == registry.lower() else None
        parts["registry"] = None
        if parts["path"] is None:
            return None
    parts["name"] = "%s/%s" % (parts["registry"], parts["path"]) if parts["registry"] else parts["path"]
    return parts


def check(svc, path, err, used_ports):
    """Problems of one workload's settings, by path; `used_ports` maps (protocol, port) to the path that took it."""
    image = svc.get("image")
    if isinstance(image, str):
        parts = parse_image(image)
        if parts is None:
            err(path + ".image", "'%s' is not an image reference: write registry/path:tag or "
                "registry/path@sha256:<64 hex digits>, e.g. registry.example.net/app:1.4" % image)
        elif not parts["registry"]:
            err(path + ".image", "'%s' names no registry: short names depend on each instance's registries.conf; "
                "write the registry, e.g. docker.io/%s" % (image, image if "/" in image else "library/" + image))
        elif not parts["tag"] and not parts["digest"]:
            err(path + ".image", "'%s' has neither a tag nor a digest: name the version to run, e.g. %s:1.0 "
                "(a tag is resolved to its digest at deploy and recorded)" % (image, image))
    has_http = "http_port" in svc
    if svc.get("hostnames") and not has_http:
        err(path + ".hostnames", "is only used with http_port: Caddy proxies these names to the workload's HTTP "
            "port; set http_port or remove hostnames")
    if has_http and not svc.get("hostnames") and isinstance(svc.get("tls"), dict) \
            and svc["tls"].get("mode") == "internal":
        err(path + ".tls.mode", "a workload without hostnames is served by address only, over plain HTTP: set "
            "tls mode off, or list its hostnames")
    if not has_http and not svc.get("ports"):
        err(path, "serves nothing: set http_port (proxied by Caddy) or ports (TCP/UDP on its addresses)")
    if "tls" in svc and not has_http:
        err(path + ".tls", "is only used with http_port (Caddy terminates TLS for the workload); remove it")
    _check_ports(svc, path, err, used_ports)
    names = {}
    for key in ("env", "secrets"):
        values = svc.get(key)
        for name in values if isinstance(values, dict) else []:
            vpath = "%s.%s.%s" % (path, key, name)
            if not isinstance(name, str) or not ENV_NAME_RE.match(name):
                err(vpath, "'%s' is not a variable name: letters, digits and underscores, not starting with a "
                    "digit" % (name,))
            elif name in names:
                err(vpath, "is also set in %s: a variable is either plain or secret" % names[name])
            else:
                names[name] = vpath
    _check_health(svc, path, err)
    auth = svc.get("registry_auth")
    if isinstance(auth, dict) and isinstance(image, str):
        parts = parse_image(image)
        if parts and not parts["registry"]:
            err(path + ".registry_auth", "needs an image with its registry (the credentials are for that registry)")


def _check_ports(svc, path, err, used_ports):
    items = svc.get("ports") if isinstance(svc.get("ports"), list) else []
    taken = [(("tcp", svc["http_port"]), path + ".http_port")] if isinstance(svc.get("http_port"), int) else []
    for i, port in enumerate(items):
        if isinstance(port, dict) and isinstance(port.get("port"), int):
            taken.append(((port.get("protocol", "tcp"), port["port"]), "%s.ports[%d]" % (path, i)))
    for key, ppath in taken:
        if key in RESERVED_PORTS:
            err(ppath, "%s/%d is taken by %s on every instance (a workload shares the host's network)"
                % (key[0], key[1], RESERVED_PORTS[key]))
        elif key in used_ports:
            err(ppath, "%s/%d is already used by %s: a workload shares the host's network, so each port is used "
                "once per instance" % (key[0], key[1], used_ports[key]))
        else:
            used_ports[key] = ppath


def _health_protocol(svc):
    health = svc.get("health") if isinstance(svc.get("health"), dict) else {}
    if "protocol" in health:
        return health["protocol"]
    if "http_port" in svc:
        return "http"
    ports = [p for p in svc.get("ports") or [] if isinstance(p, dict)]
    return ports[0].get("protocol", "tcp") if ports else None


def _check_health(svc, path, err):
    health = svc.get("health") if isinstance(svc.get("health"), dict) else {}
    protocol = _health_protocol(svc)
    hpath = path + ".health"
    if protocol == "http":
        if "http_port" not in svc:
            err(hpath + ".protocol", "http checks the workload through Caddy: set http_port, or check tcp or udp")
        for key in ("port", "send"):
            if key in health:
                err("%s.%s" % (hpath, key), "is not used by an http check (it asks Caddy on the service's "
                    "addresses for path); remove it")
    elif protocol in ("tcp", "udp"):
        ports = [p.get("port") for p in svc.get("ports") or []
                 if isinstance(p, dict) and p.get("protocol", "tcp") == protocol]
        if "port" in health and health["port"] not in ports:
            err(hpath + ".port", "%s/%s is not one of the workload's ports: the check goes to the service's "
                "addresses" % (protocol, health["port"]))
        elif "port" not in health and not ports:
            err(hpath + ".port", "is required: the workload has no %s port to check" % protocol)
        if "path" in health:
            err(hpath + ".path", "is only used by an http check; remove it")
        if "send" in health and protocol != "udp":
            err(hpath + ".send", "is only used by a udp check; remove it")


def derive(model):
    """The workloads of the normalised intent, in name order, each as the roles read it:

    name, unit (systemd unit), container, image and its parts (registry, name, tag, digest), http_port, ports
    ([{port, protocol}]), env, secrets, command (None: the image's), cpus, memory_mb, stop_timeout, health
    ({protocol, port, path, send}), registry_auth (or None), addresses, hostnames, tls.
    """
    out = []
    services = model.get("services") if isinstance(model.get("services"), dict) else {}
    for name in sorted(services):
        svc = services[name]
        if not isinstance(svc, dict) or svc.get("kind") != "workload":
            continue
        parts = parse_image(svc.get("image")) or {}
        ports = [{"port": int(p["port"]), "protocol": p.get("protocol", "tcp")} for p in svc.get("ports") or []]
        health = dict(svc.get("health") or {})
        protocol = _health_protocol(svc)
        check = {"protocol": protocol}
        if protocol == "http":
            check.update(port=int(svc["http_port"]), path=health.get("path", "/healthz"))
        elif protocol in ("tcp", "udp"):
            check["port"] = int(health.get("port") or next(p["port"] for p in ports if p["protocol"] == protocol))
            if protocol == "udp":
                check["send"] = health.get("send", "")
        tls = dict(svc.get("tls") or {})
        if "http_port" in svc and not svc.get("hostnames"):
            tls.setdefault("mode", "off")
        out.append({
            "name": name,
            "kind": "workload",
            "unit": UNIT_PREFIX + name,
            "container": "anycast-" + name,
            "image": svc.get("image"),
            "image_name": parts.get("name"),
            "registry": parts.get("registry"),
            "tag": parts.get("tag"),
            "digest": parts.get("digest"),
            "http_port": int(svc["http_port"]) if "http_port" in svc else None,
            "ports": ports,
            "env": {str(k): str(v) for k, v in (svc.get("env") or {}).items()},
            "secrets": {str(k): str(v) for k, v in (svc.get("secrets") or {}).items()},
            "command": [str(a) for a in svc["command"]] if svc.get("command") else None,
            "cpus": float(svc.get("cpus", 1)),
            "memory_mb": int(svc.get("memory_mb", 512)),
            "stop_timeout": int(svc.get("stop_timeout", 10)),
            "health": check,
            "registry_auth": dict(svc["registry_auth"]) if svc.get("registry_auth") else None,
            "addresses": [str(a) for a in svc.get("addresses") or []],
            "hostnames": [str(h) for h in svc.get("hostnames") or []],
            "tls": tls,
        })
    return out


def sites(workloads):
    """The HTTP workloads as Caddy and the health gate read a web service: name, kind, addresses, hostnames, tls,
    health_path and proxy_to (the workload's port on loopback). No secret is in them."""
    out = []
    for wl in workloads:
        if wl.get("http_port") is None:
            continue
        site = {"name": wl["name"], "kind": "workload", "addresses": list(wl["addresses"]),
                "hostnames": list(wl["hostnames"]), "tls": dict(wl["tls"]),
                "health_path": wl["health"].get("path", "/healthz") if wl["health"]["protocol"] == "http"
                else "/healthz",
                "proxy_to": "http://127.0.0.1:%d" % wl["http_port"]}
        if not site["hostnames"]:
            del site["hostnames"]
        out.append(site)
    return out


def openings(workloads, web_ports=()):
    """Firewall openings of the workloads, on their own addresses only: each port of `ports`, and `web_ports`
    ([{proto, port}], Caddy's) for an HTTP workload. One entry per workload, port and family, as the base role's
    anycast_firewall_openings: {service, family ('ip' or 'ip6'), proto, port, addresses}."""
    rules = []
    for wl in workloads:
        split = {"ip": [a for a in wl["addresses"] if ":" not in a], "ip6": [a for a in wl["addresses"] if ":" in a]}
        wanted = [(str(p["proto"]), int(p["port"])) for p in web_ports] if wl.get("http_port") is not None else []
        wanted += [(p["protocol"], p["port"]) for p in wl["ports"]]
        for proto, port in wanted:
            for family in ("ip", "ip6"):
                if split[family]:
                    rules.append({"service": wl["name"], "family": family, "proto": proto, "port": port,
                                  "addresses": split[family]})
    return rules


def health_checks(workloads, command=None):
    """The health gate's checks of the non-HTTP workloads (HTTP ones are checked as web services, through Caddy):
    one per address, done by the gate itself (`tcp`: a connection, `udp`: the datagram `send` answered). With
    `command` (argv), a `command` check running it with protocol, address, port (and the datagram) instead."""
    checks = []
    for wl in workloads:
        health = wl["health"]
        if health["protocol"] not in ("tcp", "udp"):
            continue
        for address in wl["addresses"]:
            name = "workload:%s:%s" % (wl["name"], address)
            if command is None:
                check = {"name": name, "type": health["protocol"], "address": address, "port": int(health["port"])}
                if health["protocol"] == "udp":
                    check["send"] = health.get("send", "")
                checks.append(check)
                continue
            argv = list(command) + [health["protocol"], address, str(health["port"])]
            if health["protocol"] == "udp":
                argv += ["--send", health.get("send", "")]
            checks.append({"name": name, "type": "command", "address": address, "command": argv})
    return checks

# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters the roles' templates and tasks use to shape what they write (documented in the .yml files beside this
one): the program logic of a role lives here, tested, rather than in Jinja loops."""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping

from ansible.errors import AnsibleFilterError

from ansible_collections.anycast.network.plugins.filter.zone import zone_origin


def _family(address):
    text = str(address)
    try:
        return ipaddress.ip_network(text, strict=False).version
    except ValueError as exc:
        raise AnsibleFilterError("not an address or prefix: %r" % text) from exc


def anycast_by_family(addresses):
    """{'ipv4': [...], 'ipv6': [...]}: addresses or prefixes split by family, order kept, duplicates dropped."""
    out = {"ipv4": [], "ipv6": []}
    for address in addresses or []:
        key = "ipv%d" % _family(address)
        if str(address) not in out[key]:
            out[key].append(str(address))
    return out


def anycast_firewall_openings(services, service_ports, unicast_addresses=(), web_on_unicast=True):
    """The input rules that open each service's ports on its addresses: one entry per service, port and family,
    {'service', 'family' ('ip' or 'ip6'), 'proto', 'port', 'addresses'}. A web service is opened on the instance's
    own addresses too when web_on_unicast (GeoDNS falls back to them). Kinds without ports open nothing."""
    rules = []
    for svc in services or []:
        if not isinstance(svc, Mapping):
            raise AnsibleFilterError("anycast_firewall_openings: a service must be a dict, got %r" % (svc,))
        kind = str(svc.get("kind") or svc.get("name") or "")
        addresses = [str(a) for a in svc.get("addresses") or []]
        if kind == "web" and web_on_unicast:
            addresses += [str(a) for a in unicast_addresses or [] if a]
        split = anycast_by_family(addresses)
        for port in (service_ports or {}).get(kind) or []:
            for key, family in (("ipv4", "ip"), ("ipv6", "ip6")):
                if split[key]:
                    rules.append({"service": svc.get("name", kind), "family": family, "proto": str(port["proto"]),
                                  "port": int(port["port"]), "addresses": split[key]})
    return rules


def anycast_health_checks(web_services, dns_services, http_port=80, dns_port=53, bird_socket=None, tls_dir=None,
                          https_port=443):
    """The health gate's checks: an HTTP check of every web service's health path on each of its addresses, an SOA
    check of every zone on each address of its DNS service, and BIRD's control socket (when bird_socket is set).
    With tls_dir (the network's shared certificates, docs/tls.md), a TLS check of every ACME web service with
    hostnames on each of its addresses: HTTPS answers with a certificate that names them, once one is installed."""
    checks = []
    for svc in web_services or []:
        mode = (svc.get("tls") or {}).get("mode") or "acme"
        for address in svc.get("addresses") or []:
            checks.append({"name": "web:%s:%s" % (svc["name"], address), "type": "http", "address": str(address),
                           "port": int(http_port), "path": svc.get("health_path") or "/healthz",
                           "host": str((svc.get("hostnames") or [address])[0])})
            if tls_dir and mode == "acme" and svc.get("hostnames"):
                checks.append({"name": "tls:%s:%s" % (svc["name"], address), "type": "tls", "address": str(address),
                               "port": int(https_port), "names": [str(h) for h in svc["hostnames"]],
                               "when_file": "%s/%s.pem" % (str(tls_dir).rstrip("/"), svc["name"])})
    for svc in dns_services or []:
        for zone in svc.get("zones") or []:
            for address in svc.get("addresses") or []:
                checks.append({"name": "dns:%s:%s" % (zone["name"], address), "type": "dns_soa",
                               "address": str(address), "port": int(dns_port), "zone": str(zone["name"])})
    if bird_socket:
        checks.append({"name": "bird", "type": "bird", "socket": str(bird_socket)})
    return checks


def anycast_uses_acme(web_services):
    """Whether a web service gets its certificate by ACME (the default when it sets no tls.mode)."""
    return any(((svc.get("tls") or {}).get("mode") or "acme") == "acme" for svc in web_services or [])


def _host_port(address, port):
    address = str(address)
    return "[%s]:%d" % (address, int(port)) if ":" in address else "%s:%d" % (address, int(port))


def _is_loopback(target):
    """Whether a host:port (or [v6]:port) names this host only: localhost or a loopback address."""
    host = str(target).rpartition(":")[0].strip("[]") or str(target)
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def anycast_scrape_targets(listen_address, node_port, bird_port, local_targets=(), labels=None):
    """The instance's scrape targets in Prometheus file_sd format: the node and BIRD exporters on listen_address,
    then the other roles' endpoints of local_targets ({job, port, path} on listen_address, or {job, target, path}
    at a host:port of its own), each with labels plus its job; a target on loopback is labelled scope=loopback
    (the scraper cannot reach it, a local agent can)."""
    labels = dict(labels or {})
    out = [{"targets": [_host_port(listen_address, node_port)], "labels": dict(labels, job="node")},
           {"targets": [_host_port(listen_address, bird_port)], "labels": dict(labels, job="bird")}]
    for target in local_targets or []:
        if not isinstance(target, Mapping) or "job" not in target or not (target.get("target") or target.get("port")):
            raise AnsibleFilterError("anycast_scrape_targets: a target is {job, port or target, path}, got %r"
                                     % (target,))
        address = str(target.get("target") or _host_port(listen_address, target["port"]))
        extra = {"job": str(target["job"]), "__metrics_path__": str(target.get("path") or "/metrics")}
        if _is_loopback(address):
            extra["scope"] = "loopback"
        out.append({"targets": [address], "labels": dict(labels, **extra)})
    return out


def anycast_zone_file(zone, zones_dir):
    """A zone of a DNS service as the nsd role installs it: {'origin', 'path', 'zone'} (the zone as written)."""
    if not isinstance(zone, Mapping) or "name" not in zone:
        raise AnsibleFilterError("anycast_zone_file: a zone must be a dict with a name, got %r" % (zone,))
    origin = zone_origin(zone["name"])
    return {"origin": origin, "path": "%s/%s.zone" % (str(zones_dir).rstrip("/"), origin), "zone": dict(zone)}


class FilterModule:
    def filters(self):
        return {
            "anycast_by_family": anycast_by_family,
            "anycast_firewall_openings": anycast_firewall_openings,
            "anycast_health_checks": anycast_health_checks,
            "anycast_uses_acme": anycast_uses_acme,
            "anycast_scrape_targets": anycast_scrape_targets,
            "anycast_zone_file": anycast_zone_file,
        }

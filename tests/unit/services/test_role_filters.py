"""The filters the roles shape their files with (plugins/filter/roles.py) and the configure step's
(plugins/filter/converge.py)."""

import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.anycast.network.plugins.filter import converge, roles

PORTS = {"web": [{"proto": "tcp", "port": 80}, {"proto": "udp", "port": 443}],
         "dns": [{"proto": "udp", "port": 53}]}


def test_addresses_split_by_family_in_order_without_duplicates():
    got = roles.anycast_by_family(["192.0.2.1", "2001:db8::1", "198.51.100.0/24", "192.0.2.1", "2001:db8:1::/48"])
    assert got == {"ipv4": ["192.0.2.1", "198.51.100.0/24"], "ipv6": ["2001:db8::1", "2001:db8:1::/48"]}
    assert roles.anycast_by_family([]) == {"ipv4": [], "ipv6": []}
    with pytest.raises(AnsibleFilterError):
        roles.anycast_by_family(["not-an-address"])


def test_firewall_openings_per_service_port_and_family():
    services = [{"name": "web", "kind": "web", "addresses": ["203.0.113.10", "2001:db8:ac00::10"]},
                {"name": "dns", "kind": "dns", "addresses": ["203.0.113.53"]},
                {"name": "other", "kind": "custom", "addresses": ["203.0.113.99"]}]
    rules = roles.anycast_firewall_openings(services, PORTS, ["192.0.2.21", ""], True)
    assert rules == [
        {"service": "web", "family": "ip", "proto": "tcp", "port": 80, "addresses": ["203.0.113.10", "192.0.2.21"]},
        {"service": "web", "family": "ip6", "proto": "tcp", "port": 80, "addresses": ["2001:db8:ac00::10"]},
        {"service": "web", "family": "ip", "proto": "udp", "port": 443, "addresses": ["203.0.113.10", "192.0.2.21"]},
        {"service": "web", "family": "ip6", "proto": "udp", "port": 443, "addresses": ["2001:db8:ac00::10"]},
        {"service": "dns", "family": "ip", "proto": "udp", "port": 53, "addresses": ["203.0.113.53"]},
    ]
    # Not on the unicast addresses when asked not to; a web service named web without kind is still web.
    rules = roles.anycast_firewall_openings([{"name": "web", "addresses": ["203.0.113.10"]}], PORTS, ["192.0.2.21"],
                                            False)
    assert [r["addresses"] for r in rules] == [["203.0.113.10"], ["203.0.113.10"]]


def test_health_checks_cover_every_address_zone_and_bird():
    web = [{"name": "web", "addresses": ["203.0.113.10"], "hostnames": ["www.example"], "health_path": "/up"}]
    dns = [{"name": "dns", "addresses": ["203.0.113.53", "2001:db8::53"], "zones": [{"name": "example."}]}]
    checks = roles.anycast_health_checks(web, dns, 8080, 5353, "/run/bird/bird.ctl")
    assert checks == [
        {"name": "web:web:203.0.113.10", "type": "http", "address": "203.0.113.10", "port": 8080, "path": "/up",
         "host": "www.example"},
        {"name": "dns:example.:203.0.113.53", "type": "dns_soa", "address": "203.0.113.53", "port": 5353,
         "zone": "example."},
        {"name": "dns:example.:2001:db8::53", "type": "dns_soa", "address": "2001:db8::53", "port": 5353,
         "zone": "example."},
        {"name": "bird", "type": "bird", "socket": "/run/bird/bird.ctl"},
    ]
    # No hostnames: the address is the Host header; no health path: /healthz; no BIRD socket: no BIRD check.
    checks = roles.anycast_health_checks([{"name": "w", "addresses": ["192.0.2.1"]}], [], bird_socket=None)
    assert checks == [{"name": "web:w:192.0.2.1", "type": "http", "address": "192.0.2.1", "port": 80,
                       "path": "/healthz", "host": "192.0.2.1"}]


def test_acme_is_the_default_tls_mode():
    assert roles.anycast_uses_acme([{"name": "w"}])
    assert roles.anycast_uses_acme([{"name": "w", "tls": {"mode": "internal"}}, {"name": "x", "tls": {}}])
    assert not roles.anycast_uses_acme([{"name": "w", "tls": {"mode": "off"}}])
    assert not roles.anycast_uses_acme([])


def test_scrape_targets():
    got = roles.anycast_scrape_targets("2001:db8::5", 9100, 9324, [{"job": "caddy", "target": "localhost:2019"},
                                                                    {"job": "healthgate", "port": 9731},
                                                                    {"job": "x", "target": "[::1]:1", "path": "/m"},
                                                                    {"job": "y", "target": "192.0.2.9:2"}],
                                       {"pop": "lhr", "instance": "lhr-1"})
    assert got == [
        {"targets": ["[2001:db8::5]:9100"], "labels": {"pop": "lhr", "instance": "lhr-1", "job": "node"}},
        {"targets": ["[2001:db8::5]:9324"], "labels": {"pop": "lhr", "instance": "lhr-1", "job": "bird"}},
        {"targets": ["localhost:2019"], "labels": {"pop": "lhr", "instance": "lhr-1", "job": "caddy",
                                                   "__metrics_path__": "/metrics", "scope": "loopback"}},
        {"targets": ["[2001:db8::5]:9731"], "labels": {"pop": "lhr", "instance": "lhr-1", "job": "healthgate",
                                                       "__metrics_path__": "/metrics"}},
        {"targets": ["[::1]:1"], "labels": {"pop": "lhr", "instance": "lhr-1", "job": "x",
                                            "__metrics_path__": "/m", "scope": "loopback"}},
        {"targets": ["192.0.2.9:2"], "labels": {"pop": "lhr", "instance": "lhr-1", "job": "y",
                                                "__metrics_path__": "/metrics"}},
    ]
    with pytest.raises(AnsibleFilterError):
        roles.anycast_scrape_targets("192.0.2.5", 9100, 9324, [{"job": "caddy"}])


def test_zone_file():
    assert roles.anycast_zone_file({"name": "Example.TEST."}, "/etc/nsd/zones/") == {
        "origin": "example.test", "path": "/etc/nsd/zones/example.test.zone", "zone": {"name": "Example.TEST."}}
    with pytest.raises(AnsibleFilterError):
        roles.anycast_zone_file({"records": []}, "/z")


def test_unconverged_hosts_with_their_reasons():
    hostvars = {"a": {"anycast_converged_check": {"converged": True, "reasons": []}},
                "b": {"anycast_converged_check": {"converged": False, "reasons": ["unit bird is failed"]}},
                "c": {"anycast_converged_check": {"unreachable": True, "msg": "timed out"}},
                "d": {}}
    assert converge.anycast_unconverged(["a", "b", "c", "d"], hostvars) == {
        "b": ["unit bird is failed"], "c": ["timed out"], "d": ["no answer"]}

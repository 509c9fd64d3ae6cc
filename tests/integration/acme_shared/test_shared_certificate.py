"""One ACME order per hostname set, whatever the number of instances or re-provisions (real pebble on loopback).

pebble's HTTP-01 validation lands on a random instance of the simulated network each time (anycast), so an order
only succeeds when the challenge is on every instance; the count is read from pebble's own log."""

from __future__ import annotations

import datetime

import pytest
from cryptography import x509

from acme_network import HOSTNAMES, converge

pytestmark = pytest.mark.integration


def served(network, service="www"):
    """The leaf certificate each instance holds (its serial), by instance name."""
    found = {}
    for inst in network.instances:
        text = (inst / "tls" / (service + ".pem")).read_text()
        start = text.index("-----BEGIN CERTIFICATE-----")
        found[inst.name] = x509.load_pem_x509_certificate(text[start:].encode()).serial_number
    return found


def test_one_order_for_a_first_converge_none_after_and_one_when_due(network):
    for i in range(8):
        network.add_instance("i%d" % i)
    first = converge(network)
    assert first["renew"] and first["reason"] == "no certificate"
    assert network.orders() == 1 and network.issued() == 1
    serials = served(network)
    assert len(set(serials.values())) == 1, serials
    for inst in network.instances:
        assert (inst / "tls" / "www.pem").stat().st_mode & 0o777 == 0o600

    # A second converge: nothing ordered.
    second = converge(network)
    assert not second["renew"] and second["reason"].startswith("valid until")
    assert network.orders() == 1

    # An instance destroyed and re-created (empty), and a new one: they get the current certificate, no order.
    network.destroy(network.instances[3])
    network.add_instance("i3")
    network.add_instance("i8")
    third = converge(network)
    assert not third["renew"] and network.orders() == 1
    assert set(served(network).values()) == set(serials.values())

    # Renewal due (a quarter of the lifetime left): exactly one more order, the same account, installed everywhere.
    cert = x509.load_pem_x509_certificate(first["certificate"].encode())
    life = cert.not_valid_after_utc - cert.not_valid_before_utc
    later = cert.not_valid_after_utc - life / 4
    fourth = converge(network, now=later)
    assert fourth["renew"] and "lifetime left" in fourth["reason"], fourth["reason"]
    assert fourth["account_key"] == first["account_key"]
    assert network.orders() == 2
    renewed = served(network)
    assert len(set(renewed.values())) == 1 and set(renewed.values()) != set(serials.values())
    # ... and just before that point nothing was due.
    assert not converge(network, now=cert.not_valid_after_utc - life / 2)["renew"]
    assert network.orders() == 2


def test_a_changed_hostname_set_is_a_new_order_and_check_mode_orders_nothing(network):
    from unittest import mock

    from module_runner import run_module

    from ansible_collections.anycast.network.plugins.modules import acme_certificate

    for i in range(3):
        network.add_instance("i%d" % i)
    converge(network)
    assert network.orders() == 1
    held = (network.instances[0] / "tls" / "www.pem").read_text()
    args = {"directory": network.directory, "hostnames": HOSTNAMES + ["extra.anycast.test"],
            "ca_root": network.ca_root, "held": [{"instance": "i0", "certificate": held, "private_key": held}]}
    planned = run_module(acme_certificate, args, check_mode=True)
    assert planned["changed"] and planned["renew"] and "names" in planned["reason"]
    assert "challenges" not in planned and network.orders() == 1
    converge(network, hostnames=HOSTNAMES + ["extra.anycast.test"])
    assert network.orders() == 2
    with mock.patch.object(acme_certificate, "_now",
                           return_value=datetime.datetime.now(datetime.timezone.utc)):
        assert not converge(network, hostnames=HOSTNAMES + ["extra.anycast.test"])["renew"]
    assert network.orders() == 2


def test_a_challenge_missing_on_some_instances_fails_the_order(network):
    """The control: without the challenge everywhere, validation fails where anycast lands (so the count above is
    not an accident of the simulation)."""
    from module_runner import run_module

    from ansible_collections.anycast.network.plugins.modules import acme_certificate

    for i in range(4):
        network.add_instance("i%d" % i)
    args = {"directory": network.directory, "hostnames": HOSTNAMES, "ca_root": network.ca_root}
    plan = run_module(acme_certificate, args)
    assert plan["renew"]
    # pebble validates from several vantage points (3 in pebble 2.4): put the token nowhere.
    done = run_module(acme_certificate, dict(args, step="finish", account_key=plan["account_key"],
                                             order=plan["order"], timeout=30))
    assert done.get("failed") and "validation failed" in done["msg"], done

"""Every lab instance serves a certificate of the lab's pebble (the network's shared one: test_services_tls_shared.py
counts its orders). The per-instance mode (caddy_tls_shared: false, each Caddy ordering with the challenge relay
among the PoPs) is proven against pebble on loopback: tests/unit/services/test_acme_relay.py."""

import pytest

from ansible_collections.anycast.network.plugins.module_utils.lab import ca, podman

pytestmark = pytest.mark.lab


def test_every_instance_holds_a_certificate_from_the_lab_ca(services_lab, lab_intent):
    result = ca.converge_certificates(podman.exec_, services_lab, lab_intent, timeout=120)
    assert result["ok"], result
    assert set(result["instances"]) == {i["name"] for i in services_lab["instances"]}
    assert all(state == "valid" for hosts in result["instances"].values() for state in hosts.values())

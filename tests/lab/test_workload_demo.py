"""The lab's demo workload (docs/lab.md, "Workloads"): from every vantage point, over IPv4 and IPv6, it answers
through its hostname over HTTPS (a certificate from the lab's CA, verified) and its UDP echo on its own anycast
address, naming an instance of the PoP that vantage point is served by."""

import pytest

from ansible_collections.anycast.network.plugins.module_utils.lab import ca, podman
from test_services_helpers import EXPECTED_POP, VANTAGES, need, wait
from workload_helpers import DEMO4, DEMO6, DEMO_HOST, ECHO4, ECHO6, https_demo, udp_echo

pytestmark = pytest.mark.lab
ROOT_IN_CLIENT = "/run/anycast-lab-pebble-root.pem"


@pytest.fixture(scope="module")
def pebble_root(converged_lab):
    """pebble's current issuing root, in every vantage point's container (what a browser would trust)."""
    root = ca.issuing_root(podman.exec_, converged_lab)
    assert root, "the lab CA does not answer"
    for vp in VANTAGES:
        proc = podman.exec_(need("vantage", vp), "sh", "-c", "cat > %s" % ROOT_IN_CLIENT, input_text=root)
        assert proc.returncode == 0, proc.stderr
    return ROOT_IN_CLIENT


@pytest.mark.parametrize("family, address", [("ipv4", DEMO4), ("ipv6", DEMO6)])
@pytest.mark.parametrize("vp", VANTAGES)
def test_demo_answers_over_https_from_every_vantage_point(pebble_root, vp, family, address):
    client = need("vantage", vp)
    # Routes may still be settling after the converge: a few seconds at most.
    answer = wait(lambda: https_demo(client, address, pebble_root), 20, step=1)
    assert answer, "no HTTPS answer from %s to %s over %s" % (vp, DEMO_HOST, family)
    version, body_instance, header_instance = answer
    assert version == "v1"
    # The app names the instance it runs on (its container shares the instance's name), and Caddy's header the
    # instance that proxied: the same one, in the PoP this vantage point is routed to.
    assert body_instance == header_instance, answer
    assert body_instance.rsplit("-", 1)[0] == EXPECTED_POP[vp], (vp, answer)


@pytest.mark.parametrize("family, address", [("ipv4", ECHO4), ("ipv6", ECHO6)])
@pytest.mark.parametrize("vp", VANTAGES)
def test_udp_echo_answers_on_its_anycast_address_from_every_vantage_point(converged_lab, vp, family, address):
    client = need("vantage", vp)
    answer = wait(lambda: udp_echo(client, address, "hello-%s" % vp), 20, step=1)
    assert answer, "no UDP answer from %s:7007 to %s over %s" % (address, vp, family)
    version, instance, echoed = answer
    assert version == "v1" and echoed == "hello-%s" % vp, answer
    assert instance.rsplit("-", 1)[0] == EXPECTED_POP[vp], (vp, answer)


def test_udp_port_is_closed_on_the_other_anycast_addresses(converged_lab):
    """The echo's port is opened on its own addresses only (base role's nftables): the web address drops it."""
    client = need("vantage", "ams")
    assert udp_echo(client, "203.0.113.10", "x") is None

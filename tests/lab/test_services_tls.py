"""A certificate issued by the lab's pebble while its validation requests land at another PoP than the requester.

pebble sits behind one carrier in one region (the `ca` service of the topology), so its HTTP-01 requests for
www.anycast.test reach the PoP nearest to it. An instance of another PoP orders a certificate: the validation lands
at the CA's PoP, whose challenge relay fetches the token from the requester's unicast address.
"""

import time

import pytest

from ansible_collections.anycast.network.plugins.module_utils.lab import ca, podman
from test_services_helpers import HOST, WEB4, need, sh, wait

pytestmark = pytest.mark.lab
POPS = ("ams", "lhr", "jfk", "lax")


def ca_pop():
    """The PoP that answers the anycast web address from the CA's own container (where its validations go)."""
    out = sh(need("ca", "ca"), "curl -s -o /dev/null -D - -m 3 -H 'Host: %s' http://%s/" % (HOST, WEB4),
             check=False).stdout
    for line in out.splitlines():
        if line.lower().startswith("x-anycast-pop:"):
            return line.split(":", 1)[1].strip()
    return None


def test_issuance_with_validation_at_another_pop(services_lab):
    plan = services_lab
    validating_pop = ca_pop()
    assert validating_pop in POPS, validating_pop
    requester_pop = "lhr" if validating_pop != "lhr" else "ams"
    requester_name = "%s-1" % requester_pop
    requester = need("instance", requester_name)
    since = int(time.time()) - 1
    # A fresh order on the requester: drop its certificates and start Caddy again (the relay keeps running).
    sh(requester, "systemctl stop caddy; rm -rf %s; systemctl start caddy" % ca.CADDY_CERTS)
    journal = "journalctl -u %%s --since @%d -o cat --no-pager" % since
    assert wait(lambda: "certificate obtained successfully" in sh(requester, journal % "caddy", check=False).stdout,
                90, step=2), sh(requester, journal % "caddy", check=False).stdout[-3000:]
    # The validation requests reached the CA's PoP, whose relay asked the requester; no instance of the requester's
    # PoP relayed (pebble never reached it).
    relayed_by = []
    for pop in POPS:
        for n in (1, 2):
            log = sh(need("instance", "%s-%d" % (pop, n)), journal % "anycast-acme-relay", check=False).stdout
            if "answered by peer %s" % requester_name in log:
                relayed_by.append("%s-%d" % (pop, n))
    assert relayed_by, "no relay answered for %s" % requester_name
    assert all(r.startswith(validating_pop + "-") for r in relayed_by), (validating_pop, relayed_by)
    # The new certificate is pebble's (verified by its current issuing root) and names the service.
    root = ca.issuing_root(podman.exec_, plan)
    address = next(i["address"] for i in plan["instances"] if i["name"] == requester_name)
    assert ca.check_certificate(podman.exec_, requester, address, HOST, root) == "valid"
    out = sh(requester, "echo | openssl s_client -connect %s:443 -servername %s 2>/dev/null | openssl x509 -noout "
                        "-issuer -ext subjectAltName" % (WEB4, HOST), check=False).stdout
    assert "Pebble" in out and HOST in out, out


def test_every_instance_holds_a_certificate_from_the_lab_ca(services_lab, lab_intent):
    result = ca.converge_certificates(podman.exec_, services_lab, lab_intent, timeout=120)
    assert result["ok"], result
    assert set(result["instances"]) == {i["name"] for i in services_lab["instances"]}
    assert all(state == "valid" for hosts in result["instances"].values() for state in hosts.values())

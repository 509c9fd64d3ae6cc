"""A certificate issued by the lab's pebble while its validation requests land at another PoP than the requester."""

import time

import pytest

from test_services_helpers import HOST, WEB4, need, sh, wait

pytestmark = pytest.mark.lab
POPS = ("ams", "lhr", "jfk", "lax")


def test_issuance_with_validation_at_another_pop():
    # Which PoP do pebble's validation requests reach? Ask from an instance of each PoP's relay log afterwards;
    # first find the PoP that answers the CA's region (jfk in the default topology) by a probe from an instance.
    requester_pop = "lhr"
    requester = need("instance", "%s-1" % requester_pop)
    since = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(time.time() - 1))
    # Force a fresh order on the requester: drop its certificate and reload Caddy.
    sh(requester, "systemctl stop caddy; rm -rf /var/lib/caddy/.local/share/caddy/certificates; systemctl start caddy")
    assert wait(lambda: "certificate obtained successfully" in sh(
        requester, "journalctl -u caddy --since '%s' -o cat --utc" % since, check=False).stdout, 90, step=2), \
        "lhr-1 did not get a certificate"
    # The validation requests reached an instance of another PoP, whose relay asked lhr-1.
    relayed_by = []
    for pop in POPS:
        for n in (1, 2):
            c = need("instance", "%s-%d" % (pop, n))
            log = sh(c, "journalctl -u anycast-acme-relay --since '%s' -o cat --utc" % since, check=False).stdout
            if "answered by peer %s-1" % requester_pop in log:
                relayed_by.append("%s-%d" % (pop, n))
    assert relayed_by and all(not r.startswith(requester_pop) for r in relayed_by), relayed_by
    # The new certificate is pebble's and serves the hostname.
    out = sh(requester, "echo | openssl s_client -connect %s:443 -servername %s 2>/dev/null | openssl x509 -noout "
                        "-issuer -ext subjectAltName" % (WEB4, HOST), check=False).stdout
    assert "Pebble" in out and HOST in out, out

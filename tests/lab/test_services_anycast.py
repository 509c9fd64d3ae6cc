"""Every vantage point, both families: HTTP, HTTPS and DNS answer on the anycast addresses, from the expected PoP."""

import re
import pytest

from test_services_helpers import (DNS4, DNS6, EXPECTED_POP, VANTAGES, WEB4, WEB6, dns_instance, http_instance,
                                   need, sh)

pytestmark = pytest.mark.lab
PEBBLE_ROOT = "/usr/local/share/ca-certificates/anycast-lab-issuing-root.crt"


@pytest.fixture(scope="module")
def pebble_root():
    """pebble's issuing root, fetched from its management port and put on every vantage point."""
    for vp in VANTAGES:
        c = need("vantage", vp)
        sh(c, "curl -sk -m 5 https://ca.lab.test:15000/roots/0 -o %s" % PEBBLE_ROOT)
    return PEBBLE_ROOT


@pytest.mark.parametrize("vp", VANTAGES)
@pytest.mark.parametrize("address", [WEB4, WEB6])
def test_http_names_the_expected_pop(vp, address):
    who = http_instance(need("vantage", vp), address)
    assert who and who.rsplit("-", 1)[0] == EXPECTED_POP[vp], who


@pytest.mark.parametrize("vp", VANTAGES)
@pytest.mark.parametrize("address", [WEB4, WEB6])
def test_https_trusting_the_lab_ca(vp, address, pebble_root):
    who = http_instance(need("vantage", vp), address, scheme="https", cafile=pebble_root, timeout=5)
    assert who and who.rsplit("-", 1)[0] == EXPECTED_POP[vp], who


@pytest.mark.parametrize("vp", VANTAGES)
@pytest.mark.parametrize("address", [DNS4, DNS6])
def test_dns_answers_and_names_the_instance(vp, address):
    c = need("vantage", vp)
    who = dns_instance(c, address)
    assert who and who.rsplit("-", 1)[0] == EXPECTED_POP[vp], who
    out = sh(c, "kdig +nsid +norec @%s anycast.test SOA" % address).stdout
    # This second query may take the other instance of the PoP (ECMP hashes each UDP flow): compare PoPs.
    nsid = re.search(r'NSID: \S+ "([^"]+)"', out)
    assert "status: NOERROR" in out and " aa" in out, out
    assert nsid and nsid.group(1).rsplit("-", 1)[0] == EXPECTED_POP[vp], out
    assert sh(c, "kdig +short @%s www.anycast.test A" % address).stdout.strip() == WEB4

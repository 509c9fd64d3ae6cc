"""The module refuses bad input before it even builds an AWS client."""

from __future__ import annotations

import contextlib
import io
import json

import pytest
from module_runner import patch_module_args  # ansible-core 2.19's, or the same for 2.18

from ansible_collections.anycast.network.plugins.module_utils.route53 import client as route53_utils
from ansible_collections.anycast.network.plugins.modules import route53_geo


@pytest.fixture
def no_aws(monkeypatch):
    """Fail the test if the module gets as far as creating a client."""
    def refuse(_params):
        raise AssertionError("an AWS client was created")

    monkeypatch.setattr(route53_utils.Route53Client, "from_params", staticmethod(refuse))
    monkeypatch.setattr(route53_geo.Route53Client, "from_params", staticmethod(refuse))


def run(args):
    out = io.StringIO()
    with patch_module_args(args), contextlib.redirect_stdout(out):
        with pytest.raises(SystemExit) as exc:
            route53_geo.main()
    return exc.value.code, json.loads(out.getvalue())


BASE = dict(zone="example.com", name="www.example.com", owner="anycast-t",
            default_addresses=["192.0.2.80", "2001:db8:100::80"])


@pytest.mark.parametrize("extra, needle", [
    (dict(fallbacks=[{"pop": "gru", "continent": "SA", "country": "BR", "addresses": ["198.51.100.1"]}]),
     "continent or a country, not both"),
    (dict(fallbacks=[{"pop": "gru", "country": "BR", "subdivision": "SP", "addresses": ["198.51.100.1"]}]),
     "needs country US"),
    (dict(fallbacks=[{"pop": "x", "continent": "ME", "addresses": ["198.51.100.1"]}]), "not a continent code"),
    (dict(fallbacks=[{"pop": "x", "country": "EN", "addresses": ["198.51.100.1"]}]), "ISO 3166-1 alpha-2"),
    (dict(fallbacks=[{"pop": "x", "country": "BR", "addresses": ["198.51.100.1"]},
                     {"pop": "y", "country": "BR", "addresses": ["198.51.100.2"]}]),
     "one record per location"),
    (dict(ttl=0), "ttl"),
    (dict(ttl=100000), "ttl"),
    (dict(fallbacks=[{"pop": "x", "country": "BR", "addresses": ["198.51.100.1"], "health_check_id": "no such!"}]),
     "is not a Route53 health check ID"),
])
def test_bad_input_fails_before_any_api_call(no_aws, extra, needle):
    code, result = run(dict(BASE, **extra))
    assert code == 1 and result["failed"]
    assert result["msg"].startswith("GeoDNS input rejected before any change: ")
    assert needle in result["msg"], result["msg"]
    assert result["errors"]


def test_missing_default_addresses(no_aws):
    code, result = run(dict(zone="example.com", name="www.example.com"))
    assert code == 1 and "default_addresses" in result["msg"]


def test_bad_protocol_is_refused_by_the_argument_spec(no_aws):
    code, result = run(dict(BASE, health_check={"protocol": "icmp"}))
    assert code == 1 and "protocol" in result["msg"]


def test_secrets_are_not_echoed(no_aws):
    code, result = run(dict(BASE, ttl=0, access_key="AKIDVISIBLE", secret_key="TOPSECRETVALUE",
                            session_token="TOKENVALUE"))
    text = json.dumps(result)
    assert code == 1
    assert "TOPSECRETVALUE" not in text and "TOKENVALUE" not in text and "AKIDVISIBLE" not in text

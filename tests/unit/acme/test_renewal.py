"""The renewal decision of the shared certificate (plugins/module_utils/acme/renewal.py) and the read-back filters."""

from __future__ import annotations

import base64
import datetime

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from ansible_collections.anycast.network.plugins.filter.tls import anycast_tls_bundles, anycast_tls_held
from ansible_collections.anycast.network.plugins.module_utils.acme import renewal

START = datetime.datetime(2030, 1, 1, tzinfo=datetime.timezone.utc)
NAMES = ["www.anycast.test", "anycast.test"]


def make(names=NAMES, start=START, days=90):
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, names[0])])
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(start)
            .not_valid_after(start + datetime.timedelta(days=days))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(n) for n in names]), critical=False)
            .sign(key, hashes.SHA256()))
    key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption()).decode()
    return key_pem, cert.public_bytes(serialization.Encoding.PEM).decode()


def at(days):
    return START + datetime.timedelta(days=days)


def test_nothing_held_is_due():
    assert renewal.status("", NAMES, at(0)) == {"due": True, "reason": "no certificate"}


def test_kept_until_a_third_of_its_lifetime_is_left():
    key, cert = make()
    assert not renewal.status(cert, NAMES, at(1), key_pem=key)["due"]
    assert not renewal.status(cert, NAMES, at(59.9), key_pem=key)["due"]
    found = renewal.status(cert, NAMES, at(60.1), key_pem=key)
    assert found["due"] and "lifetime left" in found["reason"]
    assert found["renew_at"] == at(60).isoformat()
    assert renewal.status(cert, NAMES, at(91), key_pem=key)["reason"].startswith("expired")


def test_the_fraction_is_a_setting_and_a_bundle_with_the_key_first_reads():
    key, cert = make(days=30)
    assert renewal.status(key + cert, NAMES, at(15), renew_fraction=0.6, key_pem=key)["due"]
    assert not renewal.status(key + cert, NAMES, at(15), renew_fraction=0.4, key_pem=key)["due"]


def test_an_exact_identifier_set_order_and_case_aside():
    key, cert = make(["ANYCAST.test", "www.anycast.test."])
    assert not renewal.status(cert, NAMES, at(1), key_pem=key)["due"]
    assert renewal.status(cert, NAMES + ["extra.anycast.test"], at(1))["reason"].startswith("names")
    assert renewal.status(cert, NAMES[:1], at(1))["reason"].startswith("names")


def test_a_key_that_is_not_the_certificates_is_due():
    _key, cert = make()
    other, _cert = make()
    assert renewal.status(cert, NAMES, at(1), key_pem=other)["reason"] == "the private key is not the certificate's"


def test_an_ari_window_that_opened_makes_it_due_earlier():
    key, cert = make()
    assert renewal.status(cert, NAMES, at(30), key_pem=key, ari_start=at(29))["reason"].startswith("the CA's renewal")
    assert not renewal.status(cert, NAMES, at(30), key_pem=key, ari_start=at(31))["due"]


def test_the_newest_fitting_certificate_any_instance_holds_is_kept():
    old_key, old = make(start=START - datetime.timedelta(days=30))
    new_key, new = make()
    wrong_key, wrong = make(["other.test"], days=300)
    held = [{"instance": "a", "certificate": old_key + old, "private_key": old_key + old},
            {"instance": "b", "certificate": "", "private_key": ""},
            {"instance": "c", "certificate": wrong_key + wrong, "private_key": wrong_key + wrong},
            {"instance": "d", "certificate": new_key + new, "private_key": new_key + new}]
    entry, found = renewal.choose(held, NAMES, at(10))
    assert entry["instance"] == "d" and not found["due"]
    entry, found = renewal.choose(held[2:3], NAMES, at(10))
    assert entry is None and found["due"] and "c: names" in found["reason"]
    # The newest is due too: kept (for the instances meanwhile) and marked due.
    entry, found = renewal.choose(held, NAMES, at(70))
    assert entry["instance"] == "d" and found["due"]


def _slurped(text):
    return {"content": base64.b64encode(text.encode()).decode()}


def test_read_back_and_what_to_install():
    key, cert = make()
    bundle = key + cert
    svc = {"name": "web"}
    hostvars = {
        "a": {"__caddy_tls_read": {"results": [dict(_slurped(bundle), item=[svc, "pem"]),
                                               dict(_slurped("ACCOUNT"), item=[svc, "account.key"])]}},
        "b": {"__caddy_tls_read": {"results": [{"failed": True, "item": [svc, "pem"]},
                                               {"failed": True, "item": [svc, "account.key"]}]}},
        "c": {"__caddy_tls_read": {"unreachable": True}},
    }
    held = anycast_tls_held(["a", "b", "c"], hostvars)
    # Key and chain apart (the key goes to a no_log option; the chain comes back in the result).
    assert held == {"web": {"held": [{"instance": "a", "certificate": cert, "private_key": key}],
                            "account_key": "ACCOUNT"}}
    assert renewal.certificates(bundle) == cert
    plans = {"results": [{"item": svc, "renew": False, "source_index": 0, "certificate": cert}]}
    assert anycast_tls_bundles(plans, held) == {"web": {"pem": bundle.strip() + "\n", "account_key": "ACCOUNT"}}
    new_key, new = make()
    plans = {"results": [{"item": svc, "renew": True, "order": {}}]}
    issued = {"results": [{"item": plans["results"][0], "certificate": new, "private_key": new_key}]}
    out = anycast_tls_bundles(plans, {}, issued)
    assert out["web"]["pem"] == new_key.strip() + "\n" + new.strip() + "\n" and out["web"]["account_key"] == ""
    # Nothing held, nothing issued (check mode, or the first converge before the order): nothing to install.
    assert anycast_tls_bundles({"results": [{"item": svc, "renew": True}]}, {}) == {}

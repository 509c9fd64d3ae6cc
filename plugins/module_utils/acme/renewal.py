# -*- coding: utf-8 -*-
# Copyright: contributors to the anycast.network collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Whether a network's shared certificate must be ordered again (pure: no network, the clock is a parameter).

A certificate is kept while it names exactly the service's hostnames, matches its private key, and has more than
``renew_fraction`` of its lifetime left (a third by default, what Let's Encrypt advises for its 90-day
certificates: renew at 60 days); an ARI window the CA suggested (RFC 9773) that has started makes it due earlier.
"""

from __future__ import annotations

import datetime

try:
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization

    HAS_CRYPTOGRAPHY = True
except ImportError:  # pragma: no cover - reported by the module
    HAS_CRYPTOGRAPHY = False

DEFAULT_RENEW_FRACTION = 1.0 / 3.0


def _utc(value):
    return value if value.tzinfo else value.replace(tzinfo=datetime.timezone.utc)


def leaf(pem):
    """The first certificate of a PEM bundle (key blocks and the chain's other certificates are skipped)."""
    text = pem.decode() if isinstance(pem, bytes) else pem
    start = text.find("-----BEGIN CERTIFICATE-----")
    if start < 0:
        raise ValueError("no certificate in the PEM text")
    end = text.index("-----END CERTIFICATE-----", start) + len("-----END CERTIFICATE-----")
    return x509.load_pem_x509_certificate(text[start:end].encode())


def certificates(pem):
    """The certificate blocks of a PEM text (a bundle's key left out), newline-terminated."""
    text = pem.decode() if isinstance(pem, bytes) else pem
    blocks = []
    start = text.find("-----BEGIN CERTIFICATE-----")
    while start >= 0:
        end = text.index("-----END CERTIFICATE-----", start) + len("-----END CERTIFICATE-----")
        blocks.append(text[start:end])
        start = text.find("-----BEGIN CERTIFICATE-----", end)
    return "\n".join(blocks) + "\n" if blocks else ""


def _names(cert):
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return set()
    return {name.lower().rstrip(".") for name in san.get_values_for_type(x509.DNSName)}


def _public(key_or_cert):
    return key_or_cert.public_key().public_bytes(serialization.Encoding.DER,
                                                 serialization.PublicFormat.SubjectPublicKeyInfo)


def key_matches(cert, key_pem):
    text = key_pem.decode() if isinstance(key_pem, bytes) else key_pem
    start = text.find("-----BEGIN")
    while start >= 0 and "PRIVATE KEY-----" not in text[start:text.find("\n", start)]:
        start = text.find("-----BEGIN", start + 1)
    if start < 0:
        return False
    end_marker = text.index("-----END", start)
    end = text.index("-----", end_marker + 8) + 5
    key = serialization.load_pem_private_key(text[start:end].encode(), password=None)
    return _public(key) == _public(cert)


def status(cert_pem, hostnames, now, key_pem=None, renew_fraction=DEFAULT_RENEW_FRACTION, ari_start=None):
    """What a held certificate is worth: ``{"due": bool, "reason": str, "not_before", "not_after", ...}``.

    ``cert_pem`` may be empty (nothing held); ``key_pem``, when given, must be the certificate's key;
    ``ari_start`` is the start of the CA's suggested renewal window (a datetime) when the CA offers ARI.
    """
    wanted = {name.lower().rstrip(".") for name in hostnames}
    if not cert_pem:
        return {"due": True, "reason": "no certificate"}
    try:
        cert = leaf(cert_pem)
    except ValueError as exc:
        return {"due": True, "reason": "unreadable certificate: %s" % exc}
    now = _utc(now)
    not_before, not_after = _utc(cert.not_valid_before_utc), _utc(cert.not_valid_after_utc)
    lifetime = (not_after - not_before).total_seconds()
    left = (not_after - now).total_seconds()
    result = {"not_before": not_before.isoformat(), "not_after": not_after.isoformat(),
              "names": sorted(_names(cert)), "remaining_fraction": round(left / lifetime, 4) if lifetime > 0 else 0.0,
              "renew_at": (not_after - datetime.timedelta(seconds=lifetime * renew_fraction)).isoformat()}
    if _names(cert) != wanted:
        return dict(result, due=True, reason="names %s, wanted %s" % (sorted(_names(cert)), sorted(wanted)))
    if key_pem is not None:
        try:
            matches = key_matches(cert, key_pem)
        except ValueError:
            matches = False
        if not matches:
            return dict(result, due=True, reason="the private key is not the certificate's")
    if now < not_before:
        return dict(result, due=True, reason="not valid before %s" % not_before.isoformat())
    if left <= 0:
        return dict(result, due=True, reason="expired at %s" % not_after.isoformat())
    if left <= lifetime * renew_fraction:
        return dict(result, due=True, reason="%.0f%% of its lifetime left (renewed at %.0f%%)"
                    % (100.0 * left / lifetime, 100.0 * renew_fraction))
    if ari_start is not None and _utc(ari_start) <= now:
        return dict(result, due=True, reason="the CA's renewal window (ARI) opened at %s" % _utc(ari_start).isoformat())
    return dict(result, due=False, reason="valid until %s" % not_after.isoformat())


def choose(held, hostnames, now, renew_fraction=DEFAULT_RENEW_FRACTION):
    """The best certificate the instances hold: ``held`` is a list of ``{"instance", "certificate", "private_key"}``
    (any may be empty). Returns ``(entry, status)`` for the one that expires last among those that match the names and
    their key, else ``(None, status of nothing)``. Instances that hold an older certificate still get the newest."""
    best = None
    unfit = []
    for entry in held:
        if not entry.get("certificate") or not entry.get("private_key"):
            continue
        found = status(entry["certificate"], hostnames, now, key_pem=entry["private_key"], renew_fraction=renew_fraction)
        if "not_after" not in found or found["reason"].startswith(("names", "the private key", "expired", "not valid")):
            unfit.append("%s: %s" % (entry.get("instance") or "?", found["reason"]))
            continue
        if best is None or found["not_after"] > best[1]["not_after"]:
            best = (entry, found)
    if best is not None:
        return best
    if unfit:
        return None, {"due": True, "reason": "no held certificate fits (%s)" % "; ".join(unfit[:3])}
    return None, status("", hostnames, now)

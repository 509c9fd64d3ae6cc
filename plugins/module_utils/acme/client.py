# -*- coding: utf-8 -*-
# Copyright: contributors to the anycast.network collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one ACME client of the collection (RFC 8555 over the ``acme`` and ``josepy`` libraries).

An order is split in two calls so that the challenge can be answered on every instance between them:
``begin`` creates (or finds) the account, a new private key and CSR, the order, and returns each HTTP-01
challenge's path and key authorization; ``finish`` answers the challenges, waits for the authorizations,
finalizes the order and returns the certificate chain. What ``begin`` returns is all ``finish`` needs.
"""

from __future__ import annotations

import datetime
import json

try:
    import josepy
    from acme import challenges, client, crypto_util, errors, messages
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    HAS_ACME = True
    ACME_IMPORT_ERROR = None
except ImportError as exc:  # pragma: no cover - reported by the module
    HAS_ACME = False
    ACME_IMPORT_ERROR = exc

USER_AGENT = "anycast.network"


class AcmeClientError(Exception):
    pass


def new_key_pem():
    """A new P-256 private key (PEM, PKCS#8): for accounts and certificates alike."""
    key = ec.generate_private_key(ec.SECP256R1())
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption()).decode()


def _jwk(key_pem):
    key = serialization.load_pem_private_key(key_pem.encode(), password=None)
    return josepy.JWKEC(key=key) if isinstance(key, ec.EllipticCurvePrivateKey) else josepy.JWKRSA(key=key)


class AcmeService:
    """One account at one ACME directory."""

    def __init__(self, directory, account_key_pem, email=None, ca_bundle=None, timeout=30):
        self.jwk = _jwk(account_key_pem)
        alg = josepy.ES256 if isinstance(self.jwk, josepy.JWKEC) else josepy.RS256
        verify = ca_bundle if ca_bundle else True
        self.net = client.ClientNetwork(self.jwk, alg=alg, verify_ssl=verify, user_agent=USER_AGENT,
                                        timeout=timeout)
        try:
            directory_obj = client.ClientV2.get_directory(directory, self.net)
        except Exception as exc:  # requests' and acme's errors alike: the directory is unreachable
            raise AcmeClientError("ACME directory %s: %s" % (directory, exc)) from exc
        self.client = client.ClientV2(directory_obj, self.net)
        self.email = email

    def account(self):
        """Register the account, or find the one this key already has (RFC 8555 7.3.1)."""
        if self.net.account is not None:
            return self.net.account.uri
        registration = messages.NewRegistration.from_data(email=self.email, terms_of_service_agreed=True)
        try:
            return self.client.new_account(registration).uri
        except errors.ConflictError as exc:
            self.net.account = messages.RegistrationResource(uri=exc.location, body=messages.Registration())
            return exc.location
        except messages.Error as exc:
            raise AcmeClientError("ACME account: %s" % exc) from exc

    def renewal_window_start(self, cert_pem):
        """The start of the CA's suggested renewal window (ARI), or None when the CA offers none."""
        try:
            when, _next = self.client.renewal_time(cert_pem.encode())
        except errors.ARIError:
            return None
        return when

    def begin(self, hostnames):
        self.account()
        key_pem = new_key_pem()
        csr_pem = crypto_util.make_csr(key_pem.encode(), list(hostnames))
        try:
            order = self.client.new_order(csr_pem)
        except messages.Error as exc:
            raise AcmeClientError("new order for %s: %s" % (", ".join(hostnames), exc)) from exc
        answers = []
        for authz in order.authorizations:
            if authz.body.status == messages.STATUS_VALID:
                continue
            http = [c for c in authz.body.challenges if isinstance(c.chall, challenges.HTTP01)]
            if not http:
                raise AcmeClientError("%s: the CA offers no HTTP-01 challenge" % authz.body.identifier.value)
            _response, validation = http[0].response_and_validation(self.jwk)
            answers.append({"identifier": authz.body.identifier.value, "token": http[0].chall.encode("token"),
                            "path": http[0].chall.path, "content": validation})
        return {"order": json.dumps(order.to_json()), "private_key": key_pem, "challenges": answers}

    def finish(self, order_json, deadline_seconds=90):
        self.account()
        order = messages.OrderResource.from_json(json.loads(order_json))
        for authz in order.authorizations:
            if authz.body.status != messages.STATUS_PENDING:
                continue
            for challb in authz.body.challenges:
                if isinstance(challb.chall, challenges.HTTP01):
                    self.client.answer_challenge(challb, challb.chall.response(self.jwk))
                    break
        deadline = datetime.datetime.now() + datetime.timedelta(seconds=deadline_seconds)
        try:
            order = self.client.poll_authorizations(order, deadline)
            order = self.client.finalize_order(order, deadline)
        except errors.ValidationError as exc:
            problems = ["%s: %s" % (a.body.identifier.value, c.error) for a in exc.failed_authzrs
                        for c in a.body.challenges if c.error is not None]
            raise AcmeClientError("validation failed: %s" % "; ".join(problems)) from exc
        except (errors.Error, messages.Error) as exc:
            raise AcmeClientError("order %s: %s" % (order.uri, exc)) from exc
        return order.fullchain_pem

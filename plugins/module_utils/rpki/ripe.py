# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A client of the RIPE NCC RPKI Management API: the ROAs of our certificate authority, read and published.

After RIPE NCC's documentation ("RPKI Management API", ripe.net, developer documentation): base URL
https://my.ripe.net/api/rpki (pilot https://localcert.ripe.net/api/rpki); the key travels in the request header
`ncc-api-authorization` (the `?key=` parameter is deprecated, never used here); `GET /roas` lists the ROAs as
{asn: "AS<n>", prefix, maximalLength}; `POST /roas/publish` takes {added: [...], deleted: [...]} and applies both
lists in one change. The key is never part of a message.
"""

from __future__ import annotations

import json
import socket
import urllib.error

from ansible.module_utils.urls import Request

DEFAULT_URL = "https://my.ripe.net/api/rpki"


class RipeRpkiError(Exception):
    def __init__(self, message, status=None):
        super().__init__(message)
        self.status = status


def urls_transport(method, url, headers, body, timeout, validate_certs=True):
    """One HTTP exchange through ansible-core's Request; returns (status, body bytes)."""
    request = Request(validate_certs=validate_certs, follow_redirects="none")
    try:
        response = request.open(method, url, data=body, headers=headers, timeout=timeout)
        return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read() if exc.fp is not None else b""
    except (urllib.error.URLError, socket.timeout, OSError) as exc:
        raise RipeRpkiError("the RPKI Management API could not be reached (%s)" % getattr(exc, "reason", exc))


class RipeRpkiClient:
    def __init__(self, api_key, url=DEFAULT_URL, timeout=30, validate_certs=True, transport=None):
        if not api_key:
            raise RipeRpkiError("no API key for the RPKI Management API (rpki.api_key)")
        self.url = (url or DEFAULT_URL).rstrip("/")
        self._headers = {"ncc-api-authorization": api_key, "Accept": "application/json"}
        self.timeout = timeout
        self.validate_certs = validate_certs
        self.transport = transport

    def _call(self, method, path, data=None):
        headers = dict(self._headers)
        body = None
        if data is not None:
            body = json.dumps(data).encode("utf-8")
            headers["Content-Type"] = "application/json"
        url = self.url + path
        if self.transport is not None:
            status, payload = self.transport(method, url, headers, body, self.timeout)
        else:
            status, payload = urls_transport(method, url, headers, body, self.timeout, self.validate_certs)
        if status in (401, 403):
            raise RipeRpkiError("%s %s: HTTP %d, the API key was refused (is it a key for the RPKI API of this "
                                "LIR?)" % (method, path, status), status)
        if not 200 <= status < 300:
            text = (payload or b"").decode("utf-8", "replace").strip()[:300]
            try:
                text = json.loads(text).get("error", text)
            except (ValueError, AttributeError):
                pass
            raise RipeRpkiError("%s %s: HTTP %d: %s" % (method, path, status, text or "no detail"), status)
        if not payload:
            return None
        try:
            return json.loads(payload)
        except ValueError:
            raise RipeRpkiError("%s %s: the answer is not JSON" % (method, path), status)

    def roas(self):
        """The ROAs of our certificate authority, as the API lists them."""
        return self._call("GET", "/roas")

    def publish(self, added, deleted):
        """Create the ROAs of `added` and remove those of `deleted` (API shape) in one change."""
        return self._call("POST", "/roas/publish", {"added": list(added), "deleted": list(deleted)})

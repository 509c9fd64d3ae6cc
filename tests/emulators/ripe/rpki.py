# -*- coding: utf-8 -*-
# Copyright: contributors to anycast.network
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""An emulation of the RIPE NCC RPKI Management API's ROA calls, on loopback, for tests.

After RIPE NCC's documentation ("RPKI Management API", ripe.net developer documentation):
- base path ``/api/rpki``; the key in the header ``ncc-api-authorization`` (the deprecated ``?key=`` parameter is
  accepted too, as the service still does); no or a wrong key: 401;
- ``GET /api/rpki/resources``: {"resources": [prefixes on the certificate]};
- ``GET /api/rpki/roas``: a list of {"asn": "AS<n>", "prefix", "maximalLength"};
- ``POST /api/rpki/roas/publish`` with {"added": [...], "deleted": [...]}: both applied in one change, or nothing
  when one entry is refused (400 with {"error": ...}): a prefix outside the certified resources, a max length shorter
  than the prefix or longer than the family allows, an AS number that is not one, deleting a ROA that does not
  exist. A successful publish answers 204 without a body.
What the documentation does not say (the exact error texts and statuses) is this emulation's choice.

Every request is logged (method, path, whether the key came in the header) for the tests to assert on.
"""

from __future__ import annotations

import ipaddress
import json
import re
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class RpkiCa:
    """One LIR's certificate authority: its certified resources and ROAs."""

    def __init__(self, api_key, resources=(), roas=()):
        self.api_key = api_key
        self.resources = [ipaddress.ip_network(r) for r in resources]
        self.roas = [dict(r) for r in roas]
        self.log = []
        self.lock = threading.Lock()

    def _roa(self, item):
        if not isinstance(item, dict) or set(item) - {"asn", "prefix", "maximalLength"}:
            raise ValueError("a ROA is {asn, prefix, maximalLength}: %s" % (item,))
        asn = str(item.get("asn", ""))
        if not re.fullmatch(r"AS\d+", asn) or int(asn[2:]) > 4294967295:
            raise ValueError("Invalid ASN: %s" % asn)
        try:
            net = ipaddress.ip_network(str(item.get("prefix")), strict=True)
        except ValueError:
            raise ValueError("Invalid prefix: %s" % item.get("prefix"))
        length = item.get("maximalLength", net.prefixlen)
        if not isinstance(length, int) or not net.prefixlen <= length <= net.max_prefixlen:
            raise ValueError("Invalid maximal length %s for prefix %s" % (length, net))
        if not any(net.version == r.version and net.subnet_of(r) for r in self.resources):
            raise ValueError("Prefix %s is not a resource of this certificate authority" % net)
        return {"asn": asn, "prefix": str(net), "maximalLength": length}

    def publish(self, body):
        if not isinstance(body, dict) or set(body) - {"added", "deleted"}:
            raise ValueError("the body is {added: [...], deleted: [...]}")
        added = [self._roa(i) for i in body.get("added") or []]
        deleted = [self._roa(i) for i in body.get("deleted") or []]
        current = list(self.roas)
        for item in deleted:
            if item not in current:
                raise ValueError("Cannot delete ROA %s %s %d: it does not exist"
                                 % (item["asn"], item["prefix"], item["maximalLength"]))
            current.remove(item)
        for item in added:
            if item not in current:
                current.append(item)
        self.roas = current


def _handler(ca):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, fmt, *args):  # quiet
            pass

        def _send(self, status, payload=None):
            data = b"" if payload is None else json.dumps(payload).encode()
            self.send_response(status)
            if data:
                self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _handle(self, method):
            parsed = urllib.parse.urlsplit(self.path)
            params = dict(urllib.parse.parse_qsl(parsed.query))
            header_key = self.headers.get("ncc-api-authorization")
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            with ca.lock:
                ca.log.append({"method": method, "path": parsed.path, "key_in_header": header_key is not None,
                               "key_in_url": "key" in params})
                if (header_key or params.get("key")) != ca.api_key:
                    return self._send(401, {"error": "Unauthorized"})
                if method == "GET" and parsed.path == "/api/rpki/resources":
                    return self._send(200, {"resources": [str(r) for r in ca.resources]})
                if method == "GET" and parsed.path == "/api/rpki/roas":
                    return self._send(200, list(ca.roas))
                if method == "POST" and parsed.path == "/api/rpki/roas/publish":
                    try:
                        ca.publish(json.loads(raw or b"{}"))
                    except ValueError as exc:
                        return self._send(400, {"error": str(exc)})
                    return self._send(204)
                return self._send(404, {"error": "Not Found"})

        def do_GET(self):
            self._handle("GET")

        def do_POST(self):
            self._handle("POST")

    return Handler


class RpkiApiServer:
    """The emulation on 127.0.0.1 (a free port unless given); use as a context manager."""

    def __init__(self, ca, host="127.0.0.1", port=0):
        if host not in ("127.0.0.1", "::1", "localhost"):
            raise ValueError("loopback only")
        self.ca = ca
        self.httpd = ThreadingHTTPServer((host, port), _handler(ca))
        self.httpd.daemon_threads = True
        self.thread = None

    @property
    def url(self):
        host, port = self.httpd.server_address[:2]
        return "http://%s:%d/api/rpki" % (host, port)

    def __enter__(self):
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()

# -*- coding: utf-8 -*-
# Copyright: contributors to anycast.network
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""An emulation of the RIPE Database REST API for route and route6 objects, on loopback, for tests.

What it reproduces, after the RIPE NCC whois source (WhoisRestService, InternalUpdatePerformer, OAuthUtils,
ObjectTemplate) and docs.db.ripe.net:
- ``GET|PUT|DELETE /{source}/{type}/{key}`` and ``POST /{source}/{type}``; key = prefix and origin (the "/" raw or
  as %2F); JSON only when the client sends ``Accept: application/json`` (XML otherwise, as the real service);
- WhoisResources bodies; ``errormessages`` with severity, a ``%s`` format text, ``args`` and ``attribute``;
- statuses: 200, 400 (syntax, unknown attribute or maintainer, missing mandatory attribute), 401 (authorisation),
  404 (``ERROR:101: no entries found``), 409 (create of an existing object), 500/503 injected on demand;
- authentication by API key (HTTP Basic, a 24-character alphanumeric user name is a key ID) or MD5 password
  (``?password=``, with RIPE's deprecation warning; refused when ``md5_supported`` is off);
  authorisation against the new object's mnt-by on create, the stored object's on update and delete;
- ``dry-run`` (validated like a real change, not stored), ``reason`` on delete, ``unfiltered`` on read;
- generated ``created``/``last-modified``; an update identical to the stored object answers with a warning.

Run alone: ``python tests/emulators/ripe/server.py --port 8088`` (loopback only).
"""

from __future__ import annotations

import argparse
import base64
import ipaddress
import json
import re
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

TEMPLATE = {
    # ObjectTemplate.java: route and route6 (the same with route6).
    "mandatory": {"origin", "mnt-by", "source"},
    "optional": {"descr", "pingable", "ping-hdl", "holes", "org", "member-of", "inject", "aggr-mtd", "aggr-bndry",
                 "export-comps", "components", "remarks", "notify", "mnt-lower", "mnt-routes"},
    "generated": {"created", "last-modified"},
    "single": {"origin", "source", "created", "last-modified", "aggr-mtd", "aggr-bndry", "export-comps",
               "components"},
}
KNOWN_ATTRIBUTES = {"route", "route6", "descr", "origin", "mnt-by", "source", "remarks", "notify", "mnt-lower",
                    "mnt-routes", "org", "member-of", "inject", "aggr-mtd", "aggr-bndry", "export-comps",
                    "components", "holes", "pingable", "ping-hdl", "created", "last-modified", "admin-c", "tech-c"}
_KEY_ID = re.compile(r"^[A-Za-z0-9]{24}$")
DEPRECATION = ("MD5 hashed password authentication is deprecated and support will be removed soon. "
               "Please switch to an alternative authentication method before then.")


def message(severity, text, args=(), attribute=None):
    out = {"severity": severity, "text": text}
    if args:
        out["args"] = [{"value": str(a)} for a in args]
    if attribute:
        out["attribute"] = {"name": attribute[0], "value": attribute[1]}
    return out


class Refusal(Exception):
    def __init__(self, status, messages):
        super().__init__(status)
        self.status = status
        self.messages = messages


class RipeDatabase:
    """The in-memory state: objects, maintainers and their credentials, a clock, a request log."""

    def __init__(self, sources=("RIPE", "TEST")):
        self.sources = {s.upper() for s in sources}
        self.objects = {}            # (source, type, KEY) -> [(name, value)]
        self.mntners = {}            # NAME -> {"api_keys": {id: secret}, "passwords": set()}
        self.md5_supported = True
        self.inject = []             # statuses to answer before handling, one per request (e.g. [503, 503])
        self.log = []                # dicts: method, path, params, auth
        self.clock = 0
        self.lock = threading.Lock()

    def add_mntner(self, name, api_keys=None, passwords=()):
        self.mntners[name.upper()] = {"api_keys": dict(api_keys or {}), "passwords": set(passwords)}

    def now(self):
        self.clock += 1
        return "2026-01-01T00:%02d:%02dZ" % (self.clock // 60 % 60, self.clock % 60)


def split_key(key):
    match = re.match(r"^(.+?)(AS[0-9]+)$", key, re.IGNORECASE)
    if not match:
        raise Refusal(400, [message("Error", "Invalid primary key %s", [key])])
    return match.group(1), match.group(2).upper()


def canonical_key(object_type, key):
    prefix, origin = split_key(key)
    try:
        net = ipaddress.ip_network(prefix, strict=True)
    except ValueError:
        raise Refusal(400, [message("Error", "Syntax error in %s", [prefix], (object_type, prefix))])
    return net.with_prefixlen + origin


class Handler(BaseHTTPRequestHandler):
    server_version = "ripe-emulator"
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):  # quiet
        pass

    @property
    def db(self):
        return self.server.db

    # ----------------------------------------------------------------------------------------------------------
    def _send(self, status, payload):
        if "application/json" in (self.headers.get("Accept") or "") or self._json_suffix:
            body = json.dumps(payload).encode()
            ctype = "application/json"
        else:
            body = b'<?xml version="1.0" encoding="UTF-8" standalone="no" ?><whois-resources/>'
            ctype = "application/xml"
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _resources(self, source, object_type, attrs, messages=()):
        out = {
            "link": {"type": "locator", "href": "http://%s:%d%s" % (*self.server.server_address[:2], self.path)},
            "objects": {"object": [{
                "type": object_type,
                "link": {"type": "locator", "href": "http://rest.db.ripe.net/%s/%s" % (source.lower(), object_type)},
                "source": {"id": source.lower()},
                "primary-key": {"attribute": [{"name": object_type, "value": attrs[0][1]},
                                              {"name": "origin", "value": dict(attrs)["origin"]}]},
                "attributes": {"attribute": [self._attribute(n, v) for n, v in attrs]},
            }]},
            "terms-and-conditions": {"type": "locator", "href": "http://www.ripe.net/db/support/db-terms-conditions.pdf"},
        }
        if messages:
            out["errormessages"] = {"errormessage": list(messages)}
        return out

    @staticmethod
    def _attribute(name, value):
        attr = {"name": name, "value": value}
        if name in ("mnt-by", "mnt-routes", "mnt-lower"):
            attr.update({"link": {"type": "locator", "href": "https://rest.db.ripe.net/ripe/mntner/" + value},
                         "referenced-type": "mntner"})
        return attr

    def _route(self):
        parsed = urllib.parse.urlsplit(self.path)
        self._json_suffix = False
        path = parsed.path
        if path.endswith(".json"):
            path, self._json_suffix = path[:-5], True
        parts = path.split("/", 3)  # '', source, type, key
        params = urllib.parse.parse_qs(parsed.query, keep_blank_values=True)
        source = parts[1].upper() if len(parts) > 1 else ""
        object_type = parts[2] if len(parts) > 2 else ""
        key = urllib.parse.unquote(parts[3]) if len(parts) > 3 else None
        return source, object_type, key, params

    def _credentials(self, params):
        auth = self.headers.get("Authorization") or ""
        if auth.startswith("Basic "):
            try:
                user, _, secret = base64.b64decode(auth[6:]).decode().partition(":")
            except (ValueError, UnicodeDecodeError):
                raise Refusal(400, [message("Error", "Invalid Authorization header")])
            if _KEY_ID.match(user):
                return "api_key", (user, secret)
            return "password", [secret]  # HttpsBasicAuthFilter: the password becomes password=
        if params.get("password"):
            return "password", params["password"]
        return None, None

    def _authorise(self, action, object_type, key, mntners, params, warnings):
        method, cred = self._credentials(params)
        ok = False
        if method == "api_key":
            ok = any(self.db.mntners.get(m, {}).get("api_keys", {}).get(cred[0]) == cred[1] for m in mntners)
        elif method == "password":
            if not self.db.md5_supported:
                warnings.append(message("Warning", "MD5 hashed password authentication has been ignored because "
                                                   "is not longer supported."))
            else:
                warnings.append(message("Warning", DEPRECATION))
                ok = any(p in self.db.mntners.get(m, {}).get("passwords", ()) for m in mntners for p in cred)
        if not ok:
            raise Refusal(401, warnings + [message(
                "Error", "Authorisation for [%s] %s failed\nusing \"%s:\"\nnot authenticated by: %s",
                [object_type, key, "mnt-by", ", ".join(mntners)])])
        return method

    def _validate(self, source, object_type, body):
        if not isinstance(body, dict):
            raise Refusal(400, [message("Error", "Invalid request body")])
        objects = (body.get("objects") or {}).get("object") or []
        if len(objects) != 1:
            raise Refusal(400, [message("Error", "Single object expected in request body")])
        obj = objects[0]
        attrs = []
        for a in (obj.get("attributes") or {}).get("attribute") or []:
            name, value = str(a.get("name", "")).lower(), str(a.get("value", ""))
            attrs.append((name, value))
        errors = []
        if not attrs or attrs[0][0] != object_type:
            raise Refusal(400, [message("Error", "Object type specified in URI (%s) does not match object type in "
                                                 "the request body (%s)", [object_type, attrs[0][0] if attrs else ""])])
        for name, value in attrs:
            if name not in KNOWN_ATTRIBUTES:
                errors.append(message("Error", "\"%s\" is not a known RPSL attribute", [name]))
            elif name not in TEMPLATE["mandatory"] | TEMPLATE["optional"] | {object_type} | TEMPLATE["generated"]:
                errors.append(message("Error", "\"%s\" is not valid for this object type", [name]))
            if "\n" in value or "\r" in value:
                errors.append(message("Error", "Syntax error in %s", [value], (name, value)))
        present = {n for n, _ in attrs}
        for name in sorted(TEMPLATE["mandatory"] - present):
            errors.append(message("Error", "Mandatory attribute \"%s\" is missing", [name]))
        for name in TEMPLATE["single"]:
            if [n for n, _ in attrs].count(name) > 1:
                errors.append(message("Error", "Attribute \"%s\" appears more than once", [name]))
        values = dict(attrs)
        if "origin" in values and not re.match(r"^AS[0-9]+$", values["origin"], re.IGNORECASE):
            errors.append(message("Error", "Syntax error in %s", [values["origin"]], ("origin", values["origin"])))
        try:
            net = ipaddress.ip_network(attrs[0][1], strict=True)
            if net.version != (4 if object_type == "route" else 6):
                raise ValueError
        except ValueError:
            errors.append(message("Error", "Syntax error in %s", [attrs[0][1]], (object_type, attrs[0][1])))
        if "source" in values and values["source"].upper() != source:
            errors.append(message("Error", "Unrecognized source: %s", [values["source"]], ("source", values["source"])))
        for name, value in attrs:
            if name == "mnt-by" and value.upper() not in self.db.mntners:
                errors.append(message("Error", "Unknown object referenced %s", [value], (name, value)))
        if errors:
            raise Refusal(400, errors)
        attrs = [(n, v) for n, v in attrs if n not in TEMPLATE["generated"]]
        key = canonical_key(object_type, attrs[0][1] + values["origin"].upper())
        return attrs, key

    # ----------------------------------------------------------------------------------------------------------
    def _handle(self, method):
        source, object_type, key, params = self._route()
        body = None
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            raw = self.rfile.read(length)
            try:
                body = json.loads(raw)
            except ValueError:
                body = "invalid"
        with self.db.lock:
            self.db.log.append({"method": method, "path": self.path.split("?")[0], "params": params,
                                "auth": self._credentials(params)[0] if method != "GET" else None,
                                "authorization": self.headers.get("Authorization")})
            if self.db.inject:
                status = self.db.inject.pop(0)
                return self._send(status, {"errormessages": {"errormessage": [
                    message("Error", "Internal Server Error")]}})
            try:
                if source not in self.db.sources:
                    raise Refusal(400, [message("Error", "Invalid source '%s'", [source])])
                if object_type not in ("route", "route6"):
                    raise Refusal(400, [message("Error", "Invalid object type: %s", [object_type])])
                status, payload = getattr(self, "_do_" + method.lower())(source, object_type, key, params, body)
            except Refusal as refusal:
                status, payload = refusal.status, {"errormessages": {"errormessage": refusal.messages}}
        return self._send(status, payload)

    def _dry_run(self, params):
        return "dry-run" in params and params["dry-run"][0] in ("", "true")

    def _do_get(self, source, object_type, key, params, body):
        key = canonical_key(object_type, key or "")
        attrs = self.db.objects.get((source, object_type, key.upper()))
        if attrs is None:
            raise Refusal(404, [message("Error", "ERROR:101: no entries found\n\nNo entries found in source %s.\n",
                                        [source])])
        return 200, self._resources(source, object_type, attrs)

    def _do_post(self, source, object_type, key, params, body):
        if key:
            raise Refusal(405, [message("Error", "Method not allowed")])
        attrs, key = self._validate(source, object_type, body)
        warnings = []
        mntners = [v.upper() for n, v in attrs if n == "mnt-by"]
        self._authorise("create", object_type, key, mntners, params, warnings)
        if (source, object_type, key.upper()) in self.db.objects:
            raise Refusal(409, warnings + [message(
                "Error", "Enforced new keyword specified, but the object already exists in the database")])
        stamp = self.db.now()
        stored = attrs + [("created", stamp), ("last-modified", stamp)]
        if self._dry_run(params):
            warnings.append(message("Info", "Dry-run performed, no changes to the database have been made"))
        else:
            self.db.objects[(source, object_type, key.upper())] = stored
        return 200, self._resources(source, object_type, stored, warnings)

    def _do_put(self, source, object_type, key, params, body):
        attrs, body_key = self._validate(source, object_type, body)
        key = canonical_key(object_type, key or "")
        if key.upper() != body_key.upper():
            raise Refusal(400, [message("Error", "Primary key (%s) in the URI does not match the primary key (%s) "
                                                 "in the request body", [key, body_key])])
        current = self.db.objects.get((source, object_type, key.upper()))
        if current is None:
            raise Refusal(404, [message("Error", "ERROR:101: no entries found\n\nNo entries found in source %s.\n",
                                        [source])])
        warnings = []
        self._authorise("modify", object_type, key, [v.upper() for n, v in current if n == "mnt-by"], params,
                        warnings)
        created = dict(current).get("created")
        if attrs == [(n, v) for n, v in current if n not in TEMPLATE["generated"]]:
            warnings.append(message("Warning", "Submitted object identical to database object"))
            return 200, self._resources(source, object_type, current, warnings)
        stored = attrs + [("created", created), ("last-modified", self.db.now())]
        if self._dry_run(params):
            warnings.append(message("Info", "Dry-run performed, no changes to the database have been made"))
        else:
            self.db.objects[(source, object_type, key.upper())] = stored
        return 200, self._resources(source, object_type, stored, warnings)

    def _do_delete(self, source, object_type, key, params, body):
        key = canonical_key(object_type, key or "")
        current = self.db.objects.get((source, object_type, key.upper()))
        if current is None:
            raise Refusal(404, [message("Error", "ERROR:101: no entries found\n\nNo entries found in source %s.\n",
                                        [source])])
        warnings = []
        self._authorise("delete", object_type, key, [v.upper() for n, v in current if n == "mnt-by"], params,
                        warnings)
        if self._dry_run(params):
            warnings.append(message("Info", "Dry-run performed, no changes to the database have been made"))
        else:
            del self.db.objects[(source, object_type, key.upper())]
        return 200, self._resources(source, object_type, current, warnings)

    def do_GET(self):
        self._handle("GET")

    def do_POST(self):
        self._handle("POST")

    def do_PUT(self):
        self._handle("PUT")

    def do_DELETE(self):
        self._handle("DELETE")


class RipeEmulator:
    """Start with ``with RipeEmulator() as emu:``; ``emu.url`` is the base URL, ``emu.db`` the state."""

    def __init__(self, host="127.0.0.1", port=0):
        self.db = RipeDatabase()
        self.httpd = ThreadingHTTPServer((host, port), Handler)
        self.httpd.daemon_threads = True
        self.httpd.db = self.db
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def url(self):
        host, port = self.httpd.server_address[:2]
        return "http://%s:%d" % (host, port)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=5)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8088)
    parser.add_argument("--mntner", default="EXAMPLE-MNT")
    parser.add_argument("--api-key", default="", help="KEYID:SECRET accepted for the maintainer")
    parser.add_argument("--password", default="", help="MD5 password accepted for the maintainer")
    args = parser.parse_args()
    emu = RipeEmulator(port=args.port)
    keys = dict([args.api_key.split(":", 1)]) if args.api_key else {}
    emu.db.add_mntner(args.mntner, api_keys=keys, passwords=[args.password] if args.password else [])
    print("RIPE REST API emulation on %s" % emu.url, flush=True)
    emu.httpd.serve_forever()


if __name__ == "__main__":
    main()

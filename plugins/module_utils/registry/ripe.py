# -*- coding: utf-8 -*-
# Copyright: contributors to anycast.network
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""RIPE Database REST API backend (JSON WhoisResources).

Routes, authentication and error format follow the RIPE NCC whois source (WhoisRestService, InternalUpdatePerformer,
OAuthUtils) and docs.db.ripe.net: one object per request; create ``POST /{source}/{type}``, update
``PUT /{source}/{type}/{key}``, delete ``DELETE /{source}/{type}/{key}``, read ``GET`` the same; the key of a
route(6) is prefix and origin together; ``dry-run`` checks a change without making it.
Authentication: an API key as HTTP Basic (key ID as user name, secret as password); the MD5 password as
``?password=`` only when no API key is configured (RIPE removes MD5 passwords, RIPE 90 DB-WG minutes).
"""

from __future__ import annotations

import base64
import binascii
import re
import urllib.parse

from ansible_collections.anycast.network.plugins.module_utils.registry.common import (
    HttpClient,
    RegistryError,
    RouteBackend,
    RouteObject,
)

RIPE_URL = "https://rest.db.ripe.net"
RIPE_TEST_URL = "https://rest-test.db.ripe.net"
_KEY_ID = re.compile(r"^[A-Za-z0-9]{24}$")


def default_url(source):
    return RIPE_TEST_URL if source.upper() == "TEST" else RIPE_URL


def split_api_key(api_key):
    """An API key as ``KEYID:SECRET`` (as for ``curl -u``), or the Base64 token of the Authorization header the
    RIPE Database shows when the key is created (optionally with its ``Basic `` prefix)."""
    value = api_key.strip()
    if value.lower().startswith("basic "):
        value = value[6:].strip()
    if ":" not in value:
        try:
            value = base64.b64decode(value, validate=True).decode("utf-8")
        except (binascii.Error, ValueError, UnicodeDecodeError):
            raise RegistryError("api_key is neither KEYID:SECRET nor the Base64 token the RIPE Database showed "
                                "when the key was created")
    key_id, dummy, secret = value.partition(":")
    if not _KEY_ID.match(key_id) or not secret:
        raise RegistryError("api_key: the key ID must be the 24 letters and digits the RIPE Database gave the key, "
                            "followed by ':' and the secret")
    return key_id, secret


def format_messages(payload, severities=("Error",)):
    """RIPE's errormessages as readable lines: the format string with its %s arguments filled in, and the attribute
    it points at."""
    lines = []
    if not isinstance(payload, dict):
        return lines
    for msg in (payload.get("errormessages") or {}).get("errormessage") or []:
        if severities and msg.get("severity") not in severities:
            continue
        text = msg.get("text") or ""
        args = [a.get("value", "") for a in msg.get("args") or []]
        try:
            text = text % tuple(args) if args else text
        except (TypeError, ValueError):
            text = "%s %s" % (text, " ".join(args))
        text = re.sub(r"\s*\n\s*", " ", text).strip()
        attr = msg.get("attribute")
        if attr:
            text += " (attribute %s: %s)" % (attr.get("name"), attr.get("value"))
        lines.append(text)
    return lines


def to_whois_resources(obj, source):
    return {
        "objects": {
            "object": [{
                "type": obj.object_class,
                "source": {"id": source},
                "attributes": {"attribute": [{"name": n, "value": v} for n, v in obj.attributes]},
            }]
        }
    }


def from_whois_resources(payload):
    objects = ((payload or {}).get("objects") or {}).get("object") or []
    if not objects:
        return None
    attrs = (objects[0].get("attributes") or {}).get("attribute") or []
    return RouteObject([(a["name"], a.get("value", "")) for a in attrs])


class RipeBackend(RouteBackend):
    name = "ripe"

    def __init__(self, source, url=None, api_key=None, password=None, timeout=30, retries=4,
                 validate_certs=True, sleep=None):
        self.source = source.upper()
        self.url = (url or default_url(self.source)).rstrip("/")
        self.password = password or None
        self.warnings = []
        basic = split_api_key(api_key) if api_key else None
        self.auth_method = "api_key" if basic else ("password" if self.password else None)
        kwargs = {"sleep": sleep} if sleep else {}
        self.http = HttpClient(
            self.url, timeout=timeout, retries=retries, validate_certs=validate_certs,
            headers={"Accept": "application/json", "User-Agent": "anycast.network irr_route"},
            basic_auth=basic, secrets=[self.password] + list(basic or []), **kwargs)

    def _path(self, object_class, key=None):
        path = "/%s/%s" % (urllib.parse.quote(self.source.lower()), object_class)
        if key:
            path += "/" + urllib.parse.quote(key, safe="/:")
        return path

    def _auth_params(self, dry_run):
        params = []
        if self.auth_method is None:
            raise RegistryError("no credential for the RIPE Database: set api_key (or, while RIPE still accepts "
                                "them, the maintainer's password)")
        if self.auth_method == "password":
            params.append(("password", self.password))
        if dry_run:
            params.append(("dry-run", "true"))
        return params

    def _fail(self, action, obj, resp):
        payload = resp.json()
        lines = format_messages(payload)
        if not lines:
            lines = [resp.text.strip()[:500] or "no details"]
        meaning = {
            400: "the RIPE Database refused the object",
            401: "authentication failed (check api_key/password and that the key or password is on %s)"
                 % ", ".join(obj.values("mnt-by")),
            403: "forbidden",
            404: "not found",
            409: "the object already exists",
        }.get(resp.status, "HTTP %d" % resp.status)
        raise RegistryError("RIPE Database: %s %s %s: %s: %s" % (
            action, obj.object_class, obj.key, meaning, "; ".join(self.http.mask(x) for x in lines)),
            status=resp.status, details=lines)

    def _collect_warnings(self, resp):
        for line in format_messages(resp.json(), severities=("Warning",)):
            if line not in self.warnings:
                self.warnings.append(line)

    def get(self, object_class, key):
        resp = self.http.request("GET", self._path(object_class, key), params=[("unfiltered", "")])
        if resp.status == 404:
            return None
        if resp.status != 200:
            self._fail("reading", RouteObject([(object_class, key)]), resp)
        return from_whois_resources(resp.json())

    def create(self, obj, dry_run=False):
        resp = self.http.request("POST", self._path(obj.object_class), params=self._auth_params(dry_run),
                                 body=to_whois_resources(obj, self.source))
        if resp.status != 200:
            self._fail("creating", obj, resp)
        self._collect_warnings(resp)
        return from_whois_resources(resp.json()) or obj

    def update(self, obj, dry_run=False):
        resp = self.http.request("PUT", self._path(obj.object_class, obj.key), params=self._auth_params(dry_run),
                                 body=to_whois_resources(obj, self.source))
        if resp.status != 200:
            self._fail("updating", obj, resp)
        self._collect_warnings(resp)
        return from_whois_resources(resp.json()) or obj

    def delete(self, obj, dry_run=False, reason=None):
        params = self._auth_params(dry_run) + [("reason", reason or "--")]
        resp = self.http.request("DELETE", self._path(obj.object_class, obj.key), params=params)
        if resp.status != 200:
            self._fail("deleting", obj, resp)
        self._collect_warnings(resp)

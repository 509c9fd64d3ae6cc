# -*- coding: utf-8 -*-
# Copyright: contributors to anycast.network
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Shared code of the registry modules: RPSL route objects, input checks, an HTTP client with retries.

The two backends (RIPE Database REST API, IRRd 4 HTTP API) live in registry_ripe.py and registry_irrd.py and
share the interface of :class:`RouteBackend`.
"""

from __future__ import annotations

import base64
import ipaddress
import json
import random
import re
import socket
import time
import urllib.error
import urllib.parse

from ansible.module_utils.urls import Request

# Attributes the registry generates itself: never sent back, never compared.
GENERATED_ATTRIBUTES = frozenset({"created", "last-modified", "changed"})

# RPSL attribute names are letters, digits and "-" (RFC 2622 section 2); object names (mntner, source) are
# letters, digits, "-" and "_".
_RPSL_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_-]*$")
_ATTRIBUTE_NAME = re.compile(r"^[a-z][a-z0-9-]*$")
_ASN = re.compile(r"^(?:AS)?([0-9]+)$", re.IGNORECASE)
# Attribute names of RPSL (RFC 2622, RFC 4012) and of the RIPE and IRRd templates: a one-line value that starts
# with one of these and a colon reads as that attribute if the text is ever re-wrapped or pasted.
RPSL_ATTRIBUTES = frozenset("""
route route6 origin descr mnt-by mnt-lower mnt-routes mnt-ref source remarks notify admin-c tech-c changed org
member-of inject aggr-mtd aggr-bndry export-comps components holes pingable ping-hdl created last-modified
auth upd-to mnt-nfy mntner password override delete aut-num as-name import export mp-import mp-export
inetnum inet6num netname country status abuse-c geoloc language person role nic-hdl e-mail
""".split())


class RegistryError(Exception):
    """An error to show to the user as it is (no traceback): a refused request, a bad input."""

    def __init__(self, msg, status=None, details=None):
        super().__init__(msg)
        self.msg = msg
        self.status = status
        self.details = details or []


# ---------------------------------------------------------------------------------------------------------------
# Input checks: nothing from the intent may smuggle extra RPSL attributes into an object.
# ---------------------------------------------------------------------------------------------------------------

def check_free_text(value, what):
    """Return ``value`` if it is safe as the value of one RPSL attribute, else raise RegistryError.

    Refused: line breaks of any kind (a new line would start a new attribute, or continue this one), other control
    characters, a value that starts with a colon or with an RPSL attribute name and a colon (``mnt-by: X``: an
    attribute smuggled into a single line, live as soon as the text is re-wrapped), "#" (starts an
    RPSL end-of-line comment, the rest would be lost), characters outside Latin-1 (the RIPE Database refuses them),
    and leading or trailing blanks (registries strip them, so the object would never compare equal).
    """
    if value is None:
        return None
    if not isinstance(value, str):
        raise RegistryError("%s must be a string, got %s" % (what, type(value).__name__))
    if value == "":
        raise RegistryError("%s must not be empty" % what)
    for ch in value:
        if ch in "\r\n\x0b\x0c\x85\u2028\u2029":
            raise RegistryError(
                "%s must be one line: it contains a line break, which would let it add other attributes to the "
                "registry object (%r)" % (what, value))
        if ord(ch) < 0x20 or 0x7f <= ord(ch) < 0xa0:
            raise RegistryError("%s contains the control character %r" % (what, ch))
        if ord(ch) > 0xff:
            raise RegistryError("%s contains %r: registries accept Latin-1 text only" % (what, ch))
    if value != value.strip():
        raise RegistryError("%s must not start or end with blanks (%r)" % (what, value))
    if value.startswith(":"):
        raise RegistryError("%s must not start with a colon (%r)" % (what, value))
    match = re.match(r"^\s*([A-Za-z][A-Za-z0-9_-]*)\s*:", value)
    if match and match.group(1).lower() in RPSL_ATTRIBUTES:
        raise RegistryError(
            "%s must not start with '%s:' (%r): it reads as another RPSL attribute" % (what, match.group(1), value))
    if "#" in value:
        raise RegistryError("%s must not contain '#' (it starts an RPSL comment): %r" % (what, value))
    return value


def check_name(value, what):
    """An RPSL object name (maintainer, source): letters, digits, '-' and '_'."""
    if not isinstance(value, str) or not _RPSL_NAME.match(value):
        raise RegistryError(
            "%s must be an RPSL name (letters, digits, '-' and '_', starting with a letter), got %r" % (what, value))
    return value.upper()


def normalize_origin(value):
    """'64500', 64500 or 'as64500' -> 'AS64500'."""
    match = _ASN.match(str(value).strip())
    if not match or not 0 < int(match.group(1)) < 2 ** 32:
        raise RegistryError("origin must be an AS number such as AS64500, got %r" % (value,))
    return "AS%d" % int(match.group(1))


def normalize_prefix(value):
    """A prefix in the registries' canonical spelling, with its object class (route or route6)."""
    try:
        net = ipaddress.ip_network(str(value).strip(), strict=True)
    except ValueError as exc:
        raise RegistryError("%r is not a prefix with its host bits zero: %s" % (value, exc))
    return ("route" if net.version == 4 else "route6"), net.with_prefixlen


# ---------------------------------------------------------------------------------------------------------------
# Route objects
# ---------------------------------------------------------------------------------------------------------------

class RouteObject:
    """An RPSL route/route6 object as an ordered list of (name, value) attributes."""

    def __init__(self, attributes):
        self.attributes = [(n.strip().lower(), v.strip()) for n, v in attributes]

    @classmethod
    def desired(cls, prefix, origin, mnt_by, source, descr=None, remarks=None):
        """The object the intent asks for. Every value is checked here too, whatever the caller checked: free text
        as one attribute's value (check_free_text), maintainers and source as RPSL names."""
        object_class, prefix = normalize_prefix(prefix)
        attrs = [(object_class, prefix)]
        for line in descr or []:
            attrs.append(("descr", check_free_text(line, "descr")))
        attrs.append(("origin", normalize_origin(origin)))
        for line in remarks or []:
            attrs.append(("remarks", check_free_text(line, "remarks")))
        for mnt in mnt_by:
            check_name(mnt, "mnt_by")
            attrs.append(("mnt-by", mnt))
        check_name(source, "source")
        attrs.append(("source", source))
        return cls(attrs)

    @classmethod
    def from_text(cls, text):
        """Parse RPSL text (continuation lines joined, comments kept in the value as the registry sent them)."""
        attrs = []
        for line in text.splitlines():
            if not line.strip():
                continue
            if line[0] in " \t+" and attrs:
                name, value = attrs[-1]
                attrs[-1] = (name, (value + " " + line[1:].strip()).strip())
                continue
            if ":" not in line:
                continue
            name, value = line.split(":", 1)
            attrs.append((name, value))
        return cls(attrs)

    @property
    def object_class(self):
        return self.attributes[0][0]

    @property
    def prefix(self):
        return self.attributes[0][1]

    def values(self, name):
        return [v for n, v in self.attributes if n == name]

    def first(self, name):
        values = self.values(name)
        return values[0] if values else None

    @property
    def key(self):
        """The primary key: prefix and origin, e.g. 192.0.2.0/24AS64500."""
        return "%s%s" % (self.prefix, (self.first("origin") or "").upper())

    def text(self):
        """The object as RPSL text, one line per attribute. A name that is not an attribute name, or a value with a
        line break or another control character (which would add attributes or continue this one), is refused:
        the text is what IRRd files, whoever built the object."""
        for name, value in self.attributes:
            if not _ATTRIBUTE_NAME.match(name):
                raise RegistryError("RPSL attribute name %r is not one (letters, digits and '-')" % (name,))
            if any((ord(ch) < 0x20 and ch != "\t") or 0x7f <= ord(ch) < 0xa0 or ch in "\u2028\u2029" for ch in value):
                raise RegistryError("the value of %s must be one line without control characters: %r" % (name, value))
        width = max(len(n) for n, dummy in self.attributes) + 2
        return "".join("%s%s\n" % ((n + ":").ljust(width), v) for n, v in self.attributes)

    def without_generated(self):
        return RouteObject([(n, v) for n, v in self.attributes if n not in GENERATED_ATTRIBUTES])

    def merged_with(self, desired, managed):
        """The object to submit: ``desired``'s values for the ``managed`` attributes, the others kept as they are.

        Attributes the module does not manage (remarks, notify, mnt-routes, ... added by hand) survive an update;
        generated ones are left out, the registry sets them.
        """
        out = []
        placed = set()
        for name, value in self.attributes:
            if name in GENERATED_ATTRIBUTES:
                continue
            if name in managed or name == desired.object_class:
                if name not in placed:
                    out.extend((n, v) for n, v in desired.attributes if n == name)
                    placed.add(name)
                continue
            out.append((name, value))
        for name, value in desired.attributes:
            if name not in placed:
                # Insert a missing managed attribute before "source", which RPSL tradition keeps last.
                idx = next((i for i, (n, dummy) in enumerate(out) if n == "source"), len(out))
                out.insert(idx, (name, value))
        return RouteObject(out)

    def differs(self, desired, managed):
        """Names of the managed attributes whose values differ (mnt-by and source compare case-insensitively)."""
        changed = []
        for name in sorted(managed):
            mine, theirs = self.values(name), desired.values(name)
            if name in ("mnt-by", "source", "origin"):
                mine, theirs = [v.upper() for v in mine], [v.upper() for v in theirs]
            if mine != theirs:
                changed.append(name)
        return changed


class RouteBackend:
    """The interface both backends implement. ``dry_run`` asks the registry to check a change without doing it
    (RIPE) or makes the backend skip the write (IRRd has no dry run)."""

    name = "abstract"
    # Attributes a backend manages; others found on an existing object are kept.
    managed = frozenset({"descr", "origin", "mnt-by", "source"})

    def get(self, object_class, key):
        """Return the current RouteObject or None."""
        raise NotImplementedError

    def create(self, obj, dry_run=False):
        raise NotImplementedError

    def update(self, obj, dry_run=False):
        raise NotImplementedError

    def delete(self, obj, dry_run=False, reason=None):
        raise NotImplementedError


# ---------------------------------------------------------------------------------------------------------------
# HTTP with retries
# ---------------------------------------------------------------------------------------------------------------

RETRY_STATUS = frozenset({429, 500, 502, 503, 504})


class HttpResponse:
    def __init__(self, status, body, headers=None):
        self.status = status
        self.body = body
        self.headers = headers or {}

    def json(self):
        if not self.body:
            return {}
        try:
            return json.loads(self.body)
        except ValueError:
            return None

    @property
    def text(self):
        return self.body.decode("utf-8", "replace") if self.body else ""


class HttpClient:
    """A small HTTP client: JSON bodies, bounded retries with backoff on 429, 5xx, timeouts and refused connections.

    Every response comes back as an HttpResponse, whatever its status: the backends decide what an error means.
    ``secrets`` are masked in any message built from a URL.
    """

    def __init__(self, base_url, timeout=30, retries=4, retry_max_delay=10, validate_certs=True,
                 headers=None, basic_auth=None, secrets=None, sleep=time.sleep):
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.retries = max(0, int(retries))
        self.retry_max_delay = retry_max_delay
        self.validate_certs = validate_certs
        self.headers = dict(headers or {})
        if basic_auth:
            token = base64.b64encode(("%s:%s" % basic_auth).encode("utf-8")).decode("ascii")
            self.headers["Authorization"] = "Basic " + token
        self.secrets = [s for s in (secrets or []) if s]
        self.sleep = sleep
        self.attempts = 0

    def mask(self, text):
        for secret in self.secrets:
            text = text.replace(secret, "********").replace(urllib.parse.quote(secret, safe=""), "********")
        return text

    def url(self, path, params=None):
        url = self.base_url + path
        if params:
            url += "?" + urllib.parse.urlencode(params, doseq=True)
        return url

    def request(self, method, path, params=None, body=None, headers=None):
        url = self.url(path, params)
        data = None
        hdrs = dict(self.headers)
        hdrs.update(headers or {})
        if body is not None:
            data = json.dumps(body).encode("utf-8")
            hdrs.setdefault("Content-Type", "application/json")
        last_error = None
        for attempt in range(self.retries + 1):
            self.attempts += 1
            if attempt:
                delay = min(self.retry_max_delay, 0.5 * 2 ** (attempt - 1)) + random.uniform(0, 0.25)
                self.sleep(delay)
            try:
                req = Request(headers=hdrs, timeout=self.timeout, validate_certs=self.validate_certs,
                              follow_redirects="safe")
                resp = req.open(method, url, data=data)
                return HttpResponse(resp.status, resp.read(), dict(resp.headers))
            except urllib.error.HTTPError as exc:
                body_bytes = exc.read() if exc.fp is not None else b""
                response = HttpResponse(exc.code, body_bytes, dict(exc.headers or {}))
                if exc.code in RETRY_STATUS and attempt < self.retries:
                    last_error = "HTTP %d" % exc.code
                    retry_after = (exc.headers or {}).get("Retry-After")
                    if retry_after and retry_after.isdigit():
                        self.sleep(min(int(retry_after), self.retry_max_delay))
                    continue
                return response
            except (urllib.error.URLError, socket.timeout, TimeoutError, ConnectionError) as exc:
                reason = getattr(exc, "reason", exc)
                last_error = "%s" % (reason,)
                if attempt < self.retries:
                    continue
        raise RegistryError("%s %s failed after %d attempts: %s"
                            % (method, self.mask(url), self.retries + 1, self.mask(str(last_error))))

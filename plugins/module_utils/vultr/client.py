# -*- coding: utf-8 -*-
# Copyright: anycast.network contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one Vultr API v2 client of the collection (modules and the inventory plugin).

Transport is ansible-core's own ``ansible.module_utils.urls.Request``, so the modules need no third-party Python
package. On top of it:

* cursor paging on every list (``per_page`` up to 500, ``meta.links.next`` until it is empty);
* retries with exponential backoff and jitter on 429, 5xx, timeouts and dropped connections, honouring
  ``Retry-After`` when the server sends one;
* no duplicate resource after a POST whose outcome is unknown (timeout, 5xx): the client looks the resource up
  again before it repeats the POST.

Check mode and diff belong to the modules' base class (``base.py``); this client only talks to the API.
"""

from __future__ import annotations

import base64
import json
import random
import re
import socket
import time
import urllib.error
import urllib.parse

from ansible.module_utils.basic import env_fallback
from ansible.module_utils.urls import Request

DEFAULT_API_URL = "https://api.vultr.com/v2"
MAX_PER_PAGE = 500
RETRY_STATUSES = frozenset((429, 500, 502, 503, 504))
USER_AGENT = "anycast.network (Ansible collection)"

TAG_NETWORK = "anycast:"
TAG_POP = "anycast-pop:"


class VultrAPIError(Exception):
    """An API call failed for good (after the retries it deserved)."""

    def __init__(self, message, status=None, method=None, path=None, retryable=False, retry_after=None):
        self.status = status
        self.method = method
        self.path = path
        self.retryable = retryable
        self.retry_after = retry_after
        where = "%s %s" % (method, path) if method else ""
        text = "Vultr API %s failed" % where if where else "Vultr API call failed"
        if status is not None:
            text += " with HTTP %s" % status
        super().__init__("%s: %s" % (text, message))
        self.message = message


def vultr_argument_spec():
    """Options every Vultr module takes (documented once in the doc fragment ``anycast.network.vultr``)."""
    return dict(
        api_key=dict(type="str", required=True, no_log=True, fallback=(env_fallback, ["VULTR_API_KEY"])),
        api_url=dict(type="str", default=DEFAULT_API_URL, fallback=(env_fallback, ["VULTR_API_URL"])),
        api_timeout=dict(type="float", default=60, fallback=(env_fallback, ["VULTR_API_TIMEOUT"])),
        api_retries=dict(type="int", default=6, fallback=(env_fallback, ["VULTR_API_RETRIES"])),
        api_retry_max_delay=dict(type="float", default=30, fallback=(env_fallback, ["VULTR_API_RETRY_MAX_DELAY"])),
        api_per_page=dict(type="int", default=MAX_PER_PAGE, fallback=(env_fallback, ["VULTR_API_PER_PAGE"])),
        validate_certs=dict(type="bool", default=True),
    )


def client_from_params(params):
    """Build the client from the common options (a module's parameters or a plugin's options)."""
    return VultrClient(
        api_key=params["api_key"],
        api_url=params["api_url"],
        timeout=params["api_timeout"],
        retries=params["api_retries"],
        retry_max_delay=params["api_retry_max_delay"],
        per_page=params["api_per_page"],
        validate_certs=params["validate_certs"],
    )


class UrlsTransport:
    """One HTTP exchange through ``ansible.module_utils.urls.Request``: the seam tests replace.

    A transport is called as ``transport(method, url, headers, body, timeout)`` and returns
    ``(status, headers, body_bytes)`` for every HTTP answer, error statuses included. It raises ``TimeoutError``
    when no answer came in time and ``ConnectionError`` when the connection failed.
    """

    def __init__(self, validate_certs=True):
        self.validate_certs = validate_certs

    def __call__(self, method, url, headers, body, timeout):
        request = Request(validate_certs=self.validate_certs, follow_redirects="none")
        try:
            response = request.open(method, url, data=body, headers=headers, timeout=timeout)
            return response.status, dict(response.headers), response.read()
        except urllib.error.HTTPError as exc:
            payload = exc.read() if exc.fp is not None else b""
            return exc.code, dict(exc.headers or {}), payload
        except (socket.timeout, TimeoutError) as exc:
            raise TimeoutError(str(exc)) from exc
        except urllib.error.URLError as exc:
            if isinstance(exc.reason, (socket.timeout, TimeoutError)):
                raise TimeoutError(str(exc.reason)) from exc
            raise ConnectionError(str(exc.reason)) from exc
        except (ConnectionError, OSError) as exc:
            raise ConnectionError(str(exc)) from exc


def _header(headers, name):
    for key, value in (headers or {}).items():
        if key.lower() == name.lower():
            return value
    return None


def _decode(payload):
    if not payload:
        return None
    try:
        return json.loads(payload)
    except ValueError:
        return None


def _error_text(body, payload):
    if isinstance(body, dict) and body.get("error"):
        return str(body["error"])
    text = (payload or b"").decode("utf-8", "replace").strip()
    return text[:300] or "no detail"


class VultrClient:
    """A Vultr API v2 client: paging, retries with backoff, no duplicate after a lost answer."""

    def __init__(
        self,
        api_key,
        api_url=DEFAULT_API_URL,
        timeout=60,
        retries=6,
        retry_base_delay=1.0,
        retry_max_delay=30,
        per_page=MAX_PER_PAGE,
        validate_certs=True,
        transport=None,
        sleep=time.sleep,
        rng=None,
        clock=time.monotonic,
    ):
        if not api_key:
            raise VultrAPIError("no API key: set api_key or the environment variable VULTR_API_KEY")
        # Per instance: two clients may talk to two endpoints.
        self.api_url = (api_url or DEFAULT_API_URL).rstrip("/")
        self.headers = {
            "Authorization": "Bearer %s" % api_key,
            "Accept": "application/json",
            "User-Agent": USER_AGENT,
        }
        self.transport = transport or UrlsTransport(validate_certs=validate_certs)
        self.timeout = float(timeout)
        self.retries = max(0, int(retries))
        self.retry_base_delay = float(retry_base_delay)
        self.retry_max_delay = float(retry_max_delay)
        self.per_page = max(1, min(MAX_PER_PAGE, int(per_page)))
        self.sleep = sleep
        self.clock = clock
        self.rng = rng or random.Random()
        self.stats = {"requests": 0, "retries": 0}

    # ------------------------------------------------------------------ transport
    def backoff_delay(self, attempt, retry_after=None):
        """Delay before retry number ``attempt`` (0-based): capped exponential with "equal jitter".

        Half of the exponential step is kept, the other half is random, so concurrent clients spread out while
        each still waits at least half the step. A ``Retry-After`` from the server is honoured (capped).
        """
        step = min(self.retry_max_delay, self.retry_base_delay * (2 ** attempt))
        delay = step / 2.0 + self.rng.uniform(0, step / 2.0)
        if retry_after is not None:
            delay = max(delay, min(float(retry_after), self.retry_max_delay))
        return delay

    @staticmethod
    def _retry_after(headers):
        value = _header(headers, "Retry-After")
        if value is None:
            return None
        try:
            return max(0.0, float(value))
        except ValueError:
            return None

    def _send(self, method, path, params=None, data=None):
        """One HTTP exchange. Returns the decoded body (None when empty); raises VultrAPIError (``retryable`` set when worth it)."""
        url = "%s/%s" % (self.api_url, path.lstrip("/"))
        if params:
            url += "?" + urllib.parse.urlencode(params)
        headers = dict(self.headers)
        payload = None
        if data is not None:
            payload = json.dumps(data).encode("utf-8")
            headers["Content-Type"] = "application/json"
        self.stats["requests"] += 1
        try:
            status, answer_headers, answer = self.transport(method, url, headers, payload, self.timeout)
        except TimeoutError:
            raise VultrAPIError("no answer within %ss" % self.timeout, None, method, path, retryable=True)
        except ConnectionError as exc:
            raise VultrAPIError("connection failed (%s)" % (exc or type(exc).__name__), None, method, path,
                                retryable=True)
        body = _decode(answer)
        if status in RETRY_STATUSES:
            raise VultrAPIError(_error_text(body, answer), status, method, path, retryable=True,
                                retry_after=self._retry_after(answer_headers))
        if status >= 300 or status < 200:
            raise VultrAPIError(_error_text(body, answer), status, method, path)
        if status == 204 or not answer:
            return None
        if body is None:
            raise VultrAPIError("answer is not JSON", status, method, path)
        return body

    def request(self, method, path, params=None, data=None, retry=True):
        """An API call with retries on 429, 5xx, timeouts and dropped connections. Returns the decoded body."""
        attempt = 0
        while True:
            try:
                return self._send(method, path, params=params, data=data)
            except VultrAPIError as exc:
                if not (retry and exc.retryable) or attempt >= self.retries:
                    if exc.retryable and retry:
                        raise VultrAPIError(
                            "%s (gave up after %d retries)" % (exc.message, attempt), exc.status, method, path
                        )
                    raise
                self.stats["retries"] += 1
                self.sleep(self.backoff_delay(attempt, exc.retry_after))
                attempt += 1

    def get(self, path, key):
        """One resource, or None when the API says 404."""
        try:
            body = self.request("GET", path)
        except VultrAPIError as exc:
            if exc.status == 404:
                return None
            raise
        return (body or {}).get(key)

    def list(self, path, key, params=None):
        """Every item of a list endpoint, following the cursor until ``meta.links.next`` is empty."""
        query = dict(params or {})
        query["per_page"] = self.per_page
        items = []
        seen = set()
        while True:
            body = self.request("GET", path, params=query)
            body = body or {}
            items.extend(body.get(key) or [])
            cursor = ((body.get("meta") or {}).get("links") or {}).get("next") or ""
            if not cursor:
                return items
            if cursor in seen:
                raise VultrAPIError("the API returned the same cursor twice", None, "GET", path)
            seen.add(cursor)
            query["cursor"] = cursor

    # ------------------------------------------------------------------ changes
    def create(self, path, key, data, find=None):
        """POST a resource and return it.

        ``find`` (a callable returning the resource or None) is asked before the POST is repeated after an
        answer that may hide a success (timeout, dropped connection, 5xx), so a retry never duplicates.
        """
        attempt = 0
        while True:
            try:
                body = self._send("POST", path, data=data)
                return (body or {}).get(key)
            except VultrAPIError as exc:
                if not exc.retryable or attempt >= self.retries:
                    raise
                self.stats["retries"] += 1
                self.sleep(self.backoff_delay(attempt, exc.retry_after))
                attempt += 1
                if find is not None and exc.status != 429:
                    existing = find()
                    if existing:
                        return existing

    def update(self, path, key, data, method="PATCH"):
        """Send changed fields; returns the resource when the answer carries it, else None."""
        body = self.request(method, path, data=data)
        if body and key in body:
            return body[key]
        return None

    def delete(self, path):
        """DELETE a resource (404 counts as already gone)."""
        try:
            self.request("DELETE", path)
        except VultrAPIError as exc:
            if exc.status != 404:
                raise

    def action(self, path):
        """POST an action without a body (start, halt, reboot)."""
        self.request("POST", path)

    # ------------------------------------------------------------------ resources
    def find_by(self, path, key, field, value, params=None):
        """The items of a list whose ``field`` equals ``value`` (exact match)."""
        return [item for item in self.list(path, key, params=params) if item.get(field) == value]

    def list_instances(self, label=None, tag=None, region=None):
        params = {}
        if label:
            params["label"] = label
        if tag:
            params["tag"] = tag
        if region:
            params["region"] = region
        items = self.list("/instances", "instances", params=params)
        # The filters are applied again here: the API treats some of them as prefixes or ignores them.
        if label:
            items = [i for i in items if i.get("label") == label]
        if tag:
            items = [i for i in items if tag in (i.get("tags") or [])]
        if region:
            items = [i for i in items if i.get("region") == region]
        return items

    def create_instance(self, data):
        """Create an instance; a retried POST first looks the label up again (no duplicate)."""
        label = data.get("label")

        def find():
            found = self.list_instances(label=label) if label else []
            return found[0] if found else None

        return self.create("/instances", "instance", data, find=find if label else None)

    def ssh_key_ids(self, names):
        """Map SSH key names to IDs; raises when one is missing."""
        if not names:
            return []
        keys = self.list("/ssh-keys", "ssh_keys")
        by_name = {}
        for key in keys:
            by_name.setdefault(key.get("name"), key.get("id"))
        missing = [n for n in names if n not in by_name]
        if missing:
            raise VultrAPIError("unknown SSH key name(s): %s" % ", ".join(missing))
        return [by_name[n] for n in names]

    def startup_script_id(self, name):
        if not name:
            return None
        found = self.find_by("/startup-scripts", "startup_scripts", "name", name)
        if not found:
            raise VultrAPIError("unknown startup script: %s" % name)
        return found[0]["id"]

    def wait_instances(self, ids, timeout, poll_interval=5.0, tag=None):
        """Wait until every instance of ``ids`` is active and booted. Returns {id: instance}.

        With ``tag`` one paged list per round serves every instance; otherwise each is fetched on its own.
        """
        pending = set(i for i in ids if i)
        done = {}
        if not pending:
            return done
        deadline = self.clock() + timeout
        while True:
            if tag:
                current = {i["id"]: i for i in self.list_instances(tag=tag) if i.get("id") in pending}
            else:
                current = {}
                for ident in sorted(pending):
                    inst = self.get("/instances/%s" % ident, "instance")
                    if inst is not None:
                        current[ident] = inst
            for ident in sorted(pending):
                inst = current.get(ident)
                if inst is None:
                    raise VultrAPIError("instance %s disappeared while waiting for it" % ident)
                if instance_ready(inst):
                    done[ident] = inst
            pending -= set(done)
            if not pending:
                return done
            if self.clock() >= deadline:
                raise VultrAPIError(
                    "timed out after %ss waiting for instance(s) %s to become active"
                    % (timeout, ", ".join(sorted(pending)))
                )
            self.sleep(max(0.0, min(poll_interval, deadline - self.clock())))


def instance_ready(instance):
    """Active, and past the install (the same test as the Vultr collection: server_status not none/locked)."""
    return instance.get("status") == "active" and instance.get("server_status") not in ("none", "locked", None)


def b64(text):
    """Base64 of a text (user data and startup scripts travel base64-encoded)."""
    if text is None:
        return None
    return base64.b64encode(text.encode("utf-8")).decode("ascii")


def unb64(text):
    if not text:
        return ""
    try:
        return base64.b64decode(text).decode("utf-8")
    except (ValueError, UnicodeDecodeError):
        return text


# ---------------------------------------------------------------------- naming shared by pop module and inventory
def pop_tags(network, pop):
    return [TAG_NETWORK + network, TAG_POP + pop]


def instance_label(network, pop, index):
    return "%s-%s-%d" % (network, pop, index)


def instance_index(label, network, pop):
    """The 1-based index of a label ``<network>-<pop>-<n>``, or None if it is not one of this PoP's."""
    match = re.fullmatch(re.escape("%s-%s-" % (network, pop)) + r"([1-9][0-9]*)", label or "")
    return int(match.group(1)) if match else None


def instance_pop(instance, network):
    """The PoP of an instance of ``network`` from its tags, or None if it is not one of the collection's."""
    tags = instance.get("tags") or []
    if TAG_NETWORK + network not in tags:
        return None
    pops = [t[len(TAG_POP):] for t in tags if t.startswith(TAG_POP)]
    return pops[0] if len(pops) == 1 else None


def public_address(value):
    """The API says 0.0.0.0 (or nothing) while no address is assigned; the contract wants an empty string."""
    if not value or value in ("0.0.0.0", "::"):
        return ""
    return value


def instance_summary(instance):
    keys = (
        "id", "label", "hostname", "region", "plan", "os_id", "image_id", "status", "power_status",
        "server_status", "main_ip", "v6_main_ip", "tags", "date_created", "features",
    )
    return {k: instance.get(k) for k in keys if k in instance}

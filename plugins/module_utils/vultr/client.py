# -*- coding: utf-8 -*-
# Copyright: anycast.network contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one Vultr API v2 client of the collection.

Transport and authentication come from vultr-python's ``Vultr`` class (its requests session carries the
``Authorization: Bearer`` header); this module adds what that library lacks:

* cursor paging on every list (``per_page`` up to 500, ``meta.links.next`` until it is empty);
* retries with exponential backoff and jitter on 429, 5xx, timeouts and dropped connections, honouring
  ``Retry-After`` when the server sends one;
* a per-instance API URL (``api_url``, env ``VULTR_API_URL``) instead of the class-wide constant;
* create/update/delete helpers that honour check mode and record diffs;
* no duplicate resource after a POST whose outcome is unknown (timeout, 5xx): the client looks the resource up
  again before it repeats the POST.

vultr-python's own resource helpers are not used: they return only the first page, use a fixed 10 s timeout,
compare the content type exactly and index the body of 204 answers.
"""

from __future__ import annotations

import base64
import random
import re
import time

try:
    import requests
    from vultr import Vultr

    HAS_VULTR = True
    VULTR_IMPORT_ERROR = None
except ImportError as exc:  # pragma: no cover - reported through missing_required_lib
    HAS_VULTR = False
    VULTR_IMPORT_ERROR = exc
    requests = None
    Vultr = None

try:
    from ansible.module_utils.basic import env_fallback, missing_required_lib
except ImportError:  # pragma: no cover - only without ansible
    env_fallback = None
    missing_required_lib = None

DEFAULT_API_URL = "https://api.vultr.com/v2"
MAX_PER_PAGE = 500
RETRY_STATUSES = frozenset((429, 500, 502, 503, 504))
USER_AGENT = "anycast.network (Ansible collection)"

TAG_NETWORK = "anycast:"
TAG_POP = "anycast-pop:"


class VultrAPIError(Exception):
    """An API call failed for good (after the retries it deserved)."""

    def __init__(self, message, status=None, method=None, path=None, retryable=False):
        self.status = status
        self.method = method
        self.path = path
        self.retryable = retryable
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


def client_from_module(module):
    """Build the client from a module's parameters; fails the module when vultr-python is missing."""
    if not HAS_VULTR:
        module.fail_json(msg=missing_required_lib("vultr-python"), exception=str(VULTR_IMPORT_ERROR))
    params = module.params
    return VultrClient(
        api_key=params["api_key"],
        api_url=params["api_url"],
        timeout=params["api_timeout"],
        retries=params["api_retries"],
        retry_max_delay=params["api_retry_max_delay"],
        per_page=params["api_per_page"],
        validate_certs=params["validate_certs"],
        check_mode=module.check_mode,
    )


def _error_text(response):
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict) and body.get("error"):
        return str(body["error"])
    text = (response.text or "").strip()
    return text[:300] or response.reason or "no detail"


class VultrClient:
    """A Vultr API v2 client: paging, retries with backoff, check mode and diff."""

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
        check_mode=False,
        sleep=time.sleep,
        rng=None,
        clock=time.monotonic,
    ):
        if not HAS_VULTR:
            raise VultrAPIError("the Python library vultr-python is required: %s" % VULTR_IMPORT_ERROR)
        if not api_key:
            raise VultrAPIError("no API key: set api_key or the environment variable VULTR_API_KEY")
        self._vultr = Vultr(api_key)
        # Per instance, never the class attribute: two clients may talk to two endpoints.
        self._vultr.url = (api_url or DEFAULT_API_URL).rstrip("/")
        self.session = self._vultr._session
        self.session.headers.update({"Accept": "application/json", "User-Agent": USER_AGENT})
        self.session.verify = validate_certs
        self.timeout = float(timeout)
        self.retries = max(0, int(retries))
        self.retry_base_delay = float(retry_base_delay)
        self.retry_max_delay = float(retry_max_delay)
        self.per_page = max(1, min(MAX_PER_PAGE, int(per_page)))
        self.check_mode = check_mode
        self.sleep = sleep
        self.clock = clock
        self.rng = rng or random.Random()
        self.diffs = []
        self.stats = {"requests": 0, "retries": 0}

    @property
    def api_url(self):
        return self._vultr.url

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
    def _retry_after(response):
        value = response.headers.get("Retry-After") if response is not None else None
        if value is None:
            return None
        try:
            return max(0.0, float(value))
        except ValueError:
            return None

    def _send(self, method, path, params=None, data=None):
        """One HTTP exchange. Returns (status, body); raises VultrAPIError (``retryable`` set when worth it)."""
        url = "%s/%s" % (self._vultr.url, path.lstrip("/"))
        self.stats["requests"] += 1
        try:
            response = self.session.request(
                method, url, params=params, json=data, timeout=self.timeout, allow_redirects=False
            )
        except requests.Timeout:
            raise VultrAPIError("no answer within %ss" % self.timeout, None, method, path, retryable=True)
        except requests.ConnectionError as exc:
            raise VultrAPIError("connection failed (%s)" % type(exc).__name__, None, method, path, retryable=True)
        status = response.status_code
        if status in RETRY_STATUSES:
            err = VultrAPIError(_error_text(response), status, method, path, retryable=True)
            err.retry_after = self._retry_after(response)
            raise err
        if status >= 400 or status < 200:
            raise VultrAPIError(_error_text(response), status, method, path)
        if status == 204 or not response.content:
            return status, None
        try:
            return status, response.json()
        except ValueError:
            raise VultrAPIError("answer is not JSON", status, method, path)

    def request(self, method, path, params=None, data=None, retry=True):
        """An API call with retries on 429, 5xx, timeouts and dropped connections."""
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
                self.sleep(self.backoff_delay(attempt, getattr(exc, "retry_after", None)))
                attempt += 1

    def get(self, path, key):
        """One resource, or None when the API says 404."""
        try:
            _, body = self.request("GET", path)
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
            _, body = self.request("GET", path, params=query)
            body = body or {}
            items.extend(body.get(key) or [])
            cursor = ((body.get("meta") or {}).get("links") or {}).get("next") or ""
            if not cursor:
                return items
            if cursor in seen:
                raise VultrAPIError("the API returned the same cursor twice", None, "GET", path)
            seen.add(cursor)
            query["cursor"] = cursor

    # ------------------------------------------------------------------ check mode and diff
    def _record(self, before, after, header):
        self.diffs.append(
            {"before": _redact(before), "after": _redact(after), "before_header": header, "after_header": header}
        )

    def create(self, path, key, data, find=None, header=None):
        """POST a resource; in check mode return what would be created.

        ``find`` (a callable returning the resource or None) is asked before the POST is repeated after an
        answer that may hide a success (timeout, dropped connection, 5xx), so a retry never duplicates.
        """
        self._record({}, dict(data), header or "%s (new)" % path)
        if self.check_mode:
            planned = dict(data)
            planned.setdefault("id", None)
            return planned
        attempt = 0
        while True:
            try:
                _, body = self._send("POST", path, data=data)
                return (body or {}).get(key)
            except VultrAPIError as exc:
                if not exc.retryable or attempt >= self.retries:
                    raise
                self.stats["retries"] += 1
                self.sleep(self.backoff_delay(attempt, getattr(exc, "retry_after", None)))
                attempt += 1
                if find is not None and exc.status != 429:
                    existing = find()
                    if existing:
                        return existing

    def update(self, path, key, resource, wanted, method="PATCH", header=None, refetch=True):
        """Change the fields of ``wanted`` that differ from ``resource``. Returns (changed, resource after)."""
        changes = {k: v for k, v in wanted.items() if not _same(resource.get(k), v)}
        if not changes:
            return False, resource
        after = dict(resource)
        after.update(changes)
        self._record({k: resource.get(k) for k in changes}, changes, header or path)
        if self.check_mode:
            return True, after
        _, body = self.request(method, path, data=changes)
        if body and key in body:
            return True, body[key]
        if refetch:
            fresh = self.get(path, key)
            if fresh is not None:
                return True, fresh
        return True, after

    def delete(self, path, resource=None, header=None):
        """DELETE a resource (404 counts as already gone). Returns True."""
        self._record(resource or {}, {}, header or path)
        if self.check_mode:
            return True
        try:
            self.request("DELETE", path)
        except VultrAPIError as exc:
            if exc.status != 404:
                raise
        return True

    def action(self, path, header=None, before=None, after=None):
        """POST an action without a body (start, halt, reboot)."""
        self._record(before or {}, after or {}, header or path)
        if self.check_mode:
            return True
        self.request("POST", path)
        return True

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

        return self.create("/instances", "instance", data, find=find if label else None, header="instance %s" % label)

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


REDACTED_FIELDS = ("user_data", "default_password")


def _redact(data):
    """Diffs show that user data changes, never its content (it may carry secrets)."""
    if not isinstance(data, dict):
        return data
    return {k: ("<redacted, %d characters>" % len(str(v)) if k in REDACTED_FIELDS and v else v)
            for k, v in data.items()}


def _same(current, wanted):
    if isinstance(wanted, list) and isinstance(current, list):
        return sorted(map(str, current)) == sorted(map(str, wanted))
    return current == wanted


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

# -*- coding: utf-8 -*-
# Copyright: anycast.network contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A Vultr API v2 emulator for tests: the part of the API the collection uses, on loopback only.

* Every request and every answer is validated against Vultr's published OpenAPI specification
  (``vultr-openapi-v2.json`` beside this file) with openapi-core. A request that does not conform is answered 400
  and recorded in ``violations``; an answer that does not conform is recorded too. Tests assert the list is empty.
* Instances are ``pending`` (main_ip 0.0.0.0, server_status none) and become ``active`` after ``boot_delay``.
* Pages are small (``max_page_size``) whatever ``per_page`` asks, so clients must follow the cursor.
* A wrong API key gets 401.
* Faults at ``fault_rate``: 429, 500 (sometimes after the change was made, as a real gateway timeout would), and
  stalled answers (the connection is held for ``stall_seconds`` and then closed) to trigger client timeouts.
  The random draws come from one ``random.Random(seed)``, so a sequential client sees the same faults every run.

Endpoints: /instances (list, create, get, patch, delete, start, halt, reboot), /ssh-keys, /startup-scripts
(list, create, get, patch, delete), /os, /regions, /plans. Administration under ``/_emulator/`` (not part of the
API, not validated): ``GET state``, ``POST reset``, ``POST config``.

Run alone: ``python vultr_emulator.py --port 8900 --api-key KEY`` (binds 127.0.0.1).
"""

from __future__ import annotations

import argparse
import base64
import ipaddress
import json
import os
import random
import threading
import time
import uuid
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

from openapi_core import Config, OpenAPI
from openapi_core.testing import MockRequest, MockResponse

SPEC_PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "vultr-openapi-v2.json")
# The spec's own server: requests are mapped onto it for validation, whatever port the emulator listens on.
SPEC_HOST = "https://api.vultr.com"
SPEC_PREFIX = "/v2"
LOOPBACK = ("127.0.0.1", "::1", "localhost")

REGIONS = [
    {"id": "ams", "city": "Amsterdam", "country": "NL", "continent": "Europe", "options": ["ddos_protection"]},
    {"id": "lhr", "city": "London", "country": "GB", "continent": "Europe", "options": ["ddos_protection"]},
    {"id": "fra", "city": "Frankfurt", "country": "DE", "continent": "Europe", "options": ["ddos_protection"]},
    {"id": "ewr", "city": "New Jersey", "country": "US", "continent": "North America", "options": []},
    {"id": "lax", "city": "Los Angeles", "country": "US", "continent": "North America", "options": []},
    {"id": "sea", "city": "Seattle", "country": "US", "continent": "North America", "options": []},
    {"id": "nrt", "city": "Tokyo", "country": "JP", "continent": "Asia", "options": []},
]
PLANS = [
    {"id": "vc2-1c-1gb", "vcpu_count": 1, "ram": 1024, "disk": 25, "disk_count": 1, "bandwidth": 1024,
     "monthly_cost": 5, "type": "vc2", "locations": [r["id"] for r in REGIONS]},
    {"id": "vc2-1c-2gb", "vcpu_count": 1, "ram": 2048, "disk": 55, "disk_count": 1, "bandwidth": 2048,
     "monthly_cost": 10, "type": "vc2", "locations": [r["id"] for r in REGIONS]},
    {"id": "vc2-2c-4gb", "vcpu_count": 2, "ram": 4096, "disk": 80, "disk_count": 1, "bandwidth": 3072,
     "monthly_cost": 20, "type": "vc2", "locations": [r["id"] for r in REGIONS]},
    {"id": "vhf-1c-1gb", "vcpu_count": 1, "ram": 1024, "disk": 32, "disk_count": 1, "bandwidth": 1024,
     "monthly_cost": 6, "type": "vhf", "locations": ["ams", "ewr", "nrt"]},
]
OSES = [
    {"id": 2136, "name": "Debian 12 x64 (bookworm)", "arch": "x64", "family": "debian"},
    {"id": 2284, "name": "Ubuntu 24.04 LTS x64", "arch": "x64", "family": "ubuntu"},
    {"id": 1743, "name": "Ubuntu 22.04 LTS x64", "arch": "x64", "family": "ubuntu"},
    {"id": 159, "name": "Custom", "arch": "x64", "family": "iso"},
]


class ApiError(Exception):
    def __init__(self, status, message):
        super().__init__(message)
        self.status = status
        self.message = message


def _now():
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S+00:00")


class VultrState:
    """The account: instances, SSH keys, startup scripts; all methods hold the lock of the emulator."""

    def __init__(self, boot_delay, seed=0):
        self.boot_delay = boot_delay
        self._ids = random.Random("ids-%s" % seed)
        self.instances = {}  # id -> (record, ready_at)
        self.ssh_keys = {}
        self.scripts = {}
        self.created = 0
        self.deleted = 0
        self._v4 = ipaddress.ip_network("198.18.0.0/15").hosts()  # RFC 2544 benchmarking range
        self._v6 = 0

    def _new_id(self):
        return str(uuid.UUID(int=self._ids.getrandbits(128), version=4))

    # ---------------------------------------------------------------- instances
    def refresh(self, now):
        for ident, (inst, ready_at) in self.instances.items():
            if inst["status"] == "pending" and now >= ready_at:
                inst["status"] = "active"
                inst["server_status"] = "ok"
                inst["main_ip"] = str(next(self._v4))
                inst["netmask_v4"] = "255.255.254.0"
                inst["gateway_v4"] = str(ipaddress.ip_address(inst["main_ip"]) - 1)
                if "ipv6" in inst["features"]:
                    self._v6 += 1
                    net = "2001:db8:%x::" % (0xF000 + self._v6)
                    inst["v6_network"] = net
                    inst["v6_main_ip"] = net + "1"
                    inst["v6_network_size"] = 64
                    inst["v6_networks"] = [{"network": net, "main_ip": net + "1", "network_size": 64}]

    def create_instance(self, body, now):
        region = body.get("region")
        plan = body.get("plan")
        if region not in {r["id"] for r in REGIONS}:
            raise ApiError(400, "Invalid region.")
        plan_rec = next((p for p in PLANS if p["id"] == plan), None)
        if plan_rec is None:
            raise ApiError(400, "Invalid plan.")
        sources = [k for k in ("os_id", "iso_id", "snapshot_id", "app_id", "image_id") if body.get(k)]
        if len(sources) != 1:
            raise ApiError(400, "Choose exactly one of os_id, iso_id, snapshot_id, app_id or image_id.")
        os_rec = next((o for o in OSES if o["id"] == body.get("os_id")), None)
        if "os_id" in sources and os_rec is None:
            raise ApiError(400, "Invalid operating system.")
        for key_id in body.get("sshkey_id") or []:
            if key_id not in self.ssh_keys:
                raise ApiError(400, "Invalid SSH key: %s" % key_id)
        if body.get("script_id") and body["script_id"] not in self.scripts:
            raise ApiError(400, "Invalid startup script.")
        if body.get("user_data"):
            try:
                base64.b64decode(body["user_data"], validate=True)
            except ValueError:
                raise ApiError(400, "user_data must be base64 encoded.")
        ident = self._new_id()
        features = ["ipv6"] if body.get("enable_ipv6") else []
        inst = {
            "id": ident,
            "os": os_rec["name"] if os_rec else "Application",
            "ram": plan_rec["ram"],
            "disk": plan_rec["disk"],
            "main_ip": "0.0.0.0",
            "vcpu_count": plan_rec["vcpu_count"],
            "region": region,
            "plan": plan,
            "default_password": "emulated-" + ident[:8],
            "date_created": _now(),
            "status": "pending",
            "allowed_bandwidth": plan_rec["bandwidth"],
            "netmask_v4": "",
            "gateway_v4": "0.0.0.0",
            "power_status": "running",
            "server_status": "none",
            "v6_network": "",
            "v6_main_ip": "",
            "v6_network_size": 0,
            "v6_networks": [],
            "label": body.get("label", ""),
            "internal_ip": "",
            "kvm": "https://my.vultr.com/subs/vps/novnc/api.php?data=emulated",
            "hostname": body.get("hostname") or body.get("label") or "vultr.guest",
            "tags": list(body.get("tags") or []),
            "os_id": body.get("os_id") or 0,
            "app_id": body.get("app_id") or 0,
            "image_id": body.get("image_id") or "",
            "firewall_group_id": body.get("firewall_group_id") or "",
            "features": features,
            "user_scheme": body.get("user_scheme") or "root",
            # Not part of the answers: kept for assertions.
            "_sshkey_id": list(body.get("sshkey_id") or []),
            "_script_id": body.get("script_id") or "",
            "_user_data": body.get("user_data") or "",
        }
        self.instances[ident] = (inst, now + self.boot_delay)
        self.created += 1
        return inst

    def instance(self, ident):
        if ident not in self.instances:
            raise ApiError(404, "Invalid instance-id.")
        return self.instances[ident][0]

    def list_instances(self, query):
        items = [entry[0] for entry in self.instances.values()]
        if query.get("label"):
            items = [i for i in items if i["label"] == query["label"]]
        if query.get("tag"):
            items = [i for i in items if query["tag"] in i["tags"]]
        if query.get("region"):
            items = [i for i in items if i["region"] == query["region"]]
        if query.get("main_ip"):
            items = [i for i in items if i["main_ip"] == query["main_ip"]]
        return items

    def patch_instance(self, ident, body):
        inst = self.instance(ident)
        for key in ("label", "tags", "firewall_group_id"):
            if key in body:
                inst[key] = body[key] if key != "tags" else list(body[key])
        if "plan" in body:
            if not any(p["id"] == body["plan"] for p in PLANS):
                raise ApiError(400, "Invalid plan.")
            inst["plan"] = body["plan"]
        if body.get("enable_ipv6") and "ipv6" not in inst["features"]:
            inst["features"].append("ipv6")
        if "user_data" in body:
            inst["_user_data"] = body["user_data"]
        return inst

    def delete_instance(self, ident):
        self.instance(ident)
        del self.instances[ident]
        self.deleted += 1

    def power(self, ident, action):
        inst = self.instance(ident)
        if inst["status"] != "active":
            raise ApiError(400, "Unable to %s server: server is not active." % action)
        inst["power_status"] = "stopped" if action == "halt" else "running"

    # ---------------------------------------------------------------- keys and scripts
    @staticmethod
    def _public(record):
        return {k: v for k, v in record.items() if not k.startswith("_")}

    def create_key(self, body):
        if not body.get("ssh_key", "").startswith(("ssh-", "ecdsa-")):
            raise ApiError(400, "Invalid SSH key.")
        ident = self._new_id()
        self.ssh_keys[ident] = {"id": ident, "date_created": _now(), "name": body["name"], "ssh_key": body["ssh_key"]}
        return self.ssh_keys[ident]

    def create_script(self, body):
        try:
            base64.b64decode(body["script"], validate=True)
        except ValueError:
            raise ApiError(400, "script must be base64 encoded.")
        ident = self._new_id()
        self.scripts[ident] = {
            "id": ident, "date_created": _now(), "date_modified": _now(), "name": body["name"],
            "type": body.get("type") or "boot", "script": body["script"],
        }
        return self.scripts[ident]


class Emulator:
    """The HTTP server, its configuration, its state and the record of what it saw."""

    def __init__(self, api_key="emulated-key", host="127.0.0.1", port=0, boot_delay=1.0, max_page_size=3,
                 fault_rate=0.0, faults=("429", "500", "500-after", "stall"), stall_seconds=2.0, seed=0,
                 validate=True, bind=True):
        if host not in LOOPBACK:
            raise ValueError("the emulator listens on loopback only, not %s" % host)
        self.api_key = api_key
        self.boot_delay = boot_delay
        self.max_page_size = max_page_size
        self.fault_rate = fault_rate
        self.faults = tuple(faults)
        self.stall_seconds = stall_seconds
        self.seed = seed
        self.rng = random.Random(seed)
        self.validate = validate
        self.lock = threading.RLock()
        self.state = VultrState(boot_delay, seed)
        self.violations = []
        self.log = []  # (method, path, status, fault)
        # A test's observer, called with (method, path) before a request is served: what else had happened
        # (elsewhere: DNS changes, commands on an instance) when a DELETE arrived.
        self.on_request = None
        self.auth_headers_seen = set()
        with open(SPEC_PATH, encoding="utf-8") as fh:
            spec = json.load(fh)
        # The spec was validated once when it was copied here; skipping that check keeps start-up fast.
        self.openapi = OpenAPI.from_dict(spec, config=Config(spec_validator_cls=None))
        self.httpd = None
        self.thread = None
        if bind:
            self._bind(host, port)

    def _bind(self, host, port):
        family = ThreadingHTTPServer
        if ":" in host:
            import socket

            class _V6(ThreadingHTTPServer):
                address_family = socket.AF_INET6

            family = _V6
        self.httpd = family((host, port), _handler(self))
        self.httpd.daemon_threads = True

    @property
    def url(self):
        host, port = self.httpd.server_address[:2]
        if ":" in host:
            host = "[%s]" % host
        return "http://%s:%d/v2" % (host, port)

    def transport(self):
        """A client transport that calls the emulator in process (no socket): for unit tests."""
        return InProcessTransport(self)

    def start(self):
        self.thread = threading.Thread(target=self.httpd.serve_forever, name="vultr-emulator", daemon=True)
        self.thread.start()
        return self

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()
        if self.thread:
            self.thread.join(timeout=10)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    def reset(self):
        with self.lock:
            self.state = VultrState(self.boot_delay, self.seed)
            self.violations = []
            self.log = []
            self.rng = random.Random(self.seed)

    def configure(self, **settings):
        with self.lock:
            for key, value in settings.items():
                if key not in ("boot_delay", "max_page_size", "fault_rate", "faults", "stall_seconds", "seed",
                               "api_key"):
                    raise ValueError("unknown setting %s" % key)
                setattr(self, key, tuple(value) if key == "faults" else value)
                if key == "boot_delay":
                    self.state.boot_delay = value
                if key == "seed":
                    self.rng = random.Random(value)

    def snapshot(self):
        with self.lock:
            self.state.refresh(time.monotonic())
            return {
                "instances": [VultrState._public(i) | {"sshkey_id": i["_sshkey_id"], "script_id": i["_script_id"],
                                                       "user_data": i["_user_data"]}
                              for i in (entry[0] for entry in self.state.instances.values())],
                "ssh_keys": list(self.state.ssh_keys.values()),
                "startup_scripts": list(self.state.scripts.values()),
                "created": self.state.created,
                "deleted": self.state.deleted,
                "violations": list(self.violations),
                "requests": len(self.log),
                "faults": sum(1 for entry in self.log if entry[3]),
            }

    # ---------------------------------------------------------------- validation
    def _spec_request(self, method, path, query, headers, body):
        return MockRequest(SPEC_HOST, method, SPEC_PREFIX + path, args=query, headers=headers,
                           data=body or None, content_type=headers.get("Content-Type", "application/json"))

    def check_request(self, request):
        if not self.validate:
            return None
        try:
            self.openapi.validate_request(request)
        except Exception as exc:  # openapi-core raises a family of validation errors
            detail = "%s %s: %s" % (request.method.upper(), request.path, _explain(exc))
            return detail
        return None

    def check_response(self, request, status, payload):
        if not self.validate:
            return
        data = json.dumps(payload).encode() if payload is not None else b""
        response = MockResponse(data, status_code=status, content_type="application/json" if data else None)
        try:
            self.openapi.validate_response(request, response)
        except Exception as exc:
            self.violations.append("answer %s %s -> %s: %s"
                                   % (request.method.upper(), request.path, status, _explain(exc)))

    # ---------------------------------------------------------------- dispatch
    def handle(self, method, raw_path, headers, body_bytes):
        """Returns (status, payload or None, fault) where fault is None, "stall" or a label."""
        split = urlsplit(raw_path)
        path = split.path
        query_pairs = parse_qsl(split.query, keep_blank_values=True)
        query = dict(query_pairs)
        if not path.startswith(SPEC_PREFIX + "/"):
            return 404, {"error": "Not found.", "status": 404}, None
        path = path[len(SPEC_PREFIX):]
        with self.lock:
            auth = headers.get("Authorization", "")
            self.auth_headers_seen.add(auth.split(" ", 1)[0] if auth else "")
            spec_req = self._spec_request(method, path, query, dict(headers), body_bytes)
            if auth != "Bearer %s" % self.api_key:
                payload = {"error": "Invalid API token.", "status": 401}
                self.check_response(spec_req, 401, None)
                return 401, payload, None
            problem = self.check_request(spec_req)
            if problem:
                self.violations.append("request " + problem)
                return 400, {"error": problem, "status": 400}, None
            fault = None
            if self.fault_rate and self.rng.random() < self.fault_rate:
                fault = self.rng.choice(self.faults)
            if fault in ("429", "500", "stall"):
                # Rejected before anything happened.
                return (429 if fault == "429" else 500 if fault == "500" else 0), \
                    {"error": "Rate limit reached - please try your request again later." if fault == "429"
                     else "Internal server error.", "status": 429 if fault == "429" else 500}, fault
            try:
                body = json.loads(body_bytes) if body_bytes else {}
            except ValueError:
                return 400, {"error": "Invalid JSON.", "status": 400}, None
            now = time.monotonic()
            self.state.refresh(now)
            try:
                status, payload = self._route(method, path, query, body, now)
            except ApiError as exc:
                status, payload = exc.status, {"error": exc.message, "status": exc.status}
            if fault == "500-after":
                # The change is made, the gateway times out: the client cannot know it succeeded.
                return 500, {"error": "Gateway timeout.", "status": 500}, fault
            self.check_response(spec_req, status, payload if status < 400 else None)
            return status, payload, None

    def _page(self, items, key, query):
        try:
            per_page = int(query.get("per_page", 100))
        except ValueError:
            raise ApiError(400, "per_page must be an integer.")
        if per_page < 1 or per_page > 500:
            raise ApiError(400, "per_page must be between 1 and 500.")
        size = min(per_page, self.max_page_size)
        cursor = query.get("cursor") or ""
        start = 0
        if cursor:
            try:
                start = int(base64.urlsafe_b64decode(cursor.encode()).decode().split(":", 1)[1])
            except (ValueError, IndexError):
                raise ApiError(400, "Invalid cursor.")
        chunk = items[start:start + size]
        nxt = start + size
        links = {
            "next": base64.urlsafe_b64encode(("next:%d" % nxt).encode()).decode() if nxt < len(items) else "",
            "prev": base64.urlsafe_b64encode(("prev:%d" % max(0, start - size)).encode()).decode() if start else "",
        }
        return {key: chunk, "meta": {"total": len(items), "links": links}}

    def _route(self, method, path, query, body, now):
        st = self.state
        parts = [p for p in path.split("/") if p]
        pub = VultrState._public
        if parts == ["instances"]:
            if method == "GET":
                return 200, self._page([pub(i) for i in st.list_instances(query)], "instances", query)
            if method == "POST":
                inst = st.create_instance(body, now)
                return 202, {"instance": pub(inst)}
        if len(parts) == 2 and parts[0] == "instances":
            if method == "GET":
                inst = pub(st.instance(parts[1]))
                inst.pop("default_password", None)
                return 200, {"instance": inst}
            if method == "PATCH":
                inst = pub(st.patch_instance(parts[1], body))
                inst.pop("default_password", None)
                return 202, {"instance": inst}
            if method == "DELETE":
                st.delete_instance(parts[1])
                return 204, None
        if len(parts) == 3 and parts[0] == "instances" and method == "POST" and parts[2] in ("start", "halt",
                                                                                             "reboot"):
            st.power(parts[1], parts[2])
            return 204, None
        for name, store, key, single, create in (
            ("ssh-keys", st.ssh_keys, "ssh_keys", "ssh_key", st.create_key),
            ("startup-scripts", st.scripts, "startup_scripts", "startup_script", st.create_script),
        ):
            if parts == [name]:
                if method == "GET":
                    items = list(store.values())
                    if key == "startup_scripts":
                        items = [{k: v for k, v in s.items() if k != "script"} for s in items]
                    return 200, self._page(items, key, query)
                if method == "POST":
                    return 201, {single: create(body)}
            if len(parts) == 2 and parts[0] == name:
                if parts[1] not in store:
                    raise ApiError(404, "Invalid %s id." % single.replace("_", " "))
                if method == "GET":
                    return 200, {single: store[parts[1]]}
                if method == "PATCH":
                    for field in ("name", "ssh_key", "script", "type"):
                        if field in body and field in store[parts[1]]:
                            store[parts[1]][field] = body[field]
                    if "date_modified" in store[parts[1]]:
                        store[parts[1]]["date_modified"] = _now()
                    return 204, None
                if method == "DELETE":
                    del store[parts[1]]
                    return 204, None
        if parts == ["os"] and method == "GET":
            return 200, self._page(OSES, "os", query)
        if parts == ["regions"] and method == "GET":
            return 200, self._page(REGIONS, "regions", query)
        if parts == ["plans"] and method == "GET":
            # The spec's `type` filter: `all` (or none) lists every plan, otherwise the plans of that type.
            kind = query.get("type") or "all"
            return 200, self._page([p for p in PLANS if kind == "all" or p["type"] == kind], "plans", query)
        raise ApiError(404, "Not implemented by the emulator: %s /%s" % (method, "/".join(parts)))


class InProcessTransport:
    """The client's transport seam, routed straight into ``Emulator.handle``; a stall raises TimeoutError.

    Called as ``transport(method, url, headers, body, timeout)``; returns ``(status, headers, body_bytes)``.
    """

    def __init__(self, emulator):
        self.emulator = emulator
        self.calls = []  # (method, path with query, status, fault)

    def __call__(self, method, url, headers, body, timeout):
        split = urlsplit(url)
        path = split.path + ("?" + split.query if split.query else "")
        status, payload, fault = self.emulator.handle(method.upper(), path, dict(headers), body or b"")
        with self.emulator.lock:
            self.emulator.log.append((method.upper(), split.path, status, fault))
        self.calls.append((method.upper(), path, status, fault))
        if fault == "stall":
            raise TimeoutError("emulated stall")
        data = json.dumps(payload).encode() if payload is not None else b""
        return status, ({"Content-Type": "application/json"} if data else {}), data


def _explain(exc):
    causes = []
    seen = set()
    current = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        text = str(current)
        if text and text not in causes:
            causes.append(text)
        for inner in getattr(current, "schema_errors", None) or []:
            causes.append(getattr(inner, "message", str(inner)))
        current = current.__cause__
    return "; ".join(causes)[:800]


def _handler(emulator):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "vultr-emulator"

        def log_message(self, fmt, *args):  # keep test output clean
            return

        def _admin(self, method):
            split = urlsplit(self.path)
            if method == "GET" and split.path == "/_emulator/state":
                return 200, emulator.snapshot()
            if method == "POST" and split.path == "/_emulator/reset":
                emulator.reset()
                return 200, {"reset": True}
            if method == "POST" and split.path == "/_emulator/config":
                length = int(self.headers.get("Content-Length") or 0)
                emulator.configure(**json.loads(self.rfile.read(length) or b"{}"))
                return 200, {"configured": True}
            return 404, {"error": "unknown administration call"}

        def _serve(self, method):
            if self.path.startswith("/_emulator/"):
                status, payload = self._admin(method)
                return self._reply(status, payload)
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            if emulator.on_request is not None:
                emulator.on_request(method, urlsplit(self.path).path)
            status, payload, fault = emulator.handle(method, self.path, self.headers, body)
            with emulator.lock:
                emulator.log.append((method, urlsplit(self.path).path, status, fault))
            if fault == "stall":
                time.sleep(emulator.stall_seconds)
                self.close_connection = True
                return None
            return self._reply(status, payload)

        def _reply(self, status, payload):
            data = json.dumps(payload).encode() if payload is not None else b""
            self.send_response(status)
            if data:
                self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            if data:
                self.wfile.write(data)
            return None

        def do_GET(self):
            self._serve("GET")

        def do_POST(self):
            self._serve("POST")

        def do_PATCH(self):
            self._serve("PATCH")

        def do_PUT(self):
            self._serve("PUT")

        def do_DELETE(self):
            self._serve("DELETE")

    return Handler


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1", choices=LOOPBACK)
    parser.add_argument("--port", type=int, default=8900)
    parser.add_argument("--api-key", default=os.environ.get("VULTR_API_KEY", "emulated-key"))
    parser.add_argument("--boot-delay", type=float, default=1.0)
    parser.add_argument("--max-page-size", type=int, default=3)
    parser.add_argument("--fault-rate", type=float, default=0.0)
    parser.add_argument("--stall-seconds", type=float, default=2.0)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    emu = Emulator(api_key=args.api_key, host=args.host, port=args.port, boot_delay=args.boot_delay,
                   max_page_size=args.max_page_size, fault_rate=args.fault_rate,
                   stall_seconds=args.stall_seconds, seed=args.seed)
    print("Vultr emulator on %s" % emu.url, flush=True)
    try:
        emu.httpd.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        emu.httpd.server_close()


if __name__ == "__main__":
    main()

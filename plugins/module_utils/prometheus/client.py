# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one client of Prometheus's HTTP API used by the collection (instant queries).

API facts (prometheus.io/docs/prometheus/latest/querying/api/): `GET /api/v1/query?query=<PromQL>&time=<t>`
answers `{"status": "success", "data": {"resultType": "vector", "result": [{"metric": {...}, "value": [<unix
time>, "<value as a string>"]}, ...]}}`; an error is `{"status": "error", "errorType": ..., "error": ...}` with
HTTP 400 (bad query), 422 (cannot be executed) or 503 (timed out or aborted). Sample values are strings, `NaN`
and `+Inf` included.
"""

from __future__ import annotations

import json
import math
import random
import time

from urllib.error import HTTPError, URLError
from urllib.parse import urlencode

from ansible.module_utils.urls import open_url

RETRY_STATUS = (429, 502, 503, 504)


def prometheus_argument_spec():
    return dict(
        prometheus_url=dict(type="str", required=True),
        prometheus_username=dict(type="str"),
        prometheus_password=dict(type="str", no_log=True),
        prometheus_token=dict(type="str", no_log=True),
        prometheus_timeout=dict(type="int", default=30),
        prometheus_retries=dict(type="int", default=3),
        validate_certs=dict(type="bool", default=True),
    )


class PrometheusError(Exception):
    def __init__(self, message, status=None):
        super().__init__(message)
        self.status = status


def client_from_params(params, sleep=time.sleep):
    return PrometheusClient(params["prometheus_url"], username=params.get("prometheus_username"),
                            password=params.get("prometheus_password"), token=params.get("prometheus_token"),
                            timeout=params.get("prometheus_timeout", 30), retries=params.get("prometheus_retries", 3),
                            validate_certs=params.get("validate_certs", True), sleep=sleep)


class PrometheusClient:
    """Instant queries with a timeout per request and retries with backoff on 429, 502-504, timeouts and refused
    connections. Basic auth (username and password) or a bearer token; the secrets go in headers only, never in a
    message."""

    def __init__(self, url, username=None, password=None, token=None, timeout=30, retries=3, validate_certs=True,
                 sleep=time.sleep, opener=open_url):
        self.url = url.rstrip("/")
        self.username, self.password, self.token = username, password, token
        self.timeout, self.retries, self.validate_certs = timeout, retries, validate_certs
        self._sleep, self._open = sleep, opener
        self.requests = 0

    def _headers(self):
        headers = {"Accept": "application/json"}
        if self.token:
            headers["Authorization"] = "Bearer %s" % self.token
        return headers

    def backoff(self, attempt):
        return min(10.0, 0.5 * (2 ** attempt)) * (0.5 + random.random() / 2)  # nosec: jitter, not a secret

    def _get(self, path, params):
        url = "%s%s?%s" % (self.url, path, urlencode(params))
        last = None
        for attempt in range(self.retries + 1):
            self.requests += 1
            try:
                response = self._open(url, method="GET", headers=self._headers(), timeout=self.timeout,
                                      validate_certs=self.validate_certs, url_username=self.username,
                                      url_password=self.password, force_basic_auth=bool(self.username))
                return json.loads(response.read().decode("utf-8"))
            except HTTPError as exc:
                body = _body(exc)
                last = PrometheusError("Prometheus answered HTTP %s to %s: %s" % (exc.code, path, body), exc.code)
                if exc.code not in RETRY_STATUS:
                    raise last
            except (URLError, OSError) as exc:
                last = PrometheusError("Prometheus at %s cannot be reached: %s" % (self.url, getattr(exc, "reason",
                                                                                                     exc)))
            except ValueError as exc:
                raise PrometheusError("Prometheus's answer to %s is not JSON: %s" % (path, exc))
            if attempt < self.retries:
                self._sleep(self.backoff(attempt))
        raise last

    def query(self, expression, at=None):
        """An instant query: a list of (labels, value) with value a float (NaN and infinities dropped)."""
        params = {"query": expression}
        if at is not None:
            params["time"] = "%.3f" % at
        data = self._get("/api/v1/query", params)
        if not isinstance(data, dict) or data.get("status") != "success":
            raise PrometheusError("Prometheus refused the query %s: %s" % (
                expression, data.get("error") if isinstance(data, dict) else data))
        result = data.get("data", {})
        out = []
        if result.get("resultType") == "scalar":
            rows = [{"metric": {}, "value": result.get("result")}]
        else:
            rows = result.get("result") or []
        for row in rows:
            try:
                value = float(row["value"][1])
            except (KeyError, IndexError, TypeError, ValueError):
                continue
            if not math.isnan(value) and not math.isinf(value):
                out.append((row.get("metric") or {}, value))
        return out

    def scalar(self, expression, at=None):
        """The one value of a query that aggregates to one series, or None when it has none."""
        rows = self.query(expression, at)
        return rows[0][1] if rows else None


def _body(exc):
    try:
        payload = json.loads(exc.read().decode("utf-8"))
        return payload.get("error") or payload
    except Exception:  # pylint: disable=broad-except
        return exc.reason

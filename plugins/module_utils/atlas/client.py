# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one RIPE Atlas API client of the collection, over ripe.atlas.cousteau (RIPE NCC's own Python wrapper of the
v2 REST API): the probes list, measurement creation, a measurement's status and its results.

The API key goes in the ``Authorization: Key ...`` header (cousteau's way, never the URL); no message of this
client repeats it.
"""

from __future__ import annotations

import time

try:
    from ripe.atlas.cousteau import (AtlasCreateRequest, AtlasRequest, AtlasResultsRequest, AtlasSource, Dns,
                                     Traceroute)
    from ripe.atlas.cousteau.version import __version__ as COUSTEAU_VERSION
    HAS_COUSTEAU = True
    COUSTEAU_IMPORT_ERROR = None
except ImportError as exc:  # pragma: no cover - reported by the module
    HAS_COUSTEAU = False
    COUSTEAU_IMPORT_ERROR = exc
    COUSTEAU_VERSION = None

USER_AGENT = "anycast.network (ripe.atlas.cousteau %s)" % COUSTEAU_VERSION
REQUEST_TIMEOUT = 30
STOPPED = {4, 5, 6, 7, 8}  # status ids of a measurement that has ended: stopped, forced to stop, no suitable
# probes, failed, archived (REST API reference, measurement status)
MAX_PROBE_PAGES = 5


class AtlasError(Exception):
    """The Atlas API refused or failed a request."""


class AtlasClient:
    def __init__(self, key, server="atlas.ripe.net", verify=True, timeout=REQUEST_TIMEOUT):
        self.key = key or None
        self.server = server
        self.verify = verify
        self.timeout = timeout

    def _scrub(self, text):
        text = str(text)
        return text.replace(self.key, "********") if self.key else text

    def _call(self, request, method, what, **params):
        request.http_method_args["timeout"] = self.timeout
        if method == "GET":
            ok, body = request.get(**params)
        else:
            ok, body = request.post()
        if not ok:
            raise AtlasError("RIPE Atlas refused %s: %s" % (what, self._scrub(_message(body))))
        return body

    def _request(self, path):
        return AtlasRequest(url_path=path, key=self.key, server=self.server, verify=self.verify,
                            user_agent=USER_AGENT)

    def probes(self, filters):
        """The probes matching the probes API's filters (id, status, country_code, asn_v4/v6, geometry)."""
        path = "/api/v2/probes/"
        params = dict(filters, page_size=100, fields="id,status,country_code,asn_v4,asn_v6,geometry,is_public")
        found = []
        for _page in range(MAX_PROBE_PAGES):
            body = self._call(self._request(path), "GET", "the probes list", **params)
            found.extend(body.get("results") or [])
            nxt = body.get("next")
            if not nxt:
                break
            # The next page's query, on this client's server (the link names the API's public host).
            query = nxt.split("?", 1)[1] if "?" in nxt else ""
            params = dict(part.split("=", 1) for part in query.split("&") if "=" in part)
        return found

    def create(self, defs, probe_ids):
        """One-off measurements of `defs` from exactly these probes; the new measurement ids."""
        measurements = []
        for d in defs:
            fields = {k: v for k, v in d.items() if k != "type"}
            measurements.append(Dns(**fields) if d["type"] == "dns" else Traceroute(**fields))
        source = AtlasSource(type="probes", value=",".join(str(p) for p in probe_ids), requested=len(probe_ids))
        request = AtlasCreateRequest(key=self.key, server=self.server, verify=self.verify, user_agent=USER_AGENT,
                                     measurements=measurements, sources=[source], is_oneoff=True)
        body = self._call(request, "POST", "the measurements")
        ids = body.get("measurements") if isinstance(body, dict) else None
        if not ids:
            raise AtlasError("RIPE Atlas created no measurement: %s" % self._scrub(body))
        return [int(i) for i in ids]

    def measurement(self, msm_id):
        return self._call(self._request("/api/v2/measurements/%d/" % msm_id), "GET", "measurement %d" % msm_id)

    def results(self, msm_id):
        request = AtlasResultsRequest(msm_id=msm_id, key=self.key, server=self.server, verify=self.verify,
                                      user_agent=USER_AGENT)
        body = self._call(request, "GET", "the results of measurement %d" % msm_id)
        return body if isinstance(body, list) else []

    def wait(self, msm_ids, expected, deadline, interval=5.0, sleep=time.sleep, clock=time.monotonic):
        """Results of every measurement: until each has `expected` results or has ended, or the deadline."""
        results = {m: [] for m in msm_ids}
        pending = set(msm_ids)
        while True:
            for m in sorted(pending):
                results[m] = self.results(m)
                if len({r.get("prb_id") for r in results[m]}) >= expected:
                    pending.discard(m)
                    continue
                status = (self.measurement(m).get("status") or {}).get("id")
                if status in STOPPED:
                    results[m] = self.results(m)
                    pending.discard(m)
            if not pending or clock() >= deadline:
                return results, sorted(pending)
            sleep(interval)


def _message(body):
    """The API's error object ({"error": {"status", "title", "detail", "errors": [...]}}) as one line."""
    if isinstance(body, dict) and isinstance(body.get("error"), dict):
        err = body["error"]
        parts = [str(err.get("title") or ""), str(err.get("detail") or "")]
        for sub in err.get("errors") or []:
            if isinstance(sub, dict):
                parts.append(str(sub.get("detail") or sub))
        return "; ".join(p for p in parts if p) or str(body)
    if isinstance(body, tuple):  # a requests exception's args
        return " ".join(str(a) for a in body)
    return str(body)[:500]

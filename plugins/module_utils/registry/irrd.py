# -*- coding: utf-8 -*-
# Copyright: contributors to anycast.network
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""IRRd 4 backend (RADB and other IRRd-based registries).

From IRRd's documentation (docs/users/database-changes.rst) and source (irrd/server/http/endpoints_api.py):
``POST /v1/submit/`` creates or modifies (by primary key and source), ``DELETE /v1/submit/`` deletes; the body is
``{"objects": [{"object_text": ...}], "passwords": [...], "api_keys": [...]}``; the answer is HTTP 200 even when
an object fails, so success is read from ``summary.failed`` and ``objects[].successful``. Objects are read with the
HTTP whois endpoint ``GET /v1/whois/?q=!m<class>,<key>`` (204 when there is none).
IRRd has no dry run: in check mode the backend does not submit.
"""

from __future__ import annotations

from ansible_collections.anycast.network.plugins.module_utils.registry.common import (
    HttpClient,
    RegistryError,
    RouteBackend,
    RouteObject,
)


class IrrdBackend(RouteBackend):
    name = "irrd"

    def __init__(self, source, url, password=None, api_key=None, timeout=30, retries=4, validate_certs=True,
                 sleep=None):
        if not url:
            raise RegistryError("an IRRd registry needs its url (for example https://irrd.example.net)")
        self.source = source.upper()
        self.url = url.rstrip("/")
        self.password = password or None
        self.api_key = api_key or None
        self.warnings = []
        kwargs = {"sleep": sleep} if sleep else {}
        self.http = HttpClient(self.url, timeout=timeout, retries=retries, validate_certs=validate_certs,
                               headers={"Accept": "application/json", "User-Agent": "anycast.network irr_route"},
                               secrets=[self.password, self.api_key], **kwargs)

    def get(self, object_class, key):
        resp = self.http.request("GET", "/v1/whois/", params=[("q", "!m%s,%s" % (object_class, key))])
        if resp.status == 204:
            return None
        if resp.status != 200:
            raise RegistryError("IRRd at %s: reading %s %s: HTTP %d: %s"
                                % (self.url, object_class, key, resp.status, resp.text.strip()[:500]),
                                status=resp.status)
        # Several sources may hold the same key (mirrors): keep ours.
        for chunk in resp.text.replace("\r\n", "\n").split("\n\n"):
            if not chunk.strip():
                continue
            obj = RouteObject.from_text(chunk)
            if obj.attributes and obj.object_class == object_class and (obj.first("source") or "").upper() == self.source:
                return obj
        return None

    def _submit(self, method, action, obj, dry_run, reason=None):
        if dry_run:
            return obj
        if not (self.password or self.api_key):
            raise RegistryError("no credential for IRRd: set the maintainer's password (or an IRRd API key)")
        body = {"objects": [{"object_text": obj.text()}],
                "passwords": [self.password] if self.password else [],
                "api_keys": [self.api_key] if self.api_key else []}
        if reason:
            body["delete_reason"] = reason
        resp = self.http.request(method, "/v1/submit/", body=body)
        payload = resp.json()
        if resp.status != 200 or not isinstance(payload, dict):
            raise RegistryError("IRRd at %s: %s %s %s: HTTP %d: %s" % (
                self.url, action, obj.object_class, obj.key, resp.status,
                self.http.mask(resp.text.strip()[:500])), status=resp.status)
        results = payload.get("objects") or []
        failed = (payload.get("summary") or {}).get("failed", 0)
        if failed or not results or not all(r.get("successful") for r in results):
            errors = []
            for result in results:
                errors.extend(result.get("error_messages") or [])
            errors = [self.http.mask(e) for e in errors] or ["no details"]
            hint = ""
            if any("uthorisation" in e or "not authenticated" in e.lower() for e in errors):
                hint = " (check the maintainer password for %s)" % ", ".join(obj.values("mnt-by"))
            raise RegistryError("IRRd at %s refused %s %s %s%s: %s" % (
                self.url, action, obj.object_class, obj.key, hint, "; ".join(errors)), status=200, details=errors)
        for result in results:
            for info in result.get("info_messages") or []:
                if info not in self.warnings:
                    self.warnings.append(info)
        return obj

    def create(self, obj, dry_run=False):
        return self._submit("POST", "creating", obj, dry_run)

    def update(self, obj, dry_run=False):
        return self._submit("POST", "updating", obj, dry_run)

    def delete(self, obj, dry_run=False, reason=None):
        return self._submit("DELETE", "deleting", obj, dry_run, reason=reason or "removed by anycast.network")

# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The RPKI step of a run: read the ROAs, judge every announcement, publish the missing ROAs when asked.

Stages:
- `validate`: before anything changes. A missing or wrong ROA fails (or warns, `rpki.on_invalid: warn`); with
  `rpki.manage_roas` (source ripe) the ROAs the rpki step will publish are listed instead, as planned.
- `publish`: with `rpki.manage_roas`, the missing ROAs are published through RIPE's API (not in check mode), then
  every announcement is judged again.
- `verify`: each announcement's state, with the instances' own host routes.
The result never holds the intent or its secrets.
"""

from __future__ import annotations

import json
import os

from ..intent import derive
from . import roa as rpki
from .ripe import RipeRpkiClient, RipeRpkiError

STAGES = ("validate", "publish", "verify")


class RpkiStepError(Exception):
    pass


def read_roas(settings, base_dir, client=None):
    """The ROAs of the intent's source: a relying party's JSON file, or our CA's ROAs through RIPE's API."""
    if settings.get("source") == "rpki-client":
        path = str(settings.get("file") or "")
        path = path if os.path.isabs(path) else os.path.join(base_dir or ".", path)
        try:
            with open(path, encoding="utf-8") as handle:
                data = json.load(handle)
        except (OSError, ValueError) as exc:
            raise RpkiStepError("rpki.file: the relying party's output %s could not be read (%s)"
                                % (path, exc.__class__.__name__ if isinstance(exc, ValueError) else exc.strerror))
        try:
            return rpki.parse_relying_party(data)
        except rpki.RoaFormatError as exc:
            raise RpkiStepError("rpki.file %s: %s" % (path, exc))
    try:
        return rpki.parse_ripe(client.roas())
    except (RipeRpkiError, rpki.RoaFormatError) as exc:
        raise RpkiStepError("RIPE's RPKI Management API: %s" % exc)


def _client(settings, transport=None):
    if settings.get("source") != "ripe":
        return None
    try:
        return RipeRpkiClient(settings.get("api_key"), settings.get("url"), transport=transport)
    except RipeRpkiError as exc:
        raise RpkiStepError(str(exc))


def _public(entry):
    out = {k: entry[k] for k in ("prefix", "origin", "path", "kind", "state", "reason")}
    out["roas"] = ["%s max /%d AS%d" % (r["prefix"], r["max_length"], r["asn"]) for r in entry["roas"]]
    out["fix"] = rpki.fix_text(entry)
    return out


def run(intent, stage="validate", instances=None, base_dir=".", check_mode=False, transport=None):
    """The task result of one stage (a dict: changed, failed, msg, prefixes, published, warnings)."""
    if stage not in STAGES:
        raise RpkiStepError("stage must be one of %s" % ", ".join(STAGES))
    model = derive.normalize(intent)
    settings = model.get("rpki")
    if not isinstance(settings, dict):
        return {"changed": False, "skipped": True, "msg": "The intent has no rpki section: nothing checked.",
                "prefixes": [], "states": [], "published": []}
    manage = settings.get("manage_roas") is True and settings.get("source") == "ripe"
    client = _client(settings, transport)
    announced = rpki.announcements(model, instances)
    results = rpki.check(announced, read_roas(settings, base_dir, client))
    published = []
    if stage == "publish" and manage:
        published = rpki.changes(results)
        if published and not check_mode:
            try:
                client.publish([rpki.to_ripe(r) for r in published], [])
            except RipeRpkiError as exc:
                raise RpkiStepError("RIPE's RPKI Management API refused the ROAs: %s" % exc)
            results = rpki.check(announced, read_roas(settings, base_dir, client))
    out = {"changed": bool(published), "prefixes": [_public(r) for r in results],
           "states": ["%s (%s): %s" % (r["prefix"], r["path"], r["state"]) for r in results],
           "published": [rpki.to_ripe(r) for r in published], "warnings": []}
    lines = rpki.problems(results)
    if stage == "publish" and check_mode and published:
        lines = []      # what check mode would publish makes them valid
    counts = {}
    for r in results:
        counts[r["state"]] = counts.get(r["state"], 0) + 1
    summary = ", ".join("%d %s" % (n, s) for s, n in sorted(counts.items()))
    if lines and stage == "validate" and manage:
        out["msg"] = "RPKI (%s): the rpki step will publish %d ROA%s through RIPE's API before anything is " \
                     "announced:\n%s" % (summary, len(rpki.changes(results)),
                                         "" if len(rpki.changes(results)) == 1 else "s", "\n".join(
                                             "  " + line for line in lines))
    elif lines:
        text = "RPKI (%s): %d announcement%s would not be valid%s:\n%s" % (
            summary, len(lines), "" if len(lines) == 1 else "s",
            "; nothing was changed" if stage == "validate" else "", "\n".join("  " + line for line in lines))
        if settings.get("on_invalid") == "warn":
            out["warnings"] = lines
            out["msg"] = text
        else:
            out.update(failed=True, msg=text)
    else:
        verb = "would publish" if check_mode else "published"
        out["msg"] = "RPKI: every announcement is valid (%s)%s." % (
            summary, "; %s %d ROA%s" % (verb, len(published), "" if len(published) == 1 else "s")
            if published else "")
    return out

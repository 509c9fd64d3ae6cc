# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The scaler's decision record and the one function that applies it to an intent (docs/autoscaling.md).

The record (`.state/<network>/autoscale.json` by default) holds, per PoP, the count the scaler decided, the intent's
count it started from (`base`), when and why. `apply()` is the only place a count of the record becomes a PoP's
`instances`: the intent inventory plugin, the normalisation (`derive.normalize(intent, record)`), the provision and
cost steps all read the count through it. The intent's count stays the source of truth:

- only a PoP with `autoscale` in the intent takes a count from the record;
- an entry whose `base` is not the intent's `instances` any more is ignored: an operator who edits the count has the
  last word, and the scaler starts again from the new count;
- the count is kept within the intent's `min` and `max`, whatever the record says.
"""

from __future__ import annotations

import copy
import json
import os

RECORD_NAME = "autoscale.json"
LOG_KEPT = 200  # decisions kept in the record's log, newest last


def record_path(state_dir, network):
    """Where the record of a network is kept under a state directory."""
    return os.path.join(state_dir, str(network), RECORD_NAME)


def empty(network=None):
    return {"network": network, "pops": {}, "log": []}


def load(path):
    """The record at `path`; an empty record when the file does not exist. A file that is not a JSON record
    raises ValueError naming it (a damaged record must not silently reset every PoP to the intent's count)."""
    try:
        with open(path, encoding="utf-8") as handle:
            data = json.load(handle)
    except FileNotFoundError:
        return empty()
    except (OSError, ValueError) as exc:
        raise ValueError("the autoscale record %s cannot be read: %s" % (path, exc))
    if not isinstance(data, dict) or not isinstance(data.get("pops", {}), dict):
        raise ValueError("the autoscale record %s is not a record (a mapping with pops)" % path)
    data.setdefault("pops", {})
    data.setdefault("log", [])
    return data


def entries(record):
    """The PoP entries of a record ({network, pops, log}), or none."""
    pops = record.get("pops") if isinstance(record, dict) else None
    return pops if isinstance(pops, dict) else {}


def without_log(record):
    """The record as the steps read it (the variable anycast_autoscale_record): network and PoP entries."""
    return {"network": record.get("network") if isinstance(record, dict) else None, "pops": entries(record)}


def _int(value):
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def effective_count(pop, entry):
    """The count of one PoP (its intent settings) under one record entry (or None), or None when the PoP has no
    count of its own (static, malformed)."""
    count = _int(pop.get("instances")) if isinstance(pop, dict) else None
    scale = pop.get("autoscale") if isinstance(pop, dict) else None
    if count is None or not isinstance(scale, dict):
        return count
    low, high = _int(scale.get("min")), _int(scale.get("max"))
    if isinstance(entry, dict) and _int(entry.get("instances")) is not None and entry.get("base") == count:
        count = entry["instances"]
    if low is not None and count < low:
        count = low
    if high is not None and count > high:
        count = high
    return count


def apply(intent, record):
    """The intent with each autoscaled PoP's `instances` taken from the record (see the module's docstring).
    An intent without autoscale, or an empty record, comes back equal to the intent. Never raises on a malformed
    intent: what it cannot read it leaves as it is, for validation to report."""
    if not isinstance(intent, dict) or not isinstance(intent.get("pops"), dict):
        return intent
    pops = entries(record)
    out = None
    for name, pop in intent["pops"].items():
        if not isinstance(pop, dict) or not isinstance(pop.get("autoscale"), dict):
            continue
        count = effective_count(pop, pops.get(name))
        if count is not None and count != pop.get("instances"):
            if out is None:
                out = dict(intent)
                out["pops"] = dict(intent["pops"])
            out["pops"][name] = dict(pop, instances=count)
    return out if out is not None else intent


def counts(intent, record):
    """{PoP: instances} after the record, for the PoPs that have a count."""
    applied = apply(intent, record)
    return {name: pop["instances"] for name, pop in (applied.get("pops") or {}).items()
            if isinstance(pop, dict) and _int(pop.get("instances")) is not None}


def with_decision(record, network, intent_pop, decision, now):
    """A new record with one PoP's decision: a step (up/down) replaces the PoP's entry (count, base, when, why);
    every decision, steps and holds alike, is appended to the log (the last LOG_KEPT)."""
    out = copy.deepcopy(record) if isinstance(record, dict) else empty(network)
    out["network"] = network
    out.setdefault("pops", {})
    out.setdefault("log", [])
    line = dict(decision, at=now)
    if decision.get("action") in ("up", "down"):
        out["pops"][decision["pop"]] = {
            "instances": decision["to"], "base": intent_pop.get("instances"), "decided_at": now,
            "action": decision["action"], "metric": decision.get("metric"), "value": decision.get("value"),
            "reason": decision.get("reason")}
    out["log"] = (out["log"] + [line])[-LOG_KEPT:]
    return out

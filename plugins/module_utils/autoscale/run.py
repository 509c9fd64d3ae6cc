# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""One run of the scaler over an intent: measure each autoscaled PoP, decide, and the new record.

Kept apart from the action plugin so tests drive it with their own Prometheus, clock and prices.
"""

from __future__ import annotations

from ..cost import estimate as cost
from ..intent import derive
from . import decision, record as records


def autoscaled_pops(model, only=None):
    pops = model.get("pops") if isinstance(model.get("pops"), dict) else {}
    return [name for name in sorted(pops) if isinstance(pops[name], dict) and isinstance(pops[name].get("autoscale"),
                                                                                         dict)
            and (not only or name in only)]


def subquery_step(window):
    """The evaluation step over the window: 20 points per window, at least one second."""
    return max(1, int(window) // 20)


def measure(client, metric, pop, rate_interval, window, step, at=None):
    """{min, max, avg, count} of the PoP's metric over the window (a value is None where Prometheus has none)."""
    queries = decision.window_queries(metric, pop, rate_interval, window, step)
    return {name: client.scalar(query, at) for name, query in queries.items()}


def scale(intent, record, client, now, rate_interval="1m", only=None, plans=None):
    """Decide every autoscaled PoP of `intent` (raw) under `record`. Returns (decisions, new record).

    The spend cap: with a budget, a step up is allowed only when the network's monthly cost after the steps
    already decided in this run, plus one instance of the PoP, stays within budget.monthly_limit (prices from the
    cost module: Vultr plans, lab PoPs cost nothing)."""
    model = derive.normalize(intent)
    network = model.get("network")
    applied = records.apply(intent, record)
    budget = model.get("budget") if isinstance(model.get("budget"), dict) else None
    priced = cost.estimate(applied, plans) if budget else None
    left = None
    if priced is not None and budget.get("monthly_limit") is not None:
        left = float(budget["monthly_limit"]) - float(priced["total"])
    new = record if isinstance(record, dict) else records.empty(network)
    decisions = []
    for pop in autoscaled_pops(model, only):
        settings = model["pops"][pop]["autoscale"]
        count = applied["pops"][pop]["instances"]
        entry = records.entries(record).get(pop) or {}
        step = subquery_step(settings["window"])
        last = entry.get("decided_at")
        if last is not None and now - float(last) < int(settings["cooldown"]):
            measured = None  # no query: the cooldown decides
        else:
            measured = measure(client, settings["metric"], pop, rate_interval, settings["window"], step, now)
        headroom = None
        if left is not None:
            unit = (priced["pops"].get(pop) or {}).get("unit_cost")
            price = float(unit) if unit is not None else (0.0 if model["pops"][pop].get("provider") == "lab" else None)
            headroom = (price if price is not None else float("inf"), left, priced["currency"])
        result = decision.decide(pop, settings, count, measured, now, last, step, headroom)
        if result["action"] == "up" and headroom is not None:
            left -= headroom[0]
        elif result["action"] == "down" and headroom is not None and headroom[0] != float("inf"):
            left += headroom[0]
        decisions.append(result)
        new = records.with_decision(new, network, intent["pops"][pop], result, now)
    return decisions, new

# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The monthly cost of an intent, per PoP and in total, and the spend cap's decision.

Vultr PoPs are priced from Vultr's plan list (API v2 `GET /plans`: `monthly_cost` is "the monthly cost in US
Dollars", an integer, per the published OpenAPI specification); static PoPs by the `monthly_cost` the intent gives;
lab PoPs cost nothing. Nothing here talks to an API: the plans are passed in.
"""

from __future__ import annotations

from ..intent import derive

# The currency of Vultr's prices (OpenAPI v2, schema `plans`, property `monthly_cost`).
VULTR_CURRENCY = "USD"


def vultr_pops(model):
    """Names of the vultr PoPs of a normalised intent."""
    pops = model.get("pops") if isinstance(model.get("pops"), dict) else {}
    return sorted(name for name, pop in pops.items() if isinstance(pop, dict) and pop.get("provider") == "vultr")


def _amount(value):
    return int(value) if float(value).is_integer() else round(float(value), 2)


def estimate(intent, plans=None):
    """The estimate of an intent (raw or normalised): a dict with

    - `pops`: per PoP its provider, instances, plan (vultr), unit cost (vultr), `monthly_cost` and `basis`;
    - `total`, `currency`;
    - `problems`: what could not be priced (unknown plan, a plan not offered in the PoP's region, a vultr PoP
      without a plan, a static PoP without monthly_cost), each a dict with path and message.

    `plans` is Vultr's plan list (dicts with id, monthly_cost, locations); needed only when there are vultr PoPs.
    """
    model = derive.normalize(intent)
    currency = (model.get("budget") or {}).get("currency", VULTR_CURRENCY)
    by_id = {p.get("id"): p for p in plans or [] if isinstance(p, dict)}
    pops = model.get("pops") if isinstance(model.get("pops"), dict) else {}
    out = {}
    problems = []
    for name in sorted(pops):
        pop = pops[name]
        if not isinstance(pop, dict):
            continue
        provider = pop.get("provider")
        path = "pops.%s" % name
        entry = {"provider": provider, "monthly_cost": 0}
        if provider == "vultr":
            count = int(pop.get("instances") or 0)
            plan_id = (pop.get("vultr") or {}).get("plan")
            entry.update(instances=count, plan=plan_id, unit_cost=None)
            plan = by_id.get(plan_id)
            if not plan_id:
                problems.append({"path": path + ".vultr.plan", "message": "no plan: set vultr.plan on the PoP or "
                                 "in defaults.vultr (it prices the PoP and is needed to create its instances)"})
                entry["basis"] = "no plan"
            elif plan is None:
                problems.append({"path": path + ".vultr.plan", "message": "Vultr has no plan '%s' (GET /plans)"
                                 % plan_id})
                entry["basis"] = "unknown plan"
            else:
                if pop.get("region") not in (plan.get("locations") or [pop.get("region")]):
                    problems.append({"path": path + ".region", "message": "Vultr does not offer plan %s in region "
                                     "%s (it does in: %s)" % (plan_id, pop.get("region"),
                                                              ", ".join(plan.get("locations") or []))})
                unit = _amount(plan.get("monthly_cost") or 0)
                entry.update(unit_cost=unit, monthly_cost=_amount(unit * count),
                             basis="%d x %s at %s %s" % (count, plan_id, unit, VULTR_CURRENCY))
        elif provider == "static":
            entry["instances"] = len(pop.get("hosts") or [])
            if "monthly_cost" in pop:
                entry.update(monthly_cost=_amount(pop["monthly_cost"]), basis="given by the intent")
            else:
                problems.append({"path": path + ".monthly_cost", "message": "is not set: the static PoP is counted "
                                 "as costing nothing; give what its hosts cost per month"})
                entry["basis"] = "not given (counted as 0)"
        else:
            entry.update(instances=int(pop.get("instances") or 0), basis="lab: costs nothing")
        out[name] = entry
    total = _amount(sum(e["monthly_cost"] for e in out.values()))
    return {"pops": out, "total": total, "currency": currency, "problems": problems}


def lines(result):
    """The estimate as lines for people: one per PoP, then the total."""
    width = max([len(n) for n in result["pops"]] + [5])
    out = ["%-*s %10s %s  (%s)" % (width, name, _money(e["monthly_cost"]), result["currency"], e["basis"])
           for name, e in result["pops"].items()]
    out.append("%-*s %10s %s per month" % (width, "total", _money(result["total"]), result["currency"]))
    return out


def _money(value):
    return "%.2f" % value


def over_budget(result, budget):
    """None when the estimate fits the budget (or there is none), else the sentence that refuses the change:
    the limit, the total and the PoPs that cost what, most expensive first."""
    if not isinstance(budget, dict) or budget.get("monthly_limit") is None:
        return None
    limit = budget["monthly_limit"]
    if result["total"] <= limit:
        return None
    currency = budget.get("currency", result["currency"])
    costly = sorted(((e["monthly_cost"], n) for n, e in result["pops"].items() if e["monthly_cost"]), reverse=True)
    parts = ["%s %s %s (%s)" % (n, _money(c), currency, result["pops"][n]["basis"]) for c, n in costly]
    return ("The intent costs %s %s per month, over the spend cap budget.monthly_limit of %s %s by %s %s: %s. "
            "Nothing was created; lower the instances or plans, or raise the limit."
            % (_money(result["total"]), currency, _money(limit), currency, _money(result["total"] - limit), currency,
               "; ".join(parts)))


def autoscale_ceiling(model, result, budget):
    """With a spend cap: each autoscaled PoP whose `max` (the other PoPs as they are) would cost more than the
    cap, as a problem at pops.<pop>.autoscale.max. The scaler never steps over the cap; this says where it stops."""
    if not isinstance(budget, dict) or budget.get("monthly_limit") is None:
        return []
    out = []
    for name, pop in sorted((model.get("pops") or {}).items()):
        scale = pop.get("autoscale") if isinstance(pop, dict) else None
        entry = result["pops"].get(name) or {}
        if not isinstance(scale, dict) or entry.get("unit_cost") is None:
            continue
        extra = (int(scale.get("max", 0)) - int(entry.get("instances") or 0)) * entry["unit_cost"]
        if extra > 0 and result["total"] + extra > budget["monthly_limit"]:
            out.append({"path": "pops.%s.autoscale.max" % name, "message": "at max %s instances the network would "
                        "cost %s %s per month, over the spend cap of %s: the scaler stops below it"
                        % (scale["max"], _money(result["total"] + extra), result["currency"],
                           _money(budget["monthly_limit"]))})
    return out


def verdict(intent, plans, enforce_budget=False):
    """The task result of the cost step: the estimate, its lines, the budget and, when the intent cannot be priced
    or (with `enforce_budget`) costs more than the cap, `failed` with the reason. Static PoPs without a cost are
    listed in `warnings_list` (priced at 0)."""
    model = derive.normalize(intent)
    result = estimate(model, plans)
    errors = [p for p in result["problems"] if not p["path"].endswith(".monthly_cost")]
    assumed = [p for p in result["problems"] if p["path"].endswith(".monthly_cost")]
    budget = model.get("budget") if isinstance(model.get("budget"), dict) else None
    assumed += autoscale_ceiling(model, result, budget)
    refusal = over_budget(result, budget)
    out = {"changed": False, "estimate": {k: result[k] for k in ("pops", "total", "currency")},
           "lines": lines(result), "warnings_list": assumed,
           "budget": dict(budget, over=bool(refusal)) if budget else {}}
    if errors:
        out.update(failed=True, problems=errors, msg="The intent cannot be priced; nothing was created:\n" + "\n".join(
            "  %s: %s" % (p["path"], p["message"]) for p in errors))
    elif refusal and enforce_budget:
        out.update(failed=True, msg=refusal)
    else:
        out["msg"] = "Monthly estimate: %s %s%s" % (_money(result["total"]), result["currency"],
                                                    " (%s)" % refusal if refusal else "")
    return out

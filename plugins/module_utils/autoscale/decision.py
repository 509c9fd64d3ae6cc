# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The scaler's decision for one PoP, from what Prometheus measured over the window (docs/autoscaling.md).

Pure: the measurements, the clock, the last step and the price are passed in. A step is one instance:

- up when the metric stayed above target + band for the whole window (its lowest value over the window is above);
- down when it stayed below target - band for the whole window (its highest value is below);
- never outside the intent's min and max, never within the cooldown of the PoP's last step, never up when one more
  instance would take the network over the spend cap, never on missing or partial data.

Every result says why, with the value that decided it.
"""

from __future__ import annotations

# The share of the window's evaluation points that must hold a value: less is partial data, and no decision.
COVERAGE = 0.8

QUERIES = {
    # CPU utilisation of the PoP in %: all modes but idle, averaged over every CPU of every instance.
    "cpu": '100 * (1 - avg(rate(node_cpu_seconds_total{{job="node",mode="idle",pop="{pop}"}}[{rate}])))',
    # HTTP requests per second per instance: the PoP's rate divided by the instances that report one.
    "requests": ('sum(rate(caddy_http_requests_total{{job="caddy",pop="{pop}"}}[{rate}])) / '
                 'count(count by (instance) (caddy_http_requests_total{{job="caddy",pop="{pop}"}}))'),
}
UNITS = {"cpu": "%", "requests": " req/s per instance"}


def _escape(value):
    return str(value).replace("\\", "\\\\").replace('"', '\\"')


def pop_expression(metric, pop, rate_interval):
    """The PromQL of the PoP's metric at one instant."""
    return QUERIES[metric].format(pop=_escape(pop), rate=rate_interval)


def window_queries(metric, pop, rate_interval, window, step):
    """The queries over the window, by name: lowest, highest and mean value, and how many points hold a value."""
    inner = "(%s)[%ds:%ds]" % (pop_expression(metric, pop, rate_interval), int(window), int(step))
    return {"min": "min_over_time(%s)" % inner, "max": "max_over_time(%s)" % inner,
            "avg": "avg_over_time(%s)" % inner, "count": "count_over_time(%s)" % inner}


def _fmt(value):
    return ("%.2f" % value).rstrip("0").rstrip(".")


def decide(pop, settings, count, measured, now, last_step_at=None, step=1, headroom=None):
    """The decision for one PoP: a dict with pop, action (`up`, `down` or `none`), from, to, metric, value (the
    value that decided, or None), reason.

    settings: the PoP's normalised autoscale settings; count: its instances now (after the record);
    measured: {min, max, avg, count} over the window (None or missing keys: no data);
    now, last_step_at: seconds (Unix time); step: the subquery step in seconds (for the coverage);
    headroom: None without a spend cap, else (cost of one more instance, what the cap leaves, currency).
    """
    metric, target, band = settings["metric"], float(settings["target"]), float(settings.get("band", 10))
    window, cooldown = int(settings.get("window", 300)), int(settings.get("cooldown", 900))
    low, high = int(settings["min"]), int(settings["max"])
    upper, lower = target + band, target - band
    unit = UNITS[metric]
    out = {"pop": pop, "action": "none", "from": count, "to": count, "metric": metric, "value": None,
           "target": target, "band": band}

    def hold(reason, value=None):
        out.update(reason=reason, value=value)
        return out

    if last_step_at is not None and now - float(last_step_at) < cooldown:
        return hold("in the cooldown: the last step was %ds ago, the cooldown is %ds"
                    % (now - float(last_step_at), cooldown))
    measured = measured or {}
    if any(measured.get(key) is None for key in ("min", "max", "avg", "count")):
        return hold("no data: Prometheus returned no %s value for PoP %s over the last %ds" % (metric, pop, window))
    expected = max(1, int(window // max(1, step)))
    if measured["count"] < COVERAGE * expected:
        return hold("partial data: %d of %d points of the last %ds hold a %s value"
                    % (measured["count"], expected, window, metric), measured["avg"])
    if measured["min"] > upper:
        value = measured["min"]
        if count >= high:
            return hold("%s stayed above %s%s (lowest %s%s) but the PoP is at its max of %d"
                        % (metric, _fmt(upper), unit, _fmt(value), unit, high), value)
        if headroom is not None:
            price, left, currency = headroom
            if price > left:
                return hold("%s stayed above %s%s (lowest %s%s) but one more instance (%s %s a month) would "
                            "go over the spend cap (%s %s left)" % (metric, _fmt(upper), unit, _fmt(value), unit,
                                                                    _fmt(price), currency, _fmt(left), currency),
                            value)
        out.update(action="up", to=count + 1, value=value,
                   reason="%s stayed above %s%s for %ds (lowest %s%s, mean %s%s): %d -> %d instances"
                   % (metric, _fmt(upper), unit, window, _fmt(value), unit, _fmt(measured["avg"]), unit, count,
                      count + 1))
        return out
    if measured["max"] < lower:
        value = measured["max"]
        if count <= low:
            return hold("%s stayed below %s%s (highest %s%s) but the PoP is at its min of %d"
                        % (metric, _fmt(lower), unit, _fmt(value), unit, low), value)
        out.update(action="down", to=count - 1, value=value,
                   reason="%s stayed below %s%s for %ds (highest %s%s, mean %s%s): %d -> %d instances"
                   % (metric, _fmt(lower), unit, window, _fmt(value), unit, _fmt(measured["avg"]), unit, count,
                      count - 1))
        return out
    return hold("%s within the band %s-%s%s over the last %ds (lowest %s, highest %s, mean %s)"
                % (metric, _fmt(lower), _fmt(upper), unit, window, _fmt(measured["min"]), _fmt(measured["max"]),
                   _fmt(measured["avg"])), measured["avg"])

"""The scaler's decision for one PoP (plugins/module_utils/autoscale/decision.py) and one run over an intent
(run.py) with a stand-in Prometheus: hysteresis, cooldown, min/max, spend cap, missing data."""

import copy
import pathlib
import sys

import pytest

from ansible_collections.anycast.network.plugins.module_utils.autoscale import decision, record, run
from ansible_collections.anycast.network.plugins.module_utils.intent import validate

EMULATOR_DIR = pathlib.Path(__file__).resolve().parents[2] / "emulators" / "vultr"
if str(EMULATOR_DIR) not in sys.path:
    sys.path.insert(0, str(EMULATOR_DIR))

from vultr_emulator import PLANS  # noqa: E402

SETTINGS = {"min": 1, "max": 4, "metric": "cpu", "target": 50, "band": 10, "window": 300, "cooldown": 900}
NOW = 1_800_000_000.0
STEP = run.subquery_step(300)  # 15 s: 20 points per window


def window(low, high, mean=None, count=20):
    return {"min": low, "max": high, "avg": mean if mean is not None else (low + high) / 2, "count": count}


def test_up_only_when_the_whole_window_is_above_target_plus_band():
    up = decision.decide("ams", SETTINGS, 2, window(61, 90), NOW, step=STEP)
    assert (up["action"], up["from"], up["to"], up["value"]) == ("up", 2, 3, 61)
    assert "stayed above 60%" in up["reason"] and "lowest 61%" in up["reason"]
    # One point of the window inside the band (59 < 60): no step, whatever the mean.
    held = decision.decide("ams", SETTINGS, 2, window(59, 95, mean=85), NOW, step=STEP)
    assert held["action"] == "none" and "within the band 40-60%" in held["reason"]


def test_down_only_when_the_whole_window_is_below_target_minus_band():
    down = decision.decide("ams", SETTINGS, 3, window(5, 39), NOW, step=STEP)
    assert (down["action"], down["to"], down["value"]) == ("down", 2, 39)
    held = decision.decide("ams", SETTINGS, 3, window(5, 41), NOW, step=STEP)
    assert held["action"] == "none"


def test_never_outside_min_and_max():
    at_max = decision.decide("ams", SETTINGS, 4, window(80, 99), NOW, step=STEP)
    assert at_max["action"] == "none" and "at its max of 4" in at_max["reason"] and at_max["value"] == 80
    at_min = decision.decide("ams", SETTINGS, 1, window(1, 2), NOW, step=STEP)
    assert at_min["action"] == "none" and "at its min of 1" in at_min["reason"]


def test_never_within_the_cooldown_of_the_last_step():
    held = decision.decide("ams", SETTINGS, 2, window(80, 99), NOW, last_step_at=NOW - 899, step=STEP)
    assert held["action"] == "none" and "cooldown" in held["reason"]
    after = decision.decide("ams", SETTINGS, 2, window(80, 99), NOW, last_step_at=NOW - 900, step=STEP)
    assert after["action"] == "up"


@pytest.mark.parametrize("measured", [None, {}, {"min": None, "max": None, "avg": None, "count": None},
                                      {"min": 80, "max": 90, "avg": 85, "count": None}])
def test_missing_data_is_no_decision(measured):
    held = decision.decide("ams", SETTINGS, 2, measured, NOW, step=STEP)
    assert held["action"] == "none" and held["reason"].startswith("no data")


def test_partial_data_is_no_decision():
    held = decision.decide("ams", SETTINGS, 2, window(80, 90, count=10), NOW, step=STEP)
    assert held["action"] == "none" and "partial data: 10 of 20 points" in held["reason"]


def test_the_spend_cap_stops_a_step_up_but_never_a_step_down():
    capped = decision.decide("ams", SETTINGS, 2, window(80, 90), NOW, step=STEP, headroom=(5.0, 4.0, "USD"))
    assert capped["action"] == "none" and "spend cap" in capped["reason"] and capped["value"] == 80
    fits = decision.decide("ams", SETTINGS, 2, window(80, 90), NOW, step=STEP, headroom=(5.0, 5.0, "USD"))
    assert fits["action"] == "up"
    down = decision.decide("ams", SETTINGS, 2, window(1, 2), NOW, step=STEP, headroom=(5.0, -100.0, "USD"))
    assert down["action"] == "down"


def test_requests_queries_divide_the_pop_rate_by_its_reporting_instances():
    queries = decision.window_queries("requests", "ams", "30s", 300, 15)
    assert queries["min"].startswith("min_over_time((sum(rate(caddy_http_requests_total{job=\"caddy\",pop=\"ams\"}"
                                     "[30s])) / count(count by (instance)")
    assert queries["count"].endswith(")[300s:15s])")
    cpu = decision.pop_expression("cpu", 'a"b', "1m")
    assert 'pop="a\\"b"' in cpu and 'mode="idle"' in cpu


class FakePrometheus:
    """Answers the four window queries of each PoP from a table: {pop: {min, max, avg, count}}."""

    def __init__(self, table):
        self.table = table
        self.asked = []

    def scalar(self, query, at=None):
        self.asked.append(query)
        for pop, values in self.table.items():
            if 'pop="%s"' % pop in query:
                return values.get(query.split("_over_time")[0])
        return None


def intent(budget=None, **ams):
    out = {
        "network": "elastic", "asn": 64500, "prefixes": ["192.0.2.0/24"], "allow_documentation_resources": True,
        "services": {"web": {"kind": "web", "addresses": ["192.0.2.1"], "hostnames": ["www.example.com"]}},
        "defaults": {"upstreams": [{"profile": "vultr", "password": "pw"}],
                     "vultr": {"plan": "vc2-1c-1gb", "os_id": 2136}},
        "pops": {
            "ams": dict({"provider": "vultr", "region": "ams", "instances": 2,
                         "autoscale": dict(SETTINGS)}, **ams),
            "lhr": {"provider": "vultr", "region": "lhr", "instances": 1},
            "lab1": {"provider": "lab", "region": "ams", "instances": 1,
                     "autoscale": {"min": 1, "max": 2, "metric": "requests", "target": 100, "band": 20}},
        },
    }
    if budget is not None:
        out["budget"] = {"monthly_limit": budget}
    return out


def test_the_test_intent_is_valid():
    assert validate.validate(intent(budget=100)) == []


def test_one_run_decides_every_autoscaled_pop_and_records_the_steps():
    prom = FakePrometheus({"ams": window(70, 95), "lab1": window(1, 10)})
    decisions, new = run.scale(intent(), record.empty("elastic"), prom, NOW)
    by_pop = {d["pop"]: d for d in decisions}
    assert set(by_pop) == {"ams", "lab1"}                       # lhr has no autoscale: never asked
    assert not any('pop="lhr"' in q for q in prom.asked)
    assert by_pop["ams"]["action"] == "up" and by_pop["lab1"]["action"] == "none"   # lab1 at its min
    assert new["pops"]["ams"] == {"instances": 3, "base": 2, "decided_at": NOW, "action": "up", "metric": "cpu",
                                  "value": 70, "reason": by_pop["ams"]["reason"]}
    assert "lab1" not in new["pops"] and [line["pop"] for line in new["log"]] == ["ams", "lab1"]
    assert record.counts(intent(), new) == {"ams": 3, "lhr": 1, "lab1": 1}
    # A second run within the cooldown: no query for ams, no step.
    prom.asked.clear()
    decisions, again = run.scale(intent(), new, prom, NOW + 60)
    assert {d["pop"]: d["action"] for d in decisions} == {"ams": "none", "lab1": "none"}
    assert not any('pop="ams"' in q for q in prom.asked)
    assert again["pops"]["ams"]["instances"] == 3 and len(again["log"]) == 4


def test_the_spend_cap_counts_the_steps_already_decided_in_the_run():
    # 3 vultr instances at 5 USD (ams 2, lhr 1) = 15; a cap of 19 leaves no room for another 5 USD instance.
    prom = FakePrometheus({"ams": window(70, 95)})
    decisions, _new = run.scale(intent(budget=19), record.empty("elastic"), prom, NOW, plans=PLANS)
    ams = [d for d in decisions if d["pop"] == "ams"][0]
    assert ams["action"] == "none" and "spend cap (4 USD left)" in ams["reason"]
    decisions, _new = run.scale(intent(budget=20), record.empty("elastic"), prom, NOW, plans=PLANS)
    assert [d for d in decisions if d["pop"] == "ams"][0]["action"] == "up"


def test_validation_names_every_autoscale_mistake_by_its_path():
    bad = intent(instances=5)
    bad["pops"]["ams"]["autoscale"].update(band=50, cooldown=60)
    bad["pops"]["lab1"]["autoscale"].update(min=3, max=2, band=150)
    bad["pops"]["fra"] = {"provider": "static", "hosts": [{"name": "fra-1", "address": "198.51.100.20"}],
                          "autoscale": {"min": 1, "max": 2, "metric": "gpu", "target": 50}}
    found = {(p.path, p.message.split(":")[0].split(" ")[0]) for p in validate.validate(bad)}
    paths = {p for p, _ in found}
    assert "pops.ams.instances" in paths                 # 5 outside 1-4
    assert "pops.ams.autoscale.band" in paths            # 50 + 50 >= 100: never up
    assert "pops.ams.autoscale.cooldown" in paths        # shorter than the window
    assert "pops.lab1.autoscale.min" in paths            # min > max
    assert "pops.lab1.autoscale.band" in paths           # target - band <= 0: never down
    assert "pops.fra.autoscale.metric" in paths          # not cpu or requests
    assert "pops.fra.autoscale" in paths                 # static PoP


def test_an_intent_without_autoscale_is_not_touched():
    plain = intent()
    for pop in plain["pops"].values():
        pop.pop("autoscale", None)
    entries = {"pops": {"ams": {"instances": 4, "base": 2}}}
    assert record.apply(plain, entries) is plain
    decisions, _new = run.scale(plain, record.empty(), FakePrometheus({}), NOW)
    assert decisions == []


def test_copy_safety_of_the_intent():
    original = intent()
    snapshot = copy.deepcopy(original)
    record.apply(original, {"pops": {"ams": {"instances": 3, "base": 2}}})
    assert original == snapshot

"""The decision record applied to the intent: the one function (record.apply) behind the normalisation, the intent
inventory plugin's hosts and the cost step."""

import pytest

from ansible_collections.anycast.network.plugins.filter import intent as intent_filters
from ansible_collections.anycast.network.plugins.module_utils.autoscale import record
from ansible_collections.anycast.network.plugins.module_utils.cost import estimate as cost
from ansible_collections.anycast.network.plugins.module_utils.intent import derive

from test_decision import PLANS, intent  # noqa: I001 (beside this file)


def entry(instances, base=2):
    return {"pops": {"ams": {"instances": instances, "base": base, "decided_at": 1.0}}}


def test_the_record_sets_the_count_within_min_and_max():
    assert record.counts(intent(), entry(3))["ams"] == 3
    assert record.counts(intent(), entry(9))["ams"] == 4       # max 4
    assert record.counts(intent(), entry(0))["ams"] == 1       # min 1


def test_an_operator_edit_of_the_count_wins_over_the_record():
    edited = intent(instances=1)
    assert record.counts(edited, entry(3, base=2))["ams"] == 1


def test_the_normalisation_and_the_filter_read_the_same_count():
    assert derive.normalize(intent(), entry(3))["pops"]["ams"]["instances"] == 3
    assert intent_filters.intent_model(intent(), entry(3))["pops"]["ams"]["instances"] == 3
    assert intent_filters.intent_model(intent())["pops"]["ams"]["instances"] == 2
    assert derive.normalize(intent(), entry(3))["pops"]["lhr"] == derive.normalize(intent())["pops"]["lhr"]


def test_the_cost_is_priced_at_the_recorded_count():
    before = cost.estimate(derive.normalize(intent()), PLANS)
    after = cost.estimate(derive.normalize(intent(), entry(3)), PLANS)
    assert after["pops"]["ams"]["monthly_cost"] - before["pops"]["ams"]["monthly_cost"] == 5
    assert after["total"] == before["total"] + 5


def test_max_over_the_spend_cap_is_named_by_the_cost_step():
    verdict = cost.verdict(derive.normalize(intent(budget=20)), PLANS)
    assert [w["path"] for w in verdict["warnings_list"]] == ["pops.ams.autoscale.max"]
    assert cost.verdict(derive.normalize(intent(budget=40)), PLANS)["warnings_list"] == []


def test_a_damaged_record_is_refused_and_a_missing_one_is_empty(tmp_path):
    assert record.load(str(tmp_path / "none.json"))["pops"] == {}
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    with pytest.raises(ValueError, match="cannot be read"):
        record.load(str(bad))

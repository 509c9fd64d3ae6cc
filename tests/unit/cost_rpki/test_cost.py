"""The cost estimate of an intent and the spend cap's decision (plugins/module_utils/cost/estimate.py)."""

import pathlib
import sys

import pytest

from ansible_collections.anycast.network.plugins.module_utils.cost import estimate as cost
from ansible_collections.anycast.network.plugins.module_utils.vultr.client import VultrClient

EMULATOR_DIR = pathlib.Path(__file__).resolve().parents[2] / "emulators" / "vultr"
if str(EMULATOR_DIR) not in sys.path:
    sys.path.insert(0, str(EMULATOR_DIR))

from vultr_emulator import PLANS, Emulator  # noqa: E402

KEY = "unit-cost-key-7c1d"


def intent(**extra):
    out = {
        "network": "money",
        "defaults": {"vultr": {"plan": "vc2-1c-1gb", "os_id": 2136}},
        "pops": {
            "ams": {"provider": "vultr", "region": "ams", "instances": 2},
            "nrt": {"provider": "vultr", "region": "nrt", "instances": 1, "vultr": {"plan": "vc2-2c-4gb"}},
            "fra": {"provider": "static", "hosts": [{"name": "fra-1", "address": "198.51.100.20"}],
                    "monthly_cost": 42.5},
            "lab1": {"provider": "lab", "region": "ams", "instances": 3},
        },
    }
    out.update(extra)
    return out


def test_each_pop_is_priced_and_the_total_is_their_sum():
    result = cost.estimate(intent(), PLANS)
    pops = result["pops"]
    assert pops["ams"]["monthly_cost"] == 10 and pops["ams"]["unit_cost"] == 5
    assert pops["ams"]["basis"] == "2 x vc2-1c-1gb at 5 USD"
    assert pops["nrt"]["monthly_cost"] == 20        # the PoP's own plan over defaults.vultr
    assert pops["fra"]["monthly_cost"] == 42.5 and pops["fra"]["basis"] == "given by the intent"
    assert pops["lab1"]["monthly_cost"] == 0
    assert result["total"] == 72.5 and result["currency"] == "USD"
    assert result["problems"] == []
    text = cost.lines(result)
    assert text[-1].split() == ["total", "72.50", "USD", "per", "month"]
    assert any(line.startswith("fra") and "42.50 USD" in line for line in text)


def test_plans_come_from_the_emulator_through_every_page():
    emu = Emulator(api_key=KEY, bind=False, max_page_size=1)
    client = VultrClient(api_key=KEY, api_url="https://api.vultr.test/v2", transport=emu.transport())
    plans = client.list("/plans", "plans", params={"type": "all"})
    assert [p["id"] for p in plans] == [p["id"] for p in PLANS]
    assert emu.snapshot()["requests"] == len(PLANS)       # one page per plan: the cursor was followed
    assert emu.snapshot()["violations"] == []
    vhf = client.list("/plans", "plans", params={"type": "vhf"})
    assert [p["id"] for p in vhf] == ["vhf-1c-1gb"]
    assert cost.estimate(intent(), plans)["total"] == 72.5


@pytest.mark.parametrize("change, path, says", [
    ({"defaults": {"vultr": {"plan": "vc9-nope"}}}, "pops.ams.vultr.plan", "Vultr has no plan 'vc9-nope'"),
    ({"defaults": {}}, "pops.ams.vultr.plan", "no plan"),
    ({"defaults": {"vultr": {"plan": "vhf-1c-1gb"}}, "pops": {"x": {"provider": "vultr", "region": "lhr",
                                                                    "instances": 1}}},
     "pops.x.region", "does not offer plan vhf-1c-1gb in region lhr"),
])
def test_what_cannot_be_priced_is_named_by_its_path(change, path, says):
    result = cost.estimate(intent(**change), PLANS)
    assert any(p["path"] == path and says in p["message"] for p in result["problems"]), result["problems"]
    out = cost.verdict(intent(**change), PLANS)
    assert out["failed"] and path in out["msg"]


def test_a_static_pop_without_a_cost_counts_as_nothing_with_a_warning():
    data = intent()
    del data["pops"]["fra"]["monthly_cost"]
    out = cost.verdict(data, PLANS)
    assert not out.get("failed")
    assert out["estimate"]["pops"]["fra"]["monthly_cost"] == 0
    assert [w["path"] for w in out["warnings_list"]] == ["pops.fra.monthly_cost"]


def test_under_or_at_the_cap_passes():
    assert cost.over_budget(cost.estimate(intent(), PLANS), {"monthly_limit": 72.5}) is None
    assert cost.over_budget(cost.estimate(intent(), PLANS), None) is None
    out = cost.verdict(intent(budget={"monthly_limit": 500}), PLANS, enforce_budget=True)
    assert not out.get("failed") and out["budget"] == {"monthly_limit": 500, "currency": "USD", "over": False}


def test_over_the_cap_names_the_pops_that_cost_what_most_expensive_first():
    message = cost.over_budget(cost.estimate(intent(), PLANS), {"monthly_limit": 50, "currency": "USD"})
    assert message.startswith("The intent costs 72.50 USD per month, over the spend cap budget.monthly_limit of "
                              "50.00 USD by 22.50 USD: ")
    assert message.index("fra 42.50 USD") < message.index("nrt 20.00 USD") < message.index("ams 10.00 USD")
    assert "lab1" not in message
    assert "Nothing was created" in message


def test_the_cap_fails_the_task_only_when_enforced():
    data = intent(budget={"monthly_limit": 50})
    enforced = cost.verdict(data, PLANS, enforce_budget=True)
    assert enforced["failed"] and "over the spend cap" in enforced["msg"] and enforced["budget"]["over"]
    shown = cost.verdict(data, PLANS)
    assert not shown.get("failed") and "over the spend cap" in shown["msg"]


def test_a_lab_only_intent_needs_no_plans_and_costs_nothing():
    data = {"network": "lab", "pops": {"ams": {"provider": "lab", "region": "ams", "instances": 2}}}
    assert cost.vultr_pops(data) == []
    out = cost.verdict(data, None, enforce_budget=True)
    assert out["estimate"]["total"] == 0 and not out.get("failed")

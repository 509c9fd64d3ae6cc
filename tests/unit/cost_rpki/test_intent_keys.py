"""The intent's budget, rpki and monthly_cost keys: structure from the schema, meaning in the validator."""

import copy
import pathlib

import pytest
import yaml

from ansible_collections.anycast.network.plugins.module_utils.intent import derive
from ansible_collections.anycast.network.plugins.module_utils.intent.validate import validate

BASE = yaml.safe_load((pathlib.Path(__file__).parents[1] / "intent" / "base_intent.yml").read_text())


def problems(**change):
    intent = copy.deepcopy(BASE)
    for key, value in change.items():
        if key.startswith("pop_"):
            intent["pops"][key[4:]].update(value)
        else:
            intent[key] = value
    return {p.path: p.message for p in validate(intent)}


def test_valid_settings_pass_and_defaults_are_filled():
    assert problems(budget={"monthly_limit": 99.5}, pop_fra={"monthly_cost": 12},
                    rpki={"source": "ripe", "api_key": "k", "manage_roas": True}) == {}
    assert problems(rpki={"source": "rpki-client", "file": "vrps.json"}) == {}
    model = derive.normalize(dict(BASE, budget={"monthly_limit": 5}, rpki={"source": "rpki-client", "file": "x"}))
    assert model["budget"]["currency"] == "USD"
    assert model["rpki"]["on_invalid"] == "fail" and model["rpki"]["manage_roas"] is False


@pytest.mark.parametrize("change, path, says", [
    ({"budget": {"monthly_limit": "500"}}, "budget.monthly_limit", "must be a number (the monthly limit), not '500'"),
    ({"budget": {"monthly_limit": -1}}, "budget.monthly_limit", "between 0 and 10000000"),
    ({"budget": {}}, "budget.monthly_limit", "is required"),
    ({"budget": {"monthly_limit": 5, "currency": "EUR"}}, "budget.currency", "unknown currency 'EUR'"),
    ({"pop_lhr": {"monthly_cost": 5}}, "pops.lhr.monthly_cost", "priced from its plan at Vultr"),
    ({"pop_ams": {"monthly_cost": 5}}, "pops.ams.monthly_cost", "a lab PoP costs nothing"),
    ({"pop_fra": {"monthly_cost": True}}, "pops.fra.monthly_cost", "must be a number"),
    ({"rpki": {"source": "rpki-client"}}, "rpki.file", "is required with source rpki-client"),
    ({"rpki": {"source": "ripe"}}, "rpki.api_key", "is required with source ripe"),
    ({"rpki": {"source": "rpki-client", "file": "x", "manage_roas": True}}, "rpki.manage_roas",
     "only read with source ripe"),
    ({"rpki": {"source": "ripe", "api_key": "k", "file": "x"}}, "rpki.file", "only read with source rpki-client"),
    ({"rpki": {"source": "ripe", "api_key": "k", "on_invalid": "ignore"}}, "rpki.on_invalid",
     "unknown on_invalid policy 'ignore'"),
    ({"rpki": {"source": "routinator"}}, "rpki.source", "unknown ROA source 'routinator'"),
])
def test_mistakes_are_reported_by_path(change, path, says):
    found = problems(**change)
    assert path in found and says in found[path], found


def test_every_mistake_at_once_and_no_secret_repeated():
    found = problems(budget={"monthly_limit": "x"}, rpki={"source": "ripe", "api_key": 12345678},
                     pop_lhr={"monthly_cost": 1})
    assert {"budget.monthly_limit", "rpki.api_key", "pops.lhr.monthly_cost"} <= set(found)
    assert "12345678" not in " ".join(found.values())

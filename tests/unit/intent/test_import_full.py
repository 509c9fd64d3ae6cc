"""A generic upstream that sends a full table: the intent's import full, max_prefixes and its action, and the RTR
cache (rpki_rtr), validated by path and derived once."""

import copy
import pathlib

import pytest
import yaml

from ansible_collections.anycast.network.plugins.module_utils.intent import derive, rules
from ansible_collections.anycast.network.plugins.module_utils.intent.validate import validate

BASE = yaml.safe_load((pathlib.Path(__file__).parent / "base_intent.yml").read_text())
FRA = "pops.fra.upstreams[0]"


def with_fra(**upstream):
    intent = copy.deepcopy(BASE)
    intent["pops"]["fra"]["upstreams"][0].update(upstream)
    return intent


def problems_at(intent, path):
    return [p.message for p in validate(intent) if p.path == path]


def test_import_full_is_valid_and_none_default_still_are():
    for policy in ("none", "default", "full"):
        assert validate(with_fra(**{"import": policy})) == [], policy
    assert validate(with_fra(**{"import": "full", "max_prefixes": 900000, "max_prefixes_action": "restart"})) == []


def test_full_sessions_get_the_default_limit_of_their_family():
    v4 = derive.sessions(with_fra(**{"import": "full"}), "fra", "198.51.100.20")[0]
    assert (v4["max_prefixes"], v4["max_prefixes_action"]) == (rules.FULL_TABLE_MAX_PREFIXES[4], "disable")
    assert v4["receive_limit"] == int(rules.FULL_TABLE_MAX_PREFIXES[4] * rules.FULL_TABLE_RECEIVE_FACTOR)
    intent = with_fra(**{"import": "full", "neighbor": "2001:db8:200::1"})
    intent["prefixes"] = ["2001:db8:ac00::/48"]
    v6 = derive.sessions(intent, "fra", "", "2001:db8:200::20")[0]
    assert v6["max_prefixes"] == rules.FULL_TABLE_MAX_PREFIXES[6]
    model = derive.normalize(intent)["pops"]["fra"]["upstreams"][0]
    assert (model["max_prefixes"], model["max_prefixes_action"]) == (rules.FULL_TABLE_MAX_PREFIXES[6], "disable")


def test_given_limit_and_action_are_kept():
    s = derive.sessions(with_fra(**{"import": "full", "max_prefixes": 1000, "max_prefixes_action": "block"}),
                        "fra", "198.51.100.20")[0]
    assert (s["import"], s["max_prefixes"], s["max_prefixes_action"], s["receive_limit"]) == ("full", 1000, "block",
                                                                                               1500)


@pytest.mark.parametrize("policy", ["none", "default"])
def test_none_and_default_keep_the_roles_limits(policy):
    s = derive.sessions(with_fra(**{"import": policy}), "fra", "198.51.100.20")[0]
    assert (s["max_prefixes"], s["max_prefixes_action"], s["receive_limit"]) == (None, None, None)
    assert "max_prefixes" not in derive.normalize(with_fra(**{"import": policy}))["pops"]["fra"]["upstreams"][0]


@pytest.mark.parametrize("key,value", [("max_prefixes", 1000), ("max_prefixes_action", "block")])
def test_limits_without_import_full_are_refused(key, value):
    assert any("only read with import: full" in m for m in problems_at(with_fra(**{key: value}), "%s.%s" % (FRA, key)))
    intent = with_fra(**{"import": "default", key: value})
    assert any("only read with import: full" in m for m in problems_at(intent, "%s.%s" % (FRA, key)))


@pytest.mark.parametrize("key,value,says", [
    ("import", "everything", "unknown import policy 'everything'"),
    ("max_prefixes", 0, "the most routes accepted must be between 1 and 10000000"),
    ("max_prefixes", "lots", "must be a whole number"),
    ("max_prefixes_action", "shutdown", "unknown limit action 'shutdown'"),
])
def test_bad_values_by_path(key, value, says):
    intent = with_fra(**{"import": "full", key: value})
    assert any(says in m for m in problems_at(intent, "%s.%s" % (FRA, key))), validate(intent)


def test_limits_on_a_vultr_upstream_are_refused():
    intent = copy.deepcopy(BASE)
    intent["pops"]["lhr"]["upstreams"][0]["max_prefixes"] = 10
    assert any("fixed by the vultr profile" in m
               for m in problems_at(intent, "pops.lhr.upstreams[0].max_prefixes"))


def test_rpki_rtr_is_derived_with_its_default_port():
    intent = copy.deepcopy(BASE)
    assert derive.rpki_rtr(intent) is None
    intent["rpki_rtr"] = {"address": "192.0.2.200"}
    assert validate(intent) == []
    assert derive.rpki_rtr(intent) == {"address": "192.0.2.200", "port": 323}
    assert derive.normalize(intent)["rpki_rtr"] == {"address": "192.0.2.200", "port": 323}
    intent["rpki_rtr"] = {"address": "127.0.0.1", "port": 8282}
    assert validate(intent) == [] and derive.rpki_rtr(intent) == {"address": "127.0.0.1", "port": 8282}


@pytest.mark.parametrize("rtr,path,says", [
    ({"port": 323}, "rpki_rtr.address", "is required: the RTR cache's IP address"),
    ({"address": "rtr.example.net"}, "rpki_rtr.address", "is not an IP address"),
    ({"address": "0.0.0.0"}, "rpki_rtr.address", "cannot be an RTR cache's address"),
    ({"address": "203.0.113.10"}, "rpki_rtr.address", "is the anycast service address"),
    ({"address": "203.0.113.99"}, "rpki_rtr.address", "inside our anycast prefix"),
    ({"address": "192.0.2.200", "port": 70000}, "rpki_rtr.port", "the port must be between 1 and 65535"),
    ({"address": "192.0.2.200", "host": "x"}, "rpki_rtr.host", "unknown setting 'host'"),
])
def test_bad_rtr_cache_by_path(rtr, path, says):
    intent = copy.deepcopy(BASE)
    intent["rpki_rtr"] = rtr
    assert any(says in m for m in problems_at(intent, path)), validate(intent)

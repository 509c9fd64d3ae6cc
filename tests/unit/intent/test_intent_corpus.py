"""The bad-input corpus: every case must produce its path and words; the base intent must be valid."""

import copy
import pathlib
import re

import pytest
import yaml

from ansible_collections.anycast.network.plugins.module_utils.intent.validate import validate

HERE = pathlib.Path(__file__).parent
BASE = yaml.safe_load((HERE / "base_intent.yml").read_text())
CASES = yaml.safe_load((HERE / "corpus.yml").read_text())
TOKEN = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def _tokens(path):
    return [int(i) if i else k for k, i in TOKEN.findall(path)]


def _apply(intent, path, value=None, delete=False):
    *parents, last = _tokens(path)
    node = intent
    for key in parents:
        node = node[key]
    if delete:
        del node[last]
    elif isinstance(node, list) and last == len(node):
        node.append(value)  # a path one past the end adds an element
    else:
        node[last] = value


def test_base_is_valid():
    assert validate(copy.deepcopy(BASE)) == []


def test_corpus_is_large_enough():
    assert len(CASES) >= 40
    assert len({c["name"] for c in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_bad_intent_is_reported(case):
    intent = copy.deepcopy(BASE)
    for path, value in case.get("set", {}).items():
        _apply(intent, path, value)
    for path in case.get("delete", []):
        _apply(intent, path, delete=True)
    problems = validate(intent)
    assert problems, "no problem reported"
    matching = [p for p in problems if p.path == case["path"] and case["says"] in p.message]
    assert matching, "expected %s: ...%s... in %s" % (case["path"], case["says"], problems)


def test_all_mistakes_reported_in_one_run():
    intent = copy.deepcopy(BASE)
    intent["asn"] = 0
    intent["prefixes"][0] = "203.0.113.1/24"
    intent["pops"]["ams"]["instances"] = 0
    intent["pops"]["fra"]["upstreams"][0]["multihop"] = 300
    paths = {p.path for p in validate(intent)}
    assert {"asn", "prefixes[0]", "pops.ams.instances", "pops.fra.upstreams[0].multihop"} <= paths


def test_password_never_echoed():
    intent = copy.deepcopy(BASE)
    secret = 'sup3r"secret'
    intent["pops"]["lhr"]["upstreams"][0]["password"] = secret
    problems = validate(intent)
    assert problems and all(secret not in p.message for p in problems)


@pytest.mark.parametrize("value", [None, [], "text", 42])
def test_garbage_intent_gives_problems_not_exceptions(value):
    problems = validate(value)
    assert problems and problems[0].path == "anycast_intent"


def test_ipv4_only_and_ipv6_only_are_valid():
    v4 = copy.deepcopy(BASE)
    v4["prefixes"] = ["203.0.113.0/24"]
    v4["services"]["web"]["addresses"] = ["203.0.113.10"]
    v4["services"]["dns"]["addresses"] = ["203.0.113.53"]
    assert validate(v4) == []
    v6 = copy.deepcopy(BASE)
    v6["prefixes"] = ["2001:db8:ac00::/48"]
    v6["services"]["web"]["addresses"] = ["2001:db8:ac00::10"]
    v6["services"]["dns"]["addresses"] = ["2001:db8:ac00::53"]
    v6["services"]["dns"]["zones"][0]["records"] = [{"name": "www", "type": "AAAA", "value": "2001:db8:ac00::10"}]
    v6["pops"]["fra"]["hosts"][0] = {"name": "fra-1", "address6": "2001:db8:200::20"}
    v6["pops"]["fra"]["upstreams"][0]["neighbor"] = "2001:db8:200::1"
    assert validate(v6) == []


def test_a_wrong_type_in_a_list_does_not_stop_the_other_checks():
    intent = copy.deepcopy(BASE)
    intent["pops"]["fra"]["geodns_fallback"] = [{"country": ["GB"]}, {"continent": "XX"}]
    intent["services"]["web"]["hostnames"] = [{"www": "anycast.test"}, "bad name"]
    intent["pops"]["fra"]["upstreams"][0]["neighbor"] = "203.0.113.1"
    intent["asn"] = 0
    problems = validate(intent)
    paths = {p.path for p in problems}
    assert {"pops.fra.geodns_fallback[0].country", "pops.fra.geodns_fallback[1].continent",
            "services.web.hostnames[0]", "services.web.hostnames[1]", "pops.fra.upstreams[0].neighbor",
            "asn"} <= paths, problems
    assert not any("could not be checked" in p.message for p in problems)


def test_no_secret_in_any_message_about_a_password():
    intent = copy.deepcopy(BASE)
    secret = "s3cret-value"
    for value in (" " + secret, secret + "\n", [secret], {"k": secret}):
        intent["pops"]["lhr"]["upstreams"][0]["password"] = value
        intent["registry"]["password"] = value
        problems = validate(intent)
        assert {"pops.lhr.upstreams[0].password", "registry.password"} <= {p.path for p in problems}
        assert all(secret not in p.message for p in problems), problems

"""The Jinja plugin look-up cache (plugins/plugin_utils/jinja_plugin_lookup_cache.py): Jinja's names and the
collection's filters are answered before the first worker; a template then asks the loader only for ansible-core's own
names (a dictionary look-up there), once, and renders as without the cache; an unknown name still fails, every time,
and a look-up that raises is not kept; filters and tests are kept apart.

Collection filters resolve only with the collection loader ansible-playbook installs, so the templates render in a
process of their own (lookup_cache_probe.py), not in the test session's."""

import json
import pathlib
import subprocess
import sys

import pytest
from ansible.plugins.loader import Jinja2Loader

from ansible_collections.anycast.network.plugins.plugin_utils import jinja_plugin_lookup_cache as cache

PROBE = pathlib.Path(__file__).with_name("lookup_cache_probe.py")
TEMPLATE = ("{{ names | map('upper') | select('match', '^A') | join(',') }} {{ n | default(1) | int }} "
            "{{ 'x' is string }} {{ intent | anycast.network.anycast_services('web') | map(attribute='name') | list }}")
VARIABLES = {"names": ["ab", "b", "ac"],
             "intent": {"services": {"www": {"kind": "web", "addresses": ["203.0.113.10"]},
                                     "ns": {"kind": "dns", "addresses": ["203.0.113.53"]}}}}


@pytest.fixture(scope="module")
def probe():
    proc = subprocess.run([sys.executable, str(PROBE), json.dumps([TEMPLATE, VARIABLES])], capture_output=True,
                          text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def test_warming_asks_for_jinja_names_and_the_collections_filters(probe):
    warmed = [tuple(call) for call in probe["warmed"]]
    assert probe["installed"]
    for call in (("filter", "map"), ("filter", "join"), ("filter", "select"), ("test", "string"),
                 ("filter", "anycast.network.anycast_services"), ("filter", "anycast.network.zone_serial")):
        assert call in warmed


def test_a_template_renders_as_without_the_cache_and_asks_the_loader_once(probe):
    assert probe["plain"] == "AB,AC 1 True ['www']"
    assert probe["first"] == probe["second"] == probe["plain"]
    # Without the cache the template asked for Jinja's names and the collection's filter too.
    assert ["filter", "map"] in probe["plain_calls"]
    assert ["filter", "anycast.network.anycast_services"] in probe["plain_calls"]
    # With it: at most ansible-core's own names (here the test `match`), and not again.
    for kind, name in probe["first_calls"]:
        assert name in ("default", "int", "match"), (kind, name)
    assert probe["second_calls"] == []


def test_an_unknown_filter_fails_each_time_and_a_failed_look_up_is_not_kept(probe):
    assert len(probe["unknown"]) == 4
    assert all(text.startswith("error: ") for text in probe["unknown"])
    assert all("no_such_filter" in text for text in probe["unknown"][:2])
    assert all("no_such.collection.filter" in text for text in probe["unknown"][2:])
    # The collection answers "no such filter" (kept); an unknown collection raises (asked again).
    assert probe["unknown_calls"].count(["filter", "anycast.network.no_such_filter"]) == 1
    assert probe["unknown_calls"].count(["filter", "no_such.collection.filter"]) == 2


def test_filters_and_tests_are_kept_apart(probe):
    assert probe["test_of_a_filter_name"].startswith("KeyError")
    assert probe["same_answer"]
    assert probe["last_calls"] == [["test", "anycast.network.anycast_services"]]


def test_a_call_with_other_arguments_is_not_kept(monkeypatch):
    seen = []
    monkeypatch.setattr(Jinja2Loader, "get_with_context", lambda self, name, *a, **k: seen.append((name, a, k)) or name)
    cache.uninstall()
    monkeypatch.setattr(cache, "warm", lambda: None)
    try:
        assert cache.install()
        loader = object.__new__(Jinja2Loader)
        loader.get_with_context("map")
        loader.get_with_context("map")
        loader.get_with_context("map", collection_list=["x.y"])
        loader.get_with_context("map", collection_list=["x.y"])
    finally:
        cache.uninstall()
    assert seen == [("map", (), {}), ("map", (), {"collection_list": ["x.y"]}), ("map", (), {"collection_list": ["x.y"]})]


def test_switched_off(monkeypatch):
    cache.uninstall()
    monkeypatch.setenv("ANYCAST_PLUGIN_LOOKUP_CACHE", "0")
    assert not cache.install()
    assert not hasattr(Jinja2Loader.get_with_context, "__wrapped__")

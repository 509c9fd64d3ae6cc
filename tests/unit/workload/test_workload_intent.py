# -*- coding: utf-8 -*-
"""The workload service kind: validation by path, the derived form, and the filters the roles read."""

from __future__ import annotations

import copy
import os

import pytest
import yaml

from ansible_collections.anycast.network.plugins.filter import intent as intent_filters
from ansible_collections.anycast.network.plugins.module_utils.intent import derive, validate, workload

BASE = os.path.join(os.path.dirname(__file__), "..", "intent", "base_intent.yml")

APP = {
    "kind": "workload",
    "addresses": ["203.0.113.30", "2001:db8:ac00::30"],
    "image": "registry.example.net/team/app:1.4",
    "http_port": 8080,
    "hostnames": ["app.anycast.test"],
    "tls": {"mode": "internal"},
    "env": {"MODE": "production"},
    "secrets": {"DB_PASSWORD": "s3cret-value"},
    "registry_auth": {"username": "deploy", "password": "registry-token"},
    "cpus": 0.5,
    "memory_mb": 256,
}
GAME = {
    "kind": "workload",
    "addresses": ["203.0.113.31"],
    "image": "registry.example.net/game@sha256:" + "a" * 64,
    "ports": [{"port": 27015, "protocol": "udp"}, {"port": 27016}],
    "command": ["/srv/game", "--port", "27015"],
}


def _intent(**services):
    with open(BASE, encoding="utf-8") as fh:
        intent = yaml.safe_load(fh)
    intent["services"].update(copy.deepcopy(services))
    return intent


def _problems(intent):
    return {p.path: p.message for p in validate.validate(intent)}


def test_a_valid_workload_passes():
    assert validate.validate(_intent(app=APP, game=GAME)) == []


@pytest.mark.parametrize("change, path, words", [
    ({"image": "app:1.4"}, "services.app.image", "names no registry"),
    ({"image": "registry.example.net/app"}, "services.app.image", "neither a tag nor a digest"),
    ({"image": "registry.example.net/App:1"}, "services.app.image", "not an image reference"),
    ({"http_port": 80}, "services.app.http_port", "Caddy (HTTP)"),
    ({"env": {"1BAD": "x"}}, "services.app.env.1BAD", "not a variable name"),
    ({"env": {"DB_PASSWORD": "x"}}, "services.app.secrets.DB_PASSWORD", "either plain or secret"),
    ({"env": {"N": 1}}, "services.app.env.N", "must be text"),
    ({"secrets": {"S": 5}}, "services.app.secrets.S", "must be text"),
    ({"cpus": 0}, "services.app.cpus", "between"),
    ({"memory_mb": 8}, "services.app.memory_mb", "between"),
    ({"zones": []}, "services.app.zones", "unknown setting 'zones' of a workload service"),
    ({"health": {"protocol": "tcp"}}, "services.app.health.port", "no tcp port"),
    ({"registry_auth": {"username": "u"}}, "services.app.registry_auth.password", "is required"),
])
def test_each_mistake_is_reported_by_its_path(change, path, words):
    app = dict(APP, **change)
    problems = _problems(_intent(app=app))
    assert path in problems, problems
    assert words in problems[path]


def test_every_mistake_at_once_and_secrets_never_repeated():
    app = dict(APP, image="nope", secrets={"S": ["s3cret-value"]}, ports=[{"port": 22}])
    problems = _problems(_intent(app=app, game=dict(GAME, ports=[{"port": 27015, "protocol": "udp"}],
                                                     http_port=27015)))
    assert {"services.app.image", "services.app.secrets.S", "services.app.ports[0]"} <= set(problems)
    assert not any("s3cret-value" in m for m in problems.values())


def test_a_port_is_used_once_per_instance():
    problems = _problems(_intent(app=dict(APP, ports=[{"port": 27015, "protocol": "udp"}]), game=GAME))
    assert "already used by services.app.ports[0]" in problems["services.game.ports[0]"]


def test_a_workload_must_serve_something():
    bare = {k: v for k, v in APP.items() if k not in ("http_port", "hostnames", "tls")}
    assert "serves nothing" in _problems(_intent(app=bare))["services.app"]


def test_hostnames_need_the_http_port():
    app = {k: v for k, v in APP.items() if k not in ("http_port", "tls")}
    app["ports"] = [{"port": 9000}]
    assert "only used with http_port" in _problems(_intent(app=app))["services.app.hostnames"]


def test_derived_form():
    app, game = derive.workloads(_intent(app=APP, game=GAME))
    assert app["unit"] == "anycast-workload-app" and app["container"] == "anycast-app"
    assert (app["registry"], app["image_name"], app["tag"], app["digest"]) == (
        "registry.example.net", "registry.example.net/team/app", "1.4", None)
    assert app["health"] == {"protocol": "http", "port": 8080, "path": "/healthz"}
    assert app["stop_timeout"] == 10 and app["cpus"] == 0.5 and app["secrets"] == {"DB_PASSWORD": "s3cret-value"}
    assert game["digest"] == "sha256:" + "a" * 64 and game["tag"] is None
    assert game["health"] == {"protocol": "udp", "port": 27015, "send": ""}
    assert game["ports"] == [{"port": 27015, "protocol": "udp"}, {"port": 27016, "protocol": "tcp"}]
    assert game["command"] == ["/srv/game", "--port", "27015"]


def test_other_kinds_are_not_workloads():
    assert derive.workloads(_intent()) == []


@pytest.mark.parametrize("text, registry, path", [
    ("docker.io/library/nginx:1.25", "docker.io", "library/nginx"),
    ("localhost:5000/demo:v1", "localhost:5000", "demo"),
    ("127.0.0.1:5000/demo@sha256:" + "b" * 64, "127.0.0.1:5000", "demo"),
    ("library/nginx:1", None, "library/nginx"),
])
def test_image_references(text, registry, path):
    parts = workload.parse_image(text)
    assert (parts["registry"], parts["path"]) == (registry, path)


def test_filters_keep_secrets_out_of_what_other_roles_read():
    intent = _intent(app=APP, game=GAME)
    text = repr([intent_filters.anycast_services(intent), intent_filters.anycast_workload_sites(intent),
                 intent_filters.anycast_workload_openings(intent, [{"proto": "tcp", "port": 80}]),
                 intent_filters.anycast_workload_checks(intent, ["probe"])])
    assert "s3cret-value" not in text and "registry-token" not in text
    assert "s3cret-value" in repr(intent_filters.anycast_workloads(intent))


def test_sites_openings_and_checks():
    intent = _intent(app=APP, game=GAME)
    (site,) = intent_filters.anycast_workload_sites(intent)
    assert site["proxy_to"] == "http://127.0.0.1:8080" and site["health_path"] == "/healthz"
    rules = intent_filters.anycast_workload_openings(intent, [{"proto": "tcp", "port": 80}, {"proto": "tcp",
                                                                                              "port": 443}])
    assert {"service": "app", "family": "ip6", "proto": "tcp", "port": 443,
            "addresses": ["2001:db8:ac00::30"]} in rules
    assert {"service": "game", "family": "ip", "proto": "udp", "port": 27015, "addresses": ["203.0.113.31"]} in rules
    assert not any(r["service"] == "game" and r["port"] == 80 for r in rules)
    checks = intent_filters.anycast_workload_checks(intent, ["probe"])
    assert checks == [{"name": "workload:game:203.0.113.31", "type": "command", "address": "203.0.113.31",
                       "command": ["probe", "udp", "203.0.113.31", "27015", "--send", ""]}]
    # By default the gate checks them itself.
    assert intent_filters.anycast_workload_checks(intent) == [
        {"name": "workload:game:203.0.113.31", "type": "udp", "address": "203.0.113.31", "port": 27015, "send": ""}]


def test_an_intent_without_workloads_is_unchanged():
    intent = _intent()
    assert validate.validate(intent) == []
    assert intent_filters.anycast_workload_openings(intent, [{"proto": "tcp", "port": 80}]) == []


def test_workloads_without_their_secrets_for_tasks_that_show_their_items():
    intent = _intent(app=dict(APP, secrets={"DB": "s3cret-value"},
                              registry_auth={"username": "deploy", "password": "tok3n-value"}))
    full = intent_filters.anycast_workloads(intent)
    shown = intent_filters.anycast_workloads(intent, secrets=False)
    assert full[0]["secrets"] == {"DB": "s3cret-value"} and full[0]["registry_auth"]["password"] == "tok3n-value"
    assert "s3cret-value" not in repr(shown) and "tok3n-value" not in repr(shown)
    assert shown[0]["registry_auth"] == {"username": "deploy"} and shown[0]["secrets"] == {}
    assert {k: v for k, v in shown[0].items() if k not in ("secrets", "registry_auth")} == \
        {k: v for k, v in full[0].items() if k not in ("secrets", "registry_auth")}

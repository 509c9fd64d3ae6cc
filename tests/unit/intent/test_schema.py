"""One schema: it drives the structure checks, the defaults of the normalised intent and docs/intent.md."""

import copy
import pathlib

import pytest
import yaml

from ansible_collections.anycast.network.plugins.module_utils.intent import reference, schema
from ansible_collections.anycast.network.plugins.module_utils.intent.validate import validate

HERE = pathlib.Path(__file__).parent
ROOT = HERE.parents[2]
BASE = yaml.safe_load((HERE / "base_intent.yml").read_text())


def test_docs_intent_md_holds_the_reference_of_the_schema():
    text = (ROOT / "docs" / "intent.md").read_text()
    assert reference.update(text) == text, (
        "docs/intent.md disagrees with plugins/module_utils/intent/schema.py: run "
        "python -m ansible_collections.anycast.network.plugins.module_utils.intent.reference docs/intent.md")


def test_reference_check_fails_on_a_stale_document(tmp_path):
    text = (ROOT / "docs" / "intent.md").read_text()
    stale = tmp_path / "intent.md"
    stale.write_text(text.replace("| `multihop` |", "| `multi_hop` |"))
    assert reference.main(["--check", str(stale)]) == 1
    assert reference.main([str(stale)]) == 0
    assert stale.read_text() == text


def _sections():
    for entry in schema.SECTIONS:
        yield entry[2]


def test_every_key_of_the_schema_is_in_the_reference():
    rendered = reference.render()
    for node in _sections():
        for key, field in node.fields.items():
            assert "| `%s` |" % key in rendered
            assert field.doc, "%s.%s has no description" % (node.section, key)


def test_every_dict_of_the_schema_has_a_section():
    sections = {entry[0] for entry in schema.SECTIONS}

    def walk(field):
        if isinstance(field, schema.Dict):
            assert field.section in sections
            for sub in field.fields.values():
                walk(sub)
        elif isinstance(field, (schema.List, schema.Map)):
            walk(field.of)

    walk(schema.INTENT)


@pytest.mark.parametrize("path, value, where, says", [
    ("metrics", {"enabled": "yes"}, "metrics.enabled", "must be true or false, not 'yes'"),
    ("geodns", {"zone": "anycast.test", "hostnames": ["www.anycast.test"], "health_check": {"protocol": "ftp"}},
     "geodns.health_check.protocol", "unknown protocol 'ftp': use http, https or tcp"),
    ("geodns", {"zone": "anycast.test", "hostnames": ["www.anycast.test"], "ttl": 0}, "geodns.ttl",
     "the TTL in seconds must be between 1 and 86400, not 0"),
    ("geodns", {"zone": "anycast.test"}, "geodns", "names nothing to answer by location"),
    ("registry", {"backend": "ripe", "source": "TEST", "mnt_by": "TEST-MNT", "password": "pw", "lao": {}},
     "registry.lao", "did you mean 'loa'"),
    ("pops", {"x": {"provider": "lab", "region": "ams", "instances": 1, "upstreams": "vultr"}},
     "pops.x.upstreams", "must be a list of upstream sessions, not 'vultr'"),
    ("services", {"web": {"addresses": ["203.0.113.10"], "zones": []}}, "services.web.zones",
     "unknown setting 'zones' of a web service"),
    ("services", {"mail": {"addresses": ["203.0.113.10"]}}, "services.mail.kind",
     "is required: say whether the service is web or dns"),
    ("services", {"dns": {"addresses": ["203.0.113.53"]}}, "services.dns.zones",
     "is required: the zones this DNS service serves"),
])
def test_structure_from_the_schema(path, value, where, says):
    intent = copy.deepcopy(BASE)
    intent[path] = value
    problems = validate(intent)
    assert [p for p in problems if p.path == where and says in p.message], problems


def test_one_problem_per_malformed_value():
    intent = copy.deepcopy(BASE)
    intent["pops"]["ams"]["instances"] = "two"
    intent["services"]["web"].pop("addresses")
    problems = validate(intent)
    assert [p.path for p in problems].count("pops.ams.instances") == 1
    assert [p.path for p in problems].count("services.web.addresses") == 1


def test_generic_keys_on_a_vultr_upstream_are_explained_not_unknown():
    intent = copy.deepcopy(BASE)
    intent["pops"]["lhr"]["upstreams"][0]["multihop"] = 3
    problems = validate(intent)
    assert [p.message for p in problems if p.path == "pops.lhr.upstreams[0].multihop"] == [
        p.message for p in problems if "fixed by the vultr profile" in p.message]


def test_an_intent_without_kinds_is_valid():
    intent = copy.deepcopy(BASE)
    for svc in intent["services"].values():
        svc.pop("kind")
    assert validate(intent) == []


@pytest.mark.parametrize("name", ["lab", "static-example", "vultr-example", "lab-mystery"])
def test_shipped_intents_keep_working(name):
    document = yaml.safe_load((ROOT / "inventories" / name / "group_vars" / "all" / "intent.yml").read_text())
    intent = document["anycast_intent"]
    # The lab's BGP password is a lookup, templated when Ansible reads it: stand in a value of its length.
    for up in intent.get("defaults", {}).get("upstreams", []):
        if "{{" in str(up.get("password", "")):
            up["password"] = "x" * 32
    assert validate(intent) == []



@pytest.mark.parametrize("metrics, where", [
    ({"enabled": True}, None),
    ({"enabled": True, "caddy_port": 9100}, "metrics.caddy_port"),          # the node exporter's default
    ({"enabled": True, "healthgate_port": 9325, "bird_exporter_port": 9325}, "metrics.healthgate_port"),
    ({"enabled": True, "bird_exporter_port": 9731}, "metrics.healthgate_port"),
])
def test_metrics_ports_may_not_collide(metrics, where):
    """Every metrics endpoint of an instance listens on the same management address: one port each."""
    intent = copy.deepcopy(BASE)
    intent["metrics"] = metrics
    got = [p.path for p in validate(intent) if "same port" in p.message]
    assert got == ([where] if where else []), got

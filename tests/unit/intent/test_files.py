"""Reading the intent file: duplicate keys are refused, not merged."""

import pytest

from ansible_collections.anycast.network.plugins.module_utils.intent.files import load_yaml


def test_duplicate_pop_is_refused(tmp_path):
    path = tmp_path / "intent.yml"
    path.write_text("anycast_intent:\n  pops:\n    ams: {provider: lab}\n    ams: {provider: vultr}\n")
    with pytest.raises(Exception, match="duplicate key 'ams' \\(line 4\\)"):
        load_yaml(path)


def test_plain_yaml_is_read(tmp_path):
    path = tmp_path / "intent.yml"
    path.write_text("anycast_intent: {asn: 64500, prefixes: [203.0.113.0/24]}\n")
    assert load_yaml(path) == {"anycast_intent": {"asn": 64500, "prefixes": ["203.0.113.0/24"]}}

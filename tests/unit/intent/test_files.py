"""Reading the intent file: duplicate keys are refused, not merged."""

import pytest

from ansible_collections.anycast.network.plugins.module_utils.intent.files import (
    IntentFileError, load_intent_file, load_yaml)


def test_duplicate_pop_is_refused(tmp_path):
    path = tmp_path / "intent.yml"
    path.write_text("anycast_intent:\n  pops:\n    ams: {provider: lab}\n    ams: {provider: vultr}\n")
    with pytest.raises(Exception, match="the key 'ams' is written twice \\(the second time at line 4\\)"):
        load_yaml(path)


def test_plain_yaml_is_read(tmp_path):
    path = tmp_path / "intent.yml"
    path.write_text("anycast_intent: {asn: 64500, prefixes: [203.0.113.0/24]}\n")
    assert load_yaml(path) == {"anycast_intent": {"asn": 64500, "prefixes": ["203.0.113.0/24"]}}


@pytest.mark.parametrize("text, says", [
    ("", "is empty: it must define anycast_intent"),
    ("# only a comment\n", "is empty: it must define anycast_intent"),
    ("other: 1\n", "does not define anycast_intent"),
    ("anycast_intent:\n  network: x\n   asn: 1\n", ", line 3, column 7 is not valid YAML: mapping values"),
    ("anycast_intent:\n  asn: 1\n  asn: 2\n", "the key 'asn' is written twice (the second time at line 3)"),
])
def test_an_unusable_intent_file_is_named(tmp_path, text, says):
    path = tmp_path / "intent.yml"
    path.write_text(text)
    with pytest.raises(IntentFileError) as err:
        load_intent_file(str(path))
    assert str(path) in str(err.value) and says in str(err.value)


def test_a_missing_intent_file_is_named(tmp_path):
    with pytest.raises(IntentFileError, match="Cannot read the intent file .*missing.yml"):
        load_intent_file(str(tmp_path / "missing.yml"))

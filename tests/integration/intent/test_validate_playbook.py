"""The validate step through ansible-playbook: the examples pass, a broken intent fails with paths, no traceback."""

import os
import pathlib
import re
import subprocess

import pytest
import yaml
from toolpath import BIN

ROOT = pathlib.Path(__file__).resolve().parents[3]
SECRETS = {  # test values for the variables the examples reference
    "ANYCAST_VULTR_BGP_PASSWORD": "examplepw1", "ANYCAST_FRA_BGP_PASSWORD": "examplepw2",
    "ANYCAST_LON_BGP_PASSWORD": "examplepw3", "ANYCAST_WAW_BGP_PASSWORD": "examplepw4",
    "RIPE_API_KEY": "example-key",
}


def squashed(text):
    """The text without whitespace and YAML's doubled quotes: ansible-core 2.18 wraps warnings, and its YAML result
    format folds long messages in single quotes, at about 80 columns; a message is compared without either."""
    return re.sub(r"\s+", "", text).replace("''", "'")


def run_playbook(inventory, *extra, env_extra=None):
    env = dict(os.environ, ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"), ANSIBLE_NOCOLOR="1", **SECRETS)
    env.update(env_extra or {})
    return subprocess.run(
        [str(BIN / "ansible-playbook"), "-i", str(inventory), str(ROOT / "playbooks/validate.yml"), *extra],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False)


# vultr-example's other source lists instances from the Vultr API, which these tests never reach: its intent source
# alone is validated (the validate step reads no instance).
@pytest.mark.parametrize("example", ["vultr-example/hosts.anycast.yml", "static-example"])
def test_examples_are_valid(example):
    proc = run_playbook(ROOT / "inventories" / example)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "The intent is valid" in proc.stdout


def test_broken_intent_reports_every_problem_without_traceback(tmp_path):
    source = ROOT / "inventories/static-example"
    intent = yaml.safe_load((source / "group_vars/all/intent.yml").read_text())
    intent["anycast_intent"]["asn"] = 23456
    intent["anycast_intent"]["prefixes"] = ["2001:db8:300::1/48"]
    intent["anycast_intent"]["pops"]["lon"]["upstreams"][0]["multihop"] = 0
    intent["anycast_intent"]["pops"]["waw"]["upstreams"][0]["password"] = 'bad"pw'
    (tmp_path / "group_vars/all").mkdir(parents=True)
    (tmp_path / "group_vars/all/intent.yml").write_text(yaml.safe_dump(intent))
    (tmp_path / "hosts.anycast.yml").write_text((source / "hosts.anycast.yml").read_text())
    proc = run_playbook(tmp_path)
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0
    for path in ("asn", "prefixes[0]", "pops.lon.upstreams[0].multihop", "pops.waw.upstreams[0].password"):
        assert path in out, out
    assert "nothing was changed" in out
    assert "Traceback" not in out
    assert 'bad"pw' not in out


def test_missing_secret_is_named(tmp_path):
    proc = run_playbook(ROOT / "inventories/static-example", env_extra={"ANYCAST_LON_BGP_PASSWORD": ""})
    assert proc.returncode != 0
    assert "pops.lon.upstreams[0].password" in proc.stdout


def _inventory_with(tmp_path, text):
    (tmp_path / "group_vars/all").mkdir(parents=True)
    (tmp_path / "group_vars/all/intent.yml").write_text(text)
    (tmp_path / "hosts.anycast.yml").write_text((ROOT / "inventories/static-example/hosts.anycast.yml").read_text())
    return tmp_path


def test_an_empty_intent_file_is_named(tmp_path):
    inventory = _inventory_with(tmp_path, "")
    proc = run_playbook(inventory)
    assert proc.returncode != 0
    # The inventory source fails first (ansible.cfg: any_unparsed_is_failed); the validate step says it too when run
    # without that setting.
    out = proc.stdout + proc.stderr
    assert squashed("The intent file %s is empty" % (inventory / "group_vars/all/intent.yml")) in squashed(out), out


def test_a_key_written_twice_is_named_with_its_line(tmp_path):
    source = (ROOT / "inventories/static-example/group_vars/all/intent.yml").read_text()
    doubled = source.replace("\n  asn:", "\n  network: again\n  asn:", 1)
    line = doubled.splitlines().index("  network: again") + 1
    proc = run_playbook(_inventory_with(tmp_path, doubled))
    assert proc.returncode != 0
    out = proc.stdout + proc.stderr
    assert squashed("the key 'network' is written twice (the second time at line %d)" % line) in squashed(out), out
    assert "The intent is valid" not in proc.stdout


def test_the_validate_step_names_the_file_when_the_inventory_goes_on(tmp_path):
    """Without any_unparsed_is_failed (an operator's own ansible.cfg), the validate step still names file and line."""
    inventory = _inventory_with(tmp_path, "")
    proc = run_playbook(inventory, env_extra={"ANSIBLE_INVENTORY_ANY_UNPARSED_IS_FAILED": "false",
                                              "ANSIBLE_INVENTORY_UNPARSED_FAILED": "false"})
    assert proc.returncode != 0
    final = proc.stdout.split("TASK [")[-1]
    assert squashed("The intent file %s is empty" % (inventory / "group_vars/all/intent.yml")) in squashed(final), proc.stdout


def test_an_unparsable_intent_stops_the_run_with_any_unparsed_is_failed(tmp_path):
    inventory = _inventory_with(tmp_path, "anycast_intent:\n  network: x\n   asn: 1\n")
    proc = run_playbook(inventory, env_extra={"ANSIBLE_INVENTORY_ANY_UNPARSED_IS_FAILED": "true"})
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0
    assert squashed("intent.yml, line 3, column 7 is not valid YAML") in squashed(out), out
    assert "PLAY [" not in out


def test_an_inventory_source_that_fails_stops_the_run_by_default(tmp_path):
    """ansible.cfg sets any_unparsed_is_failed: no environment needed; the collection's message comes first."""
    inventory = _inventory_with(tmp_path, "anycast_intent:\n  network: x\n  network: y\n")
    proc = run_playbook(inventory)
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0
    assert "PLAY [" not in out
    # The first warning is the intent plugin's (ansible-core 2.18 and 2.19 word it differently around it).
    first = squashed(out).split("[WARNING]")[1]
    assert "plugins.inventory.intent" in first, out
    assert squashed("the key 'network' is written twice (the second time at line 3)") in first, out
    assert "Completely failed to parse inventory source" in out


def test_a_vultr_source_that_cannot_be_read_stops_the_run(tmp_path):
    env = {k: "" for k in ("VULTR_API_KEY",)}
    proc = run_playbook(ROOT / "inventories" / "vultr-example", env_extra=env)
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0
    assert "PLAY [" not in out and "instances.vultr.yml" in out

"""The intent inventory plugin through ansible-inventory: lab hosts carry the lab's SSH options, others do not."""

import json
import os
import pathlib
import re
import shutil
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[3]
BIN = pathlib.Path(sys.executable).parent / "ansible-inventory"
ANSIBLE_INVENTORY = str(BIN) if BIN.exists() else shutil.which("ansible-inventory")


def squashed(text):
    """The text without whitespace and YAML's doubled quotes: ansible-core 2.18 wraps warnings, and its YAML result
    format folds long messages in single quotes, at about 80 columns; a message is compared without either."""
    return re.sub(r"\s+", "", text).replace("''", "'")


def inventory(name):
    env = dict(os.environ, ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"), ANSIBLE_NOCOLOR="1")
    proc = subprocess.run([ANSIBLE_INVENTORY, "-i", str(ROOT / "inventories" / name), "--list", "--export"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120, check=True)
    return json.loads(proc.stdout)


def _plain(value):
    """ansible-inventory --export writes an inventory source's strings as {"__ansible_unsafe": text}."""
    return value["__ansible_unsafe"] if isinstance(value, dict) and "__ansible_unsafe" in value else value


def _effective(data, host, key):
    """A host's variable as Ansible resolves it: the host's own, else its groups' (this inventory sets it in one)."""
    own = data["_meta"]["hostvars"][host]
    if key in own:
        return own[key]
    return [_plain(data[g]["vars"][key]) for g in data if isinstance(data[g], dict) and key in data[g].get("vars", {})
            and host in _members(data, g)]


def _members(data, group):
    hosts = set(data[group].get("hosts", []))
    for child in data[group].get("children", []):
        hosts |= _members(data, child)
    return hosts


def test_lab_hosts_skip_host_key_checking_and_keep_the_lab_key_exchange():
    data = inventory("lab")
    args = _plain(data["provider_lab"]["vars"]["ansible_ssh_common_args"])
    assert "StrictHostKeyChecking=no" in args and "UserKnownHostsFile=/dev/null" in args
    assert "KexAlgorithms=curve25519-sha256" in args
    # Said again for connection plugins that check host keys themselves (Mitogen's).
    assert data["provider_lab"]["vars"]["ansible_host_key_checking"] is False
    lab_hosts = _members(data, "provider_lab")
    assert lab_hosts
    for host in lab_hosts:
        assert "ansible_ssh_common_args" not in data["_meta"]["hostvars"][host]  # the group's value applies


def test_static_hosts_keep_host_key_checking():
    data = inventory("static-example")
    hosts = _members(data, "provider_static")
    assert hosts
    for host in hosts:
        assert _effective(data, host, "ansible_ssh_common_args") == []


def _failing_inventory(tmp_path, intent_text):
    (tmp_path / "group_vars/all").mkdir(parents=True)
    (tmp_path / "group_vars/all/intent.yml").write_text(intent_text)
    (tmp_path / "hosts.anycast.yml").write_text((ROOT / "inventories/static-example/hosts.anycast.yml").read_text())
    env = dict(os.environ, ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"), ANSIBLE_NOCOLOR="1",
               ANSIBLE_INVENTORY_ANY_UNPARSED_IS_FAILED="true")
    return subprocess.run([ANSIBLE_INVENTORY, "-i", str(tmp_path / "hosts.anycast.yml"), "--list"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120, check=False)


def test_an_empty_intent_file_fails_the_inventory_with_its_name(tmp_path):
    proc = _failing_inventory(tmp_path, "# nothing yet\n")
    assert proc.returncode != 0
    assert squashed("The intent file %s is empty" % (tmp_path / "group_vars/all/intent.yml")) in squashed(proc.stdout + proc.stderr)


def test_a_duplicate_key_fails_the_inventory_with_its_line(tmp_path):
    proc = _failing_inventory(tmp_path, "anycast_intent:\n  pops: {}\n  pops: {}\n")
    assert proc.returncode != 0
    assert squashed("the key 'pops' is written twice (the second time at line 3)") in squashed(proc.stdout + proc.stderr)

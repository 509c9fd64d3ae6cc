"""A static host removed from the intent: the run finds it in the record of the last run's static hosts, drains
and withdraws it, leaves it stopped (never deleted), and forgets it; check mode writes neither the record nor
anything on the host."""

import copy
import json

import pytest

pytestmark = pytest.mark.integration

INTENT = {
    "network": "stest",
    "pops": {"fra": {"provider": "static", "hosts": [
        {"name": "fra-1", "address": "198.51.100.21", "ansible_host": "127.0.0.1"},
        {"name": "fra-2", "address": "198.51.100.22", "address6": "2001:db8:300::22", "ansible_host": "127.0.0.1"},
    ]}},
}


def test_static_host_removed_from_the_intent_is_drained_and_left_stopped(runner, fleet, emulator, tmp_path):
    fleet.add("fra", 2)
    record = tmp_path / "state" / "static-hosts.json"
    extra = {"anycast_decommission_announce_command": str(fleet.dir / "announce-fra-2")}
    runner.run("provision_vultr.yml", INTENT, inventory=False, extra=extra)
    hosts = json.loads(record.read_text())["hosts"]
    assert [(h["name"], h["pop"], h["ansible_host"]) for h in hosts] == [("fra-1", "fra", "127.0.0.1"),
                                                                           ("fra-2", "fra", "127.0.0.1")]
    assert fleet.calls("fra-2") == []  # nothing left the intent yet

    smaller = copy.deepcopy(INTENT)
    del smaller["pops"]["fra"]["hosts"][1]
    proc = runner.run("provision_vultr.yml", smaller, "--check", inventory=False, extra=extra)
    assert [c for _, c in fleet.calls("fra-2")] == ["drain dry-run", "withdraw dry-run"]
    assert len(json.loads(record.read_text())["hosts"]) == 2  # check mode kept the record

    proc = runner.run("provision_vultr.yml", smaller, inventory=False, extra=extra)
    assert [c for _, c in fleet.calls("fra-2")][2:] == ["drain", "withdraw"]
    assert "fra-2 (static, PoP fra): left stopped and withdrawn" in " ".join(proc.stdout.split())
    assert [h["name"] for h in json.loads(record.read_text())["hosts"]] == ["fra-1"]
    assert [e for e in emulator.log if e[0] == "DELETE"] == []

    # Gone from the record: a later run leaves it alone.
    runner.run("provision_vultr.yml", smaller, inventory=False, extra=extra)
    assert len(fleet.calls("fra-2")) == 4


def test_static_host_whose_drain_fails_stays_in_the_record(runner, fleet, tmp_path):
    fleet.add("fra", 2, fail="drain")
    record = tmp_path / "state" / "static-hosts.json"
    extra = {"anycast_decommission_announce_command": str(fleet.dir / "announce-fra-2")}
    runner.run("provision_vultr.yml", INTENT, inventory=False, extra=extra)
    smaller = copy.deepcopy(INTENT)
    del smaller["pops"]["fra"]["hosts"][1]
    proc = runner.run("provision_vultr.yml", smaller, inventory=False, extra=extra, check=False)
    assert proc.returncode != 0
    assert [c for _, c in fleet.calls("fra-2")] == ["drain"]  # tried, refused: never withdrawn or forgotten
    assert sorted(h["name"] for h in json.loads(record.read_text())["hosts"]) == ["fra-1", "fra-2"]

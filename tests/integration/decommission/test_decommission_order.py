"""Scale-down and destroy against the Vultr emulator and moto: GeoDNS goes first, then each instance is drained,
its connections are waited for, it is withdrawn, and only then deleted; check mode writes nothing; a destroy of the
whole network without its confirmation is refused; an instance whose drain failed is kept."""

import copy
import socket
import threading
import time

import pytest

from conftest import instances
from route53_moto import zone_records

pytestmark = pytest.mark.integration

OWNER = "anycast-itest"
VULTR = {"plan": "vc2-1c-1gb", "os_id": 2136, "ssh_keys": ["anycast-admin"]}
INTENT = {
    "network": "itest",
    "defaults": {"vultr": VULTR},
    "services": {"web": {"kind": "web", "addresses": ["192.0.2.80", "2001:db8:100::80"],
                         "hostnames": ["www.example.com"], "health_path": "/healthz"}},
    "pops": {
        "ams": {"provider": "vultr", "region": "ams", "instances": 2, "geodns_fallback": [{"continent": "SA"}]},
        "lhr": {"provider": "vultr", "region": "lhr", "instances": 1, "geodns_fallback": [{"country": "ZA"}]},
    },
    "geodns": {"zone": "example.com", "hostnames": ["www.example.com"], "ttl": 60},
}


def ours(zone):
    return {(r["Name"], r["Type"], r["SetIdentifier"]): r for r in zone_records(zone["client"], zone["id"])
            if (r.get("SetIdentifier") or "").startswith(OWNER + ":")}


def addresses(zone):
    return {v["Value"] for r in ours(zone).values() for v in r["ResourceRecords"]}


def checked(zone):
    return {h["HealthCheckConfig"].get("IPAddress") for h in zone["client"].list_health_checks()["HealthChecks"]}


def build(runner, fleet, emulator, zone):
    """Three instances at Vultr with their GeoDNS fallbacks in moto."""
    for pop, count in (("ams", 2), ("lhr", 1)):
        for n in range(1, count + 1):
            fleet.add(pop, n)
    runner.run("provision_vultr.yml", INTENT)
    runner.run("geodns.yml", INTENT)
    held = instances(emulator)
    assert sorted(held) == ["itest-ams-1", "itest-ams-2", "itest-lhr-1"]
    for label in held:
        assert held[label]["main_ip"] in addresses(zone) and held[label]["main_ip"] in checked(zone)
    return held


class Witness:
    """Called by the emulator before each request: at every instance DELETE, what had already happened."""

    def __init__(self, moto, fleet, emulator):
        self.moto, self.fleet, self.emulator, self.at_delete = moto, fleet, emulator, []
        emulator.on_request = self

    def __call__(self, method, path):
        if method == "DELETE" and path.startswith("/v2/instances/"):
            ident = path.rsplit("/", 1)[-1]
            label = next((i["label"] for i in self.emulator.snapshot()["instances"] if i["id"] == ident), ident)
            self.at_delete.append({"label": label, "time": time.time(),
                                   "route53_writes": len(self.moto.change_requests()),
                                   "calls": [c for _, c in self.fleet.calls(label.split("-", 1)[1])]})


def test_scale_down_and_pop_removal_geodns_first_then_drain_then_delete(runner, fleet, emulator, zone):
    held = build(runner, fleet, emulator, zone)
    moto = zone["moto"]
    moto.reset_recording()
    witness = Witness(moto, fleet, emulator)

    # A client connection to ams-2's service port, closed 2 s after the drain: the wait follows it.
    server = socket.create_server(("127.0.0.1", 0))
    port = server.getsockname()[1]
    client = socket.create_connection(("127.0.0.1", port))
    accepted, _ = server.accept()

    def close_after_drain():
        deadline = time.time() + 120
        while not fleet.calls("ams-2") and time.time() < deadline:
            time.sleep(0.1)
        time.sleep(2)
        client.close()
        accepted.close()

    threading.Thread(target=close_after_drain, daemon=True).start()

    smaller = copy.deepcopy(INTENT)
    smaller["pops"]["ams"]["instances"] = 1
    del smaller["pops"]["lhr"]
    proc = runner.run("provision_vultr.yml", smaller, extra={
        "anycast_decommission_ports": [port], "anycast_decommission_wait_timeout": 30,
        "anycast_decommission_wait_interval": 1})
    server.close()

    assert sorted(instances(emulator)) == ["itest-ams-1"]
    writes = len(moto.change_requests())
    assert writes >= 2  # the fallback records, then the health checks nothing uses
    assert sorted(d["label"] for d in witness.at_delete) == ["itest-ams-2", "itest-lhr-1"]
    for seen in witness.at_delete:
        assert seen["route53_writes"] == writes, seen  # every GeoDNS change was made before the DELETE
        assert seen["calls"] == ["drain", "withdraw"], seen  # drained, then withdrawn, before the DELETE
    # Nothing points at the leaving instances any more; the kept one is untouched.
    gone = {held[label]["main_ip"] for label in ("itest-ams-2", "itest-lhr-1")}
    assert not gone & addresses(zone) and not gone & checked(zone)
    assert held["itest-ams-1"]["main_ip"] in addresses(zone)
    assert fleet.calls("ams-1") == []
    # The wait lasted until the client's connection closed, not the whole timeout.
    drained, withdrawn = [t for t, _ in fleet.calls("ams-2")]
    assert 1.5 <= withdrawn - drained < 25, (drained, withdrawn)
    records = ours(zone)
    assert not [k for k in records if "country-ZA" in k[2]]  # lhr left the intent: its region is anycast again
    sa = records[("www.example.com.", "A", OWNER + ":www:A:continent-SA")]
    assert [v["Value"] for v in sa["ResourceRecords"]] == [held["itest-ams-1"]["main_ip"]]
    assert "itest-ams-2" in proc.stdout


def test_drain_failure_keeps_the_instance(runner, fleet, emulator, zone):
    build(runner, fleet, emulator, zone)
    fleet.add("ams", 2, fail="drain")
    smaller = copy.deepcopy(INTENT)
    smaller["pops"]["ams"]["instances"] = 1
    smaller["pops"]["lhr"]["instances"] = 1
    witness = Witness(zone["moto"], fleet, emulator)
    proc = runner.run("provision_vultr.yml", smaller, check=False)
    assert proc.returncode != 0
    assert "itest-ams-2" in instances(emulator)  # not drained: not deleted
    assert witness.at_delete == []


def test_destroy_a_pop_check_mode_then_for_real(runner, fleet, emulator, zone):
    held = build(runner, fleet, emulator, zone)
    moto = zone["moto"]
    moto.reset_recording()
    calls_before = len(emulator.log)
    proc = runner.run("destroy.yml", INTENT, "--check", extra={"pop": "ams"})
    text = " ".join(proc.stdout.split())
    assert "Deleted at Vultr: itest-ams-1, itest-ams-2" in text and "Check mode: nothing is changed." in text
    assert [e for e in emulator.log[calls_before:] if e[0] != "GET"] == []
    assert moto.change_requests() == []
    assert fleet.calls("ams-1") == [(fleet.calls("ams-1")[0][0], "drain dry-run"),
                                    (fleet.calls("ams-1")[1][0], "withdraw dry-run")]
    assert sorted(instances(emulator)) == sorted(held)

    witness = Witness(moto, fleet, emulator)
    runner.run("destroy.yml", INTENT, extra={"pop": "ams"})
    assert sorted(instances(emulator)) == ["itest-lhr-1"]
    writes = len(moto.change_requests())
    assert writes >= 1 and all(d["route53_writes"] == writes for d in witness.at_delete)
    assert {held["itest-ams-1"]["main_ip"], held["itest-ams-2"]["main_ip"]}.isdisjoint(addresses(zone))
    assert held["itest-lhr-1"]["main_ip"] in addresses(zone)  # lhr keeps its fallback


def test_destroy_all_needs_the_network_name(runner, fleet, emulator, zone):
    build(runner, fleet, emulator, zone)
    moto = zone["moto"]
    moto.reset_recording()
    before = len(emulator.log)
    for extra in ({"destroy_all": True}, {"destroy_all": True, "confirm_destroy": "other"}, {},
                  {"pop": "ams", "destroy_registry": True}):
        proc = runner.run("destroy.yml", INTENT, extra=extra, check=False)
        assert proc.returncode != 0 and "Refused." in proc.stdout, proc.stdout[-3000:]
    # The inventory was read (GET); nothing was written, and Route53 was not even asked.
    assert [e for e in emulator.log[before:] if e[0] != "GET"] == [] and moto.requests() == []

    witness = Witness(moto, fleet, emulator)
    runner.run("destroy.yml", INTENT, extra={"destroy_all": True, "confirm_destroy": "itest"})
    assert instances(emulator) == {}
    assert ours(zone) == {} and zone["client"].list_health_checks()["HealthChecks"] == []
    writes = len(moto.change_requests())
    assert len(witness.at_delete) == 3 and all(d["route53_writes"] == writes for d in witness.at_delete)
    assert all(d["calls"] == ["drain", "withdraw"] for d in witness.at_delete)

"""The verify stage on the lab through ansible_runner.run(), in the private data directory layout AWX uses;
per-PoP results are read from the event stream, as AWX's job output does."""

import importlib.util
import json
import pathlib

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("awx_layout", ROOT / "tests" / "integration" / "runner" / "conftest.py")
awx_layout = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(awx_layout)

pytestmark = pytest.mark.lab


@pytest.fixture(scope="module")
def lab():
    inventory = awx_layout.inventory_json(ROOT / "inventories" / "lab")
    hostvars = awx_layout.plain(inventory["_meta"]["hostvars"])
    instances = {h: v for h, v in hostvars.items() if v.get("anycast_pop")}
    if not instances:
        pytest.skip("the lab inventory has no PoP instances")
    return instances


def test_verify_through_runner_reports_every_pop(lab, tmp_path):
    import ansible_runner

    pdd = awx_layout.private_data_dir(tmp_path / "job", ROOT / "inventories" / "lab")
    result = ansible_runner.run(private_data_dir=str(pdd), playbook="playbooks/verify.yml", quiet=True,
                                timeout=900)
    events = list(result.events)
    per_pop = {}
    for event in awx_layout.task_events(events):
        host = event["event_data"].get("host")
        if host not in lab:
            continue
        pop = lab[host]["anycast_pop"]
        per_pop.setdefault(pop, {"ok": set(), "failed": set()})
        per_pop[pop]["ok" if event["event"] == "runner_on_ok" else "failed"].add(host)
    wanted = {v["anycast_pop"] for v in lab.values()}
    assert set(per_pop) == wanted, "PoPs without any result: %s" % (wanted - set(per_pop))
    for pop, seen in sorted(per_pop.items()):
        members = {h for h, v in lab.items() if v["anycast_pop"] == pop}
        assert not seen["failed"], "%s: failed on %s" % (pop, sorted(seen["failed"]))
        assert seen["ok"] == members, "%s: no result from %s" % (pop, sorted(members - seen["ok"]))
    assert (result.status, result.rc) == ("successful", 0), result.stdout.read()[-3000:]
    assert not result.stats["failures"] and not result.stats["dark"]
    # The probes of the verify step: every vantage point got an answer from one of the lab's PoPs.
    verify = json.loads((ROOT / "reports" / "verify.json").read_text())
    from ansible_collections.anycast.network.plugins.module_utils.report.catchment import normalize_verify

    report = normalize_verify(verify)
    assert report["probes"]
    for probe in report["probes"]:
        assert probe["ok"] and probe["pop"] in wanted, probe

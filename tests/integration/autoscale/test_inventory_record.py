"""The intent inventory plugin through ansible-inventory with the scaler's record: a lab PoP lists the recorded
count of hosts, every host gets the record, and the normalisation gives the same count (one function)."""

import json
import os
import pathlib
import shutil
import subprocess
import sys

import yaml

from ansible_collections.anycast.network.plugins.filter import intent as intent_filters

ROOT = pathlib.Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT / "tests" / "integration" / "vultr"))
from vultr_it_support import unwrap  # noqa: E402  (on the path above)

BIN = pathlib.Path(sys.executable).parent / "ansible-inventory"
ANSIBLE_INVENTORY = str(BIN) if BIN.exists() else shutil.which("ansible-inventory")


def listed(tmp_path, record=None):
    env_dir = tmp_path / "inventories" / "lab"
    shutil.copytree(ROOT / "inventories" / "lab" / "group_vars", env_dir / "group_vars")
    intent_file = env_dir / "group_vars" / "all" / "intent.yml"
    data = yaml.safe_load(intent_file.read_text())
    data["anycast_intent"]["pops"]["ams"]["autoscale"] = {"min": 1, "max": 3, "metric": "cpu", "target": 50}
    intent_file.write_text(yaml.safe_dump(data))
    (env_dir / "hosts.anycast.yml").write_text(yaml.safe_dump({
        "plugin": "anycast.network.intent", "lab_topology": str(ROOT / "lab" / "topologies" / "default.yml")}))
    network = data["anycast_intent"]["network"]
    if record is not None:
        state = tmp_path / ".state" / network
        state.mkdir(parents=True)
        (state / "autoscale.json").write_text(json.dumps(record))
    env = dict(os.environ, ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"), ANSIBLE_NOCOLOR="1")
    env.pop("ANYCAST_AUTOSCALE_RECORD", None)
    proc = subprocess.run([ANSIBLE_INVENTORY, "-i", str(env_dir / "hosts.anycast.yml"), "--list"], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    return data["anycast_intent"], unwrap(json.loads(proc.stdout))


def test_a_lab_pop_lists_the_recorded_count_and_agrees_with_the_normalisation(tmp_path):
    intent, before = listed(tmp_path / "before")
    assert sorted(before["pop_ams"]["hosts"]) == ["ams-1", "ams-2"]
    record = {"network": intent["network"], "log": [],
              "pops": {"ams": {"instances": 3, "base": 2, "decided_at": 1.0, "action": "up"}}}
    intent, after = listed(tmp_path / "after", record)
    assert sorted(after["pop_ams"]["hosts"]) == ["ams-1", "ams-2", "ams-3"]
    assert sorted(after["pop_lhr"]["hosts"]) == sorted(before["pop_lhr"]["hosts"])   # no autoscale: as written
    seen = after["_meta"]["hostvars"]["ams-3"]["anycast_autoscale_record"]
    assert seen == {"network": intent["network"], "pops": record["pops"]}
    model = intent_filters.intent_model(intent, seen)
    assert model["pops"]["ams"]["instances"] == len(after["pop_ams"]["hosts"])
    # An operator who edits the count has the last word: the record's entry no longer applies.
    intent["pops"]["ams"]["instances"] = 1
    assert intent_filters.intent_model(intent, seen)["pops"]["ams"]["instances"] == 1

"""The Vultr modules (declarations over the base class AnsibleVultr) against the in-process emulator."""

import pytest

from ansible_collections.anycast.network.plugins.module_utils.vultr import client as vu
from ansible_collections.anycast.network.plugins.modules import (
    vultr_instance,
    vultr_pop,
    vultr_ssh_key,
    vultr_startup_script,
)

from vultr_unit_support import FakeModule

API = {k: v.get("default") for k, v in vu.vultr_argument_spec().items()}


def pop_params(**kw):
    p = dict(API, network="t", pop="ams", count=2, state="present", remove_surplus=True, region="ams",
             plan="vc2-1c-1gb", os_id=2136, image_id=None, ssh_keys=["anycast-admin"], startup_script=None,
             user_data=None, enable_ipv6=True, tags=[], wait=True, wait_timeout=60, poll_interval=0)
    p.update(kw)
    return p


def labels(emulator):
    return sorted(i["label"] for i in emulator.snapshot()["instances"])


def run(cls, params, client, check_mode=False):
    """The module's result for ``params`` (what main() would exit with)."""
    module = FakeModule(params, check_mode=check_mode)
    return cls(module, client).run(), module


def converge_full(make_client, check_mode=False, **kw):
    """The result, the module (with its warnings) and the diffs of a vultr_pop run."""
    result, module = run(vultr_pop.VultrPop, pop_params(**kw), make_client(), check_mode=check_mode)
    return result, module, result["diff"]


def converge(make_client, check_mode=False, **kw):
    return converge_full(make_client, check_mode=check_mode, **kw)[0]


def test_pop_creates_all_before_waiting(make_client, emulator):
    result = converge(make_client, count=3)
    assert result["changed"] and result["created"] == ["t-ams-1", "t-ams-2", "t-ams-3"]
    assert labels(emulator) == ["t-ams-1", "t-ams-2", "t-ams-3"]
    methods = [entry[0] for entry in emulator.log if entry[1].startswith("/v2/instances")]
    last_post = max(i for i, m in enumerate(methods) if m == "POST")
    first_wait = min(i for i, m in enumerate(methods) if m == "GET" and i > methods.index("POST"))
    assert first_wait > last_post
    inst = emulator.snapshot()["instances"][0]
    assert sorted(inst["tags"]) == ["anycast-pop:ams", "anycast:t"]
    assert inst["hostname"] == inst["label"]
    assert len(inst["sshkey_id"]) == 1
    assert [i["index"] for i in result["instances"]] == [1, 2, 3]
    assert all(i["status"] == "active" for i in result["instances"])
    assert emulator.snapshot()["violations"] == []


def test_pop_rerun_changes_nothing(make_client, emulator):
    converge(make_client)
    result, module, diffs = converge_full(make_client)
    assert result["changed"] is False
    assert diffs == []


def test_pop_scale_down_reports_then_removes_the_highest(make_client, emulator):
    converge(make_client, count=3)
    result = converge(make_client, count=1, remove_surplus=False)
    assert [s["label"] for s in result["surplus"]] == ["t-ams-2", "t-ams-3"]
    assert result["removed"] == [] and result["changed"] is False
    assert labels(emulator) == ["t-ams-1", "t-ams-2", "t-ams-3"]
    result = converge(make_client, count=1)
    assert result["removed"] == ["t-ams-2", "t-ams-3"]
    assert labels(emulator) == ["t-ams-1"]


def test_pop_refills_a_gap(make_client, emulator):
    converge(make_client, count=3)
    middle = next(i for i in emulator.snapshot()["instances"] if i["label"] == "t-ams-2")
    emulator.state.delete_instance(middle["id"])
    result = converge(make_client, count=3)
    assert result["created"] == ["t-ams-2"]
    assert labels(emulator) == ["t-ams-1", "t-ams-2", "t-ams-3"]


def test_pop_removes_duplicates_keeping_the_oldest(make_client, emulator):
    converge(make_client, count=1)
    keep = emulator.snapshot()["instances"][0]["id"]
    emulator.state.create_instance({"region": "ams", "plan": "vc2-1c-1gb", "os_id": 2136, "label": "t-ams-1",
                                    "tags": ["anycast:t", "anycast-pop:ams"]}, now=10 ** 9)
    result = converge(make_client, count=1)
    assert len(result["duplicates_removed"]) == 1
    assert [i["id"] for i in emulator.snapshot()["instances"]] == [keep]


def test_pop_leaves_other_networks_and_strangers_alone(make_client, emulator):
    converge(make_client, count=1)
    converge(make_client, count=1, network="other")
    emulator.state.create_instance({"region": "ams", "plan": "vc2-1c-1gb", "os_id": 2136, "label": "handmade",
                                    "tags": ["anycast:t", "anycast-pop:ams"]}, now=0)
    result, module, diffs = converge_full(make_client, count=0)
    assert result["removed"] == ["t-ams-1"]
    assert labels(emulator) == ["handmade", "other-ams-1"]
    assert any("handmade" in w for w in module.warnings)


def test_pop_syncs_tags_and_warns_on_drift(make_client, emulator):
    converge(make_client, count=1)
    result, module, diffs = converge_full(make_client, count=1, tags=["role:edge"], plan="vc2-2c-4gb")
    assert result["changed"]
    assert diffs == [{"before": {"tags": ["anycast:t", "anycast-pop:ams"]},
                      "after": {"tags": ["anycast:t", "anycast-pop:ams", "role:edge"]},
                      "before_header": "instance t-ams-1", "after_header": "instance t-ams-1"}]
    assert "role:edge" in emulator.snapshot()["instances"][0]["tags"]
    assert any("vc2-2c-4gb" in w for w in module.warnings)
    assert emulator.snapshot()["instances"][0]["plan"] == "vc2-1c-1gb"


def test_pop_check_mode_creates_nothing(make_client, emulator):
    result, module, diffs = converge_full(make_client, check_mode=True, count=2, user_data="secret: s3cr3t")
    assert result["changed"] and result["created"] == ["t-ams-1", "t-ams-2"]
    assert emulator.snapshot()["instances"] == []
    assert [e for e in emulator.log if e[0] != "GET"] == []
    assert len(diffs) == 2
    assert diffs[0]["before"] == {} and diffs[0]["after"]["label"] == "t-ams-1"
    assert "s3cr3t" not in str(result) and vu.b64("secret: s3cr3t") not in str(result)
    assert [i["id"] for i in result["instances"]] == [None, None]


def test_pop_absent_removes_everything(make_client, emulator):
    converge(make_client, count=2)
    result = converge(make_client, state="absent")
    assert result["removed"] == ["t-ams-1", "t-ams-2"]
    assert labels(emulator) == []


def test_pop_needs_settings_only_to_create(make_client, emulator):
    with pytest.raises(FakeModule.Failed, match="plan"):
        converge(make_client, plan=None)
    converge(make_client, count=1)
    result = converge(make_client, count=1, plan=None, os_id=None)
    assert result["changed"] is False


def test_pop_user_data_and_script(make_client, emulator):
    make_client().create("/startup-scripts", "startup_script", {"name": "boot", "script": vu.b64("#!/bin/sh\n")})
    converge(make_client, count=1, startup_script="boot", user_data="#cloud-config\n")
    inst = emulator.snapshot()["instances"][0]
    assert inst["script_id"] and vu.unb64(inst["user_data"]) == "#cloud-config\n"


def inst_params(**kw):
    p = dict(API, label="solo-1", hostname=None, state="present", region="ams", plan="vc2-1c-1gb", os_id=2136,
             image_id=None, ssh_keys=[], startup_script=None, user_data=None, enable_ipv6=False,
             tags=["a"], wait=True, wait_timeout=60, poll_interval=0)
    p.update(kw)
    return p


def run_instance(make_client, check_mode=False, **kw):
    result = run(vultr_instance.VultrInstance, inst_params(**kw), make_client(), check_mode=check_mode)[0]
    return result["changed"], result["vultr_instance"]


def test_instance_lifecycle(make_client, emulator):
    changed, inst = run_instance(make_client, check_mode=True)
    assert changed and emulator.snapshot()["instances"] == []
    changed, inst = run_instance(make_client)
    assert changed and inst["status"] == "active" and inst["v6_main_ip"] == ""
    assert run_instance(make_client)[0] is False
    changed, inst = run_instance(make_client, tags=["a", "b"])
    assert changed and sorted(inst["tags"]) == ["a", "b"]
    changed, inst = run_instance(make_client, state="stopped", tags=["a", "b"])
    assert changed and inst["power_status"] == "stopped"
    assert run_instance(make_client, state="stopped", tags=["a", "b"])[0] is False
    changed, inst = run_instance(make_client, state="started", tags=["a", "b"])
    assert changed and inst["power_status"] == "running"
    assert run_instance(make_client, state="absent")[0] is True
    assert run_instance(make_client, state="absent")[0] is False
    assert emulator.snapshot()["violations"] == []


def test_instance_refuses_ambiguous_labels(make_client, emulator):
    for _attempt in range(2):
        emulator.state.create_instance({"region": "ams", "plan": "vc2-1c-1gb", "os_id": 2136, "label": "solo-1"},
                                       now=0)
    with pytest.raises(FakeModule.Failed, match="2 instances have the label solo-1"):
        run_instance(make_client, state="absent")


def key_params(**kw):
    p = dict(API, name="ops", ssh_key="ssh-ed25519 AAAAB ops@example.com", state="present")
    p.update(kw)
    return p


def ssh_key(make_client, check_mode=False, **kw):
    result = run(vultr_ssh_key.VultrSshKey, key_params(**kw), make_client(), check_mode=check_mode)[0]
    return result["changed"], result["vultr_ssh_key"]


def test_ssh_key_lifecycle(make_client, emulator):
    changed, key = ssh_key(make_client, check_mode=True)
    assert changed and not any(k["name"] == "ops" for k in emulator.snapshot()["ssh_keys"])
    changed, key = ssh_key(make_client)
    assert changed and key["id"]
    assert ssh_key(make_client)[0] is False
    assert ssh_key(make_client, ssh_key="ssh-ed25519 AAAAB ops@example.com\n")[0] is False  # compared stripped
    changed, key = ssh_key(make_client, ssh_key="ssh-ed25519 CCCC new")
    assert changed and key["ssh_key"] == "ssh-ed25519 CCCC new"
    assert ssh_key(make_client, state="absent")[0] is True
    assert ssh_key(make_client, state="absent")[0] is False
    assert emulator.snapshot()["violations"] == []


def test_duplicate_names_are_refused(make_client, emulator):
    emulator.state.create_key({"name": "ops", "ssh_key": "ssh-ed25519 AAAA one"})
    emulator.state.create_key({"name": "ops", "ssh_key": "ssh-ed25519 BBBB two"})
    with pytest.raises(FakeModule.Failed, match="2 SSH keys have the name ops"):
        ssh_key(make_client, state="absent")


def script_params(**kw):
    p = dict(API, name="fb", script="#!/bin/sh\necho one\n", type="boot", state="present")
    p.update(kw)
    return p


def script(make_client, check_mode=False, **kw):
    return run(vultr_startup_script.VultrStartupScript, script_params(**kw), make_client(),
               check_mode=check_mode)[0]


def test_startup_script_lifecycle(make_client, emulator):
    result = script(make_client)
    assert result["changed"] and result["vultr_startup_script"]["script"] == "#!/bin/sh\necho one\n"
    assert script(make_client)["changed"] is False
    planned = script(make_client, check_mode=True, script="#!/bin/sh\necho two\n")
    assert planned["changed"] and vu.unb64(emulator.snapshot()["startup_scripts"][0]["script"]).endswith("one\n")
    result = script(make_client, script="#!/bin/sh\necho two\n")
    assert result["changed"] and result["vultr_startup_script"]["script"].endswith("two\n")
    assert result["diff"][-1]["before"]["script"].endswith("one\n")
    assert result["diff"][-1]["after"]["script"].endswith("two\n")
    stored = emulator.snapshot()["startup_scripts"][0]["script"]
    assert vu.unb64(stored).endswith("two\n")
    assert script(make_client, state="absent")["changed"] is True
    assert script(make_client, state="absent")["changed"] is False
    assert emulator.snapshot()["violations"] == []

"""Controller-side modules run in Ansible's worker process (plugins/plugin_utils/controller_module.py): the same
result as the module run by AnsibleModule, the same argument checks, and the module itself on other connections."""

import json
import pathlib
import types

from ansible_collections.anycast.network.plugins.action import catchment_report as report_action
from ansible_collections.anycast.network.plugins.modules import catchment_report, lab_network, lab_probe
from ansible_collections.anycast.network.plugins.plugin_utils import controller_module as cm

SAMPLE = pathlib.Path(__file__).resolve().parents[1] / "report" / "fixtures" / "verify_lab.json"


def _report_args(tmp_path):
    return {"verify": str(SAMPLE), "html": str(tmp_path / "c.html"), "png": str(tmp_path / "c.png"),
            "renderer": "pillow", "instances": {"lhr-1": {"pop": "lhr", "reachable": True}}}


def test_in_process_gives_the_module_result(run, tmp_path):
    as_module = run(catchment_report, _report_args(tmp_path / "module"), check_mode=True)
    in_process = cm.run_in_process(catchment_report, _report_args(tmp_path / "module"), check_mode=True)
    as_module.pop("invocation", None)
    assert in_process == as_module
    assert in_process["misrouted"] and not (tmp_path / "module" / "c.html").exists()

    written = cm.run_in_process(catchment_report, _report_args(tmp_path), check_mode=False)
    assert written["changed"] and written["renderer"] == "pillow"
    assert (tmp_path / "c.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    again = cm.run_in_process(catchment_report, _report_args(tmp_path), check_mode=False)
    assert not again["changed"] and again["renderer"] == "none"


def test_arguments_are_checked_as_the_module_checks_them(run, tmp_path):
    for args in ({"html": "x.html"}, dict(_report_args(tmp_path), renderer="gimp"),
                 dict(_report_args(tmp_path), colour="red")):
        as_module = run(catchment_report, args)
        in_process = cm.run_in_process(catchment_report, args, check_mode=False)
        assert in_process["failed"] and as_module["failed"]
        for word in ("verify", "gimp", "colour"):
            assert (word in in_process["msg"]) == (word in as_module["msg"]), (in_process, as_module)
    # required_if of lab_network: state=present needs the topology and the intent.
    missing = cm.run_in_process(lab_network, {"state_dir": str(tmp_path)}, check_mode=False)
    assert missing["failed"] and "topology" in missing["msg"] and "intent" in missing["msg"]


def test_exit_and_failure_end_the_work_even_inside_a_broad_except():
    def work(module):
        try:
            module.warn("careful")
            if module.params["fail"]:
                module.fail_json(msg="no", detail=("a", "b"))
            module.exit_json(changed=True, value={1, 2} if False else ("x",))
        except Exception:  # a module's own catch-all must not swallow the exit
            raise AssertionError("exit caught")
        raise AssertionError("went on after exit")

    source = types.SimpleNamespace(ARGUMENT_SPEC={"fail": {"type": "bool", "default": False}},
                                   MODULE_KWARGS={"supports_check_mode": False}, run=work)
    assert cm.run_in_process(source, {}, False) == {"changed": True, "value": ["x"], "warnings": ["careful"]}
    failed = cm.run_in_process(source, {"fail": "yes"}, False)
    assert failed["failed"] and failed["msg"] == "no" and failed["detail"] == ["a", "b"]
    assert cm.run_in_process(source, {}, True)["skipped"]


def test_every_controller_module_declares_what_the_action_needs():
    for module in (catchment_report, lab_network, lab_probe):
        assert isinstance(module.ARGUMENT_SPEC, dict) and callable(module.run)
        assert module.MODULE_KWARGS.get("supports_check_mode") is True


class _Action(report_action.ActionModule):
    """The action plugin with the parts Ansible gives it replaced."""

    def __init__(self, transport, args, check_mode=False):  # pylint: disable=super-init-not-called
        self._connection = types.SimpleNamespace(transport=transport)
        self._task = types.SimpleNamespace(args=args, async_val=0)
        self._play_context = types.SimpleNamespace(check_mode=check_mode)
        self.module_runs = []

    def _execute_module(self, module_name=None, module_args=None, task_vars=None, **kwargs):
        self.module_runs.append((module_name, module_args))
        return {"changed": False, "ran": "module"}


def test_the_action_runs_the_module_itself_away_from_the_controller(tmp_path, monkeypatch):
    monkeypatch.setattr(cm.ActionBase, "run", lambda self, tmp=None, task_vars=None: {})
    remote = _Action("ansible.builtin.ssh", _report_args(tmp_path))
    assert remote.run(task_vars={}) == {"changed": False, "ran": "module"}
    assert remote.module_runs == [("anycast.network.catchment_report", _report_args(tmp_path))]

    local = _Action("local", _report_args(tmp_path), check_mode=True)
    result = local.run(task_vars={})
    assert local.module_runs == [] and result["changed"] and "misrouted" in result
    assert not (tmp_path / "c.html").exists()
    json.dumps(result)

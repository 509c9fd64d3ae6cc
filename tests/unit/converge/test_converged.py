"""The fast path's record: what counts as drift, what the digest covers."""

import sys

import pytest

from ansible_collections.anycast.network.plugins.module_utils.converge import check as converge_check
from ansible_collections.anycast.network.plugins.module_utils.converge import digest as converge_digest
from ansible_collections.anycast.network.plugins.modules import converged
from toolpath import BIN


@pytest.fixture()
def instance(tmp_path, monkeypatch):
    """A managed file, a state file, and systemctl answering for two units."""
    conf = tmp_path / "bird.conf"
    conf.write_text("router id 192.0.2.1;\n")
    state = tmp_path / "converged.json"
    units = {"bird": ("active", "enabled"), "caddy": ("active", "enabled")}
    monkeypatch.setattr(converge_check, "unit_states",
                        lambda names: {n: units.get(n, ("inactive", "disabled")) for n in names})
    return {"conf": conf, "state": state, "units": units, "tmp": tmp_path}


def _record(run, inst, digest="d1", probes=()):
    return run(converged, {"state": "record", "digest": digest, "state_file": str(inst["state"]),
                           "files": [str(inst["conf"])], "units": ["bird", "caddy"], "probes": list(probes)})


def _check(run, inst, digest="d1", force=False):
    return run(converged, {"state": "check", "digest": digest, "state_file": str(inst["state"]), "force": force})


def test_no_record_means_configure(run, instance):
    result = _check(run, instance)
    assert result["converged"] is False
    assert result["reasons"] == ["no record of an earlier converge"]


def test_record_then_check_is_converged_and_record_is_idempotent(run, instance):
    assert _record(run, instance)["changed"] is True
    assert _record(run, instance)["changed"] is False
    result = _check(run, instance)
    assert result == dict(result, converged=True, reasons=[], changed=False)


def test_record_in_check_mode_writes_nothing(run, instance):
    result = run(converged, {"state": "record", "digest": "d1", "state_file": str(instance["state"])},
                 check_mode=True)
    assert result["changed"] is True
    assert not instance["state"].exists()


@pytest.mark.parametrize("drift, reason", [
    ("digest", "the intent, the variables or the collection changed since the last converge"),
    ("edit", "bird.conf changed on the instance"),
    ("delete", "bird.conf is missing on the instance"),
    ("stopped", "unit caddy is failed"),
    ("disabled", "unit bird is disabled"),
    ("force", "a full converge was asked for"),
])
def test_every_kind_of_drift_is_a_reason(run, instance, drift, reason):
    _record(run, instance)
    digest = "d1"
    if drift == "digest":
        digest = "d2"
    elif drift == "edit":
        instance["conf"].write_text("router id 192.0.2.99;\n")
    elif drift == "delete":
        instance["conf"].unlink()
    elif drift == "stopped":
        instance["units"]["caddy"] = ("failed", "enabled")
    elif drift == "disabled":
        instance["units"]["bird"] = ("active", "disabled")
    result = _check(run, instance, digest=digest, force=drift == "force")
    assert result["converged"] is False
    assert any(r.endswith(reason) for r in result["reasons"]), result["reasons"]


def test_probes_report_drift(run, instance):
    clean = [sys.executable, "-c", "print('{\"changed\": false}')"]
    dirty = [sys.executable, "-c", "print('{\"changed\": true}')"]
    failing = [sys.executable, "-c", "import sys; sys.exit(3)"]
    _record(run, instance, probes=[clean])
    assert _check(run, instance)["converged"] is True
    _record(run, instance, probes=[clean, dirty, failing])
    reasons = _check(run, instance)["reasons"]
    assert len(reasons) == 2
    assert "reports a change to make" in reasons[0] and "exited 3" in reasons[1]


def test_unit_states_read_enablement_from_the_unit_files_where_systemd_says_disabled(monkeypatch):
    """ActiveState and UnitFileState from `systemctl show`; where the manager says a unit is not enabled, its unit
    files are asked (`systemctl is-enabled`): an enable with --no-reload leaves the manager's answer stale. A
    unit without a unit file is not asked (is-enabled would stop there)."""
    answers = {"show": "LoadState=loaded\nActiveState=active\nUnitFileState=enabled\n\n"
                       "LoadState=loaded\nActiveState=active\nUnitFileState=disabled\n\n"
                       "LoadState=loaded\nActiveState=failed\nUnitFileState=disabled\n\n"
                       "LoadState=not-found\nActiveState=inactive\nUnitFileState=\n",
               "is-enabled": "enabled\ndisabled\n"}
    calls = []

    class Proc:
        def __init__(self, argv):
            self.stdout, self.stderr = answers[argv[1]].encode(), b""
            self.returncode = 1 if argv[1] == "is-enabled" else 0

    monkeypatch.setattr(converge_check.subprocess, "run", lambda argv, **kw: calls.append(argv) or Proc(argv))
    assert converge_check.unit_states(["bird", "caddy", "nsd", "gone"]) == {
        "bird": ("active", "enabled"), "caddy": ("active", "enabled"), "nsd": ("failed", "disabled"),
        "gone": ("inactive", "not-found")}
    assert [argv[1] for argv in calls] == ["show", "is-enabled"] and calls[1][-2:] == ["caddy", "nsd"]
    calls.clear()
    answers["show"] = "LoadState=loaded\nActiveState=active\nUnitFileState=enabled\n"
    assert converge_check.unit_states(["bird"]) == {"bird": ("active", "enabled")}
    assert [argv[1] for argv in calls] == ["show"]


def _vars(**extra):
    base = {"inventory_hostname": "lhr-1", "anycast_intent": {"asn": 64500}, "bird_hold_time": 90,
            "unrelated": "x", "groups": {"anycast_instances": ["lhr-1", "lhr-2"]},
            "hostvars": {"lhr-1": {"anycast_address": "192.0.2.1"}, "lhr-2": {"anycast_address": "192.0.2.2"}}}
    base.update(extra)
    return base


def test_digest_covers_role_variables_other_instances_and_named_files(tmp_path):
    same = converge_digest.digest(_vars(), lambda v: v)
    assert same == converge_digest.digest(_vars(unrelated="y"), lambda v: v)
    assert same == converge_digest.digest(_vars(anycast_full_converge=True), lambda v: v)
    # switches of how the run goes or where it reports, not of what it renders
    for switch in ({"anycast_report_dir": "/tmp/r"}, {"anycast_lab_ca_timeout": 30},
                   {"anycast_converge_manages": {"base": {"files": ["/etc/x"]}}}):
        assert same == converge_digest.digest(_vars(**switch), lambda v: v), switch
    # a registered result of an earlier task is not an input
    assert same == converge_digest.digest(_vars(anycast_lab_systemd={"changed": False, "rc": 0, "stdout": "x"}),
                                          lambda v: v)
    assert same != converge_digest.digest(_vars(bird_hold_time=30), lambda v: v)
    moved = _vars()
    moved["hostvars"]["lhr-2"]["anycast_address"] = "192.0.2.3"
    assert same != converge_digest.digest(moved, lambda v: v)
    ca = tmp_path / "root.pem"
    ca.write_text("one")
    with_file = converge_digest.digest(_vars(anycast_intent={"ca_root": str(ca)}), lambda v: v)
    ca.write_text("two")
    assert with_file != converge_digest.digest(_vars(anycast_intent={"ca_root": str(ca)}), lambda v: v)


def test_content_digest_follows_the_collection_files(tmp_path):
    (tmp_path / "roles" / "r").mkdir(parents=True)
    (tmp_path / "plugins").mkdir()
    (tmp_path / "roles" / "r" / "main.yml").write_text("a")
    first = converge_digest.content_digest(str(tmp_path))
    converge_digest._CONTENT.clear()
    (tmp_path / "roles" / "r" / "main.yml").write_text("b")
    assert converge_digest.content_digest(str(tmp_path)) != first
    converge_digest._CONTENT.clear()


def test_a_converged_check_reads_bird_the_way_the_record_says(run, instance, monkeypatch):
    """The verify step of a run that configured nothing reuses this read (roles/bird/tasks/verify.yml)."""
    seen = []

    def fake_read(run_command, **options):
        seen.append(options)
        return {"bird_state": {"sessions": []}, "problems": [], "warnings_found": []}
    monkeypatch.setattr(converge_check, "read_state", fake_read)
    bird = {"birdc": ["birdc"], "manifest": "/etc/anycast/routing.json", "honour_announce_state": False}
    assert "bird" not in _check(run, instance)  # no record yet: nothing read
    run(converged, {"state": "record", "digest": "d1", "state_file": str(instance["state"]),
                    "files": [str(instance["conf"])], "units": ["bird"], "bird": bird})
    result = _check(run, instance)
    assert result["converged"] and result["bird"]["problems"] == [] and seen == [bird]
    assert "bird" not in _check(run, instance, digest="d2")  # not converged: the roles run, verify reads BIRD
    assert len(seen) == 1


def test_bird_that_cannot_be_read_is_an_error_for_the_verify_step_not_for_the_check(run, instance):
    bird = {"birdc": ["false"], "manifest": str(instance["tmp"] / "routing.json")}
    run(converged, {"state": "record", "digest": "d1", "state_file": str(instance["state"]), "bird": bird})
    result = _check(run, instance)
    assert result["converged"] is True and "BIRD does not answer" in result["bird"]["error"]


@pytest.mark.parametrize("fresh", [True, False])
def test_a_fresh_instance_is_not_asked_but_gets_its_digest(tmp_path, fresh):
    """`fresh` (created by this run): the action plugin computes the digest and answers without running the module on
    the instance. The instance here has no usable Python, so a module run would fail: only the fresh check passes."""
    import json
    import os
    import pathlib
    import subprocess

    root = pathlib.Path(__file__).resolve().parents[3]
    playbook = tmp_path / "check.yml"
    playbook.write_text(
        "- hosts: all\n  gather_facts: false\n  tasks:\n"
        "    - anycast.network.converged: {state: check, fresh: %s, state_file: %s}\n"
        "      register: r\n"
        "    - ansible.builtin.copy: {content: '{{ r | to_json }}', dest: %s}\n"
        "      delegate_to: localhost\n"
        "      vars: {ansible_python_interpreter: %s}\n"
        % ("true" if fresh else "false", tmp_path / "converged.json", tmp_path / "result.json", sys.executable))
    (tmp_path / "hosts.ini").write_text("fresh-1 ansible_connection=local ansible_python_interpreter=/nonexistent/python3\n")
    run = subprocess.run([str(BIN / "ansible-playbook"), "-i", str(tmp_path / "hosts.ini"),
                          str(playbook)],
                         capture_output=True, text=True, cwd=root, timeout=180,
                         env=dict(os.environ, ANSIBLE_CONFIG=str(root / "ansible.cfg")), check=False)
    if not fresh:
        assert run.returncode != 0 and "/nonexistent/python3" in run.stdout + run.stderr
        return
    assert run.returncode == 0, run.stdout + run.stderr
    result = json.loads((tmp_path / "result.json").read_text())
    assert result["converged"] is False and result["changed"] is False
    assert result["reasons"] == ["created by this run"]
    assert len(result["digest"]) == 64 and int(result["digest"], 16) >= 0


CHECKS = """\
- hosts: all
  gather_facts: false
  vars: {state_file: "%(dir)s/converged.json", managed: "%(dir)s/managed.conf"}
  tasks:
    - {anycast.network.converged: {state: check, state_file: "{{ state_file }}"}, register: before}
    - anycast.network.converged: {state: record, digest: "{{ before.digest }}", files: ["{{ managed }}"],
                                  state_file: "{{ state_file }}"}
    - {anycast.network.converged: {state: check, state_file: "{{ state_file }}"}, register: same}
    - {ansible.builtin.shell: "echo drift >> {{ managed }}", changed_when: false}
    - {anycast.network.converged: {state: check, state_file: "{{ state_file }}"}, register: drifted}
    - ansible.builtin.copy:
        content: "{{ {'before': before, 'same': same, 'drifted': drifted} | to_json }}"
        dest: "%(dir)s/result.json"
"""


def _checks(tmp_path, pipelining):
    """The three checks of CHECKS, and how many times Ansible ran the converged module for them and the record."""
    import json
    import os
    import pathlib
    import subprocess

    root = pathlib.Path(__file__).resolve().parents[3]
    tmp_path.mkdir()
    (tmp_path / "managed.conf").write_text("a\n")
    (tmp_path / "play.yml").write_text(CHECKS % {"dir": tmp_path})
    (tmp_path / "hosts.ini").write_text("i-1 ansible_connection=local ansible_python_interpreter=%s\n" % sys.executable)
    run = subprocess.run([str(BIN / "ansible-playbook"), "-vvv", "-i", str(tmp_path / "hosts.ini"),
                          str(tmp_path / "play.yml")], capture_output=True, text=True, cwd=root, timeout=180,
                         env=dict(os.environ, ANSIBLE_CONFIG=str(root / "ansible.cfg"),
                                  ANSIBLE_PIPELINING="1" if pipelining else "0"), check=False)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-2000:]
    results = json.loads((tmp_path / "result.json").read_text())
    for result in results.values():
        for key in [k for k in result if k.startswith("_ansible") or k in ("invocation", "failed")]:
            del result[key]
    return results, run.stdout.count("modules/converged.py")


def test_the_check_compares_the_instance_with_its_record(tmp_path):
    """No record, then the record just made, then a managed file changed on the instance."""
    result, _unused = _checks(tmp_path / "run", pipelining=True)
    assert result["before"]["reasons"] == ["no record of an earlier converge"]
    assert result["same"]["converged"] is True and result["same"]["reasons"] == []
    assert result["drifted"]["reasons"] == ["%s changed on the instance" % (tmp_path / "run" / "managed.conf")]


def test_role_prefixes_follow_the_role_directories(tmp_path):
    for role in ("base", "newrole"):
        (tmp_path / "roles" / role / "tasks").mkdir(parents=True)
    (tmp_path / "roles" / "README.md").write_text("not a role")
    assert converge_digest.role_prefixes(str(tmp_path)) == ("anycast_", "base_", "newrole_")
    variables = {"newrole_port": 1, "other_port": 2, "anycast_converge_manages": {"base": {}}}
    assert converge_digest.selected(variables, converge_digest.role_prefixes(str(tmp_path))) == ["newrole_port"]
    # The collection's own roles are there.
    assert {"base_", "bird_", "caddy_", "nsd_", "healthgate_", "metrics_"} <= set(converge_digest.role_prefixes())


def test_every_role_s_entry_joins_the_record(run, instance):
    other = instance["tmp"] / "Caddyfile"
    other.write_text("x")
    run(converged, {"state": "record", "digest": "d1", "state_file": str(instance["state"]),
                    "manages": {"bird": {"files": [str(instance["conf"])], "units": ["bird"], "probes": [],
                                         "bird_state": {"birdc": ["birdc"]}},
                                "caddy": {"files": [str(other)], "units": ["caddy"]}}})
    record = converged.read_record(str(instance["state"]))
    assert sorted(record["files"]) == sorted([str(instance["conf"]), str(other)])
    assert record["units"] == ["bird", "caddy"]
    other.write_text("y")
    assert _check(run, instance)["reasons"] == ["%s changed on the instance" % other]

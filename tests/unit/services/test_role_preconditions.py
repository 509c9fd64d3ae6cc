"""A role's check of its settings as a precondition of its config_files task (checked by the action on the
controller, before anything is rendered or the instance is contacted), not an assert task of its own: a health gate
that cannot work stops the task with the role's message; good settings pass on to the module (which here fails on
purpose, on a Python that does not exist, so nothing is installed). A check whose bad values would already break the
templating of the task's other arguments stays a task of its own (the caddy role's preflight)."""

import copy

import yaml

from conftest import ROOT, lab_inventory, run_playbook

LAB_INTENT = yaml.safe_load((ROOT / "inventories/lab/group_vars/all/intent.yml").read_text())["anycast_intent"]
NO_PYTHON = "/nonexistent/python3"

PLAY = """
- name: One role's configure task
  hosts: lhr-1
  gather_facts: false
  vars:
    ansible_python_interpreter: {python}
  tasks:
    - name: The task
      ansible.builtin.import_role:
        name: anycast.network.{role}
        tasks_from: {tasks}
        rolespec_validate: false
"""


def _run(tmp_path, role, tasks, intent=None, extra=None):
    tmp_path.mkdir(parents=True)
    inv = lab_inventory(tmp_path, intent or copy.deepcopy(LAB_INTENT))
    play = PLAY.format(role=role, tasks=tasks, python=NO_PYTHON)
    if extra:
        play = play.replace("  vars:\n", "  vars:\n" + "".join("    %s: %s\n" % kv for kv in extra.items()))
    proc = run_playbook(tmp_path, inv, play, check=False)
    assert proc.returncode != 0  # either a precondition or the missing Python stops it
    return proc.stdout + proc.stderr


def test_the_health_gate_refuses_settings_it_cannot_work_with(tmp_path):
    message = "healthgate: interval > 0, timeout <= interval"
    for name, extra in (("timeout", {"healthgate_timeout": 2.0}), ("fall", {"healthgate_fall": 0}),
                        ("prefixes", {"healthgate_prefixes": "[]"})):
        out = _run(tmp_path / name, "healthgate", "main.yml", extra=extra)
        assert message in out and NO_PYTHON not in out, name
    assert NO_PYTHON in _run(tmp_path / "good", "healthgate", "main.yml")


def test_a_precondition_must_be_true_or_false(tmp_path):
    inv = lab_inventory(tmp_path, copy.deepcopy(LAB_INTENT))
    proc = run_playbook(tmp_path, inv, """
- hosts: lhr-1
  gather_facts: false
  tasks:
    - anycast.network.config_files:
        preconditions: [{that: "maybe", msg: never shown}]
""", check=False)
    assert proc.returncode != 0 and "preconditions[0]: `that` must be true or false" in proc.stdout + proc.stderr

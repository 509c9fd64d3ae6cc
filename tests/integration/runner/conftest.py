"""A private data directory laid out as AWX lays it out for a job, for ansible_runner.run().

    <private_data_dir>/
      env/envvars      environment of the job (credential injectors land here)
      env/extravars    extra variables (survey answers, credential extra_vars)
      env/settings     runner settings
      inventory/hosts  the synced inventory, as an executable script answering --list (what AWX writes)
      project/         the project checkout (here: a link to the repository)
"""

import json
import os
import pathlib
import stat
import subprocess
import sys

import yaml
from toolpath import BIN

ROOT = pathlib.Path(__file__).resolve().parents[3]


def inventory_json(inventory):
    """What AWX stores after an inventory sync: the plugins' output, hosts, groups and variables."""
    run = subprocess.run([str(BIN / "ansible-inventory"), "-i", str(inventory), "--list", "--export"],
                         capture_output=True, text=True, cwd=ROOT, timeout=120,
                         env=dict(os.environ, ANSIBLE_CONFIG=str(ROOT / "ansible.cfg")))
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout)


def plain(value):
    """Inventory JSON as ansible-inventory writes it marks untrusted strings {"__ansible_unsafe": ...}: the values."""
    if isinstance(value, dict):
        if set(value) == {"__ansible_unsafe"}:
            return value["__ansible_unsafe"]
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


def awx_script_enabled():
    """Whether the project's ansible.cfg enables the inventory plugin AWX jobs need (script)."""
    import configparser

    cfg = configparser.ConfigParser()
    cfg.read(ROOT / "ansible.cfg")
    enabled = [p.strip() for p in cfg.get("inventory", "enable_plugins", fallback="script").split(",")]
    return "script" in enabled or "ansible.builtin.script" in enabled


def private_data_dir(base, inventory, extravars=None, envvars=None):
    base = pathlib.Path(base)
    (base / "env").mkdir(parents=True)
    (base / "inventory").mkdir()
    (base / "project").symlink_to(ROOT)
    data = inventory_json(inventory)
    script = base / "inventory" / "hosts"
    script.write_text("#!%s\nimport json, sys\nDATA = json.loads(%r)\n"
                      "print(json.dumps(DATA if '--list' in sys.argv else {}))\n" % (sys.executable, json.dumps(data)))
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    env = {
        # AWX hands a job its inventory as a script (inventory/hosts): the project's ansible.cfg must let the
        # script plugin read it (ansible/awx#4746). Until it does, the job environment enables it.
        **({} if awx_script_enabled() else {"ANSIBLE_INVENTORY_ENABLED": "ansible.builtin.script"}),
        "PATH": "%s:%s" % (BIN, os.environ.get("PATH", "/usr/bin:/bin")),
        "ANSIBLE_CONFIG": str(base / "project" / "ansible.cfg"),
        "ANSIBLE_FORCE_COLOR": "0",
        "ANSIBLE_NOCOLOR": "1",
    }
    env.update(envvars or {})
    (base / "env" / "envvars").write_text(yaml.safe_dump(env))
    (base / "env" / "extravars").write_text(yaml.safe_dump(extravars or {}))
    (base / "env" / "settings").write_text(yaml.safe_dump({"job_timeout": 600, "idle_timeout": 300,
                                                           "suppress_ansible_output": True}))
    return base


def credential_env(type_name, inputs):
    """The environment AWX gives a job for a credential of one of awx/controller.yml's credential types: its env
    injectors rendered with the credential's inputs (AWX renders them with Jinja2 in a sandbox, as here)."""
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    class Loader(yaml.SafeLoader):
        pass

    Loader.add_constructor("!unsafe", lambda loader, node: loader.construct_scalar(node))
    data = yaml.load((ROOT / "awx" / "controller.yml").read_text(), Loader=Loader)  # noqa: S506
    ctype = [c for c in data["controller_credential_types"] if c["name"] == type_name][0]
    fields = {f["id"]: "" for f in ctype["inputs"]["fields"]}
    fields.update(inputs)
    jinja = ImmutableSandboxedEnvironment()
    return {k: jinja.from_string(v).render(**fields) for k, v in ctype["injectors"].get("env", {}).items()}


def task_events(events, task=None, kinds=("runner_on_ok", "runner_on_failed", "runner_on_unreachable")):
    for event in events:
        if event.get("event") not in kinds:
            continue
        data = event.get("event_data", {})
        if task is None or data.get("task") == task:
            yield event

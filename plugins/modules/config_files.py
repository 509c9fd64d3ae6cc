#!/usr/bin/python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: config_files
short_description: Write a role's directories and files in one run, each file checked before it replaces the old one
version_added: "1.0.0"
description:
  - What M(ansible.builtin.file), M(ansible.builtin.copy) and M(ansible.builtin.template) do for a role's
    directories and files, in one module run instead of one per file (each run costs the controller about as much
    as the work itself, so the roles write their files with this module).
  - The Debian packages of O(packages) first, when any is missing, then directories, then the files in the order
    given. A file whose content differs is written to a temporary
    file beside its destination, given its owner, group and mode, checked with its O(files[].validate) command, and
    only then renamed over the destination; a failed check stops the run there and leaves that destination as it
    was (files before it are in place, as with one task per file).
  - With O(all_or_nothing), every changed file is checked before any replaces its destination.
  - Content comes from the controller, given as it is, or rendered there from a template of the role
    (O(files[].template)) or read from a file of the role (O(files[].src)) by the action of the same name.
  - Then the role's O(commands), in order (a command that acts on the files just written, such as rendering a
    state file or applying kernel parameters now), each a task less.
  - Then the role's O(units), in the same run. C(systemctl daemon-reload) when a unit file changed, one
    C(systemctl enable) and one C(systemctl start) for the units that need it (systemd starts them side by side),
    and a reload or restart of a unit that already ran when a file it depends on changed. A unit this run started
    is not reloaded (it started with the new files). This replaces a task per unit and the role's handlers.
author:
  - anycast.network contributors
options:
  preconditions:
    description:
      - What must hold before anything is done, checked on the controller by the action before any file is rendered
        and before the instance is contacted (a role's checks of its variables, in the task that uses them instead
        of an C(ansible.builtin.assert) task of their own). The first that does not hold fails the task with its
        O(preconditions[].msg).
    type: list
    elements: dict
    default: []
    suboptions:
      that:
        description: A boolean, or a list of booleans that must all be true (templated by Ansible as usual).
        type: raw
        required: true
      msg: {description: The failure message., type: str}
  packages:
    description:
      - Debian packages the files and units need (names only, no versions). One C(dpkg-query) tells which are
        missing; only then C(apt-get update) and C(apt-get install) (waiting for the package lock, as on a fresh
        instance where unattended-upgrades may hold it; old configuration files kept), so an instance with every
        package costs no package-index refresh and works offline.
    type: list
    elements: str
    default: []
  package_state:
    description:
      - C(present) installs what is missing of O(packages). C(latest) also upgrades those already installed for
        which the refreshed package index has a newer version (C(apt-get update), then C(apt-get install
        --only-upgrade) of the packages a simulation says it would upgrade); in check mode only the simulation
        runs. A role's C(*_package_state) setting, without an extra task.
    type: str
    choices: [present, latest]
    default: present
  directories:
    description: Directories to create (with parents) and whose owner, group and mode to set.
    type: list
    elements: dict
    default: []
    suboptions:
      path: {description: The directory., type: path, required: true}
      owner: {description: Owner name., type: str, default: root}
      group: {description: Group name., type: str, default: root}
      mode: {description: Mode as an octal string., type: str, default: "0755"}
  files:
    description: Files to write.
    type: list
    elements: dict
    default: []
    suboptions:
      dest: {description: The file., type: path, required: true}
      content:
        description:
          - The content. Shown in diffs. Without it (and without O(files[].template) and O(files[].src)), the
            content is the entry for this O(files[].dest) in O(secrets).
        type: str
      template:
        description:
          - A template of the role's C(templates/) (or a path), rendered on the controller with the task's
            variables, as M(ansible.builtin.template) does, and written as the content. One of O(files[].content),
            O(files[].template) and O(files[].src).
          - Cheaper than C(lookup('ansible.builtin.template')) in the task's arguments, which copies every variable
            the task sees for each file.
        type: str
      template_vars:
        description: Variables for O(files[].template) only, on top of the task's.
        type: dict
      src:
        description: A file of the role's C(files/) (or a path), read on the controller and written as it is.
        type: str
      secret:
        description:
          - The content (from O(files[].content), O(files[].template) or O(files[].src)) holds secrets, so it goes
            to O(secrets), never logged nor shown in a diff.
        type: bool
        default: false
      owner: {description: Owner name., type: str, default: root}
      group: {description: Group name., type: str, default: root}
      mode: {description: Mode as an octal string., type: str, default: "0644"}
      validate:
        description:
          - A command that must succeed on the new content before it replaces the file; C(%s) is the temporary
            file's path. Run without a shell (split like a shell would); not run in check mode.
        type: str
  secrets:
    description:
      - Contents that hold secrets, by destination (a file of O(files) without O(files[].content)). Never logged
        (not even in the instance's journal, where a module logs its arguments), never shown in diffs.
    type: dict
    default: {}
  manages:
    description:
      - What else the role manages, for the converge record (M(anycast.network.converged)); returned as RV(manages)
        with every file of O(files) added.
    type: dict
    default: {}
    suboptions:
      files: {description: Files written by other tasks of the role., type: list, elements: path, default: []}
      units: {description: Units that must be active and enabled., type: list, elements: str, default: []}
      probes:
        description: Commands that report drift (see M(anycast.network.converged)).
        type: list
        elements: list
        default: []
  units:
    description: Units to keep enabled and running, handled after the files.
    type: list
    elements: dict
    default: []
    suboptions:
      name: {description: The unit., type: str, required: true}
      enabled: {description: Enable the unit (start at boot)., type: bool, default: true}
      reload_on:
        description:
          - Regular expressions searched in the paths of the files and directories this run changed; a match reloads
            a unit that was already running (C(systemctl reload), or O(units[].reload_command)).
        type: list
        elements: str
        default: []
      reload:
        description: Reload a running unit whatever changed here (a change made by another task of the role).
        type: bool
        default: false
      restart:
        description: Restart instead of reload (for a daemon that cannot reload).
        type: bool
        default: false
      reload_command:
        description: The command that reloads the unit, instead of C(systemctl reload); run without a shell.
        type: list
        elements: str
      reload_expect:
        description: A regular expression the reload command's output must match (for commands that exit 0 on failure).
        type: str
  commands:
    description:
      - Commands to run after the files are in place and before the units, in order, without a shell; a command that
        exits non-zero fails the run there (files stay in place).
      - In check mode only a command with O(commands[].check_argv) runs (that argv), and not when its program is a
        file this run would write; a command that does not run then counts as a change only when it has
        O(commands[].creates) (it would create that).
    type: list
    elements: dict
    default: []
    suboptions:
      argv:
        description: The command.
        type: list
        elements: str
        required: true
      check_argv:
        description: The command that tells, in check mode, what O(commands[].argv) would change (a dry-run form).
        type: list
        elements: str
      stdin:
        description: Given to the command on its standard input, as is.
        type: str
      creates:
        description: Not run when this path exists.
        type: path
      changed_when:
        description:
          - When the command counts as a change. V(always) when it ran, V(never) (a read), V(json) when its output is a
            JSON object whose C(changed) is true, V(pattern) when O(commands[].changed_pattern) is found in its
            output.
        type: str
        choices: [always, never, json, pattern]
        default: always
      changed_pattern:
        description: A regular expression, required with O(commands[].changed_when=pattern); checked before anything is touched.
        type: str
      warn_pattern:
        description:
          - A regular expression; the lines of the command's output it matches are reported as one warning (after
            O(commands[].warn_prefix)), so a condition worth a word needs no task of its own. Ansible shows a warning
            once per run however many hosts report it.
        type: str
      warn_prefix:
        description: The text in front of the matching lines in the warning.
        type: str
        default: ""
  all_or_nothing:
    description:
      - Check every changed file before any is put in place; one failed check leaves every destination as it was.
        The checks then cannot rely on other files of the same run being in place already.
    type: bool
    default: false
attributes:
  check_mode:
    support: full
    description: Reports what would change; validation commands are not run (the programs may not be installed yet).
  diff_mode:
    support: full
    description: One diff per changed file, except files whose content is in O(secrets).
"""

EXAMPLES = r"""
- name: Write the gate's files
  anycast.network.config_files:
    directories:
      - path: /etc/anycast
    files:
      - dest: /usr/local/sbin/anycast-healthgate
        content: "{{ lookup('ansible.builtin.file', 'anycast-healthgate') }}\n"
        mode: "0755"
      - dest: /etc/anycast/healthgate.json
        content: "{{ lookup('ansible.builtin.template', 'healthgate.json.j2') }}"
        validate: /usr/local/sbin/anycast-healthgate --check-config --config %s
    units:
      - name: anycast-healthgate
        reload_on: ["."]
  register: healthgate_files
"""

RETURN = r"""
packages_installed:
  description: The packages of O(packages) that were missing and were installed (or would be, in check mode).
  returned: always
  type: list
  elements: str
  sample: [bird2]
packages_upgraded:
  description: With O(package_state=latest), the installed packages of O(packages) upgraded (or that would be, in
    check mode).
  returned: always
  type: list
  elements: str
  sample: [caddy]
manages:
  description: Files, units and probes for the converge record (every file of O(files) and O(manages)).
  returned: always
  type: dict
  sample: {files: [/etc/caddy/Caddyfile], units: [caddy], probes: []}
changed_files:
  description: The files and directories created or changed (content, owner, group or mode).
  returned: always
  type: list
  elements: str
  sample: [/etc/caddy/Caddyfile]
commands:
  description: Each command of O(commands), in order, with its exit code, output and whether it changed something.
  returned: always
  type: list
  elements: dict
  sample: [{argv: [anycast-announce, render], rc: 0, stdout: '{"changed": false}', stdout_lines: ['{"changed": false}'],
            stderr: "", changed: false, skipped: false}]
units:
  description: What was done to each unit of O(units) (or would be, in check mode).
  returned: always
  type: dict
  sample: {caddy: [reload], anycast-acme-relay: [enable, start]}
"""

import grp
import json
import os
import pwd
import re
import shlex
import stat
import tempfile

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.common.text.converters import to_bytes, to_text
from ansible_collections.anycast.network.plugins.module_utils.common import command
from ansible_collections.anycast.network.plugins.module_utils.converge import systemd_units


APT_ENV = {"DEBIAN_FRONTEND": "noninteractive", "LANG": "C.UTF-8"}
# apt waits this long for the package lock (unattended-upgrades on a freshly booted instance) instead of failing.
APT_LOCK = ["-o", "DPkg::Lock::Timeout=300"]


def missing_packages(module, names):
    """The packages of names that dpkg does not list as installed."""
    if not names:
        return []
    rc, out, err = command.run(["dpkg-query", "-W", "-f=${Package} ${db:Status-Status}\\n", "--"] + names)
    if rc not in (0, 1):
        module.fail_json(msg="dpkg-query failed (%d): %s" % (rc, (err or out).strip()[-2000:]))
    installed = {line.split(" ", 1)[0] for line in out.splitlines() if line.endswith(" installed")}
    return [name for name in names if name not in installed]


APT_UPDATE = ["apt-get"] + APT_LOCK + ["update"]
APT_INSTALL = ["apt-get", "-y"] + APT_LOCK + ["-o", "Dpkg::Options::=--force-confdef",
                                            "-o", "Dpkg::Options::=--force-confold", "install"]
# A line of `apt-get -s install`: "Inst caddy [2.6.2-5] (2.6.4-1 Debian:12/stable [amd64])".
SIMULATED_INSTALL = re.compile(r"^Inst (\S+)", re.M)


def _apt(module, what, argv, **fail):
    rc, out, err = command.run(argv, environ_update=APT_ENV)
    if rc != 0:
        module.fail_json(msg="%s failed (%d): %s" % (what, rc, (err or out).strip()[-2000:]), **fail)
    return out


def install_packages(module, names, state="present"):
    """Install what is missing of names (apt-get update, then apt-get install); with state latest, upgrade the
    installed ones the refreshed index has newer versions of. Returns (missing, upgraded)."""
    missing = missing_packages(module, names)
    if missing and not module.check_mode:
        _apt(module, "apt-get update", APT_UPDATE, packages_missing=missing)
        _apt(module, "apt-get install %s" % " ".join(missing), APT_INSTALL + ["--"] + missing,
             packages_missing=missing)
    present = [name for name in names if name not in missing]
    if state != "latest" or not present:
        return missing, []
    if not missing:  # not refreshed above
        _apt(module, "apt-get update", APT_UPDATE)
    out = _apt(module, "apt-get -s install --only-upgrade", APT_INSTALL + ["-s", "--only-upgrade", "--"] + present)
    upgrade = [name for name in SIMULATED_INSTALL.findall(out) if name in present]
    if upgrade and not module.check_mode:
        _apt(module, "apt-get install --only-upgrade %s" % " ".join(upgrade),
             APT_INSTALL + ["--only-upgrade", "--"] + upgrade)
    return missing, upgrade


def _ids(module, owner, group):
    try:
        uid = pwd.getpwnam(owner).pw_uid
    except KeyError:
        module.fail_json(msg="no user %s on this host" % owner)
    try:
        gid = grp.getgrnam(group).gr_gid
    except KeyError:
        module.fail_json(msg="no group %s on this host" % group)
    return uid, gid


def _meta_differs(path, uid, gid, mode):
    st = os.lstat(path)
    return st.st_uid != uid or st.st_gid != gid or stat.S_IMODE(st.st_mode) != mode


def ensure_directory(module, spec, changed):
    path = spec["path"]
    uid, gid = _ids(module, spec["owner"], spec["group"])
    mode = int(spec["mode"], 8)
    if os.path.isdir(path):
        if not _meta_differs(path, uid, gid, mode):
            return
    elif os.path.exists(path):
        module.fail_json(msg="%s exists and is not a directory" % path)
    changed.append(path)
    if module.check_mode:
        return
    os.makedirs(path, mode=mode, exist_ok=True)
    os.chown(path, uid, gid)
    os.chmod(path, mode)


def _current(path):
    try:
        with open(path, "rb") as handle:
            return handle.read()
    except FileNotFoundError:
        return None
    except IsADirectoryError:
        return None


def prepare_file(module, spec, changed, diffs, secrets):
    """Compare; when the file differs, prepare the change (a checked temporary file, or new owner, group and mode).
    Returns the function that puts it in place, or None."""
    dest = spec["dest"]
    secret = dest in secrets
    if secret == (spec.get("content") is not None):
        module.fail_json(msg="%s: give exactly one of its content and an entry in secrets" % dest)
    new = to_bytes(secrets[dest] if secret else spec["content"], errors="surrogate_or_strict")
    uid, gid = _ids(module, spec["owner"], spec["group"])
    mode = int(spec["mode"], 8)
    if os.path.isdir(dest):
        module.fail_json(msg="%s is a directory" % dest)
    old = _current(dest)
    content_changed = old != new
    if not content_changed and not _meta_differs(dest, uid, gid, mode):
        return None
    changed.append(dest)
    if old is None and not os.path.lexists(dest):
        _CREATED.append(dest)
    if content_changed and module._diff and not secret:
        diffs.append({"before_header": dest, "after_header": dest,
                      "before": "" if old is None else to_text(old, errors="surrogate_or_replace"),
                      "after": to_text(new, errors="surrogate_or_replace")})
    if module.check_mode:
        return None
    if not content_changed:
        return lambda: (os.chown(dest, uid, gid), os.chmod(dest, mode))
    directory = os.path.dirname(dest)
    if not os.path.isdir(directory):
        module.fail_json(msg="the directory of %s does not exist" % dest)
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=".%s." % os.path.basename(dest))
    _PENDING.append(tmp)
    with os.fdopen(fd, "wb") as handle:
        handle.write(new)
    os.chown(tmp, uid, gid)
    os.chmod(tmp, mode)
    if spec.get("validate"):
        if "%s" not in spec["validate"]:
            module.fail_json(msg="%s: the validate command has no %%s" % dest)
        argv = [arg.replace("%s", tmp) for arg in shlex.split(spec["validate"])]
        rc, out, err = command.run(argv)
        if rc != 0:
            module.fail_json(msg="%s failed its check (%s), left as it was: %s"
                             % (dest, spec["validate"], (err or out).strip()[-2000:]),
                             rc=rc, stdout=out, stderr=err, changed_files=changed[:-1])
    return lambda: os.rename(tmp, dest)


# Temporary files of this run; those not renamed are removed whatever happens (a failed check exits the module).
_PENDING = []
# Files this run creates (none was there before).
_CREATED = []


def _cleanup():
    for tmp in _PENDING:
        if os.path.exists(tmp):
            os.unlink(tmp)


def _command_changed(spec, out):
    how = spec["changed_when"]
    if how == "json":
        try:
            doc = json.loads(out or "null")
        except ValueError:
            return None
        return bool(doc.get("changed")) if isinstance(doc, dict) else None
    if how == "pattern":
        return re.search(spec["changed_pattern"], out) is not None
    return how == "always"


def check_commands(module, specs):
    """Fails, before anything is touched, on a command whose changed_pattern is missing, or whose changed_pattern or
    warn_pattern is not a regular expression."""
    for spec in specs:
        if spec["changed_when"] == "pattern" and not spec["changed_pattern"]:
            module.fail_json(msg="%s: changed_when pattern needs a changed_pattern" % " ".join(spec["argv"]))
        for key in ("changed_pattern", "warn_pattern"):
            if not spec.get(key) or (key == "changed_pattern" and spec["changed_when"] != "pattern"):
                continue
            try:
                re.compile(spec[key])
            except re.error as exc:
                module.fail_json(msg="%s: %s %r is not a regular expression: %s"
                                 % (" ".join(spec["argv"]), key, spec[key], exc))


def run_commands(module, specs, changed):
    """Run O(commands) in order; returns their results (see RETURN)."""
    results = []
    for spec in specs:
        result = {"argv": spec["argv"], "rc": None, "stdout": "", "stdout_lines": [], "stderr": "", "changed": False,
                  "skipped": False}
        results.append(result)
        if spec["creates"] and os.path.lexists(spec["creates"]):
            result["skipped"] = True
            continue
        argv = spec["argv"]
        if module.check_mode:
            argv = spec["check_argv"]
            if not argv or argv[0] in changed:
                result.update(skipped=True, changed=bool(spec["creates"]))
                continue
        rc, out, err = command.run(argv, data=spec["stdin"])
        result.update(argv=argv, rc=rc, stdout=out, stdout_lines=out.splitlines(), stderr=err)
        if rc != 0:
            module.fail_json(msg="%s failed (%d): %s" % (" ".join(argv), rc, (err or out).strip()[-2000:]),
                             changed_files=changed, commands=results)
        result["changed"] = _command_changed(spec, out)
        if result["changed"] is None:
            module.fail_json(msg="%s: its output is not a JSON object: %s" % (" ".join(argv), out.strip()[-500:]),
                             changed_files=changed, commands=results)
        if spec.get("warn_pattern"):
            lines = [line for line in result["stdout_lines"] if re.search(spec["warn_pattern"], line)]
            if lines:
                module.warn((spec.get("warn_prefix") or "") + ", ".join(lines))
    return results


def main():
    module = AnsibleModule(
        argument_spec={
            "packages": {"type": "list", "elements": "str", "default": []},
            "package_state": {"type": "str", "default": "present", "choices": ["present", "latest"]},
            "directories": {"type": "list", "elements": "dict", "default": [], "options": {
                "path": {"type": "path", "required": True},
                "owner": {"type": "str", "default": "root"},
                "group": {"type": "str", "default": "root"},
                "mode": {"type": "str", "default": "0755"},
            }},
            "all_or_nothing": {"type": "bool", "default": False},
            "commands": {"type": "list", "elements": "dict", "default": [], "options": {
                "argv": {"type": "list", "elements": "str", "required": True},
                "check_argv": {"type": "list", "elements": "str"},
                "stdin": {"type": "str"},
                "creates": {"type": "path"},
                "changed_when": {"type": "str", "default": "always", "choices": ["always", "never", "json", "pattern"]},
                "changed_pattern": {"type": "str"},
                "warn_pattern": {"type": "str"},
                "warn_prefix": {"type": "str", "default": ""},
            }},
            # A secret in a suboption would still reach the instance's journal: AnsibleModule logs a list option
            # as its repr, where a multi-line secret no longer matches the value it masks.
            "secrets": {"type": "dict", "default": {}, "no_log": True},
            "units": {"type": "list", "elements": "dict", "default": [], "options": systemd_units.UNIT_OPTIONS},
            "manages": {"type": "dict", "default": {}, "options": {
                "files": {"type": "list", "elements": "path", "default": []},
                "units": {"type": "list", "elements": "str", "default": []},
                "probes": {"type": "list", "elements": "list", "default": []},
            }},
            "files": {"type": "list", "elements": "dict", "default": [], "options": {
                "dest": {"type": "path", "required": True},
                "content": {"type": "str"},
                "owner": {"type": "str", "default": "root"},
                "group": {"type": "str", "default": "root"},
                "mode": {"type": "str", "default": "0644"},
                "validate": {"type": "str"},
            }},
        },
        supports_check_mode=True,
    )
    check_commands(module, module.params["commands"])
    changed, diffs = [], []
    del _PENDING[:]
    del _CREATED[:]
    installed, upgraded = install_packages(module, module.params["packages"], module.params["package_state"])
    try:
        for spec in module.params["directories"]:
            ensure_directory(module, spec, changed)
        ready = []
        for spec in module.params["files"]:
            commit = prepare_file(module, spec, changed, diffs, module.params["secrets"])
            if commit and module.params["all_or_nothing"]:
                ready.append(commit)
            elif commit:
                commit()
        for commit in ready:
            commit()
    finally:
        _cleanup()
    commands = run_commands(module, module.params["commands"], changed)
    units_changed, units = systemd_units.converge(module, module.params["units"], changed, created=_CREATED)
    manages = module.params["manages"] or {}
    changed_any = bool(changed or installed or upgraded) or units_changed or any(c["changed"] for c in commands)
    result = {"changed": changed_any, "packages_installed": installed, "packages_upgraded": upgraded,
              "changed_files": changed, "commands": commands, "units": units,
              "manages": {
        "files": [spec["dest"] for spec in module.params["files"]] + list(manages.get("files") or []),
        "units": list(manages.get("units") or []) + [u["name"] for u in module.params["units"]
                                                    if u["name"] not in (manages.get("units") or [])],
        "probes": [list(map(str, argv)) for argv in manages.get("probes") or []],
    }}
    if module._diff and diffs:
        result["diff"] = diffs
    module.exit_json(**result)


if __name__ == "__main__":
    main()

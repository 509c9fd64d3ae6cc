# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Units a role keeps enabled and running, handled in the same module run as the role's files.

One `systemctl show` reads every unit (and one `systemctl is-enabled` those systemd does not call enabled, see
below); one `systemctl enable` and one `systemctl start` act on all that need it (systemd starts them side by side,
honouring their ordering); a unit that already ran is reloaded (or restarted) only when a file it depends on changed
in this run. A unit started by this run is not reloaded: it started with the new files.

A daemon-reload (about 0.2 s) follows a changed unit file or drop-in, but not unit files this run created for units
of its list that nothing else defines: systemd loads a unit from disk the first time it is asked for it, and asks
the disk again for one it found missing before once the unit directories changed (systemd's own tests start units
this way, TEST-23-UNIT-FILE "start & stop operations without daemon-reload"). Should systemd still call such a unit
missing (a file system whose one-second timestamps hide the change), the daemon-reload follows after all.

`systemctl enable` runs with --no-reload and without the SysV hook: enabling only adds the [Install] symlinks, which
systemd reads at the next boot or daemon-reload, and starting a unit does not need them; the implicit daemon-reload
(about 0.15 s) and, for a package that also ships an init script (bird, nsd), Debian's update-rc.d (about 0.3 s)
are what made an enable cost. The rc?.d links it would write matter only under sysvinit: systemd ignores an init
script that has a native unit. The price is that the manager's own UnitFileState stays stale (disabled) until
the next daemon-reload, so where it does not say enabled, enablement is read again with `systemctl is-enabled`,
which reads the unit files on disk.
"""

from __future__ import annotations

import os
import re

from ansible_collections.anycast.network.plugins.module_utils.common import command

UNIT_DIRS = re.compile(r"^/(etc|lib|usr/lib)/systemd/system/")
# Where else a unit can be defined (systemd.unit(5), system unit search path).
DEFINITION_DIRS = ("/etc/systemd/system", "/run/systemd/system", "/usr/local/lib/systemd/system", "/lib/systemd/system",
                   "/usr/lib/systemd/system")
# UnitFileState values that need no `systemctl enable` (systemctl(1), is-enabled).
ENABLED_STATES = {"enabled", "enabled-runtime", "static", "alias", "indirect", "generated", "transient"}
RUNNING_STATES = {"active", "reloading", "activating"}
# systemctl skips its SysV compatibility hook (systemd, docs/ENVIRONMENT.md).
NO_SYSV = {"SYSTEMCTL_SKIP_SYSV": "1"}

UNIT_OPTIONS = {
    "name": {"type": "str", "required": True},
    "enabled": {"type": "bool", "default": True},
    "reload_on": {"type": "list", "elements": "str", "default": []},
    "reload": {"type": "bool", "default": False},
    "restart": {"type": "bool", "default": False},
    "reload_command": {"type": "list", "elements": "str"},
    "reload_expect": {"type": "str"},
}


def parse_show(out, names):
    """{name: {property: value}} from the output of `systemctl show -p ... NAME...` (a block per unit, in order)."""
    blocks = out.strip().split("\n\n")
    return {name: dict(line.split("=", 1) for line in block.splitlines() if "=" in line)
            for name, block in zip(names, blocks)}


class UnitStateError(Exception):
    """systemctl could not tell the units' states."""


def query_states(run, names):
    """{name: {LoadState, ActiveState, UnitFileState}}, UnitFileState as the unit files on disk say it (see above).

    One `systemctl show`; the manager's UnitFileState is kept where it says enabled (a unit disabled since then went
    through a daemon-reload, unless someone disabled it with --no-reload too), and asked again from the unit files
    with one `systemctl is-enabled` where it does not (an enable with --no-reload leaves it saying disabled).
    run(argv) returns (rc, stdout, stderr); raises UnitStateError when systemctl cannot answer for every unit."""
    if not names:
        return {}
    names = list(names)
    rc, out, err = run(["systemctl", "show", "--property=LoadState,ActiveState,UnitFileState", "--"] + names)
    if rc != 0:
        raise UnitStateError("systemctl show failed: %s" % (err or out).strip())
    states = parse_show(out, names)
    if len(states) != len(set(names)):
        raise UnitStateError("systemctl show answered for %d of %d units" % (len(states), len(names)))
    # is-enabled stops at the first unit without a unit file: ask only for the units systemd found.
    ask = [name for name in names if states[name].get("LoadState") != "not-found"
           and states[name].get("UnitFileState") not in ENABLED_STATES]
    if ask:
        rc, out, err = run(["systemctl", "is-enabled", "--"] + ask)
        answers = out.split()
        # Non-zero whenever one of them is not enabled: only a missing answer is an error.
        if len(answers) != len(ask):
            raise UnitStateError("systemctl is-enabled answered for %d of %d units: %s"
                                 % (len(answers), len(ask), (err or out).strip()))
        for name, answer in zip(ask, answers):
            states[name]["UnitFileState"] = answer
    return states


def read_states(module, names):
    """query_states; a failure fails the module."""
    try:
        return query_states(command.run, names)
    except UnitStateError as exc:
        return module.fail_json(msg=str(exc))


def _status(module, name):
    _, out, _ = command.run(["systemctl", "status", "--no-pager", "--lines=15", "--", name])
    return out.strip()[-3000:]


def _run(module, argv, what, names, expect=None, environ_update=None):
    rc, out, err = command.run(argv, environ_update=environ_update)
    if rc != 0 or (expect and not re.search(expect, out)):
        module.fail_json(msg="%s failed: %s\n%s" % (what, (err or out).strip(),
                                                   "\n".join(_status(module, n) for n in names)),
                         rc=rc, stdout=out, stderr=err)


def plan(units, states, changed_files):
    """What each unit needs, from its state before the run and the files this run changed."""
    actions = []
    for unit in units:
        name = unit["name"]
        state = states.get(name, {})
        running = state.get("ActiveState") in RUNNING_STATES
        enable = unit["enabled"] and state.get("UnitFileState") not in ENABLED_STATES
        touched = unit["reload"] or any(re.search(pattern, path) for pattern in unit["reload_on"]
                                        for path in changed_files)
        actions.append({"name": name, "enable": enable, "start": not running,
                        "reload": running and touched and not unit["restart"],
                        "restart": running and touched and unit["restart"],
                        "command": unit.get("reload_command"), "expect": unit.get("reload_expect")})
    return actions


def _unit_file(name):
    return name if "." in name else name + ".service"


def new_unit_files_only(unit_paths, created, names):
    """True when every unit-directory file of unit_paths is a unit file this run created (not a drop-in) for a unit
    of names that no other unit directory defines."""
    listed = {_unit_file(name) for name in names}
    for path in unit_paths:
        base = os.path.basename(path)
        if path not in created or os.path.dirname(path) + "/" != UNIT_DIRS.match(path).group(0) or base not in listed:
            return False
        if any(os.path.lexists(os.path.join(d, base)) for d in DEFINITION_DIRS if d != os.path.dirname(path)):
            return False
    return True


def converge(module, units, changed_files, created=()):
    """Enable, start, reload or restart the units as `plan` says; returns (changed, report)."""
    if not units:
        return False, {}
    names = [u["name"] for u in units]
    unit_paths = [path for path in changed_files if UNIT_DIRS.search(path)]
    daemon_reload = bool(unit_paths) and not new_unit_files_only(unit_paths, created, names)
    if daemon_reload and not module.check_mode:
        _run(module, ["systemctl", "daemon-reload"], "systemctl daemon-reload", [])
    states = read_states(module, names)
    if unit_paths and not daemon_reload and not module.check_mode:
        created_units = {os.path.basename(path) for path in unit_paths}
        if any(states[name].get("LoadState") == "not-found" for name in names if _unit_file(name) in created_units):
            daemon_reload = True
            _run(module, ["systemctl", "daemon-reload"], "systemctl daemon-reload", [])
            states = read_states(module, names)
    for name in names:
        if states[name].get("UnitFileState", "").startswith("masked"):
            module.fail_json(msg="unit %s is masked" % name)
        if states[name].get("LoadState") == "not-found" and not module.check_mode:
            module.fail_json(msg="unit %s does not exist on this host" % name)
    actions = plan(units, states, changed_files)
    report = {a["name"]: [k for k in ("enable", "start", "reload", "restart") if a[k]] for a in actions}
    changed = any(report.values()) or (daemon_reload and not module.check_mode)
    if module.check_mode:
        return changed, report
    enable = [a["name"] for a in actions if a["enable"]]
    if enable:
        _run(module, ["systemctl", "enable", "--quiet", "--no-reload", "--"] + enable, "systemctl enable", [],
             environ_update=NO_SYSV)
    start = [a["name"] for a in actions if a["start"]]
    if start:
        _run(module, ["systemctl", "start", "--"] + start, "systemctl start " + " ".join(start), start)
    for a in actions:
        if a["reload"] and a["command"]:
            _run(module, a["command"], " ".join(a["command"]), [a["name"]], a["expect"])
        elif a["reload"] or a["restart"]:
            verb = "reload" if a["reload"] else "restart"
            _run(module, ["systemctl", verb, "--", a["name"]], "systemctl %s %s" % (verb, a["name"]), [a["name"]])
    return changed, report

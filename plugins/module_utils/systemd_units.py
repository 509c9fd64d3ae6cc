# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Units a role keeps enabled and running, handled in the same module run as the role's files.

One `systemctl show` reads every unit; one `systemctl enable` and one `systemctl start` act on all that need it (systemd
starts them side by side, honouring their ordering); a unit that already ran is reloaded (or restarted) only when a
file it depends on changed in this run. A unit started by this run is not reloaded: it started with the new files.
"""

from __future__ import annotations

import re

UNIT_DIRS = re.compile(r"^/(etc|lib|usr/lib)/systemd/system/")
# UnitFileState values that need no `systemctl enable` (systemctl(1), is-enabled).
ENABLED_STATES = {"enabled", "enabled-runtime", "static", "alias", "indirect", "generated", "transient"}
RUNNING_STATES = {"active", "reloading", "activating"}

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


def read_states(module, names):
    """{name: {LoadState, ActiveState, UnitFileState}} from one `systemctl show`."""
    if not names:
        return {}
    rc, out, err = module.run_command(["systemctl", "show", "--property=LoadState,ActiveState,UnitFileState", "--"]
                                      + list(names))
    if rc != 0:
        module.fail_json(msg="systemctl show failed: %s" % (err or out).strip())
    states = parse_show(out, names)
    if len(states) != len(set(names)):
        module.fail_json(msg="systemctl show answered for %d of %d units" % (len(states), len(names)))
    return states


def _status(module, name):
    _, out, _ = module.run_command(["systemctl", "status", "--no-pager", "--lines=15", "--", name])
    return out.strip()[-3000:]


def _run(module, argv, what, names, expect=None):
    rc, out, err = module.run_command(argv)
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


def converge(module, units, changed_files):
    """Enable, start, reload or restart the units as `plan` says; returns (changed, report)."""
    if not units:
        return False, {}
    names = [u["name"] for u in units]
    daemon_reload = any(UNIT_DIRS.search(path) for path in changed_files)
    if daemon_reload and not module.check_mode:
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
        _run(module, ["systemctl", "enable", "--quiet", "--"] + enable, "systemctl enable", [])
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

# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The state of the units the roles keep enabled and running, as the converged check reads it: one
`systemctl show` for every unit, and one `systemctl is-enabled` (which reads the unit files on disk) for those the
manager does not call enabled, in case it was enabled without a daemon-reload since."""

from __future__ import annotations

# UnitFileState values that need no `systemctl enable` (systemctl(1), is-enabled).
ENABLED_STATES = {"enabled", "enabled-runtime", "static", "alias", "indirect", "generated", "transient"}


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

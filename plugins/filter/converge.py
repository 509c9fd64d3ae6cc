# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters of the configure step's converge record (documented in the .yml files beside this one)."""

from __future__ import annotations

from collections.abc import Mapping


def anycast_unconverged(hosts, hostvars, result="anycast_converged_check"):
    """{host: [reasons]} for every host whose converged check (the variable named result) did not say converged,
    with the check's reasons, or why it could not tell."""
    out = {}
    for host in hosts or []:
        try:
            check = hostvars[host].get(result)
        except (KeyError, AttributeError):
            check = None
        if not isinstance(check, Mapping):
            out[host] = ["no answer"]
        elif not check.get("converged"):
            out[host] = list(check.get("reasons") or [check.get("msg") or "no answer"])
    return out


class FilterModule:
    def filters(self):
        return {"anycast_unconverged": anycast_unconverged}

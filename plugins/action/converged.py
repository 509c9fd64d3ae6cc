# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Compute, on the controller, the digest of everything an instance's configuration comes from, then let the module
of the same name compare it with the instance's record or record it (see plugins/modules/converged.py)."""

from __future__ import annotations

from ansible.module_utils.parsing.convert_bool import boolean
from ansible.plugins.action import ActionBase

from ansible_collections.anycast.network.plugins.module_utils.converge import digest as converge_digest


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _VALID_ARGS = frozenset(("state", "digest", "state_file", "manages", "files", "units", "probes", "force", "fresh",
                             "bird"))

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        task_vars = task_vars or {}
        args = dict(self._task.args)
        if not args.get("digest"):
            # The task's templar knows the host's variables: the digest covers them as the roles will read them.
            args["digest"] = converge_digest.digest(task_vars, self._templar.template)
        if args.get("state", "check") == "check" and boolean(args.get("fresh", False), strict=False):
            # Created by this run: there is no record to compare with, so the instance is not asked.
            result.update(changed=False, converged=False, digest=args["digest"], reasons=["created by this run"])
            return result
        result.update(self._execute_module(module_name="anycast.network.converged", module_args=args,
                                           task_vars=task_vars))
        return result

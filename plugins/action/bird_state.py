# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Read BIRD's state on the host (plugins/modules/bird_state.py), or hand back a read of it made moments before the
same way (`reuse`): the verify step of a run that configured nothing keeps the converge check's read in the task
that would have read BIRD again, so one task registers the result either way."""

from __future__ import annotations

from collections.abc import Mapping

from ansible.errors import AnsibleActionFail
from ansible.plugins.action import ActionBase


class ActionModule(ActionBase):
    TRANSFERS_FILES = False

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        args = dict(self._task.args)
        reuse = args.pop("reuse", None)
        if reuse and not isinstance(reuse, Mapping):
            raise AnsibleActionFail("bird_state: reuse must be an earlier result of this module (a mapping)")
        if reuse:
            result.update({key: value for key, value in dict(reuse).items() if key not in ("invocation", "failed")})
            result.update(changed=False, reused=True)
            return result
        result.update(self._execute_module(module_name="anycast.network.bird_state", module_args=args,
                                           task_vars=task_vars or {}))
        # A failed wave of the configure step names the PoP that failed, whatever its instances are called.
        pop = (task_vars or {}).get("anycast_pop")
        if result.get("failed") and pop and isinstance(result.get("msg"), str):
            result["msg"] = "PoP %s: %s" % (self._templar.template(pop), result["msg"])
        return result

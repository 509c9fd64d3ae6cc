# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Compute, on the controller, the digest of everything an instance's configuration comes from, then let the module
of the same name compare it with the instance's record or record it (see plugins/modules/converged.py).

The check runs on every instance in every run, so it skips the module's start-up where it can: its code
(module_utils/converge_check.py, standard library only) goes to the instance's Python as one script through the
connection's standard input, as pipelining feeds a module (plugins/plugin_utils/stdlib_script.py). Where that is
not possible (no pipelining, the instance's Python not known yet) or the script fails, the module runs as usual."""

from __future__ import annotations

import shlex

from ansible.module_utils.parsing.convert_bool import boolean
from ansible.plugins.action import ActionBase
from ansible.utils.display import Display

from ansible_collections.anycast.network.plugins.module_utils import converge_digest
from ansible_collections.anycast.network.plugins.plugin_utils import stdlib_script

display = Display()
CHECK = stdlib_script.PREFIX + ".converge_check"


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _VALID_ARGS = frozenset(("state", "digest", "state_file", "files", "units", "probes", "force", "fresh", "bird"))

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        task_vars = task_vars or {}
        args = dict(self._task.args)
        if not args.get("digest"):
            templar = self._templar.copy_with_new_env(available_variables=task_vars)
            args["digest"] = converge_digest.digest(task_vars, templar.template)
        if args.get("state", "check") == "check" and boolean(args.get("fresh", False), strict=False):
            # Created by this run: there is no record to compare with, so the instance is not asked.
            result.update(changed=False, converged=False, digest=args["digest"], reasons=["created by this run"])
            return result
        if args.get("state", "check") == "check":
            checked = self._check_as_script(args, task_vars)
            if checked is not None:
                result.update(checked)
                return result
        result.update(self._execute_module(module_name="anycast.network.converged", module_args=args,
                                           task_vars=task_vars))
        return result

    def _python(self, task_vars):
        """The instance's Python when known (set in the inventory, or found by an earlier run), else None."""
        python = task_vars.get("ansible_python_interpreter")
        if python is None:
            python = (task_vars.get("ansible_facts") or {}).get("discovered_interpreter_python")
        if python is None:
            return None
        python = str(self._templar.template(python))
        return python if python.startswith("/") else None  # "auto" and the like: discovery is the module's job

    def _check_as_script(self, args, task_vars):
        """state=check as one plain Python script on the instance; None when the module has to do it."""
        python = self._python(task_vars)
        state_file = args.get("state_file")
        if python is None or not self._is_pipelining_enabled("new") or (state_file and not state_file.startswith("/")):
            return None
        check_args = {"digest": args["digest"], "force": boolean(args.get("force", False), strict=False)}
        if state_file:
            check_args["state_file"] = state_file
        try:
            script = stdlib_script.build(CHECK, "check", check_args)
        except stdlib_script.NotStandalone as exc:
            display.warning("converged: the check cannot run as a plain script (%s); using the module" % exc)
            return None
        res = self._low_level_execute_command("%s -I -" % shlex.quote(python), in_data=script.encode("utf-8"))
        try:
            if res.get("rc") != 0:
                raise ValueError("exit %s: %s" % (res.get("rc"), (res.get("stderr") or "").strip()[-300:]))
            return stdlib_script.parse(res.get("stdout") or "")
        except ValueError as exc:
            display.vvv("converged: the plain check failed (%s); using the module" % exc,
                        host=task_vars.get("inventory_hostname"))
            return None

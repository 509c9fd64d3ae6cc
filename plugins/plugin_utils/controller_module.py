# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run a controller-side module's work inside Ansible's worker process.

The lab and report modules (lab_network, lab_probe, catchment_report) only ever do their work on the controller.
Run as modules, every task pays for a module payload, a new Python interpreter and the import of
ansible.module_utils.basic: about half a second each on two cores, three times in every run of site.yml. Their
action plugins (subclasses of ControllerModuleAction) call the module's own `run(module)` in the worker instead,
with the module's own argument spec, when the task runs on the controller (the local connection); on any other
connection the module runs as usual. The module file stays the single source: options, documentation, logic.

A module that takes part defines, beside DOCUMENTATION/EXAMPLES/RETURN:
  ARGUMENT_SPEC    its argument_spec
  MODULE_KWARGS    the other AnsibleModule keywords (supports_check_mode, required_if, mutually_exclusive...)
  run(module)      the work, using module.params, module.check_mode, module.warn, module.exit_json and
                   module.fail_json only
and main() is `run(AnsibleModule(argument_spec=ARGUMENT_SPEC, **MODULE_KWARGS))`.
"""

from __future__ import annotations

import json

from ansible.module_utils.common.arg_spec import ModuleArgumentSpecValidator
from ansible.module_utils.errors import UnsupportedError
from ansible.plugins.action import ActionBase

_VALIDATOR_KEYWORDS = ("mutually_exclusive", "required_together", "required_one_of", "required_if", "required_by")


class _Exit(BaseException):
    """Ends run(module) like exit_json/fail_json end a module (BaseException: a module's `except Exception` or
    `except OSError` does not catch it, as it does not catch SystemExit)."""

    def __init__(self, result):
        super().__init__()
        self.result = result


class InProcessModule:
    """The part of AnsibleModule the controller-side modules use."""

    def __init__(self, params, check_mode):
        self.params = params
        self.check_mode = check_mode
        self.warnings = []

    def warn(self, warning):
        self.warnings.append(str(warning))

    def exit_json(self, **result):
        raise _Exit(self._finish(result))

    def fail_json(self, msg, **result):
        result.update(failed=True, msg=msg)
        raise _Exit(self._finish(result))

    def _finish(self, result):
        if self.warnings:
            result["warnings"] = result.get("warnings", []) + self.warnings
        # What a module prints is JSON: the same types here (tuples become lists, no object leaks into a callback).
        return json.loads(json.dumps(result, default=str))


def _short_name(module_source):
    return getattr(module_source, "__name__", "module").rsplit(".", 1)[-1]


def run_in_process(module_source, args, check_mode):
    """Validate args against the module's spec, then run it; returns the module's result."""
    kwargs = getattr(module_source, "MODULE_KWARGS", {})
    validator = ModuleArgumentSpecValidator(module_source.ARGUMENT_SPEC,
                                            **{k: v for k, v in kwargs.items() if k in _VALIDATOR_KEYWORDS})
    validated = validator.validate(dict(args))
    if validated.error_messages:
        name = _short_name(module_source)
        return {"failed": True, "msg": "; ".join(
            "Unsupported parameters for (%s) module: %s" % (name, error.msg) if isinstance(error, UnsupportedError)
            else error.msg for error in validated.errors.errors)}
    if check_mode and not kwargs.get("supports_check_mode", False):
        return {"skipped": True, "changed": False, "msg": "remote module does not support check mode"}
    module = InProcessModule(validated.validated_parameters, check_mode)
    try:
        module_source.run(module)
    except _Exit as done:
        return done.result
    return module._finish({})


class ControllerModuleAction(ActionBase):
    """Base of the action plugins of controller-side modules: set MODULE (the module's Python module)."""

    TRANSFERS_FILES = False
    MODULE = None

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        if self._connection.transport.split(".")[-1] != "local":
            result.update(self._execute_module(module_name="anycast.network." + _short_name(self.MODULE), module_args=self._task.args,
                                               task_vars=task_vars))
            return result
        result.update(run_in_process(self.MODULE, self._task.args, bool(self._play_context.check_mode)))
        return result

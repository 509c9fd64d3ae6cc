"""Run a module of the collection in-process, as Ansible would, and return its result.

Works on ansible-core 2.18 and 2.19:
- arguments: 2.19's ``ansible.module_utils.testing.patch_module_args``; on 2.18, which has no such helper, the
  same done by hand, as ansible-core's developer guide showed for the versions before it;
- warnings and deprecations: a module process starts with none, but in one test process they would pile up from
  run to run (and on 2.19, once any controller code is loaded in the process, module_utils hands them to the
  controller's Display instead of the result). So each run's own are collected, from both places: those the
  Display receives during the run, and those the result carries beyond what the process had before the run
  (``get_warning_messages`` / ``get_deprecation_messages``), and the result carries exactly those, as the
  result of a module process would.
"""

import contextlib
import io
import json
from unittest import mock

import pytest


@contextlib.contextmanager
def _patch_module_args_2_18(args):
    """ansible-core 2.18: what 2.19's patch_module_args does, and the recipe of ansible-core's developer guide
    ("Unit testing Ansible modules", set_module_args) for the versions before it: AnsibleModule reads its
    arguments once per process into this module variable, so each run sets it for its own duration."""
    from ansible.module_utils import basic

    with mock.patch.object(basic, "_ANSIBLE_ARGS", json.dumps({"ANSIBLE_MODULE_ARGS": args}).encode()):
        yield


try:
    from ansible.module_utils.testing import patch_module_args  # ansible-core 2.19 and later
except ImportError:  # ansible-core 2.18
    patch_module_args = _patch_module_args_2_18


def _new(messages, before):
    """The messages of this run: those past the ones the process already had."""
    messages = list(messages or [])
    before = list(before)
    return messages[len(before):] if messages[:len(before)] == before else [m for m in messages if m not in before]


def run_module(module, args, check_mode=False, diff=False):
    """Call `module.main()` with `args`; return its result dict (it has `failed` when the module failed)."""
    from ansible.module_utils.common.warnings import get_deprecation_messages, get_warning_messages
    from ansible.utils.display import Display

    warnings_before = get_warning_messages()
    deprecations_before = get_deprecation_messages()
    shown_warnings = []
    shown_deprecations = []

    def warning(_display, msg, *_args, **_kwargs):
        shown_warnings.append(msg)

    def error_as_warning(_display, msg, exception, *_args, **_kwargs):
        shown_warnings.append("%s: %s" % (msg, exception) if msg else str(exception))

    def deprecated(_display, msg, *_args, **kwargs):
        shown_deprecations.append(dict(msg=msg, **{k: v for k, v in kwargs.items() if k in ("version", "date")}))

    args = dict(args)
    args["_ansible_check_mode"] = check_mode
    args["_ansible_diff"] = diff
    out = io.StringIO()
    with contextlib.ExitStack() as stack:
        stack.enter_context(mock.patch.object(Display, "warning", warning))
        stack.enter_context(mock.patch.object(Display, "deprecated", deprecated))
        if hasattr(Display, "error_as_warning"):
            stack.enter_context(mock.patch.object(Display, "error_as_warning", error_as_warning))
        stack.enter_context(patch_module_args(args))
        stack.enter_context(contextlib.redirect_stdout(out))
        with pytest.raises(SystemExit):
            module.main()
    result = json.loads(out.getvalue().strip().splitlines()[-1])
    for key, before, shown in (("warnings", warnings_before, shown_warnings),
                               ("deprecations", deprecations_before, shown_deprecations)):
        own = _new(result.pop(key, None), before) + shown
        if own:
            result[key] = own
    return result

"""Run a module of the collection in-process, as Ansible would, and return its result."""

import contextlib
import io
import json

import pytest


def run_module(module, args, check_mode=False, diff=False):
    """Call `module.main()` with `args`; return its result dict (it has `failed` when the module failed)."""
    from ansible.module_utils.common import warnings
    from ansible.module_utils.testing import patch_module_args

    # A module process starts with no warnings; in-process, the last run's would still be there.
    warnings._global_warnings.clear()
    warnings._global_deprecations.clear()
    args = dict(args)
    args["_ansible_check_mode"] = check_mode
    args["_ansible_diff"] = diff
    out = io.StringIO()
    with patch_module_args(args), contextlib.redirect_stdout(out):
        with pytest.raises(SystemExit):
            module.main()
    return json.loads(out.getvalue().strip().splitlines()[-1])

"""Helpers for the registry tests: the collection on sys.path, modules run in-process."""

from __future__ import annotations

import json
import pathlib
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[3]
if str(ROOT / "collections") not in sys.path:
    sys.path.insert(0, str(ROOT / "collections"))


def run_module(module, args, capsys, check_mode=False, diff=False):
    """Run an Ansible module's main() in-process; return its result dict (failed or not)."""
    from ansible.module_utils.testing import patch_module_args

    args = dict(args)
    args["_ansible_check_mode"] = check_mode
    args["_ansible_diff"] = diff
    with patch_module_args(args):
        with pytest.raises(SystemExit):
            module.main()
    out = capsys.readouterr().out
    return json.loads(out.strip().splitlines()[-1])


@pytest.fixture
def run(capsys):
    def _run(module, args, **kwargs):
        return run_module(module, args, capsys, **kwargs)
    return _run

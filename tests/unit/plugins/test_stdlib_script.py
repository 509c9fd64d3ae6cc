"""Collection code run as one plain Python script (plugins/plugin_utils/stdlib_script.py): it carries every
module_utils file it needs and nothing else, gives what the function gives in process, and refuses code that needs
more than Python's standard library."""

import json
import subprocess
import sys

import pytest

from ansible_collections.anycast.network.plugins.module_utils import converge_check
from ansible_collections.anycast.network.plugins.plugin_utils import stdlib_script

CHECK = stdlib_script.PREFIX + ".converge_check"


def _run_script(source):
    # -I: no PYTHONPATH, no user site, no current directory: only what the script carries besides the stdlib.
    proc = subprocess.run([sys.executable, "-I", "-"], input=source, capture_output=True, text=True, check=False,
                          cwd="/")
    assert proc.returncode == 0, proc.stderr
    return stdlib_script.parse(proc.stdout)


def test_the_check_carries_its_module_utils_and_nothing_more():
    assert sorted(name.rsplit(".", 1)[1] for name in stdlib_script.sources(CHECK)) == [
        "bird", "bird_read", "command", "converge_check", "systemd_units"]


def test_the_script_answers_what_the_function_answers(tmp_path):
    managed = tmp_path / "managed.conf"
    managed.write_text("x\n")
    record = tmp_path / "converged.json"
    record.write_text(json.dumps({"version": converge_check.VERSION, "digest": "d1", "units": [], "probes": [],
                                  "files": {str(managed): converge_check.file_sha256(str(managed))}}))
    for args in ({"digest": "d1", "state_file": str(record)},
                 {"digest": "d2", "state_file": str(record)},
                 {"digest": "d1", "state_file": str(record), "force": True},
                 {"digest": "d1", "state_file": str(tmp_path / "none.json")}):
        assert _run_script(stdlib_script.build(CHECK, "check", args)) == converge_check.check(**args)
    managed.write_text("changed\n")
    args = {"digest": "d1", "state_file": str(record)}
    result = _run_script(stdlib_script.build(CHECK, "check", args))
    assert result == converge_check.check(**args)
    assert result["reasons"] == ["%s changed on the instance" % managed]


@pytest.mark.parametrize("module, why", [
    ("vultr", "imports requests"),     # a third-party library
    ("route53", "imports ansible"),    # ansible-core itself
])
def test_code_beyond_the_standard_library_is_refused(module, why):
    with pytest.raises(stdlib_script.NotStandalone, match=why):
        stdlib_script.build("%s.%s" % (stdlib_script.PREFIX, module), "anything", {})


def test_only_collection_module_utils_are_served():
    with pytest.raises(stdlib_script.NotStandalone, match="not a module_utils module"):
        stdlib_script.sources("json")


def test_a_failing_function_fails_the_script():
    source = stdlib_script.build(CHECK, "check", {"no_such_argument": 1})
    proc = subprocess.run([sys.executable, "-I", "-"], input=source, capture_output=True, text=True, check=False)
    assert proc.returncode != 0 and "no_such_argument" in proc.stderr
    with pytest.raises(ValueError):
        stdlib_script.parse(proc.stdout)

"""The modules' commands (plugins/module_utils/common/command.py): what AnsibleModule.run_command answers, started without
a preexec_fn (so Python can vfork instead of copying the module's interpreter), arguments as given."""

import subprocess
import sys

from ansible_collections.anycast.network.plugins.module_utils.common import command


def test_output_status_and_input():
    script = "import sys; data = sys.stdin.read(); print('out:' + data); print('err', file=sys.stderr); sys.exit(3)"
    assert command.run([sys.executable, "-c", script], data="abc") == (3, "out:abc\n", "err\n")
    assert command.run([sys.executable, "-c", script], data=b"\xff") == (3, "out:\udcff\n", "err\n")


def test_no_input_is_an_empty_stdin_not_the_module_s():
    assert command.run(["cat"]) == (0, "", "")


def test_environment_added_and_arguments_not_expanded(monkeypatch):
    monkeypatch.setenv("ANYCAST_TEST_BASE", "base")
    script = "import os, sys; print(os.environ['ANYCAST_TEST_BASE'], os.environ['ANYCAST_TEST_ADDED'], sys.argv[1])"
    rc, out, _unused = command.run([sys.executable, "-c", script, "$ANYCAST_TEST_BASE"],
                                   environ_update={"ANYCAST_TEST_ADDED": "added"})
    assert (rc, out) == (0, "base added $ANYCAST_TEST_BASE\n")


def test_a_program_that_cannot_start_answers_127():
    rc, out, err = command.run(["/nonexistent/anycast-program"])
    assert rc == 127 and out == "" and "/nonexistent/anycast-program" in err


def test_no_preexec_fn(monkeypatch):
    """A preexec_fn (AnsibleModule.run_command always passes one) makes subprocess fork the whole interpreter."""
    seen = {}
    real = subprocess.run

    def spy(argv, **kwargs):
        seen.update(kwargs)
        return real(argv, **kwargs)  # pylint: disable=subprocess-run-check  # the caller's own arguments, passed on
    monkeypatch.setattr(subprocess, "run", spy)
    assert command.run(["true"])[0] == 0
    assert "preexec_fn" not in seen and "start_new_session" not in seen

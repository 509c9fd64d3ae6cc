"""anycast.network.config_files: commands after the files and before the units, in the same run."""

import grp
import json
import os
import pwd
import sys

from ansible_collections.anycast.network.plugins.modules import config_files

USER = pwd.getpwuid(os.getuid()).pw_name
GROUP = grp.getgrgid(os.getgid()).gr_name
# Appends its stdin and arguments to a log, prints {"changed": ...} from its first argument.
RECORDER = r'''#!%s
import json, sys
log = sys.argv[1]
open(log, "a").write(json.dumps({"argv": sys.argv[2:], "stdin": sys.stdin.read()}) + "\n")
print(json.dumps({"changed": sys.argv[2] == "change"}))
'''


def _recorder(tmp_path):
    path = tmp_path / "recorder"
    path.write_text(RECORDER % sys.executable)
    path.chmod(0o755)
    log = tmp_path / "calls.log"
    log.write_text("")
    return str(path), str(log), lambda: [json.loads(line) for line in log.read_text().splitlines()]


def _file(path, content, **extra):
    return dict({"dest": str(path), "content": content, "owner": USER, "group": GROUP}, **extra)


def test_commands_run_after_the_files_with_their_stdin_and_say_what_changed(run, tmp_path):
    prog, log, calls = _recorder(tmp_path)
    conf = tmp_path / "app.conf"
    commands = [
        # reads the file this run wrote: it must be in place already
        {"argv": ["sh", "-c", "cat %s" % conf], "changed_when": "never"},
        {"argv": [prog, log, "change"], "stdin": "a 1\nb 2\n", "changed_when": "json"},
        {"argv": [prog, log, "same"], "changed_when": "json"},
        {"argv": ["echo", "CHANGED net.ipv4.ip_forward"], "changed_when": "pattern", "changed_pattern": "(?m)^CHANGED "},
        {"argv": ["touch", str(tmp_path / "made")], "creates": str(tmp_path / "made")},
    ]
    first = run(config_files, {"files": [_file(conf, "x = 1\n")], "commands": commands})
    assert [c["changed"] for c in first["commands"]] == [False, True, False, True, True]
    assert first["commands"][0]["stdout"] == "x = 1\n"
    assert calls() == [{"argv": ["change"], "stdin": "a 1\nb 2\n"}, {"argv": ["same"], "stdin": ""}]
    # Nothing but the commands' own report counts: no file changed, the created path is there.
    quiet = [commands[0], commands[2], commands[4]]
    again = run(config_files, {"files": [_file(conf, "x = 1\n")], "commands": quiet})
    assert again["changed"] is False and again["commands"][2]["skipped"] is True


def test_a_failing_command_fails_the_run_before_the_units_and_a_bad_json_answer_too(run, tmp_path, monkeypatch):
    units = []
    monkeypatch.setattr(config_files.systemd_units, "converge", lambda *a, **k: units.append(a) or (False, {}))
    failed = run(config_files, {"commands": [{"argv": ["sh", "-c", "echo broken >&2; exit 3"]},
                                             {"argv": ["true"]}]})
    assert failed["failed"] and "failed (3): broken" in failed["msg"] and len(failed["commands"]) == 1
    assert units == []
    bad = run(config_files, {"commands": [{"argv": ["echo", "not json"], "changed_when": "json"}]})
    assert bad["failed"] and "not a JSON object" in bad["msg"]


def test_check_mode_runs_only_the_dry_run_form_and_never_a_program_it_would_write(run, tmp_path):
    prog, log, calls = _recorder(tmp_path)
    fresh = tmp_path / "fresh-command"
    args = {"files": [_file(fresh, "#!/bin/sh\n", mode="0755")], "commands": [
        {"argv": [prog, log, "change"], "check_argv": [prog, log, "same"], "changed_when": "json"},
        {"argv": [prog, log, "change"], "changed_when": "json"},
        {"argv": [str(fresh)], "check_argv": [str(fresh), "--check"]},
        {"argv": ["touch", str(tmp_path / "made")], "creates": str(tmp_path / "made")},
    ]}
    result = run(config_files, args, check_mode=True)
    assert calls() == [{"argv": ["same"], "stdin": ""}]
    assert [(c["skipped"], c["changed"]) for c in result["commands"]] == [
        (False, False), (True, False), (True, False), (True, True)]
    assert not fresh.exists() and not (tmp_path / "made").exists()


def test_a_bad_changed_pattern_fails_before_anything_is_touched(run, tmp_path):
    conf = tmp_path / "app.conf"
    for command, says in (({"argv": ["true"], "changed_when": "pattern"}, "needs a changed_pattern"),
                          ({"argv": ["true"], "changed_when": "pattern", "changed_pattern": "(unclosed"},
                           "is not a regular expression")):
        result = run(config_files, {"files": [_file(conf, "x = 1\n")], "commands": [command]})
        assert result["failed"] and says in result["msg"] and not conf.exists()


def test_lines_matching_warn_pattern_become_one_warning(run, tmp_path, monkeypatch):
    # What the module hands to AnsibleModule.warn (how Ansible carries it depends on where the module runs).
    seen = []
    monkeypatch.setattr(config_files.AnsibleModule, "warn", lambda self, msg: seen.append(msg))
    out = "CHANGED net.ipv4.ip_forward\\nREADONLY net.core.somaxconn\\nABSENT net.ipv4.tcp_x\\n"
    command = {"argv": ["printf", out], "changed_when": "pattern", "changed_pattern": "(?m)^CHANGED ",
               "warn_pattern": "^(READONLY|ABSENT) ", "warn_prefix": "left as they are: "}
    result = run(config_files, {"commands": [command]})
    assert result["changed"] is True
    assert seen == ["left as they are: READONLY net.core.somaxconn, ABSENT net.ipv4.tcp_x"]
    run(config_files, {"commands": [dict(command, argv=["printf", "CHANGED a\\n"])]})
    assert len(seen) == 1
    bad = run(config_files, {"commands": [dict(command, warn_pattern="(")]})
    assert bad["failed"] and "warn_pattern '(' is not a regular expression" in bad["msg"]

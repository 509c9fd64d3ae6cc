"""anycast.network.config_files: a role's files in one run, each checked before it replaces the old one."""

import grp
import os
import pwd
import stat
import sys

from ansible_collections.anycast.network.plugins.modules import config_files

USER = pwd.getpwuid(os.getuid()).pw_name
GROUP = grp.getgrgid(os.getgid()).gr_name
FAILS = "%s -c 'import sys; sys.exit(1)' %%s" % sys.executable
PASSES = "%s -c 'import sys; sys.exit(0)' %%s" % sys.executable


def _file(path, content, **extra):
    return dict({"dest": str(path), "content": content, "owner": USER, "group": GROUP}, **extra)


def _args(files, dirs=(), **extra):
    return dict({"files": list(files), "directories": [dict(d, owner=USER, group=GROUP) for d in dirs]}, **extra)


def test_writes_directories_and_files_then_changes_nothing(run, tmp_path):
    conf = tmp_path / "etc" / "app.conf"
    args = _args([_file(conf, "a = 1\n", mode="0640", validate=PASSES)], dirs=[{"path": str(tmp_path / "etc")}])
    first = run(config_files, args)
    assert first["changed"] and first["changed_files"] == [str(tmp_path / "etc"), str(conf)]
    assert conf.read_text() == "a = 1\n"
    assert stat.S_IMODE(conf.stat().st_mode) == 0o640
    assert stat.S_IMODE((tmp_path / "etc").stat().st_mode) == 0o755
    assert run(config_files, args)["changed"] is False
    conf.chmod(0o600)
    again = run(config_files, args)
    assert again["changed_files"] == [str(conf)] and stat.S_IMODE(conf.stat().st_mode) == 0o640


def test_a_failed_check_leaves_the_file_and_no_temporary_file(run, tmp_path):
    conf = tmp_path / "app.conf"
    conf.write_text("old\n")
    result = run(config_files, _args([_file(conf, "broken\n", validate=FAILS)]))
    assert result["failed"] and "app.conf failed its check" in result["msg"]
    assert conf.read_text() == "old\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["app.conf"]


def test_files_before_a_failed_check_are_in_place_unless_all_or_nothing(run, tmp_path):
    first, second = tmp_path / "one", tmp_path / "two"
    files = [_file(first, "1\n"), _file(second, "2\n", validate=FAILS)]
    assert run(config_files, _args(files))["failed"]
    assert first.read_text() == "1\n" and not second.exists()
    first.unlink()
    assert run(config_files, _args(files, all_or_nothing=True))["failed"]
    assert not first.exists() and not second.exists()
    assert list(tmp_path.iterdir()) == []


def test_check_mode_writes_nothing_and_shows_a_diff_but_never_a_secret(run, tmp_path):
    plain, secret = tmp_path / "plain", tmp_path / "secret"
    plain.write_text("old\n")
    files = [_file(plain, "new\n", validate=FAILS), {"dest": str(secret), "owner": USER, "group": GROUP}]
    result = run(config_files, _args(files, secrets={str(secret): "password hunter2\n"}), check_mode=True, diff=True)
    assert result["changed"] and result["changed_files"] == [str(plain), str(secret)]
    assert plain.read_text() == "old\n" and not secret.exists()
    assert [d["after"] for d in result["diff"]] == ["new\n"]
    assert "hunter2" not in repr(result)


def test_manages_lists_every_file_and_what_the_role_adds(run, tmp_path):
    result = run(config_files, _args([_file(tmp_path / "a", "a\n")],
                                     manages={"files": ["/etc/other"], "units": ["bird"], "probes": [["true"]]}))
    assert result["manages"] == {"files": [str(tmp_path / "a"), "/etc/other"], "units": ["bird"],
                                 "probes": [["true"]]}


def test_content_or_a_secret_exactly_once(run, tmp_path):
    result = run(config_files, _args([{"dest": str(tmp_path / "x"), "owner": USER, "group": GROUP}]))
    assert result["failed"] and "exactly one of its content and an entry in secrets" in result["msg"]
    both = run(config_files, _args([_file(tmp_path / "x", "a\n")], secrets={str(tmp_path / "x"): "b\n"}))
    assert both["failed"]


def test_a_secret_is_not_in_the_journal_line_the_module_logs(run, tmp_path, monkeypatch):
    """AnsibleModule logs its arguments on the instance (syslog/journal); a secret must not be in that line."""
    logged = []
    monkeypatch.setattr(config_files.AnsibleModule, "log", lambda self, msg, log_args=None: logged.append(msg))
    conf = tmp_path / "bird.conf"
    run(config_files, _args([{"dest": str(conf), "owner": USER, "group": GROUP, "mode": "0600"}],
                            secrets={str(conf): 'protocol bgp up0 {\n  password "hunter2";\n}\n'}))
    assert "hunter2" in conf.read_text()
    assert logged and not any("hunter2" in line for line in logged)

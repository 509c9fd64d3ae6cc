"""anycast.network.config_files: the role's units in the same run (enable, start, reload only what changed).

`systemctl` is a stand-in on PATH that keeps the units' states in a JSON file and logs every call."""

import json
import os

import pytest

from ansible_collections.anycast.network.plugins.module_utils.converge import systemd_units
from ansible_collections.anycast.network.plugins.modules import config_files

FAKE_SYSTEMCTL = r'''#!%(python)s
# Like systemd: `show` reports the manager's UnitFileState, cached until a daemon-reload or an enable without
# --no-reload; `is-enabled` reads the unit files ("disk") and stops at the first unit it has no file for.
import json, os, sys
state_file, log_file = %(state)r, %(log)r
units = json.load(open(state_file))
flags = [a for a in sys.argv[1:] if a.startswith("--") and a != "--"]
args = [a for a in sys.argv[1:] if not a.startswith("--")]
env = " SKIP_SYSV" if os.environ.get("SYSTEMCTL_SKIP_SYSV") == "1" else ""
verb, names = args[0], args[1:]
open(log_file, "a").write(" ".join(args) + (" --no-reload" if "--no-reload" in flags else "") + env + "\n")
def disk(u):
    return u.get("disk", u["UnitFileState"])
if verb == "show":
    blocks = []
    for n in names:
        u = units.get(n, {"LoadState": "not-found", "ActiveState": "inactive", "UnitFileState": ""})
        if u.get("missing_until_reload"): u = dict(u, LoadState="not-found")
        props = [p for p in sys.argv[2].split("=", 1)[1].split(",")]
        blocks.append("\n".join("%%s=%%s" %% (k, u[k]) for k in props))
    print("\n\n".join(blocks))
elif verb == "is-enabled":
    rc = 0
    for n in names:
        if n not in units:
            print("Failed to get unit file state for %%s.service" %% n, file=sys.stderr); sys.exit(1)
        print(disk(units[n]))
        rc = rc or (disk(units[n]) != "enabled")
    json.dump(units, open(state_file, "w")); sys.exit(rc)
elif verb == "enable":
    for n in names:
        units[n]["disk"] = "enabled"
        if "--no-reload" not in flags: units[n]["UnitFileState"] = "enabled"
elif verb == "daemon-reload":
    for u in units.values():
        u["UnitFileState"] = disk(u)
        if u.pop("missing_until_reload", False): u["LoadState"] = "loaded"
elif verb == "start":
    for n in names:
        if units[n].get("broken"):
            print("Job for %%s failed" %% n, file=sys.stderr); sys.exit(1)
        units[n]["ActiveState"] = "active"
elif verb == "status":
    print("status of", names[0])
json.dump(units, open(state_file, "w"))
'''


@pytest.fixture
def systemctl(tmp_path, stand_ins):
    """Returns (set_units(dict), calls()): the stand-in's unit table and the calls it received."""
    state, log = tmp_path / "units.json", tmp_path / "calls.log"
    state.write_text("{}")
    log.write_text("")
    stand_ins({"systemctl": FAKE_SYSTEMCTL}, state=str(state), log=str(log))

    def set_units(units):
        state.write_text(json.dumps({n: dict({"LoadState": "loaded"}, **u) for n, u in units.items()}))

    def calls():
        return [line for line in log.read_text().splitlines() if not line.startswith(("show", "is-enabled"))]
    return set_units, calls


def _conf(tmp_path, content):
    return {"dest": str(tmp_path / "app.conf"), "content": content, "owner": _me(), "group": _group()}


def _me():
    import pwd
    return pwd.getpwuid(os.getuid()).pw_name


def _group():
    import grp
    return grp.getgrgid(os.getgid()).gr_name


def test_a_fresh_unit_is_enabled_and_started_once_and_not_reloaded(run, tmp_path, systemctl):
    set_units, calls = systemctl
    set_units({"app": {"ActiveState": "inactive", "UnitFileState": "disabled"},
               "helper": {"ActiveState": "inactive", "UnitFileState": "static"}})
    args = {"files": [_conf(tmp_path, "a\n")], "units": [{"name": "app", "reload_on": ["app.conf"]},
                                                          {"name": "helper"}]}
    first = run(config_files, args)
    assert first["changed"] and first["units"] == {"app": ["enable", "start"], "helper": ["start"]}
    # No daemon-reload and no SysV hook for an enable (see systemd_units); the next run reads the enablement from
    # the unit files, not from the manager's UnitFileState that such an enable leaves stale.
    assert calls() == ["enable app --no-reload SKIP_SYSV", "start app helper"]
    assert first["manages"]["units"] == ["app", "helper"]
    again = run(config_files, args)
    assert again["changed"] is False and again["units"] == {"app": [], "helper": []}
    assert calls() == ["enable app --no-reload SKIP_SYSV", "start app helper"]


def test_a_running_unit_is_reloaded_only_when_its_files_changed(run, tmp_path, systemctl):
    set_units, calls = systemctl
    set_units({"app": {"ActiveState": "active", "UnitFileState": "enabled"},
               "other": {"ActiveState": "active", "UnitFileState": "enabled"}})
    units = [{"name": "app", "reload_on": ["^%s$" % (tmp_path / "app.conf")]},
             {"name": "other", "reload_on": ["/other/"], "restart": True}]
    result = run(config_files, {"files": [_conf(tmp_path, "a\n")], "units": units})
    assert result["units"] == {"app": ["reload"], "other": []}
    assert calls() == ["reload app"]
    assert run(config_files, {"files": [_conf(tmp_path, "a\n")], "units": units})["changed"] is False
    forced = run(config_files, {"files": [_conf(tmp_path, "a\n")],
                                "units": [dict(units[1], reload=True)]})
    assert forced["changed"] and forced["units"] == {"other": ["restart"]}
    assert calls()[-1] == "restart other"


def test_reload_command_and_its_expected_answer(run, tmp_path, systemctl):
    set_units, _ = systemctl
    set_units({"bird": {"ActiveState": "active", "UnitFileState": "enabled"}})
    said = tmp_path / "said"
    ok = {"name": "bird", "reload": True, "reload_command": ["sh", "-c", "echo Reconfigured; touch %s" % said],
          "reload_expect": "Reconfigured"}
    assert run(config_files, {"units": [ok]})["units"] == {"bird": ["reload"]} and said.exists()
    bad = dict(ok, reload_command=["echo", "Reconfiguration failed"])
    result = run(config_files, {"units": [bad]})
    assert result["failed"] and "echo Reconfiguration failed failed" in result["msg"]


def test_a_changed_unit_file_reloads_systemd_first(run, tmp_path, systemctl, monkeypatch):
    set_units, calls = systemctl
    set_units({"app": {"ActiveState": "active", "UnitFileState": "enabled"}})
    monkeypatch.setattr(systemd_units, "UNIT_DIRS", __import__("re").compile("^%s/" % tmp_path))
    result = run(config_files, {"files": [_conf(tmp_path, "[Unit]\n")], "units": [{"name": "app"}]})
    assert result["changed"] and calls() == ["daemon-reload"]


@pytest.fixture
def unit_dir(tmp_path, monkeypatch):
    """tmp_path/system stands for the unit directories."""
    path = tmp_path / "system"
    path.mkdir()
    monkeypatch.setattr(systemd_units, "UNIT_DIRS", __import__("re").compile("^%s/" % path))
    monkeypatch.setattr(systemd_units, "DEFINITION_DIRS", (str(path), str(tmp_path / "lib")))
    return path


def _unit(unit_dir, name, content="[Service]\nExecStart=/bin/true\n"):
    return {"dest": str(unit_dir / name), "content": content, "owner": _me(), "group": _group()}


def test_a_unit_file_this_run_creates_needs_no_daemon_reload(run, unit_dir, systemctl):
    """systemd loads a unit it has no definition for from disk when first asked; a changed one needs the reload."""
    set_units, calls = systemctl
    set_units({"app": {"ActiveState": "inactive", "UnitFileState": "disabled"}})
    first = run(config_files, {"files": [_unit(unit_dir, "app.service")], "units": [{"name": "app"}]})
    assert first["changed"] and calls() == ["enable app --no-reload SKIP_SYSV", "start app"]
    run(config_files, {"files": [_unit(unit_dir, "app.service", "[Service]\n")], "units": [{"name": "app"}]})
    assert calls()[2:] == ["daemon-reload"]


def test_a_created_unit_file_still_gets_a_daemon_reload_when_needed(run, tmp_path, unit_dir, systemctl):
    set_units, calls = systemctl
    # systemd still calls it missing (it looked before, and the file system's timestamps hide the change).
    set_units({"app": {"ActiveState": "inactive", "UnitFileState": "disabled", "missing_until_reload": True}})
    assert run(config_files, {"files": [_unit(unit_dir, "app.service")], "units": [{"name": "app"}]})["changed"]
    assert calls() == ["daemon-reload", "enable app --no-reload SKIP_SYSV", "start app"]
    # A drop-in, a unit defined in another directory too, or a unit file of a unit not listed: reloaded first.
    (tmp_path / "lib").mkdir()
    (tmp_path / "lib" / "other.service").write_text("[Service]\n")
    set_units({"app": {"ActiveState": "active", "UnitFileState": "enabled"},
               "other": {"ActiveState": "active", "UnitFileState": "enabled"}})
    (unit_dir / "app.service.d").mkdir()
    for files in ([_unit(unit_dir, "app.service.d/x.conf")], [_unit(unit_dir, "other.service")],
                  [_unit(unit_dir, "helper.service")]):
        before = len(calls())
        run(config_files, {"files": files, "units": [{"name": "app"}, {"name": "other"}]})
        assert calls()[before] == "daemon-reload"


def test_a_unit_that_fails_to_start_fails_the_run_with_its_status(run, tmp_path, systemctl):
    set_units, _ = systemctl
    set_units({"app": {"ActiveState": "failed", "UnitFileState": "enabled", "broken": True}})
    result = run(config_files, {"units": [{"name": "app"}]})
    assert result["failed"] and "systemctl start app failed" in result["msg"] and "status of app" in result["msg"]


def test_check_mode_reports_and_does_nothing(run, tmp_path, systemctl):
    set_units, calls = systemctl
    set_units({"app": {"ActiveState": "active", "UnitFileState": "enabled"}})
    units = [{"name": "app", "reload_on": ["app.conf"]}, {"name": "new"}]
    result = run(config_files, {"files": [_conf(tmp_path, "a\n")], "units": units}, check_mode=True)
    assert result["changed"] and result["units"] == {"app": ["reload"], "new": ["enable", "start"]}
    assert calls() == [] and not (tmp_path / "app.conf").exists()


def test_a_masked_or_missing_unit_is_an_error(run, systemctl):
    set_units, _ = systemctl
    set_units({"app": {"ActiveState": "inactive", "UnitFileState": "masked"}})
    assert "masked" in run(config_files, {"units": [{"name": "app"}]})["msg"]
    assert "does not exist" in run(config_files, {"units": [{"name": "gone"}]})["msg"]

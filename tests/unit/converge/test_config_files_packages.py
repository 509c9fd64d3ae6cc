"""anycast.network.config_files: the packages the role's files and units need, installed in the same run only
when missing (`dpkg-query` and `apt-get` are stand-ins on PATH that keep the installed set in a JSON file)."""

import json
import os

import pytest

from ansible_collections.anycast.network.plugins.modules import config_files

FAKE_DPKG_QUERY = r'''#!%(python)s
import json, sys
installed = json.load(open(%(state)r))
fmt = [a for a in sys.argv[1:] if a.startswith("-f=")]
names = [a for a in sys.argv[1:] if not a.startswith("-") ]
assert fmt == ["-f=${Package} ${db:Status-Status}\\n"], sys.argv
rc = 0
for n in names:
    if n in installed:
        print("%%s installed" %% n)
    else:
        print("dpkg-query: no packages found matching %%s" %% n, file=sys.stderr)
        rc = 1
sys.exit(rc)
'''

FAKE_APT_GET = r'''#!%(python)s
import json, os, sys
state, log = %(state)r, %(log)r
open(log, "a").write(" ".join(sys.argv[1:]) + " FRONTEND=" + os.environ.get("DEBIAN_FRONTEND", "") + "\n")
args = sys.argv[1:]
if "install" in args:
    names = args[args.index("--") + 1:]
    if "broken-pkg" in names:
        print("E: Unable to locate package broken-pkg", file=sys.stderr)
        sys.exit(100)
    installed = json.load(open(state))
    json.dump(sorted(set(installed) | set(names)), open(state, "w"))
'''


def _stand_ins(tmp_path, stand_ins, apt_get):
    """dpkg-query and the given apt-get on PATH; returns (installed-state path, calls())."""
    state, log = tmp_path / "installed.json", tmp_path / "apt.log"
    state.write_text("[]")
    log.write_text("")
    stand_ins({"dpkg-query": FAKE_DPKG_QUERY, "apt-get": apt_get}, state=str(state), log=str(log))
    return state, lambda: log.read_text().splitlines()


@pytest.fixture
def apt(tmp_path, stand_ins):
    """Returns (set_installed(list), calls()): the stand-ins' installed packages and apt-get's calls."""
    state, calls = _stand_ins(tmp_path, stand_ins, FAKE_APT_GET)
    return lambda names: state.write_text(json.dumps(names)), calls


def _file(tmp_path):
    import grp
    import pwd
    return {"dest": str(tmp_path / "app.conf"), "content": "a\n", "owner": pwd.getpwuid(os.getuid()).pw_name,
            "group": grp.getgrgid(os.getgid()).gr_name}


def test_nothing_missing_costs_one_query_and_no_apt(run, tmp_path, apt):
    set_installed, calls = apt
    set_installed(["bird2", "nftables"])
    result = run(config_files, {"packages": ["bird2", "nftables"]})
    assert result["changed"] is False and result["packages_installed"] == []
    assert calls() == []


def test_only_the_missing_ones_are_installed_after_an_index_refresh_then_the_files(run, tmp_path, apt):
    set_installed, calls = apt
    set_installed(["nftables"])
    result = run(config_files, {"packages": ["nftables", "bird2", "caddy"], "files": [_file(tmp_path)]})
    assert result["changed"] and result["packages_installed"] == ["bird2", "caddy"]
    update, install = calls()
    assert update.endswith("update FRONTEND=noninteractive") and "DPkg::Lock::Timeout=300" in update
    assert install.startswith("-y ") and install.endswith("install -- bird2 caddy FRONTEND=noninteractive")
    assert "Dpkg::Options::=--force-confold" in install and "DPkg::Lock::Timeout=300" in install
    assert (tmp_path / "app.conf").read_text() == "a\n"
    again = run(config_files, {"packages": ["nftables", "bird2", "caddy"], "files": [_file(tmp_path)]})
    assert again["changed"] is False and again["packages_installed"] == [] and len(calls()) == 2


def test_check_mode_reports_the_missing_packages_and_installs_nothing(run, tmp_path, apt):
    _, calls = apt
    result = run(config_files, {"packages": ["bird2"]}, check_mode=True)
    assert result["changed"] and result["packages_installed"] == ["bird2"]
    assert calls() == []


def test_a_failed_install_stops_before_any_file(run, tmp_path, apt):
    _, calls = apt
    result = run(config_files, {"packages": ["broken-pkg"], "files": [_file(tmp_path)]})
    assert result["failed"] and "apt-get install broken-pkg failed (100)" in result["msg"]
    assert "Unable to locate package broken-pkg" in result["msg"]
    assert result["packages_missing"] == ["broken-pkg"]
    assert not (tmp_path / "app.conf").exists()


FAKE_APT_GET_UPGRADES = r'''#!%(python)s
import json, os, sys
state, log = %(state)r, %(log)r
open(log, "a").write(" ".join(sys.argv[1:]) + "\n")
args = sys.argv[1:]
newer = json.load(open(state + ".newer"))
if "install" in args:
    names = args[args.index("--") + 1:]
    installed = json.load(open(state))
    if "-s" in args:
        for n in names:
            if n in newer or n not in installed:
                print("Inst %%s [1.0] (2.0 Debian:12/stable [amd64])" %% n)
        print("Inst libother [1] (2 Debian:12/stable [amd64])")
        sys.exit(0)
    json.dump(sorted(set(installed) | set(names)), open(state, "w"))
    if "--only-upgrade" in args:
        json.dump(sorted(set(newer) - set(names)), open(state + ".newer", "w"))
'''


@pytest.fixture
def apt_upgrades(tmp_path, stand_ins):
    """Stand-ins whose package index has newer versions of the packages in `newer`."""
    state, calls = _stand_ins(tmp_path, stand_ins, FAKE_APT_GET_UPGRADES)

    def setup(installed, newer):
        state.write_text(json.dumps(installed))
        (tmp_path / "installed.json.newer").write_text(json.dumps(newer))
    return setup, calls


def test_latest_upgrades_only_what_the_index_has_newer(run, tmp_path, apt_upgrades):
    setup, calls = apt_upgrades
    setup(["caddy", "nsd"], ["caddy"])
    result = run(config_files, {"packages": ["caddy", "nsd"], "package_state": "latest"})
    assert result["changed"] and result["packages_upgraded"] == ["caddy"] and result["packages_installed"] == []
    update, simulate, upgrade = calls()
    assert update.endswith("update")
    assert " -s --only-upgrade -- caddy nsd" in simulate
    assert upgrade.endswith("install --only-upgrade -- caddy")
    # Nothing newer any more: the index is read again, nothing is installed.
    again = run(config_files, {"packages": ["caddy", "nsd"], "package_state": "latest"})
    assert again["changed"] is False and again["packages_upgraded"] == []
    assert len(calls()) == 5


def test_latest_in_check_mode_only_simulates(run, tmp_path, apt_upgrades):
    setup, calls = apt_upgrades
    setup(["caddy"], ["caddy"])
    result = run(config_files, {"packages": ["caddy"], "package_state": "latest"}, check_mode=True)
    assert result["changed"] and result["packages_upgraded"] == ["caddy"]
    assert not any(c.endswith("--only-upgrade -- caddy") and " -s " not in c for c in calls())


def test_latest_installs_the_missing_ones_and_refreshes_once(run, tmp_path, apt_upgrades):
    setup, calls = apt_upgrades
    setup(["nsd"], [])
    result = run(config_files, {"packages": ["caddy", "nsd"], "package_state": "latest"})
    assert result["packages_installed"] == ["caddy"] and result["packages_upgraded"] == []
    assert [c for c in calls() if c.endswith("update")] == [calls()[0]]


def test_present_never_asks_for_upgrades(run, tmp_path, apt_upgrades):
    setup, calls = apt_upgrades
    setup(["caddy"], ["caddy"])
    result = run(config_files, {"packages": ["caddy"]})
    assert result["changed"] is False and result["packages_upgraded"] == [] and calls() == []

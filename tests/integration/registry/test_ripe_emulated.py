"""irr_route with backend=ripe against the RIPE REST API emulation (tests/emulators/ripe), on loopback."""

from __future__ import annotations

import base64
import importlib.util
import pathlib

import pytest

from ansible_collections.anycast.network.plugins.modules import irr_route

pytestmark = pytest.mark.integration

_EMU = pathlib.Path(__file__).resolve().parents[2] / "emulators" / "ripe" / "server.py"
_spec = importlib.util.spec_from_file_location("ripe_emulator", _EMU)
ripe_emulator = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(ripe_emulator)

KEY_ID = "AbCdEfGhIjKlMnOpQrStUv12"   # 24 letters and digits: an API key ID
SECRET = "s3cr3t-key-secret"
PASSWORD = "legacy-md5-password"
PREFIXES = ["192.0.2.0/24", "2001:db8:100::/48"]


@pytest.fixture
def emu():
    with ripe_emulator.RipeEmulator() as emulator:
        emulator.db.add_mntner("EXAMPLE-MNT", api_keys={KEY_ID: SECRET}, passwords=[PASSWORD])
        emulator.db.add_mntner("OTHER-MNT", api_keys={"Z" * 24: "other"})
        yield emulator


def args(emu, **over):
    base = dict(backend="ripe", url=emu.url, source="RIPE", prefixes=PREFIXES, origin="AS64496",
                mnt_by=["EXAMPLE-MNT"], descr="Example anycast service", api_key="%s:%s" % (KEY_ID, SECRET),
                retries=2)
    base.update(over)
    return base


def stored(emu):
    return {k[2]: dict(v) for k, v in emu.db.objects.items()}


def test_create_rerun_update_delete(emu, run):
    # check mode: RIPE validates with dry-run, nothing is stored
    res = run(irr_route, args(emu), check_mode=True, diff=True)
    assert res["changed"] and [r["action"] for r in res["routes"]] == ["created", "created"]
    assert emu.db.objects == {}
    assert all(e["params"].get("dry-run") == ["true"] for e in emu.db.log if e["method"] == "POST")
    assert "route:" in res["diff"][0]["after"] and res["diff"][0]["before"] == ""

    res = run(irr_route, args(emu))
    assert res["changed"], res
    objs = stored(emu)
    assert set(objs) == {"192.0.2.0/24AS64496", "2001:DB8:100::/48AS64496"}
    assert objs["192.0.2.0/24AS64496"]["descr"] == "Example anycast service"
    assert objs["2001:DB8:100::/48AS64496"]["route6"] == "2001:db8:100::/48"
    # API key as HTTP Basic, never as a password parameter
    posts = [e for e in emu.db.log if e["method"] == "POST"]
    assert all(e["auth"] == "api_key" and "password" not in e["params"] for e in posts)

    # re-run: nothing changes, no write is sent
    writes = len([e for e in emu.db.log if e["method"] != "GET"])
    res = run(irr_route, args(emu))
    assert not res["changed"] and [r["action"] for r in res["routes"]] == ["unchanged", "unchanged"]
    assert len([e for e in emu.db.log if e["method"] != "GET"]) == writes

    # an attribute added by hand survives an update
    key = ("RIPE", "route", "192.0.2.0/24AS64496")
    emu.db.objects[key].insert(2, ("remarks", "added by hand"))
    res = run(irr_route, args(emu, descr="New description", mnt_by=["EXAMPLE-MNT", "OTHER-MNT"]), diff=True)
    assert res["changed"]
    assert res["routes"][0]["changed_attributes"] == ["descr", "mnt-by"]
    obj = emu.db.objects[key]
    assert ("remarks", "added by hand") in obj and ("descr", "New description") in obj
    assert [v for n, v in obj if n == "mnt-by"] == ["EXAMPLE-MNT", "OTHER-MNT"]
    assert "-descr" not in res["diff"][0]["after"] and "New description" in res["diff"][0]["after"]
    assert "Example anycast service" in res["diff"][0]["before"]

    # absent in check mode: dry-run, still there
    res = run(irr_route, args(emu, state="absent"), check_mode=True)
    assert res["changed"] and len(emu.db.objects) == 2
    res = run(irr_route, args(emu, state="absent"))
    assert res["changed"] and emu.db.objects == {}
    deletes = [e for e in emu.db.log if e["method"] == "DELETE" and "dry-run" not in e["params"]]
    assert deletes and deletes[0]["params"]["reason"] == ["removed by anycast.network"]
    res = run(irr_route, args(emu, state="absent"))
    assert not res["changed"] and [r["action"] for r in res["routes"]] == ["absent", "absent"]


def test_api_key_as_header_token(emu, run):
    token = base64.b64encode(("%s:%s" % (KEY_ID, SECRET)).encode()).decode()
    res = run(irr_route, args(emu, api_key="Basic " + token))
    assert res["changed"] and len(emu.db.objects) == 2


def test_wrong_api_key_is_401_and_changes_nothing(emu, run):
    res = run(irr_route, args(emu, api_key=KEY_ID + ":wrong-secret"))
    assert res["failed"] and res["status"] == 401
    assert "authentication failed" in res["msg"]
    assert 'Authorisation for [route] 192.0.2.0/24AS64496 failed using "mnt-by:" not authenticated by: EXAMPLE-MNT' \
        in res["msg"]
    assert "wrong-secret" not in str(res)
    assert emu.db.objects == {}


def test_password_fallback_warns_and_is_masked(emu, run):
    res = run(irr_route, args(emu, api_key="", password=PASSWORD))
    assert res["changed"] and len(emu.db.objects) == 2
    assert res["backend"]["auth"] == "password"
    assert any("MD5" in str(w) for w in res.get("warnings", []))
    assert all(e["params"].get("password") == [PASSWORD] for e in emu.db.log if e["method"] == "POST")
    # a wrong password: RIPE's message, and the password does not leak into it
    emu.db.objects.clear()
    res = run(irr_route, args(emu, api_key="", password="not-" + PASSWORD))
    assert res["failed"] and res["status"] == 401 and "not-" + PASSWORD not in str(res)


def test_md5_switched_off(emu, run):
    emu.db.md5_supported = False
    res = run(irr_route, args(emu, api_key="", password=PASSWORD))
    assert res["failed"] and res["status"] == 401
    assert "is not longer supported" not in res["msg"]  # a warning, the error is the authorisation failure
    assert "not authenticated by: EXAMPLE-MNT" in res["msg"]


def test_400_messages_are_readable(emu, run):
    res = run(irr_route, args(emu, mnt_by=["MISSING-MNT"]))
    assert res["failed"] and res["status"] == 400
    assert "Unknown object referenced MISSING-MNT (attribute mnt-by: MISSING-MNT)" in res["msg"]
    assert emu.db.objects == {}


def test_409_on_create_is_reported(emu, run):
    # Another writer creates the object between our read and our create: RIPE answers 409.
    handler = ripe_emulator.Handler
    real_get = handler._do_get

    def create_behind_our_back(self, source, object_type, key, params, body):
        self.db.objects[(source, object_type, ripe_emulator.canonical_key(object_type, key))] = [
            (object_type, "192.0.2.0/24"), ("origin", "AS64496"), ("mnt-by", "EXAMPLE-MNT"), ("source", "RIPE")]
        raise ripe_emulator.Refusal(404, [ripe_emulator.message("Error", "ERROR:101: no entries found")])

    handler._do_get = create_behind_our_back
    try:
        res = run(irr_route, args(emu, prefixes=["192.0.2.0/24"]))
    finally:
        handler._do_get = real_get
    assert res["failed"] and res["status"] == 409
    assert "the object already exists" in res["msg"]
    assert "Enforced new keyword specified" in res["msg"]


def test_free_text_injection_is_refused_before_any_request(emu, run):
    for bad in ["anycast\nmnt-by: EVIL-MNT", "anycast\r\norigin: AS666", "mnt-by: EVIL-MNT", "x # comment",
                " leading blank", "tab\there"]:
        res = run(irr_route, args(emu, descr=bad))
        assert res["failed"], bad
        assert "descr" in res["msg"]
    res = run(irr_route, args(emu, mnt_by=["EVIL-MNT\nsource: RIPE"]))
    assert res["failed"] and "mnt_by must be an RPSL name" in res["msg"]
    assert emu.db.log == []


def test_retries_on_5xx(emu, run):
    emu.db.inject = [503, 502]
    res = run(irr_route, args(emu, prefixes=["192.0.2.0/24"]))
    assert res["changed"] and len(emu.db.objects) == 1
    emu.db.inject = [500] * 10
    res = run(irr_route, args(emu, prefixes=["198.51.100.0/24"], retries=1))
    assert res["failed"] and res["status"] == 500 and "Internal Server Error" in res["msg"]


def test_unreachable_registry(run):
    res = run(irr_route, dict(backend="ripe", url="http://127.0.0.1:9", source="RIPE", prefixes=PREFIXES,
                              origin="AS64496", mnt_by=["EXAMPLE-MNT"], api_key=KEY_ID + ":" + SECRET, retries=1))
    assert res["failed"] and "failed after 2 attempts" in res["msg"]
    assert SECRET not in str(res)


def test_test_database_default_url(run):
    from ansible_collections.anycast.network.plugins.module_utils.registry.ripe import RipeBackend
    assert RipeBackend("TEST").url == "https://rest-test.db.ripe.net"
    assert RipeBackend("RIPE").url == "https://rest.db.ripe.net"

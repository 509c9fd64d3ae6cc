"""irr_route with backend=irrd against a real IRRd 4 (started on loopback by conftest.py), then bgpq4 against it."""

from __future__ import annotations

import json
import subprocess
import time

import pytest

from ansible_collections.anycast.network.plugins.modules import irr_route

pytestmark = pytest.mark.integration

ORIGIN = "AS64500"
PREFIXES = ["203.0.113.0/24", "2001:db8:ac00::/48"]


def args(irrd, **over):
    base = dict(backend="irrd", url=irrd.http_url, source=irrd.source, prefixes=PREFIXES, origin=ORIGIN,
                mnt_by=[irrd.mntner], descr="seedlab anycast", password=irrd.password, retries=1)
    base.update(over)
    return base


def route_text(irrd, object_class, key):
    return irrd.whois("!m%s,%s" % (object_class, key))


def bgpq4(irrd, family):
    """The prefix list a transit provider builds for ORIGIN from this registry (-p: AS64500 is a documentation
    ASN, which bgpq4 otherwise refuses as private)."""
    out = subprocess.run(["bgpq4", "-h", "127.0.0.1:%d" % irrd.whois_port, "-S", irrd.source, family, "-p", "-j",
                          "-l", "anycast", ORIGIN], check=True, capture_output=True, text=True, timeout=60)
    assert "ERROR" not in out.stderr, out.stderr
    return sorted(entry["prefix"] for entry in json.loads(out.stdout)["anycast"])


def bgpq4_settles(irrd, family, expected, timeout=30):
    """IRRd answers !g/!6 queries from a preload it refreshes a moment after each change: wait, bounded."""
    deadline = time.monotonic() + timeout
    while True:
        got = bgpq4(irrd, family)
        if got == expected or time.monotonic() > deadline:
            return got
        time.sleep(0.5)


def test_lifecycle_against_real_irrd(irrd, run):
    # The parent inetnum only covers 192.0.2.0/24 in the seed: 203.0.113.0/24 has no parent, IRRd then checks
    # only the route's own mnt-by. Check mode sends nothing.
    res = run(irr_route, args(irrd), check_mode=True, diff=True)
    assert res["changed"] and [r["action"] for r in res["routes"]] == ["created", "created"]
    assert route_text(irrd, "route", "203.0.113.0/24AS64500") == ""

    # a wrong credential: a clear error, nothing created
    res = run(irr_route, args(irrd, password="wrong-password"))
    assert res["failed"], res
    assert "refused creating route 203.0.113.0/24AS64500" in res["msg"]
    assert "check the maintainer password for TEST-MNT" in res["msg"]
    assert "wrong-password" not in json.dumps(res)
    assert route_text(irrd, "route", "203.0.113.0/24AS64500") == ""

    # create
    res = run(irr_route, args(irrd), diff=True)
    assert res["changed"], res
    text = route_text(irrd, "route", "203.0.113.0/24AS64500")
    assert "origin:         AS64500" in text and "descr:          seedlab anycast" in text
    assert "route6:         2001:db8:ac00::/48" in route_text(irrd, "route6", "2001:db8:ac00::/48AS64500")

    # re-run: no change
    res = run(irr_route, args(irrd))
    assert not res["changed"] and [r["action"] for r in res["routes"]] == ["unchanged", "unchanged"]

    # update: description and a second maintainer
    res = run(irr_route, args(irrd, descr="seedlab anycast, updated", mnt_by=[irrd.mntner, "OTHER-MNT"]), diff=True)
    assert res["changed"] and res["routes"][0]["changed_attributes"] == ["descr", "mnt-by"]
    text = route_text(irrd, "route", "203.0.113.0/24AS64500")
    assert "seedlab anycast, updated" in text and "OTHER-MNT" in text
    assert "seedlab anycast, updated" in res["diff"][0]["after"]

    # a wrong credential on update: refused, the object is unchanged
    res = run(irr_route, args(irrd, descr="tampered", password="wrong-password"))
    assert res["failed"] and "tampered" not in route_text(irrd, "route", "203.0.113.0/24AS64500")

    # back to the intent, then bgpq4 builds exactly our prefixes for AS64500
    res = run(irr_route, args(irrd))
    assert res["changed"]
    assert bgpq4_settles(irrd, "-4", ["203.0.113.0/24"]) == ["203.0.113.0/24"]
    assert bgpq4_settles(irrd, "-6", ["2001:db8:ac00::/48"]) == ["2001:db8:ac00::/48"]

    # delete (check mode first), then idempotent
    res = run(irr_route, args(irrd, state="absent"), check_mode=True)
    assert res["changed"] and route_text(irrd, "route", "203.0.113.0/24AS64500") != ""
    res = run(irr_route, args(irrd, state="absent"))
    assert res["changed"], res
    assert route_text(irrd, "route", "203.0.113.0/24AS64500") == ""
    assert route_text(irrd, "route6", "2001:db8:ac00::/48AS64500") == ""
    res = run(irr_route, args(irrd, state="absent"))
    assert not res["changed"]
    assert bgpq4_settles(irrd, "-4", []) == []


def test_parent_inetnum_authorisation(irrd, run):
    # 192.0.2.0/24 lies in an inetnum maintained by TEST-MNT: a route under OTHER-MNT alone needs TEST-MNT's
    # authorisation too; both share the test password here, so it passes; a wrong password fails.
    res = run(irr_route, args(irrd, prefixes=["192.0.2.0/24"], mnt_by=["OTHER-MNT"], password="nope"))
    assert res["failed"]
    res = run(irr_route, args(irrd, prefixes=["192.0.2.0/24"], mnt_by=["OTHER-MNT"]))
    assert res["changed"], res
    res = run(irr_route, args(irrd, prefixes=["192.0.2.0/24"], state="absent"))
    assert res["changed"], res

"""A full table through a generic upstream (issue 27's acceptance): our rendered bird.conf with `import: full` in a
real BIRD, fed tens of thousands of routes over BGP by another BIRD on loopback, with an RTR cache (stayrtr)
serving VRPs. The planted bogons, own prefixes, too long and too short prefixes, private-ASN and too long paths and
RPKI-invalid routes are rejected (kept filtered), every good route is kept, an RTR update is applied, the import
limit acts, and what we export is what a session without import exports. See full_table.py for the set-up."""

import re
import shutil
import time

import pytest

from full_table import (BirdDaemon, Feed, free_port, instance_host, listening, render_instances, stayrtr,
                        wait_for, with_ports, write_vrps)

pytestmark = [
    pytest.mark.integration, pytest.mark.slow,
    pytest.mark.skipif(shutil.which("bird") is None, reason="BIRD 2 is not installed (apt install bird2)"),
    pytest.mark.skipif(shutil.which("stayrtr") is None, reason="stayrtr is not installed (scripts/setup.d)"),
]

COUNT4, COUNT6 = 30000, 10000
CONVERGE = 40       # seconds: BGP up, the table loaded, the VRPs in
LIMIT6 = 500        # the IPv6 session's limit in the limit test (action block)


@pytest.fixture(scope="module")
def net(tmp_path_factory):
    work = tmp_path_factory.mktemp("bird-import")
    ports = {"instance": free_port(), "upstream": free_port(), "rtr": free_port()}
    feed = Feed(COUNT4, COUNT6)
    good4 = len(feed.accepted(4, 1))
    rendered = render_instances(work, {
        "full": instance_host(ports["rtr"]),
        # the limit test: half the IPv4 table with the default action (disable), LIMIT6 routes with block
        "limited": dict(instance_host(ports["rtr"]), anycast_intent=_limited(instance_host(ports["rtr"]), good4 // 2)),
        "none": dict(instance_host(ports["rtr"]), anycast_intent=_policy(instance_host(ports["rtr"]), "none")),
    })
    config = rendered["full"]["config"]
    config.write_text(with_ports(config.read_text(), ports))
    vrp_file = work / "vrps.json"
    write_vrps(vrp_file, 1)
    (work / "upstream.conf").write_text(feed.upstream_config(ports))
    procs = []
    try:
        cache = stayrtr(ports["rtr"], vrp_file, work).start_foreground()
        procs.append(cache)
        assert listening(ports["rtr"]), (work / "stayrtr.log").read_text()
        instance = BirdDaemon(config, work, "instance").start()
        procs.append(instance)
        upstream = BirdDaemon(work / "upstream.conf", work, "upstream").start()
        procs.append(upstream)
        yield {"work": work, "ports": ports, "feed": feed, "rendered": rendered, "vrps": vrp_file,
               "instance": instance, "upstream": upstream}
    finally:
        for proc in reversed(procs):
            proc.stop()


def _limited(host, limit4):
    intent = host["anycast_intent"]
    intent["pops"]["lhr"]["upstreams"][0]["max_prefixes"] = limit4
    intent["pops"]["lhr"]["upstreams"][1].update(max_prefixes=LIMIT6, max_prefixes_action="block")
    return intent


def _policy(host, policy):
    intent = host["anycast_intent"]
    for up in intent["pops"]["lhr"]["upstreams"]:
        up["import"] = policy
    return intent


def established(daemon, *names):
    return all("Established" in daemon.protocol(name) for name in names)


def filter_block(text, name):
    return re.search(r"^filter %s \{.*?^\}" % name, text, re.S | re.M).group(0)


def test_sessions_and_rtr_cache_come_up(net):
    inst = net["instance"]
    assert wait_for(lambda: established(inst, "up0_v4", "up1_v6"), CONVERGE), inst.protocol("up0_v4")
    rtr = wait_for(lambda: re.search(r"^\s+Status:\s+Established", inst.protocol("anycast_rtr"), re.M), CONVERGE)
    assert rtr, inst.protocol("anycast_rtr")
    # the VRPs are in BIRD's ROA tables
    assert wait_for(lambda: inst.count("table", "anycast_roa4") == 3 and inst.count("table", "anycast_roa6") == 1,
                    CONVERGE), inst.birdc("show", "route", "table", "anycast_roa4").stdout


@pytest.mark.parametrize("family,session", [(4, "up0_v4"), (6, "up1_v6")])
def test_planted_routes_rejected_and_good_routes_kept(net, family, session):
    inst, feed = net["instance"], net["feed"]
    want_ok, want_bad = feed.accepted(family, 1), feed.rejected(family, 1)
    assert len(want_ok) > (25000 if family == 4 else 9000) and len(want_bad) > 250
    assert wait_for(lambda: inst.count("protocol", session) == len(want_ok)
                    and inst.count("filtered", "protocol", session) == len(want_bad), CONVERGE), \
        (inst.count("protocol", session), len(want_ok), inst.count("filtered", "protocol", session), len(want_bad),
         sorted(want_bad - inst.prefixes("filtered", "protocol", session))[:20])
    kept = inst.prefixes("protocol", session)
    filtered = inst.prefixes("filtered", "protocol", session)
    assert kept == want_ok, (sorted(kept - want_ok)[:10], sorted(want_ok - kept)[:10])
    assert filtered == want_bad, (sorted(filtered - want_bad)[:10], sorted(want_bad - filtered)[:10])
    # BIRD's own count of the channel agrees, and the export filter turned down every learned route
    stats = inst.protocol(session)
    assert re.search(r"Routes:\s+%d imported, %d filtered, 1 exported" % (len(want_ok), len(want_bad)), stats), stats
    exports = re.search(r"Export updates:\s+(\d+)\s+(\d+)\s+(\d+)\s+\S+\s+(\d+)", stats)
    assert exports and int(exports.group(4)) == 1 and int(exports.group(2)) >= len(want_ok), stats


def test_what_we_export_is_unchanged(net):
    """The upstream has exactly our prefix of each family from us, with our AS alone in the path; our export
    filters are, word for word, those of the same intent with import: none."""
    up, inst = net["upstream"], net["instance"]
    for session, prefix in (("up0_v4", "203.0.113.0/24"), ("up1_v6", "2001:db8:ac00::/48")):
        assert inst.prefixes("export", session) == {prefix}
    assert wait_for(lambda: up.prefixes("protocol", "to_instance_v4") == {"203.0.113.0/24"}, CONVERGE), \
        up.birdc("show", "route", "protocol", "to_instance_v4").stdout
    detail = up.birdc("show", "route", "protocol", "to_instance_v4", "all").stdout
    assert re.search(r"BGP\.as_path: 64500\s*$", detail, re.M), detail
    # IPv6: the session's next hop is ::1, which the upstream's BIRD refuses (treat as withdraw, RFC 7606): one
    # update reached it, and nothing else
    v6 = up.protocol("to_instance_v6")
    updates = re.search(r"Import updates:\s+(\d+)", v6)
    withdraws = re.search(r"Import withdraws:\s+(\d+)\s+\d+\s+\S+\s+(\d+)", v6)
    assert updates and withdraws and int(updates.group(1)) + int(withdraws.group(1)) == 1, v6
    full = net["rendered"]["full"]["config"].read_text()
    none = net["rendered"]["none"]["config"].read_text()
    for session in ("up0_v4", "up1_v6"):
        assert filter_block(full, "export_" + session) == filter_block(none, "export_" + session)
        assert "export limit 1 action disable;" in re.search(r"protocol bgp %s \{.*?^\}" % session, full,
                                                              re.S | re.M).group(0)


def test_rtr_update_is_applied_to_the_table(net):
    """A new VRP set (one wrong ROA fixed, an AS0 ROA added): stayrtr notifies BIRD, BIRD re-evaluates the table."""
    inst, feed = net["instance"], net["feed"]
    start = time.monotonic()
    write_vrps(net["vrps"], 2)
    want = feed.accepted(4, 2)
    assert want != feed.accepted(4, 1)
    assert wait_for(lambda: inst.count("protocol", "up0_v4") == len(want)
                    and inst.prefixes("protocol", "up0_v4") == want, CONVERGE), \
        (inst.count("protocol", "up0_v4"), len(want), inst.protocol("anycast_rtr"))
    assert inst.prefixes("filtered", "protocol", "up0_v4") == feed.rejected(4, 2)
    assert time.monotonic() - start < CONVERGE


def test_import_limit_acts(net):
    """The same intent with max_prefixes below the table: the IPv4 session is disabled (the default action), the
    IPv6 one keeps LIMIT6 routes and blocks the rest (action block) and stays up, exporting our prefix."""
    inst, feed = net["instance"], net["feed"]
    limit4 = len(feed.accepted(4, 1)) // 2
    limited = net["rendered"]["limited"]["config"]
    text = with_ports(limited.read_text(), net["ports"])
    assert "import limit %d action disable;" % limit4 in text and "import limit %d action block;" % LIMIT6 in text
    net["rendered"]["full"]["config"].write_text(text)
    out = inst.birdc("configure").stdout
    assert "Reconfigured" in out or "Reconfiguration in progress" in out, out
    # block keeps what is in and refuses more: restarted, the session learns LIMIT6 routes and no more
    assert "restarted" in inst.birdc("restart", "up1_v6").stdout
    assert wait_for(lambda: "Established" in inst.protocol("up1_v6")
                    and re.search(r"Import limit:\s+%d\s*\[HIT\]" % LIMIT6, inst.protocol("up1_v6")), CONVERGE), \
        inst.protocol("up1_v6")
    v4 = wait_for(lambda: re.search(r"^up0_v4\s+BGP\s+\S+\s+(down|start)\b.*", inst.birdc("show", "protocols").stdout,
                                    re.M), CONVERGE)
    assert v4, inst.protocol("up0_v4")
    assert re.search(r"limit", inst.protocol("up0_v4"), re.I), inst.protocol("up0_v4")
    assert inst.count("protocol", "up0_v4") == 0
    assert inst.count("protocol", "up1_v6") == LIMIT6, (inst.count("protocol", "up1_v6"), inst.protocol("up1_v6"))
    assert inst.prefixes("export", "up1_v6") == {"2001:db8:ac00::/48"}

"""The rendered configuration running in a real BIRD on loopback, against BIRD peers playing the provider edges:
exports, traffic engineering, the health gate, drain, withdraw, the receive limit against a leak, a wrong password,
and what the bird_state module reads from it all."""

import re
import socket
import sys

import pytest

from bird_support import ROOT, Bird, announce, load_intent, needs_bird, render, wait_for

sys.path.insert(0, str(ROOT / "collections"))
from ansible_collections.anycast.network.plugins.module_utils.bird.parse import (  # noqa: E402
    compare, parse_protocols, parse_routes)

pytestmark = [needs_bird, pytest.mark.integration]

PASSWORD = "loopback-secret"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def peer_config(name, address, port, asn, inst_port, password, leak=0):
    statics = "\n".join("  route 198.18.%d.%d/32 blackhole;" % (i // 250, i % 250) for i in range(leak))
    return """router id %(address)s;
protocol device {}
protocol static leak4 {
  ipv4;
%(statics)s
}
protocol bgp edge_to_instance {
  local %(address)s port %(port)d as %(asn)d;
  neighbor 127.0.0.1 port %(inst_port)d as 64500;
  multihop 2;
  password "%(password)s";
  ipv4 { import all; export where proto = "leak4"; };
}
""" % dict(address=address, port=port, asn=asn, inst_port=inst_port, statics=statics, password=password)


@pytest.fixture(scope="module")
def bird_lab(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("bird-live")
    intent = load_intent("lab")
    intent["pops"]["lhr"]["upstreams"] = [
        {"profile": "generic", "neighbor": "127.0.0.2", "asn": 64515, "multihop": 2, "password": PASSWORD},
        {"profile": "generic", "neighbor": "127.0.0.3", "asn": 64520, "multihop": 2, "password": PASSWORD,
         "communities": ["64601:3356"], "large_communities": ["20473:6001:174"], "prepend": 2},
    ]
    paths = render(tmp, {"live": {"anycast_intent": intent, "anycast_pop": "lhr", "anycast_address": "127.0.0.1",
                                  "anycast_address6": "", "bird_hold_time": 9, "bird_keepalive_time": 3,
                                  "bird_connect_retry_time": 1, "bird_error_wait_time": [1, 2],
                                  "bird_receive_limit": 50}})["live"]
    ports = {"inst": free_port(), "a": free_port(), "b": free_port()}
    text = paths["config"].read_text()
    # Only the loopback differs from production: ports, and no kernel protocol on the test machine.
    text = text.replace("local 127.0.0.1 as", "local 127.0.0.1 port %d as" % ports["inst"])
    text = text.replace("neighbor 127.0.0.2 as", "neighbor 127.0.0.2 port %d as" % ports["a"])
    text = text.replace("neighbor 127.0.0.3 as", "neighbor 127.0.0.3 port %d as" % ports["b"])
    text = re.sub(r"protocol kernel .*?\n\}\n", "", text, flags=re.S)
    paths["config"].write_text(text)
    d = paths["dir"]
    (d / "peer_a.conf").write_text(peer_config("a", "127.0.0.2", ports["a"], 64515, ports["inst"], PASSWORD))
    (d / "peer_b.conf").write_text(peer_config("b", "127.0.0.3", ports["b"], 64520, ports["inst"], PASSWORD))
    daemons = {
        "inst": Bird(paths["config"], paths["birdc"][2], d / "inst.pid"),
        "a": Bird(d / "peer_a.conf", d / "a.ctl", d / "a.pid"),
        "b": Bird(d / "peer_b.conf", d / "b.ctl", d / "b.pid"),
    }
    try:
        for daemon in daemons.values():
            daemon.start()
        yield {"paths": paths, "bird": daemons, "ports": ports, "dir": d}
    finally:
        for daemon in daemons.values():
            daemon.stop()


@pytest.fixture
def lab(bird_lab):
    """The shared BIRDs as every test starts from, whatever ran before it (the tests run in any order): both edges
    with their own configuration and the right password, every gate up, mode normal, both sessions Established with
    no limit hit, and each edge receiving the prefix. Waits for exactly that, or fails saying what is not so."""
    lab = bird_lab
    d, ports, inst = lab["dir"], lab["ports"], lab["bird"]["inst"]
    for name, address, asn in (("a", "127.0.0.2", 64515), ("b", "127.0.0.3", 64520)):
        conf = peer_config(name, address, ports[name], asn, ports["inst"], PASSWORD)
        if (d / ("peer_%s.conf" % name)).read_text() != conf:
            (d / ("peer_%s.conf" % name)).write_text(conf)
            lab["bird"][name].birdc("configure")
            lab["bird"][name].birdc("restart", "edge_to_instance")
    for session in ("up0_v4", "up1_v4"):
        if protocols(inst).get(session, {}).get("channels", {}).get("ipv4", {}).get("limits", {}).get(
                "receive", {}).get("hit"):
            inst.birdc("restart", session)
    prefixes = announce(lab["paths"], "status")[1]["gates"]
    announce(lab["paths"], "gate", *[w for prefix in prefixes for w in (prefix, "up")])
    announce(lab["paths"], "undrain")

    def ready():
        protos = protocols(inst)
        return (all(protos.get(n, {}).get("established")
                    and not protos[n]["channels"]["ipv4"]["limits"]["receive"]["hit"] for n in ("up0_v4", "up1_v4"))
                and all(received(lab["bird"][e]).get("203.0.113.0/24", {}).get("communities", [None])
                        in ([], ["64601:3356"]) and list(received(lab["bird"][e])) == ["203.0.113.0/24"]
                        for e in ("a", "b")))
    assert wait_for(ready, 60), inst.birdc("show", "protocols", "all").stdout
    return lab


def protocols(daemon):
    return {p["name"]: p for p in parse_protocols(daemon.birdc("show", "protocols", "all").stdout)[1]}


def established(daemon, *names):
    protos = protocols(daemon)
    return all(protos.get(n, {}).get("established") for n in names)


def received(peer):
    """What a provider edge has from the instance."""
    return {r["prefix"]: r for r in parse_routes(peer.birdc("show", "route", "protocol", "edge_to_instance", "all").stdout)}


def exports(daemon, name):
    return parse_routes(daemon.birdc("show", "route", "export", name, "all").stdout)


def test_sessions_establish_with_md5(lab):
    assert wait_for(lambda: established(lab["bird"]["inst"], "up0_v4", "up1_v4"), 40), \
        lab["bird"]["inst"].birdc("show", "protocols", "all").stdout


def test_edges_receive_exactly_the_prefix_with_te(lab):
    a, b = lab["bird"]["a"], lab["bird"]["b"]
    assert wait_for(lambda: list(received(a)) == ["203.0.113.0/24"] and list(received(b)) == ["203.0.113.0/24"], 20)
    ra, rb = received(a)["203.0.113.0/24"], received(b)["203.0.113.0/24"]
    assert ra["as_path"] == [64500] and ra["communities"] == []
    assert rb["as_path"] == [64500, 64500, 64500]
    assert rb["communities"] == ["64601:3356"] and rb["large_communities"] == ["20473:6001:174"]
    # export limit 1 with one export: not hit
    assert not protocols(lab["bird"]["inst"])["up0_v4"]["channels"]["ipv4"]["limits"]["export"]["hit"]


def test_gate_down_withdraws_and_up_restores(lab):
    a = lab["bird"]["a"]
    rc, out = announce(lab["paths"], "gate", "203.0.113.0/24", "down")
    assert rc == 0 and out["changed"] and out["gates"]["203.0.113.0/24"] == "down", out
    assert wait_for(lambda: received(a) == {}, 20)
    rc, out = announce(lab["paths"], "gate", "203.0.113.0/24", "down")
    assert rc == 0 and not out["changed"] and "bird" not in out
    rc, out = announce(lab["paths"], "gate", "2001:db8:ac00::/48", "down")
    assert rc == 0 and out["changed"]
    rc, out = announce(lab["paths"], "gate", "2001:db8:ac00::/48", "up")
    rc, out = announce(lab["paths"], "gate", "203.0.113.0/24", "up")
    assert rc == 0 and out["changed"] and "Reconfigured" in out["bird"]
    assert wait_for(lambda: list(received(a)) == ["203.0.113.0/24"], 20)
    rc, out = announce(lab["paths"], "gate", "198.51.100.0/24", "down")
    assert rc == 2 and "not one of the intent's prefixes" in out["msg"]


def test_several_gates_in_one_call_are_one_change(lab):
    """The health gate sets every prefix that changes in one call: one state change, one reconfiguration; a bad pair
    anywhere changes nothing."""
    a = lab["bird"]["a"]
    before = announce(lab["paths"], "status")[1]["gates"]
    for bad in (["203.0.113.0/24", "down", "2001:db8:ac00::/48"],
                ["203.0.113.0/24", "down", "2001:db8:ac00::/48", "off"],
                ["203.0.113.0/24", "down", "198.51.100.0/24", "down"]):
        rc, out = announce(lab["paths"], "gate", *bad)
        assert rc == 2 and out["failed"], (bad, out)
        assert announce(lab["paths"], "status")[1]["gates"] == before
    rc, out = announce(lab["paths"], "gate", "203.0.113.0/24", "down", "2001:db8:ac00::/48", "down")
    assert rc == 0 and out["changed"] and "Reconfigured" in out["bird"], out
    assert out["gates"] == {"203.0.113.0/24": "down", "2001:db8:ac00::/48": "down"}
    assert wait_for(lambda: received(a) == {}, 20)
    rc, out = announce(lab["paths"], "gate", "203.0.113.0/24", "up", "2001:db8:ac00::/48", "up")
    assert rc == 0 and out["changed"] and out["gates"] == before
    assert wait_for(lambda: list(received(a)) == ["203.0.113.0/24"], 20)


def test_drain_tags_gshut_and_prepends_then_undrain(lab):
    a, b = lab["bird"]["a"], lab["bird"]["b"]
    rc, out = announce(lab["paths"], "--dry-run", "drain")
    assert rc == 0 and out["changed"] and out["dry_run"]
    assert announce(lab["paths"], "status")[1]["mode"] == "normal"
    rc, out = announce(lab["paths"], "drain")
    assert rc == 0 and out["changed"] and out["mode"] == "drain"
    assert wait_for(lambda: "65535:0" in received(a).get("203.0.113.0/24", {}).get("communities", []), 20)
    ra, rb = received(a)["203.0.113.0/24"], received(b)["203.0.113.0/24"]
    assert ra["as_path"] == [64500] * 4
    assert rb["as_path"] == [64500] * 6 and set(rb["communities"]) == {"64601:3356", "65535:0"}
    assert announce(lab["paths"], "drain")[1]["changed"] is False
    rc, out = announce(lab["paths"], "undrain")
    assert rc == 0 and out["changed"] and out["mode"] == "normal"
    assert wait_for(lambda: received(a).get("203.0.113.0/24", {}).get("communities") == [], 20)


def test_withdraw_keeps_sessions_and_exports_nothing(lab):
    a, inst = lab["bird"]["a"], lab["bird"]["inst"]
    rc, out = announce(lab["paths"], "withdraw")
    assert rc == 0 and out["changed"]
    assert wait_for(lambda: received(a) == {}, 20)
    assert established(inst, "up0_v4", "up1_v4")
    status = announce(lab["paths"], "status")[1]
    assert status["mode"] == "withdraw" and status["announcing"] == [] and status["include_current"]
    announce(lab["paths"], "undrain")
    assert wait_for(lambda: list(received(a)) == ["203.0.113.0/24"], 20)


def test_compare_reports_all_well_then_withdrawn(lab):
    import json
    inst = lab["bird"]["inst"]
    manifest = json.loads(lab["paths"]["manifest"].read_text())
    protos = list(protocols(inst).values())
    ex = {n: exports(inst, n) for n in ("up0_v4", "up1_v4")}
    problems, _unused = compare(manifest, protos, ex, {"mode": "normal", "gates": {}})
    assert problems == []
    problems, _unused = compare(manifest, protos, {"up0_v4": [], "up1_v4": ex["up1_v4"]}, {"mode": "withdraw"})
    assert len(problems) == 1 and "up0_v4" in problems[0] and "withdrawn" in problems[0]
    problems, warnings = compare(manifest, protos, {"up0_v4": [], "up1_v4": []}, {"mode": "withdraw"},
                                 honour_announce_state=True)
    assert problems == [] and len(warnings) == 2
    leaked = ex["up1_v4"] + [{"prefix": "198.18.0.0/32"}]
    problems, _unused = compare(manifest, protos, {"up0_v4": ex["up0_v4"], "up1_v4": leaked}, {})
    assert problems == ["session up1_v4 (AS64520, IPv4, neighbour 127.0.0.3 AS64520) exports 198.18.0.0/32, "
                        "which the intent does not announce to it (a leak)"]


def test_leak_from_an_edge_hits_the_receive_limit_and_reaches_no_one(lab):
    a, b, inst = lab["bird"]["a"], lab["bird"]["b"], lab["bird"]["inst"]
    d = lab["dir"]
    (d / "peer_a.conf").write_text(peer_config("a", "127.0.0.2", lab["ports"]["a"], 64515, lab["ports"]["inst"],
                                               PASSWORD, leak=1000))
    assert "Reconfigured" in a.birdc("configure").stdout

    def hit():
        lim = protocols(inst)["up0_v4"]["channels"]["ipv4"]["limits"]["receive"]
        return lim["hit"] and lim["limit"] == 50
    assert wait_for(hit, 30), inst.birdc("show", "protocols", "all", "up0_v4").stdout
    p = protocols(inst)["up0_v4"]
    assert p["established"] and p["channels"]["ipv4"]["routes"]["imported"] == 0
    # nothing of it reaches the other edge, and the table holds no accepted route from it
    assert list(received(b)) == ["203.0.113.0/24"]
    assert [r["prefix"] for r in exports(inst, "up1_v4")] == ["203.0.113.0/24"]
    (d / "peer_a.conf").write_text(peer_config("a", "127.0.0.2", lab["ports"]["a"], 64515, lab["ports"]["inst"],
                                               PASSWORD))
    a.birdc("configure")


def test_wrong_password_keeps_the_session_down_with_an_error(lab):
    b, inst = lab["bird"]["b"], lab["bird"]["inst"]
    d = lab["dir"]
    (d / "peer_b.conf").write_text(peer_config("b", "127.0.0.3", lab["ports"]["b"], 64520, lab["ports"]["inst"],
                                               "not-the-password"))
    assert "Reconfigur" in b.birdc("configure").stdout
    b.birdc("restart", "edge_to_instance")

    def down_with_error():
        p = protocols(inst)["up1_v4"]
        return not p["established"] and (p.get("last_error") or p.get("info")) and p
    p = wait_for(down_with_error, 40)
    assert p, inst.birdc("show", "protocols", "all", "up1_v4").stdout
    import json
    manifest = json.loads(lab["paths"]["manifest"].read_text())
    problems, _unused = compare(manifest, list(protocols(inst).values()), {"up0_v4": exports(inst, "up0_v4")}, {})
    assert len(problems) == 1 and problems[0].startswith("session up1_v4") and "not Established" in problems[0]
    assert "password" in problems[0]
    (d / "peer_b.conf").write_text(peer_config("b", "127.0.0.3", lab["ports"]["b"], 64520, lab["ports"]["inst"],
                                               PASSWORD))
    b.birdc("configure")
    assert wait_for(lambda: established(inst, "up1_v4"), 40)

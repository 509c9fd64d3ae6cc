"""The verify step against the RIPE Atlas emulation (tests/emulators/atlas): measurements created within the credit
budget, results parsed into verify.json and the report, a vantage point landing at the wrong PoP reported on the map
and failing verify, and the API key never in any output."""

import json
import os
import pathlib
import subprocess
import sys

import pytest
import yaml

from conftest import KEY
from toolpath import BIN

ROOT = pathlib.Path(__file__).resolve().parents[3]
pytestmark = pytest.mark.integration


def intent(server, budget=500, points=None, per_point=1):
    return {
        "network": "example", "asn": 64500, "allow_documentation_resources": True,
        "prefixes": ["203.0.113.0/24", "2001:db8:ac00::/48"],
        "services": {
            "web": {"addresses": ["203.0.113.10", "2001:db8:ac00::10"], "tls": {"mode": "off"}},
            "dns": {"addresses": ["203.0.113.53", "2001:db8:ac00::53"], "zones": [{"name": "anycast.example"}]},
        },
        "pops": {pop: {"provider": "static", "hosts": [{"name": "%s-1" % pop, "address": "192.0.2.%d" % i}]}
                 for i, pop in enumerate(["ams", "lhr", "jfk", "lax"], start=1)},
        "vantage": {
            "places": {"ams": {"latitude": 52.37, "longitude": 4.9}, "lhr": {"latitude": 51.51, "longitude": -0.13},
                       "jfk": {"latitude": 40.71, "longitude": -74.01},
                       "lax": {"latitude": 34.05, "longitude": -118.24, "city": "Los Angeles"}},
            "atlas": {
                "server": server, "credits_per_run": budget, "probes_per_point": per_point, "wait": 60,
                "points": points or {
                    "lon": {"city": "London", "latitude": 51.5, "longitude": -0.12, "radius_km": 40,
                            "expected_pop": "lhr"},
                    "ams": {"country": "NL", "expected_pop": "ams"},
                    "sea": {"probes": [6201], "expected_pop": "lax"},
                },
            },
        },
    }


def verify(tmp_path, the_intent, ca, extra=(), check=False):
    inv = tmp_path / "inventory"
    (inv / "group_vars" / "all").mkdir(parents=True, exist_ok=True)
    (inv / "hosts.yml").write_text("all:\n  hosts:\n    localhost:\n      ansible_connection: local\n")
    (inv / "group_vars" / "all" / "intent.yml").write_text(yaml.safe_dump({"anycast_intent": the_intent}))
    reports = tmp_path / "reports"
    reports.mkdir(exist_ok=True)
    cmd = [str(BIN / "ansible-playbook"), "-v", "-i", str(inv), str(ROOT / "playbooks" / "verify.yml"),
           "-e", "anycast_report_dir=%s" % reports, "-e", "anycast_report_renderer=pillow",
           "-e", "anycast_atlas_ca_path=%s" % ca, "-e", "anycast_atlas_poll_interval=0.2",
           "-e", "ansible_python_interpreter=%s" % sys.executable] + list(extra)
    if check:
        cmd.append("--check")
    env = dict(os.environ, ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"), RIPE_ATLAS_KEY=KEY, ANSIBLE_NOCOLOR="1")
    run = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, timeout=300, env=env, check=False)
    return run, reports


def flat(run):
    """Both outputs with every run of whitespace as one space (ansible-core 2.18 wraps long messages)."""
    return " ".join((run.stdout + run.stderr).split())


def test_measured_within_budget_and_a_wrong_pop_fails_verify(tmp_path, atlas, world, tls):
    run, reports = verify(tmp_path, intent(atlas.server), tls[0])
    out = run.stdout + run.stderr
    # One creation: DNS and traceroute, IPv4 and IPv6, from one probe per vantage point (the lowest connected id).
    assert len(world.created) == 1, out
    body = world.created[0]
    assert body["is_oneoff"] is True
    assert sorted((d["type"], d["af"]) for d in body["definitions"]) == [
        ("dns", 4), ("dns", 6), ("traceroute", 4), ("traceroute", 6)]
    dns4 = [d for d in body["definitions"] if d["type"] == "dns" and d["af"] == 4][0]
    assert (dns4["target"], dns4["set_nsid_bit"], dns4["query_argument"]) == ("203.0.113.53", True,
                                                                            "anycast.example")
    assert body["probes"] == [{"type": "probes", "value": "6001,6101,6201", "requested": 3}]
    # Within the budget: 3 probes x (10 + 10 + 30 + 30) credits, and the account paid exactly that.
    assert world.credits == 100000 - 240
    # Results parsed: London's IPv4 DNS answer names jfk-1 (NSID), so its PoP is jfk, expected lhr.
    data = json.loads((reports / "verify.json").read_text())
    rows = {(r["vantage"], r["family"], r["service"]): r for r in data["probes"]}
    assert len(rows) == 12
    lon4 = rows[("lon", "ipv4", "dns")]
    assert (lon4["instance"], lon4["pop"], lon4["expected_pop"], lon4["rtt_ms"]) == ("jfk-1", "jfk", "lhr", 71.3)
    assert rows[("lon", "ipv6", "dns")]["pop"] == "lhr"
    # The traceroute: RTT and hops; its PoP from the same probe's DNS answer (same /24).
    web4 = rows[("lon", "ipv4", "web")]
    assert web4["hops"][-1] == "203.0.113.10" and web4["pop"] == "jfk" and web4["pop_from"] == "dns"
    assert web4["rtt_ms"] == pytest.approx(71.4, abs=0.2)
    assert (rows[("sea", "ipv6", "dns")]["instance"], rows[("ams", "ipv4", "dns")]["pop"]) == ("lax-2", "ams")
    # Verify fails, naming the vantage point; the report marks it on the map and in the rows.
    assert run.returncode != 0, out
    assert "lon ipv4 dns landed at jfk" in flat(run) and "expected lhr" in flat(run), out[-3000:]
    page = (reports / "catchment.html").read_text()
    assert 'data-map-vantage="lon" data-misrouted="true"' in page
    assert 'data-map-vantage="ams" data-misrouted="false"' in page
    assert 'data-line-vantage="lon" data-line-pop="jfk" data-misrouted="true"' in page
    assert 'data-map-pop="lax"' in page
    assert (reports / "catchment.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    # The key: sent to the API in the Authorization header, never in any output or file.
    assert all(has_auth for method, _p, _q, has_auth in world.requests if method == "POST")
    for text in (out, (reports / "verify.json").read_text(), page):
        assert KEY not in text


def test_every_vantage_point_at_its_pop_passes(tmp_path, atlas, world, tls):
    points = {"ams": {"country": "NL", "expected_pop": "ams"}, "sea": {"probes": [6201], "expected_pop": "lax"},
              "lon": {"probes": [6002], "expected_pop": "lhr"}}
    run, reports = verify(tmp_path, intent(atlas.server, points=points), tls[0])
    assert run.returncode == 0, run.stdout + run.stderr
    assert "0 probe(s) away from their expected PoP" in flat(run)
    assert 'data-misrouted="true"' not in (reports / "catchment.html").read_text()


def test_over_budget_is_refused_before_anything_is_created(tmp_path, atlas, world, tls):
    run, _reports = verify(tmp_path, intent(atlas.server, budget=200), tls[0])
    out = flat(run)
    assert run.returncode != 0
    assert "would cost 240 credits" in out and "more than credits_per_run 200" in out and "at most 2 probes" in out
    assert world.created == [] and world.credits == 100000
    assert KEY not in out


def test_check_mode_finds_probes_and_creates_nothing(tmp_path, atlas, world, tls):
    run, _reports = verify(tmp_path, intent(atlas.server, per_point=2), tls[0], check=True)
    out = run.stdout + run.stderr
    assert world.created == [], out
    assert any(path.rstrip("/") == "/api/v2/probes" for _m, path, _q, _a in world.requests)
    assert KEY not in out


def test_a_wrong_key_is_reported_without_the_key(tmp_path, atlas, world, tls):
    world.key = "another-key"
    run, _reports = verify(tmp_path, intent(atlas.server), tls[0])
    out = flat(run)
    assert run.returncode != 0 and "RIPE Atlas refused the measurements" in out and "Forbidden" in out
    assert KEY not in out and world.created == []


def test_probe_without_results_is_a_failed_row(tmp_path, atlas, world, tls):
    points = {"syd": {"probes": [6301], "expected_pop": "lax"}, "lon": {"probes": [6002], "expected_pop": "lhr"}}
    run, reports = verify(tmp_path, intent(atlas.server, points=points), tls[0])
    rows = json.loads((reports / "verify.json").read_text())["probes"]
    syd = [r for r in rows if r["vantage"] == "syd"]
    assert len(syd) == 4 and not any(r["ok"] for r in syd), syd
    assert any("Timeout" in (r["error"] or "") for r in syd if r["service"] == "dns")
    assert "without answer" in flat(run), run.stdout[-3000:]

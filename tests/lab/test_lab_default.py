"""The default lab: it comes up, its routers talk, its instances are reachable, its probes run."""

import subprocess

from ansible_collections.anycast.network.plugins.module_utils.lab import podman, probe


def test_every_session_between_lab_routers_is_established(default_lab):
    sessions = podman.router_sessions(default_lab)
    assert len(sessions) >= 100
    assert [s for s in sessions if s["state"] != "Established"] == []


def test_every_instance_answers_ssh_and_runs_systemd(default_lab, lab_state_dir):
    for inst in default_lab["instances"]:
        proc = subprocess.run(
            ["ssh", "-i", str(lab_state_dir / "id_ed25519"), "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=no",
             "-o", "UserKnownHostsFile=/dev/null", "-o", "ConnectTimeout=5", "-o", "LogLevel=ERROR",
             "root@%s" % inst["mgmt"], "systemctl is-system-running; hostname; ip -o addr show eth0; ip route"],
            capture_output=True, text=True, timeout=30, check=False)
        assert proc.returncode in (0, 1), proc.stderr
        state, hostname, rest = proc.stdout.split("\n", 2)
        assert state in ("running", "degraded")
        assert hostname == inst["name"]
        assert inst["address"] in rest
        assert "default" not in rest  # no route out of the lab


def test_probes_report_unannounced_anycast_as_unreachable_and_reach_unicast(default_lab, lab_intent):
    probes = probe.probe_all(default_lab, lab_intent, count=1)
    assert [p["vantage"] for p in probes] == ["ams", "lhr", "jfk", "sea"]
    for vp in probes:
        assert {r["family"] for r in vp["results"]} == {"ipv4", "ipv6"}
        for res in vp["results"]:
            assert res["status"] == "unreachable" and res["as_path"] is None and res["instance"] is None
        for inst in default_lab["instances"]:
            rtt = vp["unicast"].get(inst["name"], {})
            assert rtt.get("ipv4") is not None and rtt.get("ipv6") is not None, (vp["vantage"], inst["name"])
    assert "unreachable" in probe.table(probes)


def test_the_lab_is_sealed(default_lab):
    client = default_lab["vantage_points"]["lhr"]["client"]
    for target in ("192.0.2.1", "8.8.8.8", "2001:4860:4860::8888"):
        proc = podman.exec_(client, "ping", "-c", "1", "-W", "1", target)
        assert proc.returncode != 0
    for router in ("anycast-lab-edge-lhr", "anycast-lab-atlas-jfk"):
        routes = podman.exec_(router, "ip", "route").stdout
        assert "default" not in routes

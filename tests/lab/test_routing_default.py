"""Routing acceptance in the lab (default topology): the roles base and bird configured by playbooks/configure.yml
against the lab's Vultr-like provider edges. Catchments per city and family, ECMP inside a PoP, drain without loss,
a route leak from an edge, a wrong BGP password, and a re-run that changes nothing."""

import json
import os
import re
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from toolpath import BIN

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "collections"))
from ansible_collections.anycast.network.plugins.module_utils.bird import parse as birdparse  # noqa: E402
from ansible_collections.anycast.network.plugins.module_utils.lab import podman, probe  # noqa: E402

from test_services_helpers import EXPECTED_POP, WEB4, http_instance, sh, stream  # noqa: E402

pytestmark = pytest.mark.lab
PLAYBOOK = [str(BIN / "ansible-playbook"), "-i", str(ROOT / "inventories" / "lab")]


def playbook(*args, timeout=1200):
    env = dict(os.environ, ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"), ANSIBLE_NOCOLOR="1",
               PATH="%s:%s" % (BIN, os.environ.get("PATH", "")))
    return subprocess.run(PLAYBOOK + list(args), cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=timeout, check=False)


def recap_changed(out):
    return {m.group(1): int(m.group(2)) for m in re.finditer(r"^(\S+)\s+: ok=\d+\s+changed=(\d+)", out, re.M)}


def container(plan, name):
    return plan["nodes"][name]["container"]


def bird_protocols(plan, instance):
    out = podman.exec_(container(plan, instance), "birdc", "show", "protocols", "all").stdout
    return {p["name"]: p for p in birdparse.parse_protocols(out)[1]}


def where(plan, vp, intent, family):
    res = [r for r in probe.probe_vantage(plan, vp, intent, count=3)["results"] if r["family"] in (family, "ipv%d" % family)]
    return res[0] if res else {}


def wait(predicate, timeout, interval=1.0):
    deadline = time.time() + timeout
    last = None
    while time.time() < deadline:
        last = predicate()
        if last:
            return last
        time.sleep(interval)
    return last


@pytest.fixture(scope="module")
def configured(converged_lab):
    return converged_lab


@pytest.mark.parametrize("family", [4, 6])
@pytest.mark.parametrize("vp", sorted(EXPECTED_POP))
def test_each_city_reaches_its_pop(configured, lab_intent, vp, family):
    def at_expected_pop():
        result = where(configured, vp, lab_intent, family)
        return result if result.get("pop") == EXPECTED_POP[vp] else None

    res = wait(at_expected_pop, 60, 3)
    assert res, "%s IPv%d: %s" % (vp, family, where(configured, vp, lab_intent, family))


def test_both_instances_of_a_pop_answer_one_vantage_point(configured):
    seen = set()
    client = configured["vantage_points"]["lhr"]["client"]
    for _unused in range(40):
        seen.add(http_instance(client, WEB4))
        if {"lhr-1", "lhr-2"} <= seen:
            break
    assert {"lhr-1", "lhr-2"} <= seen, seen


def recap_ok(out):
    return {m.group(1): int(m.group(2)) for m in re.finditer(r"^(\S+)\s+: ok=(\d+)", out, re.M)}


# The converge record's own bookkeeping on an instance the run configures (never split, docs/rollout.md): the record
# goes before the roles run and comes back once its PoP is verified. Not a change the roles made.
BOOKKEEPING = ("Forget the record of the last converge until this one is verified",
               "Record what this converge left, for the next run's comparison")


def changed_tasks(out):
    """{host: [task names that reported changed]} from the default callback's output."""
    found, task = {}, None
    for line in out.splitlines():
        header = re.match(r"^(?:TASK|RUNNING HANDLER) \[(?:[^:\]]+ : )?(.*)\] \**$", line)
        if header:
            task = header.group(1)
            continue
        hit = re.match(r"^changed: \[([^\]]+?)(?: -> [^\]]+)?\]", line)
        if hit and task:
            found.setdefault(hit.group(1), []).append(task)
    return found


def test_rerun_changes_nothing(configured):
    # Every role on every instance (the fast path off): the roles themselves are idempotent.
    proc = playbook(str(ROOT / "playbooks" / "configure.yml"), "-e", "anycast_full_converge=true")
    assert proc.returncode == 0, proc.stdout[-5000:]
    assert len(recap_changed(proc.stdout)) == 8
    by_roles = {host: [t for t in tasks if t not in BOOKKEEPING] for host, tasks in changed_tasks(proc.stdout).items()}
    assert not any(by_roles.values()), by_roles
    # The roles run about 20 tasks on an instance, the fast path at most 2.
    assert min(recap_ok(proc.stdout).values()) > 10, "the roles did not run"
    # Then the fast path: every instance matches its record, none is configured again.
    proc = playbook(str(ROOT / "playbooks" / "configure.yml"))
    assert proc.returncode == 0, proc.stdout[-5000:]
    changed = recap_changed(proc.stdout)
    assert len(changed) == 8 and all(v == 0 for v in changed.values()), changed
    assert max(recap_ok(proc.stdout).values()) <= 2, proc.stdout[-3000:]


def test_drift_on_one_instance_is_found_and_repaired_there_only(configured):
    lhr1 = "anycast-lab-lhr-1"
    podman.exec_(lhr1, "sh", "-c", "echo '# edited by hand' >> /etc/bird/bird.conf", check=True)
    podman.exec_("anycast-lab-jfk-2", "systemctl", "stop", "nsd", check=True)
    proc = playbook(str(ROOT / "playbooks" / "configure.yml"))
    assert proc.returncode == 0, proc.stdout[-5000:]
    assert "/etc/bird/bird.conf changed on the instance" in proc.stdout
    assert "unit nsd is inactive" in proc.stdout
    ok = recap_ok(proc.stdout)
    assert ok["lhr-1"] > 10 and ok["jfk-2"] > 10, ok
    # The others ran the check only; the play's first instance also carries its once-only tasks (the peers'
    # addresses, the report of the reasons, the pending group), so at most four.
    assert all(v <= 4 for host, v in ok.items() if host not in ("lhr-1", "jfk-2")), ok
    assert recap_changed(proc.stdout)["lhr-1"] >= 1
    conf = podman.exec_(lhr1, "cat", "/etc/bird/bird.conf", check=True).stdout
    assert "edited by hand" not in conf
    assert podman.exec_("anycast-lab-jfk-2", "systemctl", "is-active", "nsd").stdout.strip() == "active"


def test_drain_moves_london_without_losing_a_request_and_undrain_brings_it_back(configured, lab_intent):
    client = configured["vantage_points"]["lhr"]["client"]
    results = {}

    def run_stream():
        results["answers"] = stream(client, WEB4, seconds=60, rate=10)
    t = threading.Thread(target=run_stream)
    t.start()
    time.sleep(3)
    proc = playbook(str(ROOT / "playbooks" / "drain.yml"), "-e", "pop=lhr", "-e", "drain_wait_seconds=20")
    t.join(timeout=120)
    assert proc.returncode == 0, proc.stdout[-5000:]
    answers = results.get("answers", [])
    assert answers and all(inst for _unused, inst in answers), [a for a in answers if not a[1]][:10]
    assert not answers[-1][1].startswith("lhr-"), answers[-5:]
    for family in (4, 6):
        assert wait(lambda: where(configured, "lhr", lab_intent, family).get("pop") not in (None, "lhr"), 60, 3)
    proc = playbook(str(ROOT / "playbooks" / "undrain.yml"), "-e", "pop=lhr")
    assert proc.returncode == 0, proc.stdout[-5000:]
    for family in (4, 6):
        assert wait(lambda: where(configured, "lhr", lab_intent, family).get("pop") == "lhr", 90, 3)


def test_leak_from_an_edge_is_stopped_at_the_instance(configured):
    edge = container(configured, "edge-lhr")
    asn = json.loads(podman.exec_(edge, "vtysh", "-c", "show bgp ipv4 unicast summary json").stdout)["as"]
    statics = "\n".join("ip route 100.64.%d.%d/32 Null0" % (i // 250, i % 250) for i in range(1000))
    # vtysh -f reads the file in configuration mode, like frr.conf.
    leak = "%s\nroute-map TO-INSTANCE permit 5\nexit\nrouter bgp %s\n" \
           "address-family ipv4 unicast\nredistribute static\nexit-address-family\nexit\n" % (statics, asn)
    sh(edge, "cat > /tmp/leak.vtysh <<'EOF'\n%s\nEOF\nvtysh -f /tmp/leak.vtysh" % leak, timeout=120)
    try:
        def hit():
            lim = bird_protocols(configured, "lhr-1")["up0_v4"]["channels"]["ipv4"]["limits"].get("receive", {})
            return lim.get("hit")
        assert wait(hit, 60), bird_protocols(configured, "lhr-1")["up0_v4"]
        p = bird_protocols(configured, "lhr-1")["up0_v4"]
        assert p["channels"]["ipv4"]["routes"].get("imported", 0) == 0
        # nothing of it leaves the instance: it exports its prefix only, and no other network learns the leak
        exported = birdparse.parse_routes(podman.exec_(container(configured, "lhr-1"), "birdc", "show", "route",
                                                       "export", "up0_v4").stdout)
        assert [r["prefix"] for r in exported] == ["203.0.113.0/24"]
        for vp in configured["vantage_points"].values():
            out = podman.exec_(vp["router"], "vtysh", "-c", "show ip bgp 100.64.0.1/32").stdout
            assert "Network not in table" in out or "not in table" in out.lower() or not out.strip(), out
    finally:
        undo = "no route-map TO-INSTANCE permit 5\nrouter bgp %s\naddress-family ipv4 unicast\n" \
               "no redistribute static\nexit-address-family\nexit\n%s\n" % (asn, statics.replace("ip route", "no ip route"))
        sh(edge, "cat > /tmp/unleak.vtysh <<'EOF'\n%s\nEOF\nvtysh -f /tmp/unleak.vtysh" % undo, timeout=120,
           check=False)
        podman.exec_(container(configured, "lhr-1"), "birdc", "restart", "up0_v4")


def test_wrong_password_keeps_the_session_down_and_verify_says_so(configured):
    wrong = json.dumps({"bird_upstreams": [{"profile": "vultr", "password": "not-the-lab-password"}],
                        "bird_verify_retries": 3, "bird_verify_delay": 5})
    try:
        proc = playbook(str(ROOT / "playbooks" / "configure.yml"), "--limit", "lhr-1", "-e", wrong)
        assert proc.returncode != 0
        assert re.search(r"session up0_v4 .* is not Established", proc.stdout), proc.stdout[-5000:]
        assert "password" in proc.stdout
        assert not bird_protocols(configured, "lhr-1")["up0_v4"]["established"]
    finally:
        proc = playbook(str(ROOT / "playbooks" / "configure.yml"), "--limit", "lhr-1")
    assert proc.returncode == 0, proc.stdout[-5000:]
    assert bird_protocols(configured, "lhr-1")["up0_v4"]["established"]


def _bird_conf_digest(plan, instance):
    return podman.exec_(container(plan, instance), "sha256sum", "/etc/bird/bird.conf").stdout.split()[0]


def _hosts_in_play(out, play):
    """The hosts the default callback reports a task result for inside the named play."""
    start = out.find("PLAY [%s]" % play)
    assert start >= 0, out[-3000:]
    end = min([i for i in (out.find("PLAY [", start + 1), out.find("PLAY RECAP", start + 1)) if i > 0] or [len(out)])
    return set(re.findall(r"^(?:ok|changed|fatal|failed|skipping): \[([^\]]+)\]", out[start:end], re.M))


def test_a_change_failing_verification_stops_at_the_first_pop(configured):
    """The configure step goes one PoP at a time and stops at the first PoP that fails its verification: a change
    that breaks every instance's BGP sessions reaches the first PoP only; every other instance keeps its BIRD
    configuration and its sessions. The next run repairs the first PoP."""
    instances = [i["name"] for i in configured["instances"]]
    before = {name: _bird_conf_digest(configured, name) for name in instances}
    broken = json.dumps({"bird_upstreams": [{"profile": "vultr", "password": "not-the-lab-password"}],
                         "bird_verify_retries": 2, "bird_verify_delay": 2, "anycast_full_converge": True})
    try:
        proc = playbook(str(ROOT / "playbooks" / "configure.yml"), "-e", broken)
        assert proc.returncode != 0, proc.stdout[-5000:]
        touched = _hosts_in_play(proc.stdout, "Configure the PoPs in waves")
        pops = {i["pop"] for i in configured["instances"] if i["name"] in touched}
        first_pop = configured["instances"][0]["pop"]
        assert pops == {first_pop}, (touched, proc.stdout[-3000:])
        assert re.search(r"session \S+ .* is not Established", proc.stdout), proc.stdout[-5000:]
        for inst in configured["instances"]:
            name = inst["name"]
            if inst["pop"] == first_pop:
                assert _bird_conf_digest(configured, name) != before[name], name
            else:
                assert _bird_conf_digest(configured, name) == before[name], name
                assert all(p.get("established") for p in bird_protocols(configured, name).values()
                           if p["name"].startswith("up")), name
    finally:
        proc = playbook(str(ROOT / "playbooks" / "configure.yml"))
    assert proc.returncode == 0, proc.stdout[-5000:]
    assert {name: _bird_conf_digest(configured, name) for name in instances} == before

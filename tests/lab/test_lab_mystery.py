"""The London routing mystery and its fix, with BIRD announcing from every instance (as the roles will)."""

import textwrap
import time

import pytest

from ansible_collections.anycast.network.plugins.module_utils.lab import podman, probe


SERVER = textwrap.dedent("""\
    import http.server, socket, socketserver
    class H(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.send_header("X-Anycast-Instance", socket.gethostname())
            self.end_headers()
            self.wfile.write(socket.gethostname().encode())
        def log_message(self, *a):
            pass
    class S(socketserver.ThreadingMixIn, http.server.HTTPServer):
        address_family = socket.AF_INET6
        allow_reuse_address = True
        def server_bind(self):
            self.socket.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
            super().server_bind()
    S(("::", 80), H).serve_forever()
""")


def _bird_conf(inst, password, communities):
    comm = "".join("bgp_community.add((%s,%s)); " % tuple(c.split(":")) for c in communities)
    return textwrap.dedent("""\
        router id %(a4)s;
        protocol device {}
        protocol static s4 { ipv4; route 203.0.113.0/24 blackhole; }
        protocol static s6 { ipv6; route 2001:db8:ac00::/48 blackhole; }
        template bgp vultr { connect retry time 2; connect delay time 1; error wait time 1, 4; }
        protocol bgp v4 from vultr { local %(a4)s as 64500; neighbor 169.254.169.254 as 64515; multihop 2;
          password "%(pw)s"; ipv4 { import none; export filter { %(comm)saccept; }; }; }
        protocol bgp v6 from vultr { local %(a6)s as 64500; neighbor 2001:19f0:ffff::1 as 64515; multihop 2;
          password "%(pw)s"; ipv6 { import none; export filter { %(comm)saccept; }; }; }
        """) % {"a4": inst["address"], "a6": inst["address6"], "pw": password, "comm": comm}


def _announce(plan, communities_by_pop, state_dir):
    password = (state_dir / "bgp-password").read_text().split()[0]
    for inst in plan["instances"]:
        cname = "anycast-lab-%s" % inst["name"]
        conf = _bird_conf(inst, password, communities_by_pop.get(inst["pop"], []))
        script = textwrap.dedent("""\
            set -e
            ip addr replace 203.0.113.10/32 dev lo
            ip -6 addr replace 2001:db8:ac00::10/128 dev lo
            cat > /tmp/lab-test-server.py <<'PY'
            %s
            PY
            cat > /tmp/lab-test-bird.conf <<'CONF'
            %s
            CONF
            systemctl is-active -q lab-test-http || systemd-run -q --unit lab-test-http python3 /tmp/lab-test-server.py
            if [ -S /run/lab-test-bird.ctl ]; then birdc -s /run/lab-test-bird.ctl configure >/dev/null
            else bird -c /tmp/lab-test-bird.conf -s /run/lab-test-bird.ctl; fi
            """) % (SERVER.replace("\n", "\n"), conf)
        proc = podman.podman("exec", "-i", cname, "bash", "-s", check=False, input_text=textwrap.dedent(script))
        assert proc.returncode == 0, proc.stderr


def _sessions_up(plan, deadline=60):
    end = time.monotonic() + deadline
    while True:
        sessions = podman.instance_sessions(plan)
        if all(s["state"] == "Established" for s in sessions) or time.monotonic() > end:
            return sessions
        time.sleep(1)


def _where(plan, vp, intent, family="ipv4", deadline=20):
    end = time.monotonic() + deadline
    while True:
        res = [r for r in probe.probe_vantage(plan, vp, intent, count=2)["results"] if r["family"] == family][0]
        if res["pop"] or time.monotonic() > end:
            return res
        time.sleep(1)


@pytest.fixture(scope="module")
def mystery_lab(lab_available, lab_plan, lab_state_dir):
    plan = lab_plan("mystery")
    podman.up(plan, str(lab_state_dir), timeout=90)
    yield plan
    # Leave the default lab for the other tests and for whoever uses the lab next.
    podman.up(lab_plan("default"), str(lab_state_dir), timeout=90)


def test_london_lands_in_new_york_until_jfk_says_64600_atlas(mystery_lab, lab_intent, lab_state_dir):
    _announce(mystery_lab, {}, lab_state_dir)
    sessions = _sessions_up(mystery_lab)
    assert all(s["state"] == "Established" for s in sessions), sessions
    for family in ("ipv4", "ipv6"):
        res = _where(mystery_lab, "lhr", lab_intent, family)
        assert res["pop"] == "jfk", res
        assert res["as_path"].split()[:2] == ["65010", "20473"]
    assert _where(mystery_lab, "ams", lab_intent)["pop"] == "ams"
    assert _where(mystery_lab, "sea", lab_intent)["pop"] == "lax"
    sessions = podman.instance_sessions(mystery_lab)
    assert all(s["state"] == "Established" for s in sessions), sessions

    # The fix: Vultr's "do not announce to AS65010" on the New York PoP.
    _announce(mystery_lab, {"jfk": ["64600:65010"]}, lab_state_dir)
    end = time.monotonic() + 20
    while _where(mystery_lab, "lhr", lab_intent)["pop"] != "lhr" and time.monotonic() < end:
        time.sleep(1)
    for family in ("ipv4", "ipv6"):
        res = _where(mystery_lab, "lhr", lab_intent, family)
        assert res["pop"] == "lhr", res
        assert res["as_path"].split() == ["65010", "65020", "20473", "64500"]
    assert _where(mystery_lab, "jfk", lab_intent)["pop"] == "jfk"

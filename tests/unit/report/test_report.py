"""The catchment report: reading verify.json and BIRD's output, the page, the picture, the module."""

import json
import os
import pathlib
import shutil
import subprocess
import sys
import time

import pytest

from ansible_collections.anycast.network.plugins.module_utils.report import catchment as rep
from toolpath import BIN

ROOT = pathlib.Path(__file__).resolve().parents[3]
SAMPLE = pathlib.Path(__file__).parent / "fixtures" / "verify_lab.json"
CHROMIUM = rep.find_chromium()
needs_chromium = pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (apt install chromium)")
needs_bird = pytest.mark.skipif(shutil.which("bird") is None, reason="BIRD 2 is not installed (apt install bird2)")


def sample():
    return rep.normalize_verify(json.loads(SAMPLE.read_text()))


def test_canonical_sample():
    r = sample()
    assert r["network"] == "seedlab"
    assert sorted(r["pops"]) == ["ams", "jfk", "lax", "lhr"]
    lon4 = [p for p in r["probes"] if p["vantage"] == "lon" and p["family"] == "ipv4"][0]
    assert (lon4["pop"], lon4["instance"], lon4["expected_pop"]) == ("jfk", "jfk-1", "lhr")
    s = rep.summarize(r)
    assert [(p["vantage"], p["family"]) for p in s["misrouted"]] == [("lon", "ipv4")]
    assert s["catchment"]["jfk"] == {"ipv4": ["lon", "nyc"], "ipv6": ["nyc"]}
    assert s["per_pop"]["lhr"]["sessions_up"] == 4 and s["per_pop"]["lhr"]["exported"] == 4


def test_nested_form_and_spellings():
    data = {"vantage_points": {
        "sea": {"city": "Seattle",
                "4": {"answered_by": "seedlab-lax-2", "rtt": "28.5 ms", "as_path": "AS64550 AS64515 64500"},
                "inet6": {"error": "timeout"}}}}
    r = rep.normalize_verify(data)
    v4, v6 = r["probes"]
    assert (v4["family"], v4["pop"], v4["instance"], v4["rtt_ms"], v4["as_path"], v4["ok"]) == \
        ("ipv4", "lax", "seedlab-lax-2", 28.5, [64550, 64515, 64500], True)
    assert v4["city"] == "Seattle"
    assert (v6["family"], v6["ok"], v6["pop"], v6["error"]) == ("ipv6", False, None, "timeout")
    assert rep.summarize(r)["failed"] == [v6]


@pytest.mark.parametrize("bad, words", [
    ({}, "no probe results"),
    ({"probes": [{"family": "ipv4"}]}, "vantage point"),
    ({"probes": [{"vantage": "x", "family": "ipx"}]}, "address family"),
    ({"probes": [{"vantage": "x", "family": 4, "as_path": ["AS-FOO"]}]}, "AS path"),
    ({"probes": [{"vantage": "x", "family": 4, "rtt_ms": "fast"}]}, "RTT"),
])
def test_bad_input_is_named(bad, words):
    with pytest.raises(rep.ReportError, match=words):
        rep.normalize_verify(bad)


def test_page_escapes_and_is_self_contained():
    data = {"network": "<b>net</b>", "probes": [
        {"vantage": "<script>alert(1)</script>", "family": "ipv4", "pop": "ams", "instance": "ams-1"}]}
    page = rep.render_html(rep.normalize_verify(data))
    assert "<script>" not in page and "&lt;script&gt;" in page and "&lt;b&gt;net" in page
    # Nothing the browser would fetch: no links, images, scripts or fonts from anywhere.
    for needle in ("http://", "https://", "<link", "<img", "<script", "@import", "url("):
        assert needle not in page
    assert rep.render_html(rep.normalize_verify(data)) == page  # deterministic


class Bird:
    """One BIRD daemon on loopback with its own socket."""

    def __init__(self, tmp, name, config):
        self.dir = tmp / name
        self.dir.mkdir()
        (self.dir / "bird.conf").write_text(config)
        self.socket = str(self.dir / "bird.ctl")
        subprocess.run(["bird", "-c", str(self.dir / "bird.conf"), "-s", self.socket, "-P", str(self.dir / "pid")],
                       check=True, capture_output=True, text=True, timeout=20)

    def birdc(self, *args):
        return subprocess.run(["birdc", "-s", self.socket] + list(args), capture_output=True, text=True,
                              timeout=20).stdout

    def stop(self):
        pid = int((self.dir / "pid").read_text())
        os.kill(pid, 15)


PEER_CONFIG = """
router id {rid};
protocol device {{}}
protocol static s4 {{ ipv4; route {prefix} blackhole; }}
protocol bgp {name} {{
  local 127.0.0.{me} port {myport} as {asn};
  neighbor 127.0.0.{peer} port {peerport} as {peerasn};
  multihop 2; hold time 6; connect retry time 1;
  ipv4 {{ import none; export where proto = "s4"; }};
}}
protocol bgp dead_v4 {{
  local 127.0.0.{me} as {asn};
  neighbor 127.0.0.9 port 9 as 64999;
  ipv4 {{ import none; export none; }};
}}
"""


@needs_bird
def test_parse_real_bird_output(tmp_path):
    a = Bird(tmp_path, "a", PEER_CONFIG.format(rid="192.0.2.1", prefix="203.0.113.0/24", name="upstream_v4", me=1,
                                               myport=11790, asn=64500, peer=2, peerport=11791, peerasn=64515))
    b = Bird(tmp_path, "b", PEER_CONFIG.format(rid="192.0.2.2", prefix="198.51.100.0/24", name="customer", me=2,
                                               myport=11791, asn=64515, peer=1, peerport=11790, peerasn=64500))
    try:
        deadline = time.monotonic() + 30
        sessions = []
        while time.monotonic() < deadline:
            text = a.birdc("show", "protocols", "all")
            sessions = {s["name"]: s for s in rep.parse_bird_protocols(text)}
            if sessions.get("upstream_v4", {}).get("up"):
                break
            time.sleep(0.5)
        assert set(sessions) == {"upstream_v4", "dead_v4"}, text
        up = sessions["upstream_v4"]
        assert (up["up"], up["state"], up["exported"], up["neighbor"]) == (True, "Established", 1, "127.0.0.2"), text
        assert not sessions["dead_v4"]["up"] and sessions["dead_v4"]["exported"] == 0
        inst = rep.normalize_instance({"bird_protocols": text, "announce": {"mode": "drain", "announcing": []}})
        assert [s["up"] for s in inst["sessions"]] == [True, False] or [s["up"] for s in inst["sessions"]] == [False, True]
        assert inst["mode"] == "drain"
    finally:
        a.stop()
        b.stop()


def _chromium(*args, timeout=60):
    profile = pathlib.Path(os.environ.get("TMPDIR", "/tmp"))
    with __import__("tempfile").TemporaryDirectory(dir=profile) as tmp:
        cmd = [CHROMIUM] + list(rep.CHROMIUM_FLAGS) + ["--user-data-dir=%s" % tmp] + list(args)
        return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=dict(os.environ, HOME=tmp))


@needs_chromium
def test_chromium_shows_every_pop_and_vantage_point(tmp_path):
    from PIL import Image

    r = sample()
    page = tmp_path / "catchment.html"
    page.write_text(rep.render_html(r))
    # The page as Chromium parsed it: every PoP and vantage point is in the rendered document.
    dom = _chromium("--dump-dom", "file://%s" % page).stdout
    for pop in r["pops"]:
        assert 'data-pop-row="%s"' % pop in dom and '>%s</span>' % pop in dom
    for probe in r["probes"]:
        assert 'data-vantage="%s"' % probe["vantage"] in dom and probe["city"] in dom
    # The picture: every PoP's colour is on it (its badges), and the page was not cut.
    png = rep.screenshot_chromium(CHROMIUM, str(page), str(tmp_path / "c.png"), height=rep.page_height(r))
    (tmp_path / "c.png").write_bytes(png)
    img = Image.open(tmp_path / "c.png").convert("RGB")
    assert img.size == (1200, rep.page_height(r))
    colours = rep.summarize(r)["colours"]
    counts = {}
    for pixel in img.get_flattened_data():
        counts[pixel] = counts.get(pixel, 0) + 1
    for pop, colour in colours.items():
        rgb = tuple(int(colour[i:i + 2], 16) for i in (1, 3, 5))
        assert counts.get(rgb, 0) > 500, "PoP %s (%s) is not visible in the picture" % (pop, colour)
    # The bottom rows are white margin: the last probe row fitted in the window.
    bottom = img.crop((0, img.size[1] - 40, img.size[0], img.size[1]))
    assert set(bottom.get_flattened_data()) == {(255, 255, 255)}


def test_pillow_picture_has_every_pop():
    import io
    from PIL import Image

    r = sample()
    img = Image.open(io.BytesIO(rep.draw_png(r))).convert("RGB")
    present = set(img.get_flattened_data())
    for colour in rep.summarize(r)["colours"].values():
        assert tuple(int(colour[i:i + 2], 16) for i in (1, 3, 5)) in present


def _play(tmp_path, extra=(), check=False, verify=SAMPLE):
    playbook = tmp_path / "report.yml"
    playbook.write_text(
        "- hosts: localhost\n  gather_facts: false\n  tasks:\n"
        "    - anycast.network.catchment_report:\n"
        "        verify: %s\n        html: %s\n        png: %s\n        renderer: '{{ renderer }}'\n"
        "      register: r\n"
        "    - ansible.builtin.copy: {content: '{{ r | to_json }}', dest: %s}\n"
        "      check_mode: false\n" % (verify, tmp_path / "out" / "c.html", tmp_path / "out" / "c.png",
                                     tmp_path / "result.json"))
    cmd = [str(BIN / "ansible-playbook"), "-i", "localhost,", "-c", "local", "-e",
           "ansible_python_interpreter=%s" % sys.executable, "-e", "renderer=pillow", str(playbook)] + list(extra)
    if check:
        cmd.append("--check")
    run = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, timeout=180,
                         env=dict(os.environ, ANSIBLE_CONFIG=str(ROOT / "ansible.cfg")))
    assert run.returncode == 0, run.stdout + run.stderr
    return json.loads((tmp_path / "result.json").read_text())


def test_module_check_mode_then_write_then_idempotent(tmp_path):
    checked = _play(tmp_path, check=True)
    assert checked["changed"] and not (tmp_path / "out" / "c.html").exists()
    first = _play(tmp_path)
    assert first["changed"] and first["renderer"] == "pillow"
    assert first["misrouted"] == [{"vantage": "lon", "family": "ipv4", "service": "web", "pop": "jfk",
                                   "instance": "jfk-1",
                                   "expected_pop": "lhr"}]
    assert (tmp_path / "out" / "c.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    second = _play(tmp_path)
    assert not second["changed"] and second["renderer"] == "none"


def test_picture_made_again_only_when_what_it_shows_changed(tmp_path):
    """New round-trip times and another ECMP instance change the page, not the picture; another PoP changes both."""
    verify = tmp_path / "verify.json"
    data = json.loads(SAMPLE.read_text())
    verify.write_text(json.dumps(data))
    first = _play(tmp_path, verify=verify)
    assert first["renderer"] == "pillow"
    png = (tmp_path / "out" / "c.png").read_bytes()
    picture_page = (tmp_path / "out" / "c-picture.html").read_text()
    assert " ms" not in picture_page and " ms" in (tmp_path / "out" / "c.html").read_text()

    for probe in data["probes"]:
        probe["rtt_ms"] = (probe.get("rtt_ms") or 0) + 1.5
        probe["instance"] = {"ams-1": "ams-2", "ams-2": "ams-1"}.get(probe.get("instance"), probe.get("instance"))
    verify.write_text(json.dumps(data))
    html_before = (tmp_path / "out" / "c.html").read_text()
    second = _play(tmp_path, verify=verify)
    assert second["changed"] and second["renderer"] == "none"
    assert (tmp_path / "out" / "c.html").read_text() != html_before
    assert (tmp_path / "out" / "c.png").read_bytes() == png

    data["probes"][0]["pop"] = "lhr"
    data["probes"][0]["instance"] = "lhr-1"
    verify.write_text(json.dumps(data))
    third = _play(tmp_path, verify=verify)
    assert third["renderer"] == "pillow"
    assert (tmp_path / "out" / "c-picture.html").read_text() != picture_page


def test_report_playbook_gathers_instances_and_writes_the_report(tmp_path):
    """playbooks/report.yml end to end on the controller: one instance answers, one is unreachable."""
    shutil.copy(SAMPLE, tmp_path / "verify.json")
    (tmp_path / "hosts.ini").write_text(
        "[anycast_instances]\nlhr-1 anycast_pop=lhr ansible_connection=local\n"
        "ghost-1 anycast_pop=ghost ansible_host=127.0.0.1 ansible_port=9 ansible_connection=ssh\n")
    run = subprocess.run([str(BIN / "ansible-playbook"), "-i", str(tmp_path / "hosts.ini"),
                          str(ROOT / "playbooks" / "report.yml"), "-e", "anycast_report_dir=%s" % tmp_path,
                          "-e", "anycast_report_renderer=pillow",
                          "-e", "ansible_python_interpreter=%s" % sys.executable],
                         capture_output=True, text=True, cwd=ROOT, timeout=180,
                         env=dict(os.environ, ANSIBLE_CONFIG=str(ROOT / "ansible.cfg")))
    assert run.returncode == 0, run.stdout + run.stderr
    page = (tmp_path / "catchment.html").read_text()
    assert 'data-pop-row="ghost"' in page and 'data-pop-row="lhr"' in page
    assert "1 probe(s) away from their expected PoP" in run.stdout
    assert (tmp_path / "catchment.png").stat().st_size > 1000


def test_page_shows_the_monthly_cost_per_pop_the_total_and_the_spend_cap():
    data = {"probes": [{"vantage": "lon", "family": "ipv4", "target": "203.0.113.10", "pop": "lhr",
                        "instance": "lhr-1"}]}
    report = rep.normalize_verify(data)
    assert "Monthly cost" not in rep.render_html(report)
    report["cost"] = {"estimate": {"currency": "USD", "total": 30.0, "pops": {
        "lhr": {"provider": "vultr", "instances": 2, "monthly_cost": 20.0, "basis": "2 x vc2-1c-1gb at 10 USD"},
        "fra": {"provider": "static", "instances": 1, "monthly_cost": 10.0, "basis": "monthly_cost <b>"}}},
        "budget": {"monthly_limit": 25, "currency": "USD", "over": True}}
    page = rep.render_html(report)
    assert '<tr data-cost-pop="lhr"><td>lhr</td><td>vultr</td><td>2</td><td class="mono">20.00 USD</td>' in page
    assert '<th class="mono" data-cost-total>30.00 USD</th>' in page
    assert "monthly_cost &lt;b&gt;" in page and "<b>" not in page.split("Monthly cost", 1)[1]
    assert '<p class="warn">Spend cap: 25 USD per month, exceeded.</p>' in page

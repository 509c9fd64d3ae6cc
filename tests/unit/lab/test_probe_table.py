"""The vantage table names the PoP, the instances answering HTTP and DNS, the RTT and the AS path."""

from ansible_collections.anycast.network.plugins.module_utils.lab import probe
from ansible_collections.anycast.network.plugins.module_utils.lab.probe import table


def test_table_rows():
    probes = [{"results": [
        {"city": "London", "family": "ipv4", "pop": "lhr", "instance": "lhr-2", "status": "ok", "rtt_ms": 0.123,
         "as_path": "65010 20473 64500", "dns": {"instance": "lhr-1", "status": "NOERROR"}},
        {"city": "London", "family": "ipv6", "pop": None, "instance": None, "status": "unreachable",
         "rtt_ms": None, "as_path": None, "dns": {"instance": None, "status": "timeout"}},
    ]}]
    lines = table(probes).splitlines()
    assert lines[0].split() == ["city", "family", "PoP", "HTTP", "DNS", "ms", "AS", "path"]
    assert lines[1].split() == ["London", "ipv4", "lhr", "lhr-2", "lhr-1", "0.1", "65010", "20473", "64500"]
    assert lines[2].split() == ["London", "ipv6", "-", "unreachable", "timeout", "-", "(no", "route)"]


def test_the_web_probe_prints_one_line_per_request_and_no_body():
    """The client script's HTTP probe (one curl for every request) against a local server whose page has no final
    newline: exactly `count` result lines, each with the instance from the header, no page text among them."""
    import http.server
    import subprocess
    import threading

    class Page(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.send_header("X-Anycast-Instance", "lhr-2")
            self.send_header("Content-Length", "9")
            self.end_headers()
            self.wfile.write(b"<p>lhr</p>"[:9])

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Page)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        addr = "127.0.0.1:%d" % server.server_address[1]
        script = probe._script({("web", 4): (addr, "www.anycast.test")}, 3, [])
        curl = [line for line in script.splitlines() if line.startswith("curl ")]
        assert len(curl) == 1
        out = subprocess.run(["sh", "-c", curl[0]], capture_output=True, text=True, timeout=30).stdout
    finally:
        server.shutdown()
        server.server_close()
    assert [line.split("\t")[0::3] for line in out.splitlines()] == [["HTTP", "lhr-2"]] * 3


def test_one_vtysh_run_reads_the_best_paths_of_both_families(monkeypatch):
    """A vantage point's router is asked for the IPv4 and the IPv6 target in one vtysh run (one JSON document per
    command); a route without a best path, or an answer missing, is no route."""
    import json
    import types

    from ansible_collections.anycast.network.plugins.module_utils.lab import podman, probe as probe_mod

    runs = []
    v4 = {"prefix": "203.0.113.0/24", "paths": [{"aspath": {"string": "64501 64500"}, "bestpath": {"overall": True}}]}
    v6 = {"prefix": "2001:db8:ac00::/48", "paths": [{"aspath": {"string": "64502 64500"}}]}
    answer = {"out": json.dumps(v4, indent=2) + "\n" + json.dumps(v6) + "\n"}

    def exec_(container, *argv, **kwargs):
        runs.append((container, argv))
        return types.SimpleNamespace(returncode=0, stdout=answer["out"], stderr="")
    monkeypatch.setattr(podman, "exec_", exec_)
    paths = probe_mod._as_paths("eyeball-lhr", {6: "2001:db8:ac00::10", 4: "203.0.113.10"})
    assert paths == {4: ("64501 64500", "203.0.113.0/24"), 6: (None, "2001:db8:ac00::/48")}
    assert runs == [("eyeball-lhr", ("vtysh", "-c", "show bgp ipv4 unicast 203.0.113.10 json",
                                     "-c", "show bgp ipv6 unicast 2001:db8:ac00::10 json"))]
    answer["out"] = json.dumps(v4)  # the IPv6 answer missing
    assert probe_mod._as_paths("eyeball-lhr", {4: "203.0.113.10", 6: "2001:db8:ac00::10"}) == {
        4: (None, None), 6: (None, None)}

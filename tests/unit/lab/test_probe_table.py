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

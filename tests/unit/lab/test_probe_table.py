"""The vantage table names the PoP, the instances answering HTTP and DNS, the RTT and the AS path."""

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

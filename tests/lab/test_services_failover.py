"""Fail-over driven by the health gate: Caddy or NSD killed on both London instances, and a clean gate stop."""

import time

import pytest

from test_services_helpers import DNS4, WEB4, first_time, need, sh, stream, wait, http_instance, dns_instance

pytestmark = pytest.mark.lab
LHR = ("lhr-1", "lhr-2")


def served_by_lhr(who):
    return bool(who) and who.startswith("lhr-")


@pytest.mark.parametrize("service, address, kind", [("caddy", WEB4, "http"), ("nsd", DNS4, "dns")])
def test_london_fails_over_within_3s_and_comes_back(service, address, kind):
    vp = need("vantage", "lhr")
    instances = [need("instance", i) for i in LHR]
    probe = http_instance if kind == "http" else dns_instance
    assert served_by_lhr(probe(vp, address)), "London must be served by lhr before the fault"
    import threading
    rows = []
    # The client runs for 12 s; the fault comes 2 s in; the rows are read when the client is done.
    t = threading.Thread(target=lambda: rows.extend(stream(vp, address, 12, kind=kind)))
    t.start()
    time.sleep(2)
    t_fault = time.time()
    for c in instances:
        sh(c, "systemctl kill --signal=SIGKILL %s; systemctl mask --runtime %s" % (service, service))
    try:
        t.join()
    finally:
        for c in instances:
            sh(c, "systemctl unmask --runtime %s; systemctl start %s" % (service, service))
    moved = first_time(rows, lambda w: w and not served_by_lhr(w), t_fault)
    assert moved, rows[-10:]
    assert moved - t_fault <= 3.0 + 0.5, "served elsewhere after %.2f s" % (moved - t_fault)
    t_back = time.time()
    # Back to London only after the gate's rise (>= 10 s healthy), within 30 s.
    assert wait(lambda: served_by_lhr(probe(vp, address)), 40, step=0.5)
    assert time.time() - t_back >= 9.0


def test_clean_gate_stop_loses_no_request():
    """The gate stopped cleanly on one London instance: it drains, then withdraws; London keeps being served (by
    the other instance) and no request goes unanswered."""
    vp = need("vantage", "lhr")
    c = need("instance", "lhr-1")
    import threading
    rows = []
    t = threading.Thread(target=lambda: rows.extend(stream(vp, WEB4, 16)))
    t.start()
    time.sleep(2)
    t_stop = time.time()
    try:
        sh(c, "systemctl stop anycast-healthgate", timeout=60)
        t.join()
    finally:
        sh(c, "systemctl start anycast-healthgate")
    failed = [r for r in rows if r[1] is None]
    assert rows and not failed, "%d of %d requests failed" % (len(failed), len(rows))
    # Once lhr-1 has withdrawn (drain wait + withdraw), only lhr-2 answers London.
    late = [who for when, who in rows if when > t_stop + 8]
    assert late and set(late) == {"lhr-2"}, sorted(set(late))
    assert wait(lambda: "lhr-1" in {http_instance(vp, WEB4) for _unused in range(12)}, 60, step=1)

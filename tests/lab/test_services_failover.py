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
    t = threading.Thread(target=lambda: rows.extend(stream(vp, address, 20, kind=kind)))
    t.start()
    time.sleep(2)
    t_fault = time.time()
    for c in instances:
        sh(c, "systemctl kill --signal=SIGKILL %s; systemctl mask --runtime %s" % (service, service))
    try:
        moved = wait(lambda: rows and first_time(rows, lambda w: w and not served_by_lhr(w), t_fault), 8)
        assert moved, rows[-10:]
        assert moved - t_fault <= 3.0 + 0.5, "served elsewhere after %.2f s" % (moved - t_fault)
    finally:
        for c in instances:
            sh(c, "systemctl unmask --runtime %s; systemctl start %s" % (service, service))
        t.join()
    t_back = time.time()
    # Back to London only after the gate's rise (>= 10 s healthy), within 30 s.
    assert wait(lambda: served_by_lhr(probe(vp, address)), 40, step=0.5)
    assert time.time() - t_back >= 9.0


def test_clean_gate_stop_loses_no_request():
    vp = need("vantage", "lhr")
    c = need("instance", "lhr-1")
    c2 = need("instance", "lhr-2")
    import threading
    rows = []
    t = threading.Thread(target=lambda: rows.extend(stream(vp, WEB4, 25)))
    t.start()
    time.sleep(2)
    try:
        for inst in (c, c2):
            sh(inst, "systemctl stop anycast-healthgate", timeout=60)
        t.join()
    finally:
        for inst in (c, c2):
            sh(inst, "systemctl start anycast-healthgate")
    failed = [r for r in rows if r[1] is None]
    assert rows and not failed, "%d of %d requests failed" % (len(failed), len(rows))
    assert not served_by_lhr(rows[-1][1]), "London should be served elsewhere once lhr withdrew"
    assert wait(lambda: served_by_lhr(http_instance(vp, WEB4)), 60, step=1)

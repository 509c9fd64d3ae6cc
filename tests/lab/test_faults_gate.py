"""The health gate's faults on one London instance (docs/healthgate.md, "Faults"): the disk full, then Caddy stopped
there: the instance withdraws within the gate's fall time; the gate hard-killed: the instance withdraws (its unit's
ExecStopPost), and comes back after rise. Bounded: the filler file is removed and every unit started again in
`finally`."""

import ipaddress
import json
import time

import pytest

from test_services_helpers import need, sh, wait

pytestmark = pytest.mark.lab
INSTANCE = "lhr-1"
FILLER = "/var/lib/anycast/.lab-fill"
# Above this much free space the test fills a small tmpfs in place of the state directory, not the host's disk.
FILL_LIMIT = 2 * 1024 ** 3


def exported(c):
    """The prefixes the instance exports on its sessions now (BIRD's own view; the edges get them a moment later)."""
    manifest = json.loads(sh(c, "cat /etc/anycast/routing.json").stdout)
    out = set()
    for session in manifest.get("sessions", []):
        text = sh(c, "birdc show route export %s" % session["name"], check=False).stdout
        for line in text.splitlines():
            first = line.split()[0] if line.split() else ""
            try:
                out.add(str(ipaddress.ip_network(first)))
            except ValueError:
                continue
    return out


def settings(c):
    cfg = json.loads(sh(c, "cat /etc/anycast/healthgate.json").stdout)
    return float(cfg["interval"]), int(cfg["fall"]), int(cfg["rise"])


def web_prefix(c):
    cfg = json.loads(sh(c, "cat /etc/anycast/healthgate.json").stdout)
    check = next(x for x in cfg["checks"] if x["type"] == "http")
    ip = ipaddress.ip_address(check["address"])
    return str(max((ipaddress.ip_network(p) for p in cfg["prefixes"] if ip in ipaddress.ip_network(p)),
                   key=lambda n: n.prefixlen))


def withdrawn_after(c, prefix, t0, timeout):
    """Seconds from t0 until the instance no longer exports prefix (None if it still does after timeout)."""
    if wait(lambda: prefix not in exported(c), timeout, step=0.1):
        return time.time() - t0
    return None


def test_full_disk_then_caddy_stopped_withdraws_within_fall():
    c = need("instance", INSTANCE)
    interval, fall, _rise = settings(c)
    prefix = web_prefix(c)
    assert wait(lambda: prefix in exported(c), 60), "%s must announce %s before the fault" % (INSTANCE, prefix)
    mounted = False
    try:
        # The state directory's file system, full. Bounded: when it has more than FILL_LIMIT free (the container's
        # file system is the host's disk), a small tmpfs holding a copy of the directory takes its place for the test.
        out = sh(c, """set -e
            if [ "$(df --output=avail -B1 /var/lib/anycast | tail -1)" -gt %d ]; then
              rm -rf /run/lab-fill-save && mkdir -p /run/lab-fill-save && cp -a /var/lib/anycast/. /run/lab-fill-save/
              mount -t tmpfs -o size=8m tmpfs /var/lib/anycast && cp -a /run/lab-fill-save/. /var/lib/anycast/
              echo mounted
            fi""" % FILL_LIMIT, timeout=60)
        mounted = "mounted" in out.stdout
        sh(c, "fallocate -l $(df --output=avail -B1 /var/lib/anycast | tail -1) %s || true; "
              "dd if=/dev/zero of=%s.dd bs=64k status=none 2>/dev/null || true" % (FILLER, FILLER), timeout=300)
        full = sh(c, "dd if=/dev/zero of=/var/lib/anycast/.probe bs=4k count=4 conv=fsync status=none; rc=$?; "
                     "rm -f /var/lib/anycast/.probe; exit $rc", check=False)
        assert full.returncode != 0 and "No space" in full.stderr, "the disk is not full: %s" % full.stderr
        t0 = time.time()
        sh(c, "systemctl stop caddy")
        took = withdrawn_after(c, prefix, t0, 30)
        assert took is not None, "%s still exports %s with its disk full and Caddy stopped" % (INSTANCE, prefix)
        # fall rounds, one round of slack, and `birdc configure` and the podman exec round trip.
        assert took <= (fall + 1) * interval + 1.5, "withdrawn after %.2f s" % took
        assert sh(c, "systemctl is-active anycast-healthgate", check=False).stdout.strip() == "active"
    finally:
        sh(c, "rm -f %s %s.dd" % (FILLER, FILLER), check=False)
        if mounted:
            sh(c, "umount /var/lib/anycast || umount -l /var/lib/anycast; rm -rf /run/lab-fill-save", check=False)
        sh(c, "systemctl start caddy", check=False)
    assert wait(lambda: prefix in exported(c), 60), "%s did not announce %s again" % (INSTANCE, prefix)


def test_gate_hard_killed_withdraws_and_comes_back_after_rise():
    c = need("instance", INSTANCE)
    interval, _fall, rise = settings(c)
    prefix = web_prefix(c)
    assert wait(lambda: prefix in exported(c), 60)
    t0 = time.time()
    try:
        # SIGKILL: no drain, no last word; systemd's ExecStopPost withdraws, Restart=always starts it again.
        sh(c, "systemctl kill --signal=SIGKILL anycast-healthgate")
        took = withdrawn_after(c, prefix, t0, 15)
        assert took is not None, "%s still exports %s after its gate was killed" % (INSTANCE, prefix)
        t_down = time.time()
        assert wait(lambda: prefix in exported(c), 60), "%s did not announce %s again" % (INSTANCE, prefix)
        # The restart honours rise (the first round counts as one).
        assert time.time() - t_down >= (rise - 1) * interval - 0.5
    finally:
        sh(c, "systemctl start anycast-healthgate", check=False)

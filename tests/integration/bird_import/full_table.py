"""A full table through a generic upstream, on loopback: the feed, the VRPs, and the processes that serve them.

Shared by test_bird_import.py and benchmarks/bird_full_table.py. Three processes, each started here and stopped by
its own PID:

- "the upstream": a BIRD of AS64496 on 127.0.0.2 and ::1 whose static protocols hold the generated feed (good
  routes, and routes planted to be rejected), exported to us over BGP;
- "the instance": BIRD with OUR bird.conf, rendered by the role for a generic upstream with `import: full`, with
  `bird_kernel: false` (no kernel protocol: the machine's routing tables are never read or written) and, as the
  only edit of the rendered text, the BGP ports (both daemons share the loopback);
- "the RTR cache": Debian's stayrtr serving the VRP JSON file written here (rpki-client's `-j` format), over RTR
  (RFC 8210) on loopback; stayrtr re-reads the file every second and notifies BIRD of a change.

The feed's addresses: good IPv4 routes are /24s from 20.0.0.0 upwards, good IPv6 routes /48s from 2a00::, planted
ones elsewhere; nothing leaves the loopback. Each planted route names why it must be rejected.
"""

import ipaddress
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT / "tests" / "unit" / "bird"))
sys.path.insert(0, str(ROOT / "tests"))

from bird_support import load_intent, render, wait_for  # noqa: E402  pylint: disable=wrong-import-position

UPSTREAM_ASN = 64496        # RFC 5398 documentation ASN: the lab intent allows documentation resources
OTHER_ASN = 64511           # another (documentation) AS, the origin a wrong ROA names
OUR_ASN = 64500             # the lab intent's
GOOD4_BASE = ipaddress.ip_address("20.0.0.0")
GOOD6_BASE = ipaddress.ip_address("2a00::")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def good4(count):
    return ["%s/24" % (GOOD4_BASE + (i << 8)) for i in range(count)]


def good6(count):
    return ["%s/48" % (GOOD6_BASE + (i << 80)) for i in range(count)]


def _path(*asns):
    """Static route attributes that make the upstream send this path after its own AS (prepended in reverse)."""
    return " ".join("bgp_path.prepend(%d);" % a for a in reversed(asns))


# Not planted: loopback, multicast and IPv6 link-local networks (127.0.0.0/8, 224.0.0.0/4, ff00::/8, fe80::/10).
# BIRD refuses them in any of its tables (rte_validate in nest/rt-table.c, "Ignoring bogus route"), so the
# upstream's static protocol never holds them and our BIRD would drop them before the filters; the bogon sets list
# them all the same.
# Planted routes: (prefix, why it is rejected, the path behind the upstream's AS).
PLANTED4 = [
    ("0.0.0.0/8", "bogon", ()), ("10.0.0.0/8", "bogon", ()), ("10.20.0.0/16", "bogon", ()),
    ("100.64.0.0/10", "bogon", ()), ("169.254.0.0/16", "bogon", ()),
    ("172.16.0.0/12", "bogon", ()), ("172.20.1.0/24", "bogon", ()), ("192.0.0.0/24", "bogon", ()),
    ("192.88.99.0/24", "bogon", ()), ("192.168.0.0/16", "bogon", ()), ("192.168.7.0/24", "bogon", ()),
    ("198.18.0.0/15", "bogon", ()), ("240.0.0.0/8", "bogon", ()),
    ("255.255.255.0/24", "bogon", ()),
    ("203.0.113.0/24", "own prefix", ()),
    ("20.0.0.0/25", "too long", ()), ("20.0.1.128/25", "too long", ()), ("20.0.2.1/32", "too long", ()),
    ("0.0.0.0/0", "too short", ()), ("16.0.0.0/6", "too short", ()),
    ("45.0.0.0/24", "private ASN in the path", (65000, 13335)),
    ("45.0.1.0/24", "private ASN in the path", (64512,)),
    ("45.0.2.0/24", "private ASN in the path", (4200000001, 13335)),
    ("45.0.3.0/24", "AS_TRANS in the path", (23456, 13335)),
    ("45.0.4.0/24", "reserved ASN in the path", (65552,)),
    ("45.1.0.0/24", "AS path too long", (13335,) * 100),
]
PLANTED6 = [
    ("fc00:1::/32", "bogon", ()), ("fd12:3456::/32", "bogon", ()),
    ("2002:1::/32", "bogon", ()), ("3ffe:1::/32", "bogon", ()), ("2001:2::/48", "bogon", ()),
    ("2001:10::/32", "bogon", ()), ("5f00:1::/32", "bogon", ()), ("4000::/16", "not global unicast", ()),
    ("2001:db8:ac00::/48", "own prefix", ()),
    ("2a00::/49", "too long", ()), ("2a00:0:1::/64", "too long", ()), ("2a00::1/128", "too long", ()),
    ("::/0", "too short", ()), ("2a00::/12", "too short", ()),
    ("2a0f::/48", "private ASN in the path", (65000, 13335)),
    ("2a0f:0:1::/48", "private ASN in the path", (4200000001,)),
    ("2a0f:0:2::/48", "AS path too long", (13335,) * 100),
]
# Accepted although they look odd: documentation resources (allowed by the lab intent) and a path of exactly the
# longest length accepted (the upstream's AS and 99 more).
EXTRA4 = [("198.51.100.0/24", (13335,)), ("45.2.0.0/24", (13335,) * 99), ("45.3.0.0/24", (64497,))]
EXTRA6 = [("2001:db8:1::/48", (13335,)), ("2a0f:0:3::/48", (13335,) * 99)]


def vrps(stage):
    """The VRP set (rpki-client `-j` JSON) and what it makes invalid among the good routes, by stage.

    Stage 1: 20.0.0.0/16 valid (our upstream's AS, max /24); 20.1.0.0/16 max /16, so its /24s are invalid (too
    long); 20.2.0.0/16 for another AS (invalid origin); 2a00:0:100::/40 for another AS. Stage 2 (the update): the
    ROA of 20.2.0.0/16 names the upstream's AS (valid again) and AS0 ROAs for 20.3.0.0/16 and 20.4.0.0/16 (RFC 6483
    section 4) make their /24s invalid: 256 routes fewer. The good IPv4 routes must number at least 1,280."""
    roas = [
        {"prefix": "20.0.0.0/16", "maxLength": 24, "asn": UPSTREAM_ASN},
        {"prefix": "20.1.0.0/16", "maxLength": 16, "asn": UPSTREAM_ASN},
        {"prefix": "20.2.0.0/16", "maxLength": 24, "asn": OTHER_ASN if stage == 1 else UPSTREAM_ASN},
        {"prefix": "2a00:0:100::/40", "maxLength": 48, "asn": OTHER_ASN},
    ]
    invalid = ["20.1.0.0/16", "20.2.0.0/16", "2a00:0:100::/40"] if stage == 1 else \
        ["20.1.0.0/16", "2a00:0:100::/40", "20.3.0.0/16", "20.4.0.0/16"]
    if stage == 2:
        roas.extend({"prefix": p, "maxLength": 24, "asn": 0} for p in ("20.3.0.0/16", "20.4.0.0/16"))
    return {"metadata": {"generated": int(time.time())}, "roas": roas}, [ipaddress.ip_network(n) for n in invalid]


class Feed:
    """The generated table and what our filters must make of it."""

    def __init__(self, count4, count6):
        self.good4, self.good6 = good4(count4), good6(count6)

    def accepted(self, family, stage=None):
        """Prefixes our filters must accept; stage None: without RPKI."""
        good = self.good4 + [p for p, _ in EXTRA4] if family == 4 else self.good6 + [p for p, _ in EXTRA6]
        if stage is None:
            return set(good)
        invalid = [n for n in vrps(stage)[1] if n.version == family]
        return {p for p in good if not any(ipaddress.ip_network(p).subnet_of(n) for n in invalid)}

    def rejected(self, family, stage=None):
        """Prefixes our filters must reject (kept filtered)."""
        planted = {p for p, _, _ in (PLANTED4 if family == 4 else PLANTED6)}
        good = self.good4 + [p for p, _ in EXTRA4] if family == 4 else self.good6 + [p for p, _ in EXTRA6]
        return planted | (set(good) - self.accepted(family, stage))

    def upstream_config(self, ports):
        """The upstream's bird.conf: the feed in static protocols, exported to the instance over BGP."""
        out = ["router id 127.0.0.2;", "protocol device {}"]
        for family, good, planted, extra in ((4, self.good4, PLANTED4, EXTRA4), (6, self.good6, PLANTED6, EXTRA6)):
            out.append("protocol static good_v%d {\n  ipv%d;" % (family, family))
            out.extend("  route %s blackhole;" % p for p in good)
            out.append("}")
            out.append("protocol static planted_v%d {\n  ipv%d;" % (family, family))
            for prefix, _, path in planted:
                out.append("  route %s blackhole%s;" % (prefix, " { %s }" % _path(*path) if path else ""))
            for prefix, path in extra:
                out.append("  route %s blackhole { %s };" % (prefix, _path(*path)))
            out.append("}")
        for family, local, neighbor in ((4, "127.0.0.2", "127.0.0.1"), (6, "::1", "::1")):
            out.append("""protocol bgp to_instance_v%(f)d {
  local %(local)s port %(up)d as %(asn)d;
  neighbor %(neighbor)s port %(inst)d as %(our)d;
  multihop 2;
  hold time 30;
  connect retry time 1;
  error wait time 1,2;
  ipv%(f)d { import all; export where source = RTS_STATIC;%(nh)s };
}""" % dict(f=family, local=local, neighbor=neighbor, up=ports["upstream"], inst=ports["instance"],
                asn=UPSTREAM_ASN, our=OUR_ASN, nh=" next hop address 2001:db8:ffff::2;" if family == 6 else ""))
        return "\n".join(out) + "\n"


def instance_host(rtr_port, **upstream):
    """Hostvars of the instance: the lab intent, two generic upstreams with import: full (IPv4 on 127.0.0.2, IPv6
    on ::1; multihop, since BIRD takes no next hop on the loopback interface as directly connected: the learned
    routes resolve recursively, and stay unreachable in BIRD's table without a kernel protocol, which changes
    nothing of what the filters decide), the RTR cache on loopback, no kernel protocol."""
    intent = load_intent("lab")
    intent["pops"]["lhr"]["upstreams"] = [
        dict({"profile": "generic", "neighbor": "127.0.0.2", "asn": UPSTREAM_ASN, "import": "full", "multihop": 2},
             **upstream),
        dict({"profile": "generic", "neighbor": "::1", "asn": UPSTREAM_ASN, "import": "full", "multihop": 2},
             **upstream),
    ]
    intent["rpki_rtr"] = {"address": "127.0.0.1", "port": rtr_port}
    return {"anycast_intent": intent, "anycast_pop": "lhr", "anycast_address": "127.0.0.1",
            "anycast_address6": "::1", "bird_kernel": False, "bird_hold_time": 30, "bird_keepalive_time": 10,
            "bird_connect_retry_time": 1, "bird_error_wait_time": [1, 2]}


def with_ports(text, ports):
    """The rendered bird.conf with the loopback ports: the only edit of the role's output."""
    for local in ("127.0.0.1", "::1"):
        text = text.replace("local %s as" % local, "local %s port %d as" % (local, ports["instance"]))
    for neighbor in ("127.0.0.2", "::1"):
        text = text.replace("neighbor %s as" % neighbor, "neighbor %s port %d as" % (neighbor, ports["upstream"]))
    assert "protocol kernel" not in text
    return text


class Process:
    """A daemon started here, stopped by its own PID (never by name)."""

    def __init__(self, argv, log, pidfile=None):
        self.argv, self.log, self.pidfile = [str(a) for a in argv], Path(log), pidfile
        self.pid = None

    def start_foreground(self):
        with open(self.log, "wb") as log:
            proc = subprocess.Popen(self.argv, stdout=log, stderr=subprocess.STDOUT,  # pylint: disable=consider-using-with
                                    stdin=subprocess.DEVNULL)
        self.pid = proc.pid
        self.proc = proc  # pylint: disable=attribute-defined-outside-init
        return self

    def stop(self):
        if not self.pid:
            return
        try:
            os.kill(self.pid, signal.SIGTERM)
        except ProcessLookupError:
            self.pid = None
            return
        deadline = time.time() + 15
        while time.time() < deadline:
            if getattr(self, "proc", None) is not None and self.proc.poll() is not None:
                break
            try:
                os.kill(self.pid, 0)
            except ProcessLookupError:
                break
            time.sleep(0.05)
        else:
            try:
                os.kill(self.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.pid = None


class BirdDaemon(Process):
    """BIRD in the foreground (-f) with its own control socket and PID file."""

    def __init__(self, config, workdir, name):
        self.socket = str(Path(workdir) / ("%s.ctl" % name))
        super().__init__(["bird", "-f", "-c", config, "-s", self.socket, "-P", Path(workdir) / ("%s.pid" % name)],
                         Path(workdir) / ("%s.log" % name))

    def start(self, timeout=60):
        self.start_foreground()
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError("bird exited: %s" % self.log.read_text()[-2000:])
            if os.path.exists(self.socket) and self.birdc("show", "status").returncode == 0:
                return self
            time.sleep(0.1)
        raise AssertionError("BIRD did not answer on %s within %d s" % (self.socket, timeout))

    def birdc(self, *args, timeout=120):
        return subprocess.run(["birdc", "-s", self.socket] + [str(a) for a in args], capture_output=True,
                              text=True, timeout=timeout, check=False)

    def count(self, *selector):
        """How many routes `show route <selector> count` finds."""
        out = self.birdc("show", "route", *selector, "count").stdout
        match = re.search(r"(\d+) of (\d+) routes", out)
        return int(match.group(1)) if match else 0

    def prefixes(self, *selector):
        """The networks `show route <selector>` lists."""
        out = self.birdc("show", "route", *selector).stdout
        return {str(ipaddress.ip_network(m.group(1))) for m in re.finditer(r"^([0-9a-f:.]+/\d+)\s", out, re.M)}

    def protocol(self, name):
        return self.birdc("show", "protocols", "all", name).stdout

    def memory(self):
        return self.birdc("show", "memory").stdout


def stayrtr(port, vrp_file, workdir):
    """Debian's stayrtr serving the VRP file over plain RTR on 127.0.0.1:port (metrics on another loopback port)."""
    binary = shutil.which("stayrtr")
    if binary is None:
        return None
    return Process([binary, "-bind", "127.0.0.1:%d" % port, "-cache", vrp_file, "-checktime=false", "-refresh", "1",
                    "-metrics.addr", "127.0.0.1:%d" % free_port(), "-log.verbose=false"],
                   Path(workdir) / "stayrtr.log")


def listening(port, timeout=20):
    """Wait until something accepts TCP connections on 127.0.0.1:port."""
    def try_connect():
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return True
        except OSError:
            return False
    return wait_for(try_connect, timeout)


def write_vrps(path, stage):
    tmp = Path(str(path) + ".tmp")
    tmp.write_text(json.dumps(vrps(stage)[0]))
    tmp.replace(path)


def render_instances(workdir, scenarios):
    """Our bird.conf per scenario, rendered by the role (its validate: bird -p -c included)."""
    return render(Path(workdir), scenarios)

#!/usr/bin/env python3
"""Fail-over in the lab: for each fault on both London instances, how long until a London client sending at least
20 requests/s is served by another PoP, and how many of its requests failed.

Faults: Caddy killed, NSD killed, BIRD killed, instance stopped, its link cut. Every fault is undone afterwards and
the benchmark waits until London is served by lhr again before the next one. Needs the lab converged
(./scripts/lab.sh). Prints a table and, beside it, the detection times of the alternatives at their defaults.

  .venv/bin/python benchmarks/failover_bench.py [--seconds 15] [--rate 25] [--faults caddy,nsd,bird,stop,link]
"""

import argparse
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests/lab"))
sys.path.insert(0, str(ROOT / "collections"))

import yaml  # noqa: E402

from ansible_collections.anycast.network.plugins.module_utils.lab import podman  # noqa: E402

from test_services_helpers import (DNS4, WEB4, dns_instance, find, http_instance, sh, stream,  # noqa: E402
                                   wait)

LHR = ("lhr-1", "lhr-2")
# name: (address, kind, break, repair)
FAULTS = {
    "caddy": (WEB4, "http", "systemctl mask --runtime caddy; systemctl kill --signal=SIGKILL caddy",
              "systemctl unmask --runtime caddy; systemctl start caddy"),
    "nsd": (DNS4, "dns", "systemctl mask --runtime nsd; systemctl kill --signal=SIGKILL nsd",
            "systemctl unmask --runtime nsd; systemctl start nsd"),
    "bird": (WEB4, "http", "systemctl mask --runtime bird; systemctl kill --signal=SIGKILL bird",
             "systemctl unmask --runtime bird; systemctl start bird"),
    "stop": (WEB4, "http", "podman stop -t 0", "podman start"),
    "link": (WEB4, "http", "{link_down}", "{link_up}"),
}
# Link down flushes the interface's routes and its IPv6 addresses (keep_addr_on_down is 0): they are saved first and
# put back after the link comes up, so the instance is as it was.
SAVED = "/run/anycast-lab-link"
LINK_DOWN = ("echo {ifname} > %(s)s.ifname; ip -o addr show dev {ifname} | awk '{{print $3, $4}}' > %(s)s.addr; "
             "ip -4 route show dev {ifname} > %(s)s.route4; ip -6 route show dev {ifname} > %(s)s.route6; "
             "ip link set {ifname} down") % {"s": SAVED}
LINK_UP = ("i=$(cat %(s)s.ifname); ip link set $i up; "
           "while read -r fam addr; do ip addr replace $addr dev $i; done < %(s)s.addr; "
           "while read -r r; do ip -4 route replace $r dev $i; done < %(s)s.route4; "
           "while read -r r; do ip -6 route replace $r dev $i; done < %(s)s.route6; true") % {"s": SAVED}
ALTERNATIVES = [
    ("anycast-healthchecker (check_interval 10 s, fall 2, timeout 2 s)", "~22 s detection",
     "reference/anycast_tooling.md section 1.2"),
    ("ExaBGP healthcheck (interval 5 s, fast-interval 1 s, fall 3)", "~7 s detection",
     "reference/anycast_tooling.md section 2.2"),
]


def uplink(container):
    """The interface of the instance's default route (towards its provider edge)."""
    out = sh(container, "ip -o route show default || ip -o route show 169.254.169.254", check=False).stdout.split()
    return out[out.index("dev") + 1] if "dev" in out else "eth0"


def apply(action, containers):
    for c in containers:
        if action.startswith("podman "):
            podman.podman(*action.split()[1:], c, check=False, timeout=60)
        else:
            script = action.format(link_down=LINK_DOWN, link_up=LINK_UP)
            sh(c, script.format(ifname=uplink(c)) if "{ifname}" in script else script, check=False)


def run_fault(name, vp, containers, seconds, rate):
    address, kind, breaker, repair = FAULTS[name]
    probe = http_instance if kind == "http" else dns_instance
    if not wait(lambda: (probe(vp, address) or "").startswith("lhr-"), 60, step=1):
        return name, None, None, None, "London not served by lhr before the fault"
    rows = []
    t = threading.Thread(target=lambda: rows.extend(stream(vp, address, seconds, rate=rate, kind=kind, ends=True)))
    t.start()
    time.sleep(2)
    t_fault = time.time()
    apply(breaker, containers)
    t.join()
    apply(repair, containers)
    # When the client was first answered by another PoP: the end of that request, not its start (a request that
    # started just after the fault may be answered elsewhere only after curl's retries, seconds later).
    elsewhere = [end for start, who, end in rows if who and not who.startswith("lhr-") and end >= t_fault]
    moved = min(elsewhere) if elsewhere else None
    failed = sum(1 for _, who, _ in rows if who is None)
    retried = sum(1 for start, who, end in rows if end - start >= 0.9)
    sent = len(rows)
    span = rows[-1][0] - rows[0][0] if len(rows) > 1 else 1
    return name, (moved - t_fault) if moved else None, failed, sent / span, "%d requests, %d retried" % (sent, retried)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=15)
    ap.add_argument("--rate", type=int, default=25)
    ap.add_argument("--faults", default=",".join(FAULTS))
    args = ap.parse_args()
    vp = find("vantage", "lhr")
    containers = [find("instance", i) for i in LHR]
    if not vp or not all(containers):
        print("the lab is not running (./scripts/lab.sh)", file=sys.stderr)
        return 2
    print("%-8s %12s %8s %10s  %s" % ("fault", "served else", "failed", "req/s", "note"))
    for name in args.faults.split(","):
        fault, moved, failed, rate, note = run_fault(name, vp, containers, args.seconds, args.rate)
        print("%-8s %12s %8s %10s  %s" % (fault, "%.2f s" % moved if moved is not None else "never",
                                           failed if failed is not None else "-",
                                           "%.1f" % rate if rate else "-", note))
    hold = yaml.safe_load((ROOT / "roles/bird/defaults/main.yml").read_text())["bird_bgp_timers"]["vultr"]["hold"]
    print("\n'served else' is when the first answer from another PoP arrived. 'failed' counts requests with no answer"
          "\nafter two retries, 1 s then 2 s apart (a connection reset by a route change is retried, as browsers do);"
          "\n'retried' counts requests that needed a retry."
          "\n'bird' and 'stop' end BIRD's process: the kernel closes its TCP connection and the provider edge ends the"
          "\nsession at once. 'link' leaves nothing to tell the edge: keepalives stop and the hold time runs out, the"
          "\nlower of the two proposed (RFC 4271 4.2): %s s from BIRD (vultr profile), 9 s from the lab's edges (FRR 'timers bgp 3 9')."
          % hold)
    print("\nFor comparison, detection at the defaults (before birdc configure and BGP propagation):")
    for tool, figure, source in ALTERNATIVES:
        print("  %-70s %-16s %s" % (tool, figure, source))
    print("  %-70s %-16s %s" % ("anycast-healthgate (interval 1 s, timeout 0.5 s, fall 2)", "<= 2.5 s detection",
                               "docs/healthgate.md"))
    return 0


if __name__ == "__main__":
    sys.exit(main())

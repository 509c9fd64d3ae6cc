#!/usr/bin/env python3
"""A full table through a generic upstream, measured: our rendered bird.conf (import: full, an RTR cache) in BIRD on
loopback, fed a generated table by another BIRD, with stayrtr serving VRPs (tests/integration/bird_import/
full_table.py sets it up, as the integration test does, with a table of any size).

Prints the time to load the table (from the upstream's BIRD answering until every route is imported or filtered),
BIRD's memory (`birdc show memory`) before and after, and the time to re-evaluate the table after an RTR update
(a new VRP set: 256 routes valid again, 512 invalid). Needs bird2 and stayrtr (scripts/setup.d); as root or not,
it touches nothing but loopback ports and a temporary directory, and stops what it started by PID.

  .venv/bin/python benchmarks/bird_full_table.py [--ipv4 1000000] [--ipv6 200000] [--keep DIR]
"""

import argparse
import re
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "integration" / "bird_import"))

from full_table import (BirdDaemon, Feed, free_port, instance_host, listening, render_instances,  # noqa: E402
                        stayrtr, wait_for, with_ports, write_vrps)


def channel_routes(daemon, session):
    """(imported, filtered) of a session's channel, from `show protocols all` (cheap on a large table)."""
    match = re.search(r"Routes:\s+(\d+) imported, (\d+) filtered", daemon.protocol(session))
    return (int(match.group(1)), int(match.group(2))) if match else (0, 0)


def memory(daemon):
    """BIRD's `show memory` as {line: text}, e.g. 'Routing tables': '512 MB'."""
    out = {}
    for line in daemon.memory().splitlines():
        match = re.match(r"\s*([A-Za-z][A-Za-z /]+):\s+(.+?)\s*$", line)
        if match and "ready" not in line:
            out[match.group(1).strip()] = match.group(2)
    return out


def settled(daemon, want, timeout):
    """Seconds until every session's channel holds the wanted (imported, filtered) counts, or None."""
    start = time.monotonic()
    ok = wait_for(lambda: all(channel_routes(daemon, s) == w for s, w in want.items()), timeout, interval=0.25)
    return time.monotonic() - start if ok else None


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ipv4", type=int, default=1000000, help="good IPv4 routes (default 1,000,000)")
    parser.add_argument("--ipv6", type=int, default=200000, help="good IPv6 routes (default 200,000)")
    parser.add_argument("--timeout", type=int, default=900, help="seconds to wait for each step")
    parser.add_argument("--keep", help="a directory to work in and keep (default: a temporary one, removed)")
    args = parser.parse_args()
    if args.ipv4 < 1280 or args.ipv6 < 512:
        parser.error("the VRP sets need at least 1280 IPv4 and 512 IPv6 routes")
    with tempfile.TemporaryDirectory(prefix="bird-full-table-") as tmp:
        work = Path(args.keep or tmp)
        work.mkdir(parents=True, exist_ok=True)
        run(args, work)


def run(args, work):
    feed = Feed(args.ipv4, args.ipv6)
    ports = {"instance": free_port(), "upstream": free_port(), "rtr": free_port()}
    limits = {"max_prefixes": max(args.ipv4, args.ipv6) * 2}
    t0 = time.monotonic()
    config = render_instances(work, {"full": instance_host(ports["rtr"], **limits)})["full"]["config"]
    config.write_text(with_ports(config.read_text(), ports))
    vrp_file = work / "vrps.json"
    write_vrps(vrp_file, 1)
    (work / "upstream.conf").write_text(feed.upstream_config(ports))
    print("feed: %d IPv4 + %d IPv6 good routes, %d + %d planted; rendered and written in %.1f s"
          % (args.ipv4, args.ipv6, len(feed.rejected(4)), len(feed.rejected(6)), time.monotonic() - t0))
    want1 = {"up0_v4": (len(feed.accepted(4, 1)), len(feed.rejected(4, 1))),
             "up1_v6": (len(feed.accepted(6, 1)), len(feed.rejected(6, 1)))}
    want2 = dict(want1, up0_v4=(len(feed.accepted(4, 2)), len(feed.rejected(4, 2))))
    procs = []
    try:
        cache = stayrtr(ports["rtr"], vrp_file, work)
        if cache is None:
            sys.exit("stayrtr is not installed (scripts/setup.d/05-controller-tools.sh)")
        procs.append(cache.start_foreground())
        if not listening(ports["rtr"]):
            sys.exit("stayrtr did not listen: %s" % (work / "stayrtr.log").read_text()[-2000:])
        instance = BirdDaemon(config, work, "instance").start()
        procs.append(instance)
        wait_for(lambda: instance.count("table", "anycast_roa4") == 3, 60)
        before = memory(instance)
        t0 = time.monotonic()
        upstream = BirdDaemon(work / "upstream.conf", work, "upstream").start(timeout=args.timeout)
        procs.append(upstream)
        print("upstream BIRD read its %d static routes in %.1f s"
              % (args.ipv4 + args.ipv6 + len(feed.rejected(4)) + len(feed.rejected(6)), time.monotonic() - t0))
        up = wait_for(lambda: all("Established" in instance.protocol(s) for s in want1), args.timeout, interval=0.05)
        established = time.monotonic() - t0
        load = settled(instance, want1, args.timeout)
        if not up or load is None:
            sys.exit("the table did not settle: %s" % {s: channel_routes(instance, s) for s in want1})
        print("load: sessions Established %.1f s after the upstream started, then %.1f s until %s (imported, "
              "filtered) per session" % (established, load, want1))
        after = memory(instance)
        print("BIRD memory (show memory: effective, overhead), empty -> with the table:")
        for key in after:
            print("  %-18s %10s -> %s" % (key, before.get(key, "-"), after[key]))
        t0 = time.monotonic()
        write_vrps(vrp_file, 2)
        reeval = settled(instance, want2, args.timeout)
        if reeval is None:
            sys.exit("the RTR update was not applied: %s" % {s: channel_routes(instance, s) for s in want2})
        print("RTR update (file written -> stayrtr -> BIRD's ROA tables -> the table re-evaluated): %.1f s "
              "(stayrtr reads its file every second)" % reeval)
    finally:
        for proc in reversed(procs):
            proc.stop()


if __name__ == "__main__":
    main()

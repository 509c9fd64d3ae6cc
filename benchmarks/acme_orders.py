#!/usr/bin/env python3
"""ACME orders per hostname set for 8, 16 and 32 simulated instances (target: 1 each), against the real pebble on
loopback (tests/integration/acme_shared/acme_network.py: one directory per instance, the CA's validation landing on a
random instance as anycast would).

For each size: a first converge, a second converge, one instance destroyed and re-created, a new instance added;
the orders are counted in pebble's log. Then, for comparison, what the same network cost before 1.2.0, when every
instance ordered its own certificate: one order per instance and per re-provision (counted the same way).

  .venv/bin/python benchmarks/acme_orders.py [--sizes 8,16,32]
"""

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests/integration/acme_shared"))
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "collections"))

from acme_network import HOSTNAMES, Network, converge, tools_missing  # noqa: E402


def shared(size):
    with tempfile.TemporaryDirectory() as tmp:
        net = Network(Path(tmp)).start()
        try:
            for i in range(size):
                net.add_instance("i%d" % i)
            start = time.monotonic()
            converge(net)
            first = time.monotonic() - start
            converge(net)
            net.destroy(net.instances[1])
            net.add_instance("i1")
            net.add_instance("i%d" % size)
            converge(net)
            held = {(inst / "tls" / "www.pem").read_text() for inst in net.instances}
            return net.orders(), first, len(held)
        finally:
            net.stop()


def per_instance(size):
    """Before 1.2.0: each instance orders for itself (the same module, one account and one order per instance)."""
    from module_runner import run_module

    from ansible_collections.anycast.network.plugins.modules import acme_certificate

    with tempfile.TemporaryDirectory() as tmp:
        net = Network(Path(tmp)).start()
        try:
            for i in range(size):
                net.add_instance("i%d" % i)
            for inst in list(net.instances) + [net.instances[1]]:  # + one re-provision
                args = {"directory": net.directory, "hostnames": HOSTNAMES, "ca_root": net.ca_root}
                plan = run_module(acme_certificate, args)
                for other in net.instances:
                    for challenge in plan["challenges"]:
                        path = other / "www" / challenge["path"].lstrip("/")
                        path.parent.mkdir(parents=True, exist_ok=True)
                        path.write_text(challenge["content"])
                done = run_module(acme_certificate, dict(args, step="finish", account_key=plan["account_key"],
                                                         order=plan["order"]))
                assert not done.get("failed"), done.get("msg")
            return net.orders()
        finally:
            net.stop()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="8,16,32")
    parser.add_argument("--no-baseline", action="store_true", help="skip the per-instance comparison")
    args = parser.parse_args()
    missing = tools_missing()
    if missing:
        sys.exit("needs " + ", ".join(missing))
    print("| instances | ACME orders (first converge, second converge, re-provision, new instance) | "
          "first converge | distinct certificates held | before 1.2.0 (one per instance + one re-provision) | target |")
    print("|---|---|---|---|---|---|")
    for size in (int(s) for s in args.sizes.split(",")):
        orders, first, held = shared(size)
        baseline = "" if args.no_baseline else str(per_instance(size))
        print("| %d | %d | %.2f s | %d | %s | 1: %s |" % (size, orders, first, held, baseline,
                                                          "met" if orders == 1 else "**not met**"))


if __name__ == "__main__":
    main()

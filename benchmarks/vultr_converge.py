"""Time to converge one Vultr PoP to 20 instances against 1 instance, in the API emulator.

Each instance takes ``--boot-delay`` seconds (default 5) to become active. anycast.network.vultr_pop creates every
missing instance before it waits, so twenty should take about as long as one: the target is at most 1.5 times.
The module's logic runs in process against the emulator on loopback, with the same client and paging as in a
playbook (pages of 3 items, so waiting on twenty pages through the cursor).

    python benchmarks/vultr_converge.py [--count 20] [--boot-delay 5] [--poll-interval 1]
"""

import argparse
import pathlib
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "collections"))
sys.path.insert(0, str(ROOT / "tests" / "emulators" / "vultr"))

from vultr_emulator import Emulator  # noqa: E402

from ansible_collections.anycast.network.plugins.module_utils.vultr import client as vu  # noqa: E402
from ansible_collections.anycast.network.plugins.modules import vultr_pop  # noqa: E402

KEY = "benchmark-key"


class Module:
    def __init__(self, params):
        self.params = params
        self.check_mode = False

    def warn(self, text):
        print("warning:", text, file=sys.stderr)

    def fail_json(self, **kwargs):
        raise SystemExit("failed: %s" % kwargs)


def converge(emu, pop, count, poll_interval):
    params = {k: v.get("default") for k, v in vu.vultr_argument_spec().items()}
    params.update(api_key=KEY, api_url=emu.url, network="bench", pop=pop, count=count, state="present",
                  remove_surplus=True, region="ams", plan="vc2-1c-1gb", os_id=2136, image_id=None, ssh_keys=[],
                  startup_script=None, user_data=None, enable_ipv6=True, tags=[], wait=True, wait_timeout=600,
                  poll_interval=poll_interval)
    client = vu.VultrClient(api_key=KEY, api_url=emu.url)
    start = time.monotonic()
    result = vultr_pop.VultrPop(Module(params), client).run()
    elapsed = time.monotonic() - start
    assert len(result["instances"]) == count and all(i["status"] == "active" for i in result["instances"])
    return elapsed, client.stats["requests"]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=20)
    parser.add_argument("--boot-delay", type=float, default=5.0)
    parser.add_argument("--poll-interval", type=float, default=1.0)
    args = parser.parse_args()
    with Emulator(api_key=KEY, boot_delay=args.boot_delay, max_page_size=3) as emu:
        one, req_one = converge(emu, "one", 1, args.poll_interval)
        many, req_many = converge(emu, "many", args.count, args.poll_interval)
        violations = emu.snapshot()["violations"]
    ratio = many / one
    print("vultr_converge: boot delay %.1f s, poll every %.1f s" % (args.boot_delay, args.poll_interval))
    print("  1 instance:   %6.2f s  (%d API requests)" % (one, req_one))
    print("  %d instances: %6.2f s  (%d API requests)" % (args.count, many, req_many))
    print("  ratio:        %6.2f  (target <= 1.50) %s" % (ratio, "OK" if ratio <= 1.5 else "OVER TARGET"))
    if violations:
        print("  spec violations: %s" % violations)
    return 0 if ratio <= 1.5 and not violations else 1


if __name__ == "__main__":
    sys.exit(main())

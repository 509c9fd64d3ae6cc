#!/usr/bin/env python3
"""Lab benchmark: cold creation of the default lab (image cached) until every router session is Established and
every instance answers SSH, its peak memory, and tear-down time.

    .venv/bin/python benchmarks/lab_bench.py [--runs N]

Targets (docs/lab.md): up in under 15 s, under 2 GiB.
"""

import argparse
import json
import pathlib
import subprocess
import sys
import threading
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "collections"))

import yaml  # noqa: E402

from ansible_collections.anycast.network.plugins.module_utils.lab import addressing, podman  # noqa: E402
from ansible_collections.anycast.network.plugins.module_utils.lab import topology as topo_mod  # noqa: E402


def lab_memory_bytes():
    """Sum of the memory cgroups of the lab's running containers."""
    total = 0
    for name, info in podman.list_containers().items():
        if info["state"] != "running":
            continue
        pid = subprocess.run(["podman", "inspect", "--format", "{{.State.Pid}}", name], capture_output=True,
                             text=True, check=False).stdout.strip()
        try:
            for line in open("/proc/%s/cgroup" % pid, encoding="utf-8"):
                _, ctrl, path = line.strip().split(":", 2)
                if ctrl == "memory" or ctrl == "":
                    base = "/sys/fs/cgroup/memory" if ctrl == "memory" else "/sys/fs/cgroup"
                    for fname in ("memory.usage_in_bytes", "memory.current"):
                        p = pathlib.Path(base + path) / fname
                        if p.exists():
                            total += int(p.read_text())
                            raise StopIteration
        except (OSError, ValueError, StopIteration):
            pass
    return total


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--topology", default="default")
    args = parser.parse_args()
    intent = yaml.safe_load((ROOT / "inventories/lab/group_vars/all/intent.yml").read_text())["anycast_intent"]
    topo = topo_mod.load(str(ROOT / "lab" / "topologies" / ("%s.yml" % args.topology)))
    plan = addressing.plan_for_intent(topo, intent)
    results = []
    for _ in range(args.runs):
        podman.down(keep_image=True)
        peak = [0]
        stop = threading.Event()

        def sample():
            while not stop.wait(1.0):
                peak[0] = max(peak[0], lab_memory_bytes())

        sampler = threading.Thread(target=sample, daemon=True)
        t0 = time.monotonic()
        sampler.start()
        result = podman.up(plan, str(ROOT / ".lab"), timeout=120)
        up_s = time.monotonic() - t0
        time.sleep(2)
        peak[0] = max(peak[0], lab_memory_bytes())
        stop.set()
        sampler.join()
        t1 = time.monotonic()
        podman.down(keep_image=True)
        results.append({"up_s": round(up_s, 2), "timings": result["timings"], "down_s": round(time.monotonic() - t1, 2),
                        "peak_memory_mib": round(peak[0] / 2**20, 1),
                        "containers": len(plan["nodes"]), "networks": len(plan["networks"])})
        print(json.dumps(results[-1]))
    # Leave the lab up, as the engineers use it.
    podman.up(plan, str(ROOT / ".lab"), timeout=120)


if __name__ == "__main__":
    main()

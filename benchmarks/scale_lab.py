#!/usr/bin/env python3
"""The scale lab (lab/topologies/scale.yml, inventories/lab-scale/) at growing sizes: its start time, its peak memory,
and the controller's CPU per instance for a cold converge.

    python benchmarks/scale_lab.py [--sizes 8,16,48] [--keep]

Each size N runs the first N/2 PoPs of inventories/lab-scale (two instances each, the London canary among them) on
the whole scale topology (every carrier, edge and vantage point: only the instances change), from a lab torn down
with its image kept: `playbooks/lab_up.yml` (the lab's start), then `site.yml` (the converge in waves, verify and the
report). Printed per size: the start's and the converge's wall time, the controller's CPU-seconds (ansible-playbook
and everything it ran, on this machine) in all and per instance, and the lab's peak memory (the machine's used
memory, sampled every second, over what it used before the lab started). On the largest size it then changes one
PoP's intent (a prepend on its last PoP) and times the run that applies it (one wave, that PoP only), and the re-run.
Targets: 48 instances' lab start + cold converge + verify at most 5 minutes and at most 4 times the 8 instances';
one PoP changed on the 48-instance network at most 30 s; the controller's CPU-seconds per instance flat (within 20%)
from 8 to 48 instances; the lab's peak memory at 48 instances at most 12 GiB. Run it with the project's tools on PATH. It tears the lab
down and brings it up several times and leaves it down (unless --keep): do not run it while something else uses the
lab; ./scripts/lab.sh brings the default lab back.
"""

import argparse
import pathlib
import sys
import tempfile
import threading
import time

import yaml

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from converge_bench import ROOT, inventory_copy, playbook  # noqa: E402  pylint: disable=wrong-import-position


def used_memory():
    """Bytes of memory in use on the machine (MemTotal - MemAvailable)."""
    info = {}
    with open("/proc/meminfo", encoding="ascii") as fh:
        for line in fh:
            key, value = line.split(":", 1)
            info[key] = int(value.split()[0]) * 1024
    return info["MemTotal"] - info["MemAvailable"]


class PeakMemory:
    """Samples used memory every second in a thread until stopped; .peak is the highest sample."""

    def __init__(self):
        self.peak = used_memory()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        while not self._stop.wait(1.0):
            self.peak = max(self.peak, used_memory())

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join(timeout=5)


def sized_inventory(workdir, instances):
    """A copy of the scale inventory with its first instances/2 PoPs (the canary kept)."""
    def edit(intent):
        canary = intent["rollout"]["canary"]
        names = canary + [p for p in intent["pops"] if p not in canary]
        keep = set(names[: instances // 2])
        intent["pops"] = {name: pop for name, pop in intent["pops"].items() if name in keep}
    return inventory_copy("lab-scale", pathlib.Path(workdir) / ("lab-scale-%d" % instances), "scale.yml", edit)


def one_pop_changed(inventory):
    """Prepend once more on the inventory's last PoP; (seconds of the run that applies it, instances it changed)."""
    intent_file = inventory / "group_vars" / "all" / "intent.yml"
    doc = yaml.safe_load(intent_file.read_text())
    pop = list(doc["anycast_intent"]["pops"])[-1]
    doc["anycast_intent"]["pops"][pop]["prepend"] = doc["anycast_intent"]["pops"][pop].get("prepend", 0) + 1
    intent_file.write_text(yaml.safe_dump(doc, sort_keys=False))
    seconds, changed = playbook(["site.yml"], "plain", inventory)
    return pop, seconds, changed


def measure(inventory, instances):
    playbook(["-e", "lab_keep_image=true", "playbooks/lab_down.yml"], "plain", inventory)
    before = used_memory()
    reports = ROOT / ".cache" / "bench-reports" / ("scale-%d" % instances)
    reports.mkdir(parents=True, exist_ok=True)
    start_cpu, site_cpu = {}, {}
    with PeakMemory() as peak:
        t_start, _ = playbook(["playbooks/lab_up.yml"], "plain", inventory, start_cpu)
        t_site, _ = playbook(["-e", "anycast_report_dir=%s" % reports, "site.yml"], "plain", inventory, site_cpu)
    return {"instances": instances, "start_s": t_start, "converge_s": t_site,
            "controller_cpu_s": site_cpu["controller"], "per_instance": site_cpu["controller"] / instances,
            "machine_cpu_s": site_cpu["machine"], "peak_mib": (peak.peak - before) / 2**20}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--sizes", default="8,16,48", help="instance counts, even, at most 48 (default 8,16,48)")
    parser.add_argument("--keep", action="store_true", help="leave the last size's lab up")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    if any(s < 2 or s > 48 or s % 2 for s in sizes):
        raise SystemExit("--sizes: even instance counts from 2 to 48")
    rows = []
    with tempfile.TemporaryDirectory() as work:
        for size in sizes:
            inventory = sized_inventory(work, size)
            row = measure(inventory, size)
            rows.append(row)
            print("%(instances)2d instances: lab start %(start_s).1f s, converge %(converge_s).1f s, controller "
                  "%(controller_cpu_s).1f CPU-s (%(per_instance).2f per instance), machine %(machine_cpu_s).1f CPU-s, "
                  "peak memory %(peak_mib).0f MiB" % row, flush=True)
        pop, seconds, changed = one_pop_changed(inventory)
        print("one PoP changed (%s) on %d instances: %.1f s, %d tasks changed (target at most 30 s)"
              % (pop, sizes[-1], seconds, changed), flush=True)
        seconds, changed = playbook(["site.yml"], "plain", inventory)
        print("re-run: %.1f s, %d tasks changed (target 0)" % (seconds, changed), flush=True)
        if not args.keep:
            playbook(["-e", "lab_keep_image=true", "playbooks/lab_down.yml"], "plain", inventory)
    if len(rows) > 1:
        first, last = rows[0], rows[-1]
        print("%d over %d instances: start + converge %.2f times (target at most 4); controller CPU per instance "
              "%.2f times (target at most 1.20)"
              % (last["instances"], first["instances"],
                 (last["start_s"] + last["converge_s"]) / (first["start_s"] + first["converge_s"]),
                 last["per_instance"] / first["per_instance"]))


if __name__ == "__main__":
    main()

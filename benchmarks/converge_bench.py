#!/usr/bin/env python3
"""Converge benchmark on the lab: lab start plus full converge from fresh instances, the idempotent re-run, and
growth from 8 to 16 instances (with the first strategy), with the collection's Mitogen-backed strategy and with plain
ansible-core linear, side by side in one run.

    .venv/bin/python benchmarks/converge_bench.py [--strategies fast,plain] [--skip-growth]

Targets (2 cores): lab start + full converge under 45 s; re-run under 10 s with zero changed tasks;
16 instances in at most 1.6 times the time of 8.
It tears the lab down and brings it up several times: do not run it while something else uses the lab.
"""

import argparse
import os
import pathlib
import re
import shutil
import subprocess
import sys
import tempfile
import time

import yaml

ROOT = pathlib.Path(__file__).resolve().parents[1]
BIN = ROOT / ".venv" / "bin"
RECAP = re.compile(r"^(\S+)\s+:\s+ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)", re.M)


def playbook(args, strategy, inventory):
    env = dict(os.environ, ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"), ANSIBLE_NOCOLOR="1",
               ANYCAST_STRATEGY_PLAIN="1" if strategy == "plain" else "0",
               PATH="%s:%s" % (BIN, os.environ.get("PATH", "")))
    t0 = time.monotonic()
    proc = subprocess.run([str(BIN / "ansible-playbook"), "-i", str(inventory)] + args, cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=1800, check=False)
    elapsed = time.monotonic() - t0
    if proc.returncode != 0:
        sys.stderr.write(proc.stdout[-4000:] + proc.stderr[-2000:])
        raise SystemExit("ansible-playbook %s failed (%s)" % (" ".join(args), strategy))
    rows = RECAP.findall(proc.stdout)
    changed = sum(int(r[2]) for r in rows if r[0] != "localhost")
    return elapsed, changed


def scaled_inventory(workdir, per_pop):
    """A copy of the lab inventory whose PoPs run `per_pop` instances each."""
    inv = pathlib.Path(workdir) / ("lab-x%d" % per_pop)
    shutil.copytree(ROOT / "inventories" / "lab", inv)
    intent_file = inv / "group_vars" / "all" / "intent.yml"
    doc = yaml.safe_load(intent_file.read_text())
    for pop in doc["anycast_intent"]["pops"].values():
        pop["instances"] = per_pop
    intent_file.write_text(yaml.safe_dump(doc, sort_keys=False))
    cfg = inv / "hosts.anycast.yml"
    conf = yaml.safe_load(cfg.read_text())
    conf["lab_topology"] = str(ROOT / "lab" / "topologies" / "default.yml")
    conf["lab_state_dir"] = str(ROOT / ".lab")
    cfg.write_text(yaml.safe_dump(conf))
    return inv


def fresh_converge(strategy, inventory):
    """Lab down (image kept), then site.yml: lab start + full converge from fresh instances."""
    playbook(["-e", "lab_keep_image=true", "playbooks/lab_down.yml"], strategy, inventory)
    return playbook(["site.yml"], strategy, inventory)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--strategies", default="fast,plain")
    parser.add_argument("--skip-growth", action="store_true")
    args = parser.parse_args()
    strategies = [s for s in args.strategies.split(",") if s]
    rows = []
    with tempfile.TemporaryDirectory() as work:
        inv8 = ROOT / "inventories" / "lab"
        inv16 = scaled_inventory(work, 4)
        for strategy in strategies:
            cold, cold_changed = fresh_converge(strategy, inv8)
            rerun, rerun_changed = playbook(["site.yml"], strategy, inv8)
            # The same re-run with the fast path off: every role on every instance (what a changed intent costs).
            full, full_changed = playbook(["-e", "anycast_full_converge=true", "site.yml"], strategy, inv8)
            row = {"strategy": strategy, "cold": cold, "rerun": rerun, "rerun_changed": rerun_changed,
                   "full": full, "full_changed": full_changed}
            if not args.skip_growth and strategy == strategies[0]:  # growth once, with the default strategy
                row["cold16"], _ = fresh_converge(strategy, inv16)
            rows.append(row)
        # Leave the default lab converged, as the lab command does.
        fresh_converge(strategies[0], inv8)
    print("%-8s %22s %14s %16s %24s %22s %10s" % ("strategy", "lab start + converge", "re-run", "re-run changed",
                                                  "re-run, fast path off", "16 instances (cold)", "16 / 8"))
    for r in rows:
        ratio = "%.2f" % (r["cold16"] / r["cold"]) if "cold16" in r else "-"
        cold16 = "%.1f s" % r["cold16"] if "cold16" in r else "-"
        full = "%.1f s (%d changed)" % (r["full"], r["full_changed"])
        print("%-8s %20.1f s %12.1f s %16d %24s %22s %10s" % (r["strategy"], r["cold"], r["rerun"], r["rerun_changed"],
                                                            full, cold16, ratio))
    print("targets: lab start + converge < 45 s, re-run < 10 s with 0 changed, 16/8 <= 1.6")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Converge benchmark on the lab: lab start plus full converge from fresh instances, the idempotent re-run, and
growth from 8 to 16 instances (with the first mode), with plain ansible-core (its built-in linear strategy) and, beside
it, with Mitogen's `mitogen_linear` as an operator would opt in to it (docs/converge.md), in one run.

    python benchmarks/converge_bench.py [--modes plain,mitogen] [--skip-growth] [--growth-runs N]

Run it with the project's tools on PATH (the set-up's virtualenv); the mitogen mode needs the `mitogen` extra.
Targets (2 cores, built-in modes): lab start + full converge at most 60 s; re-run at most 10 s with zero changed
tasks; 16 instances in at most 1.6 times the time of 8 (median of three pairs).
Beside each cold run's time, the CPU it used: the whole machine's (the controller, podman and every lab container
share its cores) and the controller's (ansible-playbook and everything it waited for). The machine's CPU-seconds over
its cores is the least time the run could take on this machine however well the work overlapped.
With --growth-runs N, N cold runs of 8 and of 16 instances alternate; each pair's ratio, the CPU-seconds each further
instance cost, the ratio of the CPU floors, and the median ratio are printed.
Each lab size keeps its own report directory (.cache/bench-reports/), so a cold run redraws the catchment picture only
when its catchment changed since that size's last run, as in daily use.
It tears the lab down and brings it up several times: do not run it while something else uses the lab.
"""

import argparse
import os
import pathlib
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time

import yaml

ROOT = pathlib.Path(__file__).resolve().parents[1]
BIN = pathlib.Path(sys.executable).parent  # the tools beside the Python that runs the benchmark
RECAP = re.compile(r"^(\S+)\s+:\s+ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)", re.M)


def machine_busy():
    """CPU-seconds the whole machine spent busy since boot (every core), from /proc/stat."""
    with open("/proc/stat", encoding="ascii") as fh:
        fields = [int(v) for v in fh.readline().split()[1:]]
    idle = fields[3] + fields[4]  # idle + iowait
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def children_cpu():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def mode_env(mode):
    """Environment of a mode: plain ansible-core, or Mitogen's linear strategy, enabled the way an operator would."""
    if mode == "plain":
        return {}
    if mode == "mitogen":
        try:
            import ansible_mitogen
        except ImportError:
            raise SystemExit("mode mitogen: the mitogen package is not installed (pip install '.[mitogen]')")
        plugins = pathlib.Path(ansible_mitogen.__file__).parent / "plugins" / "strategy"
        return {"ANSIBLE_STRATEGY_PLUGINS": str(plugins), "ANSIBLE_STRATEGY": "mitogen_linear"}
    raise SystemExit("unknown mode %r (plain, mitogen)" % mode)


def playbook(args, mode, inventory, cpu=None, explain=False):
    """Run ansible-playbook; (seconds, changed tasks on the instances). With cpu={} it also fills in the CPU-seconds
    of the whole machine ("machine") and of the controller ("controller") during the run. With explain, a run that
    changed something prints why the converge check sent instances to the configure step."""
    env = dict(os.environ, ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"), ANSIBLE_NOCOLOR="1", **mode_env(mode))
    command = shutil.which("ansible-playbook", path="%s:%s" % (BIN, os.environ.get("PATH", "")))
    if command is None:
        raise SystemExit("ansible-playbook is not on PATH (the set-up's virtualenv: export PATH=$PWD/.venv/bin:$PATH)")
    busy0, own0 = machine_busy(), children_cpu()
    t0 = time.monotonic()
    proc = subprocess.run([command, "-i", str(inventory)] + args, cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=1800, check=False)
    elapsed = time.monotonic() - t0
    if cpu is not None:
        cpu["machine"], cpu["controller"] = machine_busy() - busy0, children_cpu() - own0
    if proc.returncode != 0:
        sys.stderr.write(proc.stdout[-4000:] + proc.stderr[-2000:])
        raise SystemExit("ansible-playbook %s failed (%s)" % (" ".join(args), mode))
    rows = RECAP.findall(proc.stdout)
    changed = sum(int(r[2]) for r in rows if r[0] != "localhost")
    if changed and explain:
        why = reconfigure_reasons(proc.stdout)
        if why:
            sys.stderr.write("%s, %s: instances configured again:\n%s\n" % (mode, " ".join(args), why))
    return elapsed, changed


def reconfigure_reasons(stdout):
    """What the converge check said about the instances it sends to the configure step (its debug task's output)."""
    match = re.search(r"TASK \[Say why an instance is configured again\][^\n]*\n(.*?)\n(?:TASK|PLAY) \[", stdout, re.S)
    if not match:
        return ""
    return "\n".join(line for line in match.group(1).splitlines() if not line.startswith("skipping:"))


def inventory_copy(source, dest, topology, edit_intent):
    """A copy of the lab inventory `source` at `dest`, its intent changed in place by edit_intent(anycast_intent),
    reading the checkout's topology file `topology` and lab state."""
    inv = pathlib.Path(dest)
    shutil.copytree(ROOT / "inventories" / source, inv)
    intent_file = inv / "group_vars" / "all" / "intent.yml"
    doc = yaml.safe_load(intent_file.read_text())
    edit_intent(doc["anycast_intent"])
    intent_file.write_text(yaml.safe_dump(doc, sort_keys=False))
    cfg = inv / "hosts.anycast.yml"
    conf = yaml.safe_load(cfg.read_text())
    conf["lab_topology"] = str(ROOT / "lab" / "topologies" / topology)
    conf["lab_state_dir"] = str(ROOT / ".lab")
    cfg.write_text(yaml.safe_dump(conf))
    return inv


def scaled_inventory(workdir, per_pop):
    """A copy of the lab inventory whose PoPs run `per_pop` instances each."""
    def edit(intent):
        for pop in intent["pops"].values():
            pop["instances"] = per_pop
    return inventory_copy("lab", pathlib.Path(workdir) / ("lab-x%d" % per_pop), "default.yml", edit)


def fresh_converge(mode, inventory, cpu=None, reports=None):
    """Lab down (image kept), then site.yml: lab start + full converge from fresh instances."""
    playbook(["-e", "lab_keep_image=true", "playbooks/lab_down.yml"], mode, inventory)
    extra = ["-e", "anycast_report_dir=%s" % reports] if reports else []
    return playbook(extra + ["site.yml"], mode, inventory, cpu)


def report_dir(size):
    path = ROOT / ".cache" / "bench-reports" / size
    path.mkdir(parents=True, exist_ok=True)
    return path


def growth_pair(mode, inv8, inv16):
    """One cold run of 8 instances and one of 16, each with its CPU-seconds."""
    pair = {"cpu8": {}, "cpu16": {}}
    pair["t8"], _ = fresh_converge(mode, inv8, pair["cpu8"], report_dir("8"))
    pair["t16"], _ = fresh_converge(mode, inv16, pair["cpu16"], report_dir("16"))
    return pair


def print_growth(mode, pairs, cores):
    """Each pair's times and ratio, the CPU-seconds each further instance cost, and the ratio of the CPU floors (what
    16 / 8 would be if no core were ever idle); then the median ratio."""
    print()
    print("Growth, %s, cold runs (CPU-seconds of the whole machine)" % mode)
    print("%-4s %8s %8s %6s %10s %10s %22s %12s" % ("run", "8", "16", "16/8", "CPU-s 8", "CPU-s 16",
                                                    "CPU-s / further inst.", "floor 16/8"))
    for i, p in enumerate(pairs, 1):
        c8, c16 = p["cpu8"]["machine"], p["cpu16"]["machine"]
        print("%-4d %6.1f s %6.1f s %6.2f %10.1f %10.1f %22.2f %12.2f" % (i, p["t8"], p["t16"], p["t16"] / p["t8"],
                                                                        c8, c16, (c16 - c8) / 8, c16 / c8))
    ratios = sorted(p["t16"] / p["t8"] for p in pairs)
    mid = len(ratios) // 2
    median = ratios[mid] if len(ratios) % 2 else (ratios[mid - 1] + ratios[mid]) / 2
    print("median 16 / 8 of %d run(s): %.2f (%d cores)" % (len(ratios), median, cores))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--modes", default="plain,mitogen", help="plain (built-in linear), mitogen (mitogen_linear)")
    parser.add_argument("--skip-growth", action="store_true")
    parser.add_argument("--growth-runs", type=int, default=1,
                        help="cold runs of 8 and of 16 instances, alternating (the 16 / 8 ratio of one pair moves by "
                             "0.1 to 0.6 from pair to pair on these machines: compare the median of several)")
    args = parser.parse_args()
    if args.growth_runs < 1:
        parser.error("--growth-runs must be at least 1")
    modes = [s for s in args.modes.split(",") if s]
    rows, growth = [], []
    with tempfile.TemporaryDirectory() as work:
        inv8 = ROOT / "inventories" / "lab"
        inv16 = scaled_inventory(work, 4)
        for mode in modes:
            cpu8 = {}
            cold, cold_changed = fresh_converge(mode, inv8, cpu8, report_dir("8"))
            # The re-runs write their report where the cold run wrote it: the same catchment, so the picture stays
            # (a report directory last written by another lab would have it drawn again, seconds of Chromium).
            reports8 = ["-e", "anycast_report_dir=%s" % report_dir("8")]
            rerun, rerun_changed = playbook(reports8 + ["site.yml"], mode, inv8, explain=True)
            # The same re-run with the fast path off: every role on every instance (what a changed intent costs).
            full, full_changed = playbook(reports8 + ["-e", "anycast_full_converge=true", "site.yml"], mode, inv8)
            row = {"mode": mode, "cold": cold, "rerun": rerun, "rerun_changed": rerun_changed,
                   "full": full, "full_changed": full_changed, "cpu8": cpu8}
            if not args.skip_growth and mode == modes[0]:  # growth with the first mode
                row["cpu16"] = {}
                row["cold16"], _ = fresh_converge(mode, inv16, row["cpu16"], report_dir("16"))
                growth = [{"t8": cold, "t16": row["cold16"], "cpu8": cpu8, "cpu16": row["cpu16"]}]
                for _ in range(args.growth_runs - 1):
                    growth.append(growth_pair(mode, inv8, inv16))
            rows.append(row)
        # Leave the default lab converged, as the lab command does.
        fresh_converge(modes[0], inv8)
    print("%-8s %22s %14s %16s %24s %22s %10s" % ("mode", "lab start + converge", "re-run", "re-run changed",
                                                  "re-run, fast path off", "16 instances (cold)", "16 / 8"))
    for r in rows:
        ratio = "%.2f" % (r["cold16"] / r["cold"]) if "cold16" in r else "-"
        cold16 = "%.1f s" % r["cold16"] if "cold16" in r else "-"
        full = "%.1f s (%d changed)" % (r["full"], r["full_changed"])
        print("%-8s %20.1f s %12.1f s %16d %24s %22s %10s" % (r["mode"], r["cold"], r["rerun"], r["rerun_changed"],
                                                            full, cold16, ratio))
    cores = os.cpu_count() or 1
    print()
    print("CPU-seconds of the cold runs (%d cores; machine / cores = the least time the run could take here)" % cores)
    print("%-8s %10s %14s %12s %14s" % ("mode", "instances", "machine", "controller", "machine/cores"))
    for r in rows:
        for n, key in ((8, "cpu8"), (16, "cpu16")):
            if key in r:
                c = r[key]
                print("%-8s %10d %12.1f s %10.1f s %12.1f s" % (r["mode"], n, c["machine"], c["controller"],
                                                               c["machine"] / cores))
    if growth:
        print_growth(modes[0], growth, cores)
    print("targets (plain): lab start + converge <= 60 s, re-run <= 10 s with 0 changed, 16/8 <= 1.6 (median of three)")


if __name__ == "__main__":
    main()

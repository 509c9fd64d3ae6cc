#!/usr/bin/env python3
"""Hunt for tests that fail by chance: run the unit (and integration) suites several times, each round in a new
random order (pytest-randomly, a new seed per round) and, with --count, each test several times in a row
(pytest-repeat), then print every test that failed in some run and passed in another, with the seeds that failed.

Not part of CI (scripts/test.sh keeps the file order: pyproject's addopts say -p no:randomly, this script says
-p randomly). Mind the machine: -n 1 (the default) or 2 workers.

    benchmarks/race_hunt.py --rounds 3 --count 2 -n 1 tests/unit
    benchmarks/race_hunt.py --rounds 5 tests/unit/bird tests/integration/intent

A suite of tests/unit is run as scripts/test.sh runs it: tests/unit/hardening in its own process (its Templar needs
ansible-core's collection loader, which the other unit tests' plain imports refuse).
"""

from __future__ import annotations

import argparse
import collections
import os
import pathlib
import random
import re
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET

ROOT = pathlib.Path(__file__).resolve().parent.parent
# Tests that run in their own process (see scripts/test.sh).
SEPARATE = ("tests/unit/hardening",)


def groups(paths):
    """The pytest invocations for `paths`: [(name, [arguments])], the separate directories apart."""
    runs = []
    for path in paths:
        rel = os.path.relpath(os.path.abspath(path), ROOT)
        inner = [s for s in SEPARATE if s.startswith(rel.rstrip("/") + "/")]
        if inner:
            runs.append((rel, [rel] + ["--ignore=%s" % s for s in inner]))
            runs += [(s, [s]) for s in inner if (ROOT / s).is_dir()]
        else:
            runs.append((rel, [rel]))
    return runs


def base_id(case):
    """A test's id from its JUnit record, without pytest-repeat's suffix ([1-3] or -1-3] inside parameters)."""
    name = re.sub(r"(\[|-)\d+-\d+\]$", lambda m: "]" if m.group(1) == "-" else "", case.get("name", ""))
    return "%s::%s" % (case.get("classname", ""), name)


def outcomes(junit):
    """{test id: [passed?...]} from a JUnit XML file (skipped tests are left out)."""
    found = collections.defaultdict(list)
    try:
        tree = ET.parse(junit)
    except (ET.ParseError, OSError):
        return found
    for case in tree.iter("testcase"):
        if case.find("skipped") is not None:
            continue
        failed = case.find("failure") is not None or case.find("error") is not None
        found[base_id(case)].append(not failed)
    return found


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="*", default=["tests/unit"])
    parser.add_argument("--rounds", type=int, default=3, help="runs of each suite, each in a new random order")
    parser.add_argument("--count", type=int, default=1, help="pytest-repeat: each test this many times per round")
    parser.add_argument("-n", "--workers", type=int, default=1, help="pytest-xdist workers (1: no xdist)")
    parser.add_argument("--seed", type=int, default=None, help="the first round's seed (then seed+1, ...)")
    parser.add_argument("--timeout", type=int, default=3600, help="seconds for one suite's round")
    args = parser.parse_args(argv)

    python = pathlib.Path(sys.executable)
    first = args.seed if args.seed is not None else random.SystemRandom().randrange(1, 2 ** 31)
    results = collections.defaultdict(list)   # test id: [(round, seed, passed)]
    crashed = []
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="race-hunt-") as tmp:
        for rnd in range(args.rounds):
            seed = first + rnd
            for name, targets in groups(args.paths):
                junit = pathlib.Path(tmp) / ("r%d-%s.xml" % (rnd, re.sub(r"\W", "_", name)))
                cmd = [str(python), "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "randomly",
                       "--randomly-seed=%d" % seed, "--junitxml=%s" % junit, "-o", "junit_family=xunit2"]
                if args.count > 1:
                    cmd += ["-p", "repeat", "--count=%d" % args.count, "--repeat-scope=function"]
                if args.workers > 1:
                    cmd += ["-n", str(args.workers)]
                cmd += targets
                t0 = time.monotonic()
                proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=args.timeout,
                                      check=False)
                found = outcomes(junit)
                failed = sum(1 for v in found.values() for ok in v if not ok)
                print("round %d seed %d %s: %d tests, %d failed runs, exit %d, %.0f s"
                      % (rnd + 1, seed, name, len(found), failed, proc.returncode, time.monotonic() - t0),
                      flush=True)
                if not found or proc.returncode not in (0, 1):
                    crashed.append((rnd + 1, seed, name, proc.returncode, (proc.stdout + proc.stderr)[-2000:]))
                for test, runs in found.items():
                    results[test] += [(rnd + 1, seed, ok) for ok in runs]

    flaky = {t: r for t, r in results.items() if any(ok for _, _, ok in r) and not all(ok for _, _, ok in r)}
    broken = {t: r for t, r in results.items() if not any(ok for _, _, ok in r)}
    print("\n%d tests, %d rounds, %.0f s" % (len(results), args.rounds, time.monotonic() - started))
    for title, tests in (("Flaky (failed in some runs, passed in others)", flaky),
                         ("Failed in every run", broken)):
        print("\n%s: %d" % (title, len(tests)))
        for test in sorted(tests):
            runs = tests[test]
            seeds = sorted({seed for _, seed, ok in runs if not ok})
            print("  %s  failed %d of %d; seeds %s" % (test, sum(1 for *_, ok in runs if not ok), len(runs),
                                                      ", ".join(map(str, seeds))))
    for rnd, seed, name, code, tail in crashed:
        print("\nround %d seed %d %s ended with exit %d and no results:\n%s" % (rnd, seed, name, code, tail))
    if flaky or broken or crashed:
        print("\nReproduce: pytest -p randomly --randomly-seed=<seed> <test's file> (add -p repeat --count=N)")
    return 1 if flaky or broken or crashed else 0


if __name__ == "__main__":
    sys.exit(main())

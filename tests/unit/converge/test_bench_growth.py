# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The converge benchmark's growth figures: per pair, per further instance, the CPU floors, the median."""

import importlib.util
import pathlib

ROOT = pathlib.Path(__file__).resolve().parents[3]


def _bench():
    spec = importlib.util.spec_from_file_location("converge_bench", ROOT / "benchmarks" / "converge_bench.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _pair(t8, t16, c8, c16):
    return {"t8": t8, "t16": t16, "cpu8": {"machine": c8}, "cpu16": {"machine": c16}}


def test_growth_table_and_median(capsys):
    pairs = [_pair(40.0, 64.0, 66.0, 114.0), _pair(40.0, 70.0, 60.0, 110.0), _pair(50.0, 75.0, 70.0, 120.0)]
    _bench().print_growth("fast", pairs, 2)
    out = capsys.readouterr().out.splitlines()
    rows = [line.split() for line in out if line[:1].isdigit()]
    # run, 8, s, 16, s, ratio, CPU 8, CPU 16, per further instance, floor ratio
    assert [r[5] for r in rows] == ["1.60", "1.75", "1.50"]
    assert [r[8] for r in rows] == ["6.00", "6.25", "6.25"]
    assert [r[9] for r in rows] == ["1.73", "1.83", "1.71"]
    assert out[-1] == "median 16 / 8 of 3 run(s): 1.60 (2 cores)"


def test_median_of_an_even_count(capsys):
    pairs = [_pair(40.0, 64.0, 66.0, 114.0), _pair(40.0, 70.0, 60.0, 110.0)]
    _bench().print_growth("fast", pairs, 2)
    assert capsys.readouterr().out.splitlines()[-1] == "median 16 / 8 of 2 run(s): 1.68 (2 cores)"

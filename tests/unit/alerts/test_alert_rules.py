"""The shipped Prometheus alert rules: promtool checks them and runs their tests (anycast.rules.test.yml).

Each alert is then broken in two ways, in a copy: its expression made one that never fires, and one that always
fires. promtool must fail both times, which proves that every alert has a case where it must fire and a case where
it must not.
"""

from __future__ import annotations

import copy
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[3]
RULES = ROOT / "files" / "prometheus" / "rules" / "anycast.rules.yml"
TESTS = Path(__file__).with_name("anycast.rules.test.yml")


def promtool():
    path = shutil.which("promtool")
    assert path, "promtool is missing: it comes with Debian's prometheus package (scripts/setup.d)"
    return path


def run(*args):
    return subprocess.run([promtool(), *args], capture_output=True, text=True, timeout=120, check=False)


def alerts():
    doc = yaml.safe_load(RULES.read_text())
    return [rule["alert"] for group in doc["groups"] for rule in group["rules"] if "alert" in rule]


def test_the_rules_are_valid():
    result = run("check", "rules", str(RULES))
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_rule_tests_pass():
    result = run("test", "rules", str(TESTS))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS" in result.stdout


def test_every_alert_is_tested_and_has_its_reason():
    tested = {case["alertname"] for test in yaml.safe_load(TESTS.read_text())["tests"]
              for case in test.get("alert_rule_test", [])}
    assert set(alerts()) == tested
    for group in yaml.safe_load(RULES.read_text())["groups"]:
        for rule in group["rules"]:
            assert rule["labels"]["severity"] in ("warning", "critical"), rule["alert"]
            assert rule["annotations"]["summary"] and rule["annotations"]["description"], rule["alert"]


@pytest.mark.parametrize("alert", alerts())
@pytest.mark.parametrize("broken", ["vector(1) == 0", "vector(1)"], ids=["never-fires", "always-fires"])
def test_a_broken_alert_fails_its_tests(tmp_path, alert, broken):
    doc = yaml.safe_load(RULES.read_text())
    mutated = copy.deepcopy(doc)
    for group in mutated["groups"]:
        for rule in group["rules"]:
            if rule.get("alert") == alert:
                rule["expr"] = broken
    (tmp_path / "rules.yml").write_text(yaml.safe_dump(mutated))
    tests = yaml.safe_load(TESTS.read_text())
    tests["rule_files"] = ["rules.yml"]
    (tmp_path / "tests.yml").write_text(yaml.safe_dump(tests))
    result = run("test", "rules", str(tmp_path / "tests.yml"))
    assert result.returncode != 0, "%s with expr %r still passes its tests" % (alert, broken)
    assert alert in result.stdout + result.stderr


"""The shipped Alertmanager configuration (files/prometheus/alertmanager.yml): amtool accepts it (and refuses a
broken copy), every alert is routed to the webhook, alerts are grouped per PoP and instance, and a whole PoP out of
reach inhibits its instances' alerts. What a real alert does through it: tests/integration/alerting."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[3]
RULES = ROOT / "files" / "prometheus" / "rules" / "anycast.rules.yml"
ALERTMANAGER = ROOT / "files" / "prometheus" / "alertmanager.yml"
# Alerts about one instance (their series carry its instance label) and about a whole PoP.
PER_INSTANCE = {"AnycastBGPSessionDown", "AnycastPrefixWithdrawnByHealthGate", "AnycastInstanceUnreachable"}
WHOLE_POP = "AnycastPopUnreachable"


def amtool(*args):
    path = shutil.which("amtool")
    assert path, "amtool is missing: it comes with Debian's prometheus-alertmanager package (scripts/setup.d)"
    return subprocess.run([path, *args], capture_output=True, text=True, timeout=60, check=False)


def rules():
    doc = yaml.safe_load(RULES.read_text())
    return {rule["alert"]: rule for group in doc["groups"] for rule in group["rules"] if "alert" in rule}


def config():
    return yaml.safe_load(ALERTMANAGER.read_text())


def alertnames(matchers):
    """The alert names a list of matchers selects: alertname="X" or alertname=~"X|Y"."""
    names = set()
    for matcher in matchers:
        key, _, value = matcher.partition("=")
        if key.strip() == "alertname":
            names |= set(value.lstrip("~").strip('"').split("|"))
    return names


def test_amtool_accepts_the_configuration():
    result = amtool("check-config", str(ALERTMANAGER))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS" in result.stdout


def test_amtool_refuses_a_broken_copy(tmp_path):
    broken = config()
    broken["route"]["receiver"] = "nobody"
    (tmp_path / "alertmanager.yml").write_text(yaml.safe_dump(broken))
    assert amtool("check-config", str(tmp_path / "alertmanager.yml")).returncode != 0


@pytest.mark.parametrize("alert", sorted(rules()))
def test_every_alert_reaches_the_webhook(alert):
    labels = ["alertname=%s" % alert, "severity=%s" % rules()[alert]["labels"]["severity"], "pop=lhr",
              "instance=lhr-1"]
    result = amtool("config", "routes", "test", "--config.file=%s" % ALERTMANAGER,
                    "--verify.receivers=anycast-webhook", *labels)
    assert result.returncode == 0, result.stdout + result.stderr
    hooks = [hook for receiver in config()["receivers"] if receiver["name"] == "anycast-webhook"
             for hook in receiver.get("webhook_configs", [])]
    assert hooks and all(hook["send_resolved"] and hook["url"].startswith(("http://", "https://"))
                         for hook in hooks)


def test_alerts_are_grouped_per_pop_and_instance():
    assert {"pop", "instance", "alertname"} <= set(config()["route"]["group_by"])


def test_a_whole_pop_down_inhibits_its_instances_alerts():
    inhibit = [rule for rule in config()["inhibit_rules"] if alertnames(rule["source_matchers"]) == {WHOLE_POP}]
    assert len(inhibit) == 1
    assert alertnames(inhibit[0]["target_matchers"]) == PER_INSTANCE
    # Only the same PoP's: an inhibition without `equal: [pop]` would silence every PoP's instances.
    assert inhibit[0]["equal"] == ["pop"]
    # The whole-PoP alert carries the pop label (it is aggregated by pop) and no instance label.
    assert "by (pop)" in rules()[WHOLE_POP]["expr"]


def test_inhibitions_name_real_alerts():
    names = set(rules())
    for rule in config()["inhibit_rules"]:
        for key in ("source_matchers", "target_matchers"):
            assert alertnames(rule[key]) and alertnames(rule[key]) <= names, rule[key]

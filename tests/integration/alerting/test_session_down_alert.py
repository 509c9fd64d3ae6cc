"""A BGP session cut fires AnycastBGPSessionDown at a webhook within the rule's `for:` plus 30 s, and the alert
resolves when the session is back: BIRD -> prometheus-bird-exporter -> Prometheus (the collection's rules) ->
Alertmanager (the collection's configuration) -> webhook, all on loopback (alerting_stack.py)."""

import time

import pytest
import yaml

from alerting_stack import ALERTMANAGER, INSTANCE, POP, SESSION, Stack, duration, missing_binaries, rule
from bird_support import wait_for

ALERT = "AnycastBGPSessionDown"
MARGIN = 30   # what the issue allows beyond the rule's `for:`

pytestmark = [pytest.mark.ansible_free,
              pytest.mark.skipif(bool(missing_binaries()), reason="missing: %s (scripts/setup.d)"
                                 % ", ".join(missing_binaries()))]


def ours(alert):
    labels = alert["labels"]
    return labels.get("name") == SESSION and labels.get("pop") == POP and labels.get("instance") == INSTANCE


def test_session_cut_reaches_the_webhook_and_resolves(tmp_path):
    hold = duration(rule(ALERT)["for"])
    group_interval = duration(yaml.safe_load(ALERTMANAGER.read_text())["route"]["group_interval"])
    stack = Stack(tmp_path)
    try:
        stack.start()
        assert wait_for(stack.established, timeout=30), "the session never came up:\n" + stack.logs()
        # Prometheus must see the session up before the cut (else an alert could be the start-up's).
        time.sleep(5)
        assert not stack.webhook.alerts(ALERT, "firing"), "an alert fired while the session was up"

        cut = time.time()
        assert stack.upstream.birdc("disable", SESSION).returncode == 0
        assert wait_for(lambda: not stack.established(), timeout=10), "the session stayed up after the cut"
        fired = wait_for(lambda: [a for a in stack.webhook.alerts(ALERT, "firing", cut) if ours(a[1])],
                         timeout=hold + MARGIN + 5, interval=0.5)
        assert fired, "no %s at the webhook within %ds of the cut:\n%s" % (ALERT, hold + MARGIN, stack.logs())
        at, alert = fired[0]
        assert at - cut <= hold + MARGIN, "the alert came %.1fs after the cut (for: %ds + %ds)" % (
            at - cut, hold, MARGIN)
        # Not before `for:` either: the rule's hold is kept, not shortened by the test.
        assert at - cut >= hold, "the alert came %.1fs after the cut, before its for: of %ds" % (at - cut, hold)
        assert alert["labels"]["severity"] == "warning" and alert["labels"]["job"] == "bird"
        assert "state" not in alert["labels"]
        assert SESSION in alert["annotations"]["summary"] and INSTANCE in alert["annotations"]["summary"]

        back = time.time()
        assert stack.upstream.birdc("enable", SESSION).returncode == 0
        assert wait_for(stack.established, timeout=30), "the session did not come back:\n" + stack.logs()
        resolved = wait_for(lambda: [a for a in stack.webhook.alerts(ALERT, "resolved", back) if ours(a[1])],
                            timeout=group_interval + MARGIN, interval=0.5)
        assert resolved, "no resolved %s within %ds of the session's return:\n%s" % (
            ALERT, group_interval + MARGIN, stack.logs())
    finally:
        stack.stop()

# -*- coding: utf-8 -*-
# Copyright: anycast.network contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# The work is done by the action plugin of the same name, on the controller: the intent (which holds secrets)
# never travels as a module argument, so no invocation can show it.

from __future__ import annotations

DOCUMENTATION = r"""
module: autoscale
short_description: Decide each autoscaled PoP's instance count from Prometheus and record it
version_added: 1.1.0
description:
  - For every PoP of the intent with C(autoscale) (see docs/autoscaling.md), reads the PoP's metric from
    Prometheus's HTTP API (C(/api/v1/query)) over the PoP's C(window) and decides one step.
  - C(cpu) is the PoP's CPU utilisation in % from node_exporter's C(node_cpu_seconds_total) (all modes but idle,
    averaged over every CPU of every instance); C(requests) is the PoP's HTTP requests per second from Caddy's
    C(caddy_http_requests_total), divided by the instances that report it. Series are selected by the C(job) and
    C(pop) labels the metrics role gives every target.
  - Up one instance when the metric stayed above C(target + band) for the whole window, down one when it stayed
    below C(target - band); never outside C(min) and C(max), never within C(cooldown) seconds of the PoP's last
    step, never up when one more instance would take the network over C(budget.monthly_limit) (prices as the
    M(anycast.network.cost_estimate) module reads them), never on missing or partial data.
  - Every decision, a step or the reason for none, is returned with the metric value that caused it and appended
    to the record's C(log).
  - The record (O(record)) keeps each PoP's decided count; the intent's C(instances) stays the source of truth
    (docs/autoscaling.md). This module writes only the record; the playbook C(playbooks/autoscale.yml) then
    provisions, configures and verifies, or drains and removes.
options:
  intent:
    description: The intent, normally C("{{ anycast_intent }}"). It must be valid.
    type: dict
    required: true
  record:
    description: The decision record, a JSON file (made when missing), e.g. C(.state/<network>/autoscale.json).
    type: path
    required: true
  pops:
    description: Decide only these PoPs (default every PoP with C(autoscale)).
    type: list
    elements: str
  rate_interval:
    description:
      - The range of C(rate()) for the metric at each point of the window (PromQL duration). At least four scrape
        intervals of the targets.
    type: str
    default: 1m
  prometheus_url:
    description: Base URL of Prometheus (its HTTP API is under C(/api/v1)).
    type: str
    required: true
  prometheus_username:
    description: User for HTTP basic authentication in front of Prometheus.
    type: str
  prometheus_password:
    description: Password for HTTP basic authentication. Never logged and never returned.
    type: str
  prometheus_token:
    description: Bearer token sent as C(Authorization). Never logged and never returned.
    type: str
  prometheus_timeout:
    description: Seconds to wait for one answer of Prometheus.
    type: int
    default: 30
  prometheus_retries:
    description: Retries after HTTP 429, 502, 503, 504, a timeout or a refused connection, with a growing delay.
    type: int
    default: 3
  validate_certs:
    description: Whether to check the TLS certificates of Prometheus and of the Vultr API.
    type: bool
    default: true
  api_key:
    description:
      - The Vultr API key, read only to price Vultr PoPs against the spend cap (when the intent has a budget).
      - If not set, the environment variable E(VULTR_API_KEY) is used. Never logged and never returned.
    type: str
  api_url:
    description: Base URL of the Vultr API v2; if not set, the environment variable E(VULTR_API_URL), then the default.
    type: str
  api_timeout:
    description: Seconds to wait for one answer of the Vultr API.
    type: float
    default: 60
  api_retries:
    description: Retries of a Vultr API call after HTTP 429, 5xx, a timeout or a dropped connection.
    type: int
    default: 6
  api_retry_max_delay:
    description: Longest delay in seconds between two retries of a Vultr API call.
    type: float
    default: 30
  api_per_page:
    description: Items requested per page when listing Vultr's plans.
    type: int
    default: 500
extends_documentation_fragment:
  - anycast.network.controller_action
attributes:
  check_mode:
    support: full
    description: Decides and returns the decisions; the record is not written.
  diff_mode:
    support: full
    description: The instance counts of the PoPs that step, before and after.
notes:
  - The decision is in C(plugins/module_utils/autoscale/decision.py), the record in C(record.py); docs/autoscaling.md
    explains both.
author:
  - anycast.network developers (@anycast-network)
"""

EXAMPLES = r"""
- name: Decide every autoscaled PoP
  anycast.network.autoscale:
    intent: "{{ anycast_intent }}"
    record: "{{ playbook_dir }}/../.state/{{ anycast_intent.network }}/autoscale.json"
    prometheus_url: https://prometheus.example.net
    prometheus_token: "{{ vault_prometheus_token }}"
  register: anycast_autoscale

- name: Show every decision with the value that caused it
  ansible.builtin.debug:
    msg: "{{ anycast_autoscale.lines }}"
"""

RETURN = r"""
decisions:
  description: One decision per autoscaled PoP.
  returned: success
  type: list
  elements: dict
  contains:
    pop:
      description: The PoP.
      type: str
    action:
      description: C(up), C(down) or C(none).
      type: str
    from:
      description: Its instances before.
      type: int
    to:
      description: Its instances after.
      type: int
    metric:
      description: C(cpu) or C(requests).
      type: str
    value:
      description: The value that decided (the lowest over the window for up, the highest for down, else the mean);
        null when there was none.
      type: float
    reason:
      description: Why, in words, with the values.
      type: str
  sample: [{"pop": "ams", "action": "up", "from": 2, "to": 3, "metric": "cpu", "value": 81.2,
            "reason": "cpu stayed above 60% for 300s (lowest 81.2%, mean 86.4%): 2 -> 3 instances"}]
steps:
  description: The decisions that change a count.
  returned: success
  type: list
  elements: dict
up:
  description: The PoPs that grow by one instance.
  returned: success
  type: list
  elements: str
down:
  description: The PoPs that shrink by one instance.
  returned: success
  type: list
  elements: str
counts:
  description: Every PoP's instance count after the decisions (the intent's count where no record applies).
  returned: success
  type: dict
  sample: {"ams": 3, "lhr": 2}
entries:
  description:
    - The record after the decisions without its log, C({network, pops}) (what the inventory plugin exposes as
      C(anycast_autoscale_record) once it reads the record again). Set it as C(anycast_autoscale_record) for the
      rest of the run.
  returned: success
  type: dict
lines:
  description: One line per decision, for people.
  returned: success
  type: list
  elements: str
record:
  description: The record's path.
  returned: success
  type: str
spend:
  description: The network's monthly cost after the decisions (with a budget).
  returned: when the intent has a budget
  type: float
"""

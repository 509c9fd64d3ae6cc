# -*- coding: utf-8 -*-
# Copyright: anycast.network contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# The work is done by the action plugin of the same name, on the controller: the intent (which holds secrets)
# never travels as a module argument, so no invocation can show it.

from __future__ import annotations

DOCUMENTATION = r"""
module: cost_estimate
short_description: The monthly cost of the intent, per PoP and in total, and the spend cap's verdict
version_added: 1.1.0
description:
  - Prices the network the intent describes before anything is created.
  - Vultr PoPs cost their instance count times the monthly price of their plan, read from Vultr's plan list
    (C(GET /plans), every page). Vultr gives prices in US dollars.
  - Static PoPs cost the C(monthly_cost) the intent gives them; lab PoPs cost nothing.
  - With O(enforce_budget), a total above the intent's C(budget.monthly_limit) fails the task, naming the PoPs
    and what each costs; nothing is created by this module in any case.
  - Vultr is only asked when the intent has Vultr PoPs.
options:
  intent:
    description: The intent, normally C("{{ anycast_intent }}").
    type: dict
    required: true
  autoscale_record:
    description:
      - The autoscaler's decision record, normally C("{{ anycast_autoscale_record | default({}) }}"); autoscaled
        PoPs are priced at the count it decided (docs/autoscaling.md).
      - With a budget, an autoscaled PoP whose C(max) would take the network over the cap is named in a warning;
        the scaler stops below it.
    type: dict
  enforce_budget:
    description: Fail when the total is above C(budget.monthly_limit) (without a budget, nothing to enforce).
    type: bool
    default: false
  api_key:
    description:
      - The Vultr API key (sent as a bearer token); needed only when the intent has Vultr PoPs.
      - If not set, the environment variable E(VULTR_API_KEY) is used. Never logged and never returned.
    type: str
  api_url:
    description: Base URL of the Vultr API v2; if not set, the environment variable E(VULTR_API_URL), then the default.
    type: str
    default: https://api.vultr.com/v2
  api_timeout:
    description: Seconds to wait for one answer of the API (environment E(VULTR_API_TIMEOUT)).
    type: float
    default: 60
  api_retries:
    description: Retries after HTTP 429, 5xx, a timeout or a dropped connection (environment E(VULTR_API_RETRIES)).
    type: int
    default: 6
  validate_certs:
    description: Whether to check the TLS certificate of the API.
    type: bool
    default: true
extends_documentation_fragment:
  - anycast.network.controller_action
attributes:
  check_mode:
    support: full
    description: Reads only, in check mode as in a normal run.
  diff_mode:
    support: none
    description: Nothing to compare.
author:
  - anycast.network developers (@anycast-network)
"""

EXAMPLES = r"""
- name: Price the intent and refuse it above the spend cap
  anycast.network.cost_estimate:
    intent: "{{ anycast_intent }}"
    enforce_budget: true
  register: anycast_cost

- name: Show the estimate
  ansible.builtin.debug:
    msg: "{{ anycast_cost.lines }}"
"""

RETURN = r"""
estimate:
  description: The estimate.
  returned: success
  type: dict
  contains:
    pops:
      description: Per PoP its provider, instances, plan and unit_cost (vultr), monthly_cost and the basis in words.
      type: dict
    total:
      description: The monthly total.
      type: float
    currency:
      description: The currency, C(USD) (Vultr's prices are in US dollars).
      type: str
lines:
  description: The estimate for people, one line per PoP and the total.
  returned: success
  type: list
  elements: str
  sample: ["ams   10.00 USD  (2 x vc2-1c-1gb at 5 USD)", "total 10.00 USD per month"]
budget:
  description: The spend cap, when the intent has one, and whether the estimate is over it.
  returned: success
  type: dict
  sample: {"monthly_limit": 500, "currency": "USD", "over": false}
warnings_list:
  description: What was priced on an assumption (a static PoP without monthly_cost counts as 0).
  returned: success
  type: list
  elements: dict
"""

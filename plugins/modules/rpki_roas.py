# -*- coding: utf-8 -*-
# Copyright: anycast.network contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# The work is done by the action plugin of the same name, on the controller: the intent (which holds the RPKI API
# key) never travels as a module argument, so no invocation can show it.

from __future__ import annotations

DOCUMENTATION = r"""
module: rpki_roas
short_description: Check that ROAs cover what the network announces, and publish the missing ones
version_added: 1.1.0
description:
  - Judges every route the network originates (each prefix of the intent and each C(/32) or C(/128) host route an
    upstream with C(host_routes) announces) against the ROAs of the intent's C(rpki.source), as RFC 6811 does,
    as C(valid), C(invalid) (covered, but by no ROA of our origin AS with a max length that allows the route; an AS0
    ROA never allows one) or C(not-found).
  - Every route that is not valid is reported with its path in the intent and the fix spelled out (the ROA to
    create, prefix, max length and origin); then the task fails, or warns with C(rpki.on_invalid=warn).
  - ROAs come from a relying party's JSON output (rpki-client C(-j), Routinator C(json)) or from the RIPE NCC RPKI
    Management API (the ROAs of our certificate authority).
  - With C(rpki.manage_roas) and source C(ripe), stage C(publish) creates the missing ROAs through RIPE's API
    (C(POST /roas/publish)), the minimal ROA for each route (max length = its length, RFC 9319). Existing ROAs are
    never changed or removed.
  - Nothing happens when the intent has no C(rpki) section.
options:
  intent:
    description: The intent, normally C("{{ anycast_intent }}").
    type: dict
    required: true
  stage:
    description:
      - C(validate) (nothing is changed; with C(manage_roas) the ROAs to publish are listed, not failed),
        C(publish) (creates the missing ROAs when the intent manages them), C(verify) (reports every state).
    type: str
    choices: [validate, publish, verify]
    default: validate
  instances:
    description:
      - Lab and Vultr instances whose own addresses are announced as host routes (from the inventory), each with
        C(name), C(pop), C(address), C(address6). Static hosts are read from the intent.
      - When not given, stages C(publish) and C(verify) take the hosts of the inventory group C(anycast_instances)
        with their C(anycast_pop), C(anycast_address) and C(anycast_address6).
    type: list
    elements: dict
  base_dir:
    description: The directory a relative C(rpki.file) is read from (the project root).
    type: path
extends_documentation_fragment:
  - anycast.network.controller_action
attributes:
  check_mode:
    support: full
    description: In check mode the ROAs that would be published are returned, nothing is sent.
  diff_mode:
    support: none
    description: The ROAs to publish are returned in RV(published).
author:
  - anycast.network developers (@anycast-network)
"""

EXAMPLES = r"""
- name: RPKI state of every announcement (fails on a missing or wrong ROA)
  anycast.network.rpki_roas:
    intent: "{{ anycast_intent }}"
    base_dir: "{{ playbook_dir | dirname }}"

- name: Publish the missing ROAs through RIPE's API
  anycast.network.rpki_roas:
    intent: "{{ anycast_intent }}"
    stage: publish
"""

RETURN = r"""
prefixes:
  description: Every announcement with its RPKI state.
  returned: always
  type: list
  elements: dict
  contains:
    prefix:
      description: The route, e.g. C(203.0.113.0/24) or a host route C(198.51.100.20/32).
      type: str
    origin:
      description: Our origin AS.
      type: int
    path:
      description: Where it comes from in the intent.
      type: str
    state:
      description: C(valid), C(invalid) or C(not-found).
      type: str
    reason:
      description: Why, in words.
      type: str
    roas:
      description: The ROAs that cover it.
      type: list
      elements: str
    fix:
      description: The ROA to create, in words; empty when valid.
      type: str
states:
  description: One line per announcement, its prefix, where it comes from and its state.
  returned: always
  type: list
  elements: str
  sample: ["203.0.113.0/24 (prefixes[0]): valid"]
published:
  description: The ROAs published (or, in check mode, to be published), as RIPE's API takes them.
  returned: always
  type: list
  elements: dict
  sample: [{"asn": "AS64500", "prefix": "203.0.113.0/24", "maximalLength": 24}]
"""

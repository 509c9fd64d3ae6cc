# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# The work is done by the action plugin of the same name, on the controller.

from __future__ import annotations

DOCUMENTATION = r"""
module: intent_validate
short_description: Check the network's intent and report every mistake at once
version_added: 1.0.0
description:
  - Checks the intent (C(anycast_intent)), the one description of the network, before anything is touched.
  - Every problem is reported in one run, each with its path in the intent (for example
    C(pops.lhr.upstreams[0].neighbor)) and a sentence a network engineer understands.
  - Runs on the controller only; it never contacts a host or an API.
  - Covers prefixes (host bits, longer than /24 or /48, overlaps, documentation and non-routable space), ASNs
    (range, reserved, documentation), services and their addresses, PoPs, upstream sessions (neighbours, multihop,
    passwords), communities, prepends, GeoDNS locations, zones and records, registry settings.
options:
  intent:
    description: The intent, normally C("{{ anycast_intent }}").
    type: dict
    required: true
  lab_topology:
    description:
      - A lab topology file; when given, lab PoP regions are checked against it, and what the lab cannot build is
        refused (a C(static) PoP, a C(generic) upstream of a lab PoP), each by its path.
      - When the run's P(anycast.network.intent#inventory) inventory names a lab topology, this must be that file
        (normally C("{{ anycast_lab_topology }}"), which that inventory sets); another one, from an C(-e) on the
        command line, is refused.
    type: path
extends_documentation_fragment:
  - anycast.network.controller_action
attributes:
  check_mode:
    support: full
    description: Reads only.
  diff_mode:
    support: none
    description: Nothing to compare.
author:
  - anycast.network developers (@anycast-network)
"""

EXAMPLES = r"""
- name: Check the intent
  anycast.network.intent_validate:
    intent: "{{ anycast_intent }}"
"""

RETURN = r"""
problems:
  description: Every problem found, in order; empty when the intent is valid.
  returned: always
  type: list
  elements: dict
  contains:
    path:
      description: Where in the intent, e.g. C(pops.lhr.upstreams[0].neighbor).
      type: str
    message:
      description: What is wrong, in words.
      type: str
summary:
  description: The network in numbers (no secrets), when valid.
  returned: success
  type: dict
"""

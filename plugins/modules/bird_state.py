#!/usr/bin/python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: bird_state
short_description: Read BIRD 2's BGP sessions and exports, and compare them with the intent
version_added: "1.0.0"
description:
  - Runs on an anycast instance. Reads C(birdc show protocols all) and, for every BGP protocol, the routes it
    exports (C(birdc show route export <protocol> all)), and returns the state, whether the session is
    Established, the last error, limits hit, the exported prefixes with their AS path and communities.
  - With O(manifest) (the routing manifest the M(anycast.network.bird) role writes), also lists the problems,
    sessions missing or not Established (with BIRD's last error), prefixes the intent announces but that are not
    exported, prefixes exported that the intent does not announce, export limits hit.
  - Read-only; never changes anything.
author:
  - anycast.network developers (@anycast-network)
options:
  birdc:
    description: The C(birdc) command, as a list (program and arguments before the BIRD command).
    type: list
    elements: str
    default: [birdc]
  socket:
    description: BIRD's control socket; default is BIRD's own (C(/run/bird/bird.ctl) on Debian).
    type: path
  routes:
    description: Also read the routes each BGP session exports.
    type: bool
    default: true
  manifest:
    description:
      - The routing manifest written by the BIRD role (C(/etc/anycast/routing.json)). When given, the result
        has RV(problems) and RV(warnings_found).
    type: path
  announce_state:
    description:
      - anycast-announce's state file; default is the one the manifest names.
    type: path
  announce_command:
    description:
      - C(anycast-announce); when it is installed, the result has RV(announce_status), its C(status) output (mode,
        gates, the prefixes announced), read in the same run.
    type: path
    default: /usr/local/sbin/anycast-announce
  honour_announce_state:
    description:
      - When true, a drained, withdrawn or gated-down announcement is what is expected and is only a warning.
      - When false, every prefix the intent announces must be exported; anything else is a problem.
    type: bool
    default: false
  fail_on_problems:
    description: Fail (with every problem in the message) when the comparison finds problems.
    type: bool
    default: false
  reuse:
    description:
      - A result of this module from a read made the same way moments before (the converge check's, see
        docs/converge.md), returned as it is by the action of the same name, without asking the host again.
      - Omit it to read BIRD.
    type: dict
attributes:
  check_mode:
    support: full
    description: Read-only; runs the same in check mode.
  diff_mode:
    support: none
    description: Nothing to show.
"""

EXAMPLES = r"""
- name: Read BIRD's sessions
  anycast.network.bird_state:
  register: bird

- name: Show each session's state
  ansible.builtin.debug:
    msg: "{{ item.name }}: {{ item.bgp_state }} ({{ item.exported | map(attribute='prefix') | join(', ') }})"
  loop: "{{ bird.bird_state.sessions }}"

- name: Every session Established and exporting exactly the intent's prefixes
  anycast.network.bird_state:
    manifest: /etc/anycast/routing.json
    fail_on_problems: true
  register: bird
  until: bird is succeeded
  retries: 12
  delay: 5
"""

RETURN = r"""
announce_status:
  description: The output of C(anycast-announce status) (mode, gates, prefixes announced); when it is installed.
  returned: when O(announce_command) is installed
  type: dict
  sample: {mode: normal, announcing: ["203.0.113.0/24"], gates: {"203.0.113.0/24": up}}
bird_state:
  description: What BIRD reports.
  returned: success
  type: dict
  contains:
    version:
      description: BIRD's version.
      type: str
      sample: 2.0.12
    sessions:
      description: Every BGP protocol.
      type: list
      elements: dict
      sample:
        - name: up0_v4
          state: up
          bgp_state: Established
          established: true
          neighbor_address: 169.254.169.254
          neighbor_as: 64515
          last_error: ""
          routes_exported: 1
          exported:
            - prefix: 203.0.113.0/24
              as_path: []
              communities: []
              large_communities: []
          limits: {receive: {limit: 100, hit: false, action: block}}
    protocols:
      description: Every protocol as parsed from C(show protocols all).
      type: list
      elements: dict
problems:
  description: What differs from the intent, one sentence each, naming the session; empty when all is well.
  returned: when manifest is given
  type: list
  elements: str
  sample: ["session up0_v4 (Vultr, IPv4, neighbour 169.254.169.254 AS64515) is not Established: BGP state Active, last error: Hold timer expired"]
warnings_found:
  description: Conditions worth knowing that are not failures (drained, receive limit hit).
  returned: when manifest is given
  type: list
  elements: str
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.anycast.network.plugins.module_utils.common import command
from ansible_collections.anycast.network.plugins.module_utils.bird.read import BirdReadError, read_state


def main():
    module = AnsibleModule(
        argument_spec=dict(
            birdc=dict(type="list", elements="str", default=["birdc"]),
            socket=dict(type="path"),
            routes=dict(type="bool", default=True),
            manifest=dict(type="path"),
            announce_state=dict(type="path"),
            honour_announce_state=dict(type="bool", default=False),
            announce_command=dict(type="path", default="/usr/local/sbin/anycast-announce"),
            fail_on_problems=dict(type="bool", default=False),
            # Handled by the action of the same name, which never passes it on.
            reuse=dict(type="dict"),
        ),
        supports_check_mode=True,
    )
    options = {k: v for k, v in module.params.items() if k not in ("fail_on_problems", "reuse")}
    try:
        result = read_state(command.run, **options)
    except BirdReadError as exc:
        module.fail_json(msg=str(exc), **exc.result)
    problems = result.get("problems")
    if problems and module.params["fail_on_problems"]:
        module.fail_json(msg="BIRD on this instance differs from the intent:\n- " + "\n- ".join(problems), **result)
    module.exit_json(changed=False, **result)


if __name__ == "__main__":
    main()

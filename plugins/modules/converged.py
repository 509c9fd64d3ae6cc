#!/usr/bin/python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: converged
short_description: Tell whether an instance still is what its last converge left, or record what it left
version_added: "1.0.0"
description:
  - The fast path of C(site.yml). After a PoP is configured and verified, O(state=record) stores on the instance the
    digest of everything the configuration came from (computed on the controller by the action plugin of the same
    name) and what the roles left there (files with their SHA-256, units, and probe commands that report drift).
  - O(state=check) compares the instance with that record in one run; the instance is converged only when the digest
    is the same, every recorded file has the recorded content, every recorded unit is active and enabled, and every
    recorded probe reports no change. Any difference is a reason, and the instance is configured again.
  - The digest covers the collection's roles, plugins and playbooks, the host's variables that the roles read
    (C(anycast_*) and the role prefixes), the C(anycast_*) variables of every instance, the inventory's groups, and
    the content of every controller file named by an absolute path in those variables (a CA root, for example).
  - Roles must read the world outside the instance through variables only; then the digest is complete.
author:
  - anycast.network developers (@anycast-network)
options:
  state:
    description: C(check) compares; C(record) stores.
    type: str
    choices: [check, record]
    default: check
  digest:
    description:
      - The digest to record or to compare with. Given by the action plugin; with O(state=record), pass the digest
        returned by the check at the start of the run, so both describe the same inputs.
    type: str
  state_file:
    description: Where the record is kept on the instance.
    type: path
    default: /var/lib/anycast/converged.json
  manages:
    description:
      - With O(state=record), what each role manages, keyed by role (the C(anycast_converge_manages) fact each role
        of the collection adds its entry to). Per role, C(files), C(units) and C(probes) as in the options of the
        same names. Other keys of an entry are ignored. See docs/converge.md.
    type: dict
    default: {}
  files:
    description: With O(state=record), the files the roles manage.
    type: list
    elements: path
    default: []
  units:
    description: With O(state=record), the systemd units that must be active and enabled.
    type: list
    elements: str
    default: []
  probes:
    description:
      - With O(state=record), commands (argument lists) that report drift the files cannot show. A probe passes when
        it exits 0 and, if it prints a JSON object with C(changed), that is false.
    type: list
    elements: list
    default: []
  force:
    description: With O(state=check), report the instance as not converged whatever the record says.
    type: bool
    default: false
  fresh:
    description:
      - With O(state=check), the instance was created by this run and cannot hold a record. The digest is computed
        on the controller as always (the record of this converge needs it) and the instance is reported not
        converged without being contacted.
    type: bool
    default: false
  bird:
    description:
      - With O(state=record), the options of M(anycast.network.bird_state) the verify step uses (C(birdc),
        C(manifest), C(honour_announce_state)), kept in the record.
      - Then O(state=check), when the instance is converged, also reads BIRD's sessions and exports with them and
        returns what M(anycast.network.bird_state) would as RV(bird). The verify step of a run that configured
        nothing uses that instead of a second module run per instance; a problem found here is read again there.
    type: dict
attributes:
  check_mode:
    support: full
    description: O(state=check) reads only; O(state=record) records nothing in check mode.
  diff_mode:
    support: none
    description: Nothing to show.
  action:
    support: full
    description: The action plugin computes the digest on the controller.
"""

EXAMPLES = r"""
- name: Compare each instance with its last converge
  anycast.network.converged:
    state: check
  register: anycast_converged_check

- name: Record what this converge left
  anycast.network.converged:
    state: record
    digest: "{{ anycast_converged_check.digest }}"
    manages:
      bird:
        files: [/etc/bird/bird.conf]
        units: [bird]
        probes:
          - [/usr/local/sbin/anycast-announce, --dry-run, render]
"""

RETURN = r"""
converged:
  description: With O(state=check), whether the instance still is what its last converge left.
  returned: always
  type: bool
reasons:
  description: Why the instance is not converged, one sentence each.
  returned: always
  type: list
  elements: str
  sample: ["/etc/caddy/Caddyfile changed on the instance", "unit bird is inactive"]
digest:
  description: The digest compared or recorded.
  returned: always
  type: str
bird:
  description:
    - With O(bird), what M(anycast.network.bird_state) returns (C(bird_state), C(problems), C(warnings_found),
      C(announce_status), ...), or C(error) when BIRD could not be read.
  returned: with O(state=check), when the instance is converged and its record has O(bird)
  type: dict
"""

import json

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.anycast.network.plugins.module_utils.common import atomic_file
from ansible_collections.anycast.network.plugins.module_utils.converge.check import (
    DEFAULT_STATE_FILE, VERSION, check, file_sha256, read_record)


def merge_manages(manages, files, units, probes):
    """The files, units and probes of every role's entry of manages (in role order), after the ones given."""
    files, units, probes = list(files), list(units), list(probes)
    for role in sorted(manages or {}):
        entry = manages[role] or {}
        files += list(entry.get("files") or [])
        units += list(entry.get("units") or [])
        probes += list(entry.get("probes") or [])
    return files, units, probes


def build_record(digest, files, units, probes, bird=None):
    return {
        "version": VERSION,
        "digest": digest,
        "files": {path: file_sha256(path) for path in sorted(set(files))},
        "units": sorted(set(units)),
        "probes": [list(map(str, argv)) for argv in probes],
        "bird": bird or None,
    }


def write_record(path, record):
    atomic_file.write(path, json.dumps(record, indent=2, sort_keys=True) + "\n")


def main():
    module = AnsibleModule(
        argument_spec={
            "state": {"type": "str", "choices": ["check", "record"], "default": "check"},
            "digest": {"type": "str"},
            "state_file": {"type": "path", "default": DEFAULT_STATE_FILE},
            "manages": {"type": "dict", "default": {}},
            "files": {"type": "list", "elements": "path", "default": []},
            "units": {"type": "list", "elements": "str", "default": []},
            "probes": {"type": "list", "elements": "list", "default": []},
            "force": {"type": "bool", "default": False},
            "fresh": {"type": "bool", "default": False},
            "bird": {"type": "dict"},
        },
        required_if=[("state", "record", ["digest"])],
        supports_check_mode=True,
    )
    params = module.params
    digest = params["digest"] or ""
    if params["state"] == "check":
        module.exit_json(**check(digest, params["state_file"], params["force"]))
    previous = read_record(params["state_file"])
    files, units, probes = merge_manages(params["manages"], params["files"], params["units"], params["probes"])
    record = build_record(digest, files, units, probes, params["bird"])
    changed = record != previous
    if changed and not module.check_mode:
        write_record(params["state_file"], record)
    module.exit_json(changed=changed, converged=True, reasons=[], digest=digest)


if __name__ == "__main__":
    main()

# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# The work is done by the action plugin of the same name, on the controller.

from __future__ import annotations

DOCUMENTATION = r"""
module: role_arguments
short_description: Check a host's variables against several roles' argument specifications in one task
version_added: 1.0.0
description:
  - Does for each role listed what the validation task Ansible puts in front of a role does (the host's variables
    the role's C(meta/argument_specs.yml) names, templated, checked against it), in one task instead of one per
    role. Meant for a play that imports the roles with C(rolespec_validate=false) right after this task.
  - A variable that still is the role's own default (the same expression as in its C(defaults/main.yml)) is not
    templated nor checked here; the roles' own tests check their defaults (Molecule runs them with Ansible's check).
    Templating every derived default for every instance cost more than the rest of the check.
  - In a play that does not import a role, its defaults are not among the task's variables; they are then added
    under them and checked as well.
  - Every error of every role is reported at once, each prefixed by its role.
  - Runs on the controller only.
options:
  roles:
    description: Roles of this collection, by name (C(bird)) or fully qualified (C(anycast.network.bird)).
    type: list
    elements: str
    required: true
  entry_point:
    description: The entry point of every role's specification.
    type: str
    default: main
extends_documentation_fragment:
  - anycast.network.controller_check
author:
  - anycast.network developers
"""

EXAMPLES = r"""
- name: Check the variables of the roles this play imports
  anycast.network.role_arguments:
    roles: [anycast.network.base, anycast.network.bird]

- name: Base system
  ansible.builtin.import_role:
    name: anycast.network.base
    rolespec_validate: false
"""

RETURN = r"""
roles:
  description: The roles checked.
  returned: always
  type: list
  elements: str
argument_errors:
  description: Every error, prefixed by its role; empty when all match.
  returned: always
  type: list
  elements: str
"""

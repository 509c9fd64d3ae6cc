# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Check a host's variables against the argument specifications of several of this collection's roles in one task;
see the documentation stub in plugins/modules/role_arguments.py."""

from __future__ import annotations

import functools
import os

import yaml

from ansible.errors import AnsibleActionFail
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.plugins.action.validate_argument_spec import ActionModule as _ValidateArgumentSpec

# The collection's root: plugins/action/ is two levels below it.
_COLLECTION_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
_PREFIX = "anycast.network."
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@functools.lru_cache(maxsize=None)
def _read_yaml(path):
    """A role's YAML file as plain data (libyaml: several times faster than Ansible's own loader)."""
    with open(path, "rb") as handle:
        return yaml.load(handle, Loader=_YAML_LOADER) or {}


class ActionModule(_ValidateArgumentSpec):
    """ansible.builtin.validate_argument_spec's reading of the variables, for several roles' specifications."""

    TRANSFERS_FILES = False
    _VALID_ARGS = frozenset(("roles", "entry_point"))
    _requires_connection = False

    def run(self, tmp=None, task_vars=None):
        result = super(_ValidateArgumentSpec, self).run(tmp, task_vars)
        task_vars = task_vars or {}
        entry_point = self._task.args.get("entry_point") or "main"
        roles = self._task.args.get("roles") or []
        if not isinstance(roles, list):
            raise AnsibleActionFail("role_arguments: roles must be a list of role names")
        errors, checked = [], []
        for role in roles:
            spec, defaults_file = self._spec(str(role), entry_point)
            values = self._values(spec, defaults_file, task_vars)
            # Only the options with a value to check (and the required ones): the validator would otherwise put the
            # specification's documented defaults in place of the defaults left out.
            checked_spec = {name: option for name, option in spec.items()
                            if name in values or (option or {}).get("required")}
            outcome = ArgumentSpecValidator(checked_spec).validate(values, validate_role_argument_spec=True)
            errors.extend("%s: %s" % (role, message) for message in outcome.error_messages)
            checked.append(str(role))
        result.update(changed=False, roles=checked, argument_errors=errors)
        if errors:
            result.update(failed=True, msg="Validation of arguments failed:\n%s" % "\n".join(errors))
        else:
            result["msg"] = "The variables of %s match their argument specifications" % ", ".join(checked)
        return result

    def _values(self, spec, defaults_file, task_vars):
        """The role's variables as its tasks would see them, templated, except those that still are the role's own
        defaults: those are checked against the specification by the role's tests (Molecule keeps Ansible's own
        check), and templating every derived default for every instance cost more than the rest of the check.
        Without the role's defaults among the task's variables (a play that does not import the role), they are
        added under the task's and checked too."""
        defaults = _read_yaml(defaults_file) if os.path.isfile(defaults_file) else {}
        if all(name in task_vars for name in spec if name in defaults):
            overridden = {name: task_vars[name] for name in spec
                          if name in task_vars and (name not in defaults or task_vars[name] != defaults[name]
                                                    or (spec[name] or {}).get("required"))}
            return self._templar.template(overridden)
        variables = dict(self._load_trusted(defaults_file))
        variables.update(task_vars)
        templar = self._templar.copy_with_new_env(available_variables=variables)
        return templar.template({name: variables[name] for name in spec if name in variables})

    def _spec(self, role, entry_point):
        """The options of a role's entry point (meta/argument_specs.yml) and the path of the role's defaults."""
        name = role[len(_PREFIX):] if role.startswith(_PREFIX) else role
        path = os.path.join(_COLLECTION_ROOT, "roles", name)
        specs_file = os.path.join(path, "meta", "argument_specs.yml")
        if "/" in name or not os.path.isfile(specs_file):
            raise AnsibleActionFail("role_arguments: %s is not a role of this collection with an argument "
                                    "specification" % role)
        specs = _read_yaml(specs_file).get("argument_specs") or {}
        if entry_point not in specs:
            raise AnsibleActionFail("role_arguments: %s has no entry point %s" % (role, entry_point))
        return dict(specs[entry_point].get("options") or {}), os.path.join(path, "defaults", "main.yml")

    def _load_trusted(self, path):
        """A role's own variables file, its templates trusted as Ansible trusts them when it loads the role."""
        try:
            return self._loader.load_from_file(path, trusted_as_template=True)
        except TypeError:  # ansible-core before 2.19: no trust marking
            return self._loader.load_from_file(path)

# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Render on the controller what a role's `config_files` task names by template or file (`files[].template`,
`files[].src`), then let the module of the same name write it (see plugins/modules/config_files.py).

A template is rendered with the task's variables as they are, like `ansible.builtin.template` does, and not through
`lookup('ansible.builtin.template')` in the task's arguments: the lookup deep-copies every variable the task sees
for each file it renders, which made it the most expensive part of a PoP's converge on the controller."""

from __future__ import annotations

import os
from collections.abc import Mapping

from ansible.errors import AnsibleActionFail
from ansible.module_utils.common.text.converters import to_text
from ansible.module_utils.parsing.convert_bool import boolean
from ansible.plugins.action import ActionBase
from ansible.template import generate_ansible_template_vars

try:
    from ansible.template import trust_as_template
except ImportError:  # ansible-core before 2.19 has no trust marking: every template is trusted
    def trust_as_template(value):
        return value

# What the action consumes; the module gets plain content.
_SOURCE_KEYS = ("template", "template_vars", "src", "secret")


class ActionModule(ActionBase):
    TRANSFERS_FILES = False

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        task_vars = task_vars or {}
        args = dict(self._task.args)
        problem = self._failed_precondition(args.pop("preconditions", None) or [])
        if problem:
            # Before anything is rendered, read or sent: the instance is not touched.
            result.update(failed=True, msg=problem)
            return result
        files, secrets = [], dict(args.get("secrets") or {})
        for spec in args.get("files") or []:
            # An entry that is not a mapping goes to the module as it is, whose argument checks name it.
            files.append(self._content(dict(spec), secrets, task_vars) if isinstance(spec, Mapping) else spec)
        args["files"] = files
        if secrets:
            args["secrets"] = secrets
        result.update(self._execute_module(module_name="anycast.network.config_files", module_args=args,
                                           task_vars=task_vars))
        return result

    @staticmethod
    def _failed_precondition(preconditions):
        """The message of the first precondition that does not hold, None when all hold."""
        if not isinstance(preconditions, list):
            raise AnsibleActionFail("config_files: preconditions must be a list")
        for index, condition in enumerate(preconditions):
            if not isinstance(condition, Mapping) or "that" not in condition:
                raise AnsibleActionFail("config_files: preconditions[%d] needs `that`" % index)
            that = condition["that"] if isinstance(condition["that"], list) else [condition["that"]]
            try:
                holds = all(boolean(value, strict=True) for value in that)
            except TypeError as exc:
                raise AnsibleActionFail("config_files: preconditions[%d]: `that` must be true or false (%s)"
                                        % (index, exc)) from exc
            if not holds:
                return str(condition.get("msg") or "config_files: preconditions[%d] does not hold" % index)
        return None

    def _content(self, spec, secrets, task_vars):
        """The file entry with its content rendered: in `content`, or in `secrets` when it is a secret."""
        sources = [key for key in ("content", "template", "src") if spec.get(key) is not None]
        if len(sources) > 1:
            raise AnsibleActionFail("config_files: %s takes one of content, template and src, not %s"
                                    % (spec.get("dest"), ", ".join(sources)))
        if not isinstance(spec.get("template_vars") or {}, Mapping):
            raise AnsibleActionFail("config_files: %s: template_vars must be a mapping" % spec.get("dest"))
        if spec.get("template") is not None:
            text = self._render(spec["template"], spec.get("template_vars") or {}, task_vars)
        elif spec.get("src") is not None:
            text = self._read(spec["src"])
        else:
            text = None
        secret = boolean(spec.get("secret", False), strict=False)
        for key in _SOURCE_KEYS:
            spec.pop(key, None)
        if text is not None and secret:
            secrets[spec["dest"]] = text
        elif text is not None:
            spec["content"] = text
        elif secret and spec.get("content") is not None:
            secrets[spec["dest"]] = spec.pop("content")
        return spec

    def _read(self, name):
        """A file of the role's files/ (or a path), as it is."""
        path = self._find_needle("files", name)
        with open(path, "rb") as handle:
            return to_text(handle.read(), errors="surrogate_or_strict")

    def _render(self, name, template_vars, task_vars):
        """A template of the role's templates/ (or a path), rendered with the task's variables and template_vars."""
        source = self._find_needle("templates", name)
        with open(source, "rb") as handle:
            data = trust_as_template(to_text(handle.read(), errors="surrogate_or_strict"))
        # Includes resolve as with ansible.builtin.template: the templates/ of each search path, then the path.
        searchpath = []
        for path in list(task_vars.get("ansible_search_path", [])) + [self._loader.get_basedir(),
                                                                        os.path.dirname(source)]:
            searchpath.extend([os.path.join(path, "templates"), path])
        variables = task_vars.copy()
        generated = generate_ansible_template_vars(path=name, fullpath=source)
        if "ansible_managed" in task_vars:  # set by the user: kept, as the template lookup and action do
            generated.pop("ansible_managed", None)
        variables.update(generated)
        variables.update(template_vars)
        templar = self._templar.copy_with_new_env(searchpath=searchpath, available_variables=variables)
        return templar.template(data, preserve_trailing_newlines=True, escape_backslashes=False)

# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Find each Jinja filter and test once per playbook run, not once per template environment.

ansible-core (2.19) looks a filter or test name up in its plugin loader the first time a template environment uses
it, and every task and host gets new environments (each file `config_files` renders, another). A name that is not
one of ansible-core's own plugins (Jinja's `map`, `select`, `join`, ..., and every collection's filters) goes the
collection route each time: the collection's metadata, every module of its filter package imported and asked for
its whole map of filters, and for Jinja's names (`ansible.builtin.map`) that is every module of ansible-core's
filters before the answer "none" sends the template to Jinja's own. In a converge of eight instances the workers
made about 1,500 such look-ups, 0.8 ms each: 1.2 of their 7.7 CPU-seconds.

`install()` (called by the collection's strategies in the playbook's main process, before any worker is forked)
keeps each answer of the filter and test loaders for the rest of the process, and asks them at once for Jinja's own
names and this collection's filters and tests, so that every worker starts with the answers. Which plugins exist
does not change while a playbook runs. A look-up that fails (an unknown collection, a broken plugin) is not kept: it
fails again, with the same error, where ansible-core would raise it.

ANYCAST_PLUGIN_LOOKUP_CACHE=0 switches it off.
"""

from __future__ import annotations

import os

_state = {"original": None, "answers": {}}

# This collection (ansible_collections.<namespace>.<name>.plugins.plugin_utils.<this module>): its filters and tests
# are warmed too.
_COLLECTION = ".".join(__name__.split(".")[1:3])


def enabled():
    return os.environ.get("ANYCAST_PLUGIN_LOOKUP_CACHE", "1").lower() not in ("0", "false", "no")


def cached_get_with_context(original):
    """`original` (Jinja2Loader.get_with_context) answering a name it answered before from memory."""

    def get_with_context(self, name, *args, **kwargs):
        if args or kwargs or not isinstance(name, str):
            return original(self, name, *args, **kwargs)
        key = (id(self), name)
        answer = _state["answers"].get(key)
        if answer is None:
            answer = original(self, name)
            _state["answers"][key] = answer
        return answer

    get_with_context.__wrapped__ = original
    return get_with_context


def _collection_names(loader):
    """The fully qualified names of this collection's plugins of the loader's type (filters or tests)."""
    import importlib
    import pkgutil

    package = "ansible_collections.%s.plugins.%s" % (_COLLECTION, loader.type)
    try:
        path = importlib.import_module(package).__path__
    except ImportError:
        return []
    names = []
    for module in pkgutil.iter_modules(path):
        if module.ispkg:
            continue
        try:
            mapping = getattr(importlib.import_module("%s.%s" % (package, module.name)), loader.class_name)()
            names.extend("%s.%s" % (_COLLECTION, name) for name in getattr(mapping, loader.method_map_name)())
        except Exception:  # pylint: disable=broad-except  # a broken plugin fails where Ansible looks it up
            continue
    return names


def warm():
    """Ask the filter and test loaders for Jinja's own names and this collection's plugins."""
    import jinja2.filters
    import jinja2.tests
    from ansible.plugins.loader import filter_loader, test_loader

    for loader, builtin in ((filter_loader, jinja2.filters.FILTERS), (test_loader, jinja2.tests.TESTS)):
        for name in list(builtin) + _collection_names(loader):
            try:
                loader.get_with_context(name)
            except Exception:  # pylint: disable=broad-except  # not kept: raised again where a template uses it
                continue


def install():
    """Keep the filter and test loaders' answers for the rest of this process and the workers it forks, and warm them;
    once per process. True when the cache is in place."""
    if _state["original"] is not None:
        return True
    if not enabled():
        return False
    try:
        from ansible.plugins.loader import Jinja2Loader
    except ImportError:
        return False
    original = Jinja2Loader.get_with_context
    _state["original"] = original
    Jinja2Loader.get_with_context = cached_get_with_context(original)
    warm()
    return True


def uninstall():
    """Undo install() (for tests)."""
    if _state["original"] is not None:
        from ansible.plugins.loader import Jinja2Loader

        Jinja2Loader.get_with_context = _state["original"]
    _state.update(original=None, answers={})

# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Reading intent and topology files without Ansible's templating (for inventory plugins and tools)."""

from __future__ import annotations


def _unique_key_loader():
    """A YAML loader that refuses duplicate keys: two PoPs with one name must not silently become one.
    PyYAML is imported here, not at the top: it is a controller dependency, and module_utils are importable without it."""
    import yaml

    class UniqueKeyLoader(yaml.SafeLoader):
        pass

    def construct_mapping(loader, node, deep=False):
        mapping = {}
        for key_node, value_node in node.value:
            key = loader.construct_object(key_node, deep=deep)
            if key in mapping:
                raise yaml.constructor.ConstructorError(
                    None, None, "the key %r is written twice (the second time at line %d): YAML would keep only one "
                    "of them" % (key, key_node.start_mark.line + 1), key_node.start_mark)
            mapping[key] = loader.construct_object(value_node, deep=deep)
        return mapping

    UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, construct_mapping)
    return yaml, UniqueKeyLoader


def load_yaml(path):
    yaml, loader = _unique_key_loader()
    with open(path, encoding="utf-8") as handle:
        return yaml.load(handle, Loader=loader)  # nosec: SafeLoader subclass


class IntentFileError(Exception):
    """An intent file that cannot be used, with a message that names the file (and the line when YAML knows it)."""


def load_intent_file(path):
    """The value of anycast_intent in the intent file `path`. Raises IntentFileError naming the file: missing or
    unreadable, not YAML (with the line and column), a key written twice (with its line), empty, or without
    anycast_intent."""
    import yaml

    try:
        document = load_yaml(path)
    except OSError as exc:
        raise IntentFileError("Cannot read the intent file %s: %s" % (path, exc.strerror or exc))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = "%s, line %d, column %d" % (path, mark.line + 1, mark.column + 1) if mark else path
        problem = getattr(exc, "problem", None) or str(exc)
        raise IntentFileError("The intent file %s is not valid YAML: %s" % (where, problem))
    except ValueError as exc:  # undecodable bytes
        raise IntentFileError("The intent file %s is not valid YAML: %s" % (path, exc))
    if document is None:
        raise IntentFileError("The intent file %s is empty: it must define anycast_intent (see docs/intent.md)" % path)
    if not isinstance(document, dict) or "anycast_intent" not in document:
        raise IntentFileError("The intent file %s does not define anycast_intent (see docs/intent.md)" % path)
    return document["anycast_intent"]

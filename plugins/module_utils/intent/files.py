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
                    None, None, "duplicate key %r (line %d)" % (key, key_node.start_mark.line + 1), key_node.start_mark)
            mapping[key] = loader.construct_object(value_node, deep=deep)
        return mapping

    UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, construct_mapping)
    return yaml, UniqueKeyLoader


def load_yaml(path):
    yaml, loader = _unique_key_loader()
    with open(path, encoding="utf-8") as handle:
        return yaml.load(handle, Loader=loader)  # nosec: SafeLoader subclass

# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The reference of the intent in docs/intent.md, written from schema.py.

    python -m ansible_collections.anycast.network.plugins.module_utils.intent.reference docs/intent.md

rewrites the part of the file between the BEGIN and END markers and leaves the rest as it is; with `--check` it
only says whether the file is current (exit status 1 when not).
"""

from __future__ import annotations

import sys

from . import schema

BEGIN = "<!-- BEGIN reference: generated from plugins/module_utils/intent/schema.py, do not edit -->"
END = "<!-- END reference -->"

_TITLES = {entry[0]: entry[1] for entry in schema.SECTIONS}


def _anchor(section):
    return _TITLES[section].lower().replace(" ", "-")


def _type(field):
    if isinstance(field, schema.Dict):
        return "mapping, see [%s](#%s)" % (_TITLES[field.section], _anchor(field.section))
    if isinstance(field, schema.Map) and isinstance(field.of, schema.Dict):
        return "mapping of name to settings, see [%s](#%s)" % (_TITLES[field.of.section], _anchor(field.of.section))
    if isinstance(field, schema.List) and isinstance(field.of, schema.Dict):
        return "list, see [%s](#%s)" % (_TITLES[field.of.section], _anchor(field.of.section))
    return field.type_words


def _value(value):
    if isinstance(value, bool):
        return "`%s`" % str(value).lower()
    if value == []:
        return "`[]`"
    return "`%s`" % (value,)


def _required(field):
    if field.required is True:
        return "yes"
    if isinstance(field.required, schema.When):
        return "when %s is %s" % (field.required.key, " or ".join(field.required.values))
    return "no"


def _meaning(field):
    words = field.doc
    if field.kinds:
        words = "%s only: %s" % (" and ".join(field.kinds), words)
    if isinstance(field, schema.Choice) and any(field.choices.values()):
        words += "; " + ", ".join("`%s`: %s" % (c, d) for c, d in field.choices.items() if d)
    if isinstance(field, schema.List) and field.min_items:
        words += " (at least %d)" % field.min_items
    return words.replace("|", "\\|")


def render():
    """The generated reference: one table per part of the intent."""
    lines = [BEGIN, "", "## Reference", "",
             "Every key the intent may hold. The validator refuses any other key, a value of the wrong type, a "
             "missing required key and a value outside the allowed ones; a default is what the normalised intent "
             "(the `anycast.network.intent_model` filter) holds when the key is left out.", ""]
    for section, title, node, where in schema.SECTIONS:
        lines += ["### %s" % title, "", "`%s`: %s." % (where, node.doc), "",
                  "| key | type | required | default | meaning |", "|---|---|---|---|---|"]
        for key, field in node.fields.items():
            default = "" if field.default is schema.MISSING else _value(field.default)
            lines.append("| `%s` | %s | %s | %s | %s |" % (key, _type(field), _required(field), default,
                                                           _meaning(field)))
        lines.append("")
    lines.append(END)
    return "\n".join(lines)


def update(text):
    """`text` (a whole docs/intent.md) with its reference section replaced by the current one."""
    if BEGIN not in text or END not in text:
        raise ValueError("the document has no reference markers")
    head, rest = text.split(BEGIN, 1)
    tail = rest.split(END, 1)[1]
    return head + render() + tail


def main(argv):
    check = "--check" in argv
    paths = [a for a in argv if a != "--check"]
    if len(paths) != 1:
        sys.stderr.write("usage: python -m ...intent.reference [--check] docs/intent.md\n")
        return 2
    with open(paths[0], encoding="utf-8") as handle:
        text = handle.read()
    new = update(text)
    if new == text:
        return 0
    if check:
        sys.stderr.write("%s is not current: rewrite it with the reference module\n" % paths[0])
        return 1
    with open(paths[0], "w", encoding="utf-8") as handle:
        handle.write(new)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))

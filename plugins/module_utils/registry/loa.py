# -*- coding: utf-8 -*-
# Copyright: contributors to anycast.network
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Letters of Authorization: a brandable template, the letter's text, a PDF that is the same bytes for the same input.

What an LOA holds (no formal standard; typical contents from provider templates, Cloudflare BYOIP, and
draft-martin-grow-rpki-generated-loa-00): the resource holder, date of issue, the authorised party and its ASN,
the prefixes with their origin AS, the scope (announce, accept and propagate by BGP), an authority declaration,
a contact, the signatory, and a validity.

Reproducibility: the PDF's creation and modification dates are the date of issue, its file ID is derived from its
content (fpdf2), no random IDs; the letter's fields are kept in the PDF's Keywords (Base64 JSON) so a later run
can compare without a PDF parser.
"""

from __future__ import annotations

import base64
import datetime
import ipaddress
import json
import re
import string

FIELDS_MARK = "anycast-network-loa-v1:"
PLACEHOLDERS = ("holder", "holder_address", "asn", "provider_name", "provider_asn", "signatory", "contact",
                "issue_date", "valid_until", "validity_days", "prefixes", "pops")

DEFAULT_STYLES = {
    "letterhead": {"size": 16, "bold": True, "color": [0, 0, 0]},
    "small": {"size": 9},
    "title": {"size": 14, "bold": True, "align": "C", "space_before": 6, "space_after": 4},
    "heading": {"size": 11, "bold": True, "space_before": 3},
    "body": {"size": 11, "space_after": 2},
    "right": {"size": 11, "align": "R"},
    "signature": {"size": 11, "space_before": 14},
}


# The default template; files/loa/default.yml is the same text, for users to copy and brand (a test keeps them equal).
DEFAULT_TEMPLATE_YAML = r"""# The default Letter of Authorization (LOA) of anycast.network.
# Brand it: copy this file, change the text, styles, page and font, add a logo, and point
# anycast_intent.registry.loa.template at your copy (a path relative to the inventory or absolute).
#
# Placeholders: {holder} {holder_address} {asn} {provider_name} {provider_asn} {signatory} {contact}
#               {issue_date} {valid_until} {validity_days} {prefixes} {pops}
# A block whose placeholders are all empty (an unset holder_address, say) is left out.
# The block with "kind: resources" is the table of prefixes and their origin AS.
# The PDF core fonts show Latin-1 only; for other scripts set font.file to a TrueType font, e.g.
#   font: {file: /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf,
#          bold_file: /usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf}
page:
  format: A4          # or Letter
  margin_mm: 20
font:
  family: helvetica
# logo: {file: logo.png, width_mm: 40}   # placed top right; a relative path is relative to this file
styles:
  letterhead: {size: 16, bold: true, color: [0, 0, 0]}
  small: {size: 9}
  title: {size: 14, bold: true, align: C, space_before: 6, space_after: 4}
  heading: {size: 11, bold: true, space_before: 3}
  body: {size: 11, space_after: 2}
  right: {size: 11, align: R}
  signature: {size: 11, space_before: 14}
blocks:
  - {style: letterhead, text: "{holder}"}
  - {style: small, text: "{holder_address}"}
  - {style: right, text: "Date of issue: {issue_date}"}
  - {style: title, text: "LETTER OF AUTHORIZATION (LOA)"}
  - {style: body, text: "To: {provider_name} ({provider_asn}), and to whom it may concern"}
  - style: body
    text: >-
      {holder}, the holder of the IP address blocks and the autonomous system listed below, hereby authorizes
      {provider_name} ({provider_asn}) to announce these prefixes with origin {asn} by BGP from its network, and
      its upstream transit providers to accept and propagate these announcements.
  - {style: heading, text: "Resources"}
  - {kind: resources, header: [Prefix, Origin AS]}
  - {style: body, text: "Points of presence served by {provider_name}: {pops}"}
  - style: body
    text: >-
      This authorization is valid from {issue_date} until {valid_until} ({validity_days} days), unless
      revoked earlier in writing.
  - style: body
    text: >-
      As a representative of {holder}, the holder of the aforementioned IP address blocks and originating
      autonomous system, I declare that I am authorized to sign this letter.
  - {style: body, text: "Contact: {contact}"}
  - {style: signature, text: "Signature: ______________________________"}
  - {style: body, text: "{signatory}"}
  - {style: body, text: "{holder}"}
"""


class LoaError(Exception):
    def __init__(self, msg):
        super().__init__(msg)
        self.msg = msg


# Characters that change how a line reads without showing themselves: line and paragraph separators, and the
# bidirectional controls that can display "AS64500" as something else (Unicode TR 9; CVE-2021-42574).
_INVISIBLE = frozenset("\x85\u2028\u2029\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\ufeff")


def _check_line(value, what):
    """One line of the letter: refused when it holds a control character (C0 or C1), a line separator or a
    bidirectional control, so the letter shows exactly the text it was given."""
    if not isinstance(value, str) or not value.strip():
        raise LoaError("%s must be a non-empty string" % what)
    if any(ord(ch) < 0x20 or 0x7f <= ord(ch) < 0xa0 or ch in _INVISIBLE for ch in value):
        raise LoaError("%s must be one line without control characters: %r" % (what, value))
    return value.strip()


def normalize_asn(value, what):
    match = re.match(r"^(?:AS)?([0-9]+)$", str(value).strip(), re.IGNORECASE)
    if not match or not 0 < int(match.group(1)) < 2 ** 32:
        raise LoaError("%s must be an AS number such as AS64500, got %r" % (what, value))
    return "AS%d" % int(match.group(1))


def build_fields(holder, asn, prefixes, provider_name, provider_asn, signatory, contact, issue_date,
                 validity_days, holder_address=None, pops=None):
    """Check and normalise the letter's fields; return a dict of plain values (JSON-safe, sorted lists)."""
    if not prefixes:
        raise LoaError("prefixes must list at least one prefix")
    normalized = []
    for prefix in prefixes:
        try:
            net = ipaddress.ip_network(str(prefix).strip(), strict=True)
        except ValueError as exc:
            raise LoaError("%r is not a prefix: %s" % (prefix, exc))
        if net.with_prefixlen not in normalized:
            normalized.append(net.with_prefixlen)
    try:
        issued = datetime.date.fromisoformat(str(issue_date))
    except ValueError:
        raise LoaError("issue_date must be a date as YYYY-MM-DD, got %r" % (issue_date,))
    if int(validity_days) < 1:
        raise LoaError("validity_days must be at least 1")
    return {
        "holder": _check_line(holder, "holder"),
        "holder_address": [_check_line(x, "holder_address") for x in (holder_address or [])],
        "asn": normalize_asn(asn, "asn"),
        "prefixes": normalized,
        "provider_name": _check_line(provider_name, "provider_name"),
        "provider_asn": normalize_asn(provider_asn, "provider_asn"),
        "signatory": _check_line(signatory, "signatory"),
        "contact": _check_line(contact, "contact") if contact else "",
        "issue_date": issued.isoformat(),
        "validity_days": int(validity_days),
        "valid_until": (issued + datetime.timedelta(days=int(validity_days))).isoformat(),
        "pops": sorted(_check_line(p, "pops") for p in (pops or [])),
    }


def same_letter(a, b):
    """True when two field sets differ at most in their dates."""
    ignore = ("issue_date", "valid_until")
    return {k: v for k, v in a.items() if k not in ignore} == {k: v for k, v in b.items() if k not in ignore}


# ---------------------------------------------------------------------------------------------------------------
# Template
# ---------------------------------------------------------------------------------------------------------------

def load_template(path=None):
    """A template is YAML: page, font, optional logo, styles, and a list of blocks (see files/loa/default.yml).
    Without a path, the default template."""
    try:
        import yaml
    except ImportError:  # pragma: no cover - PyYAML comes with ansible-core
        raise LoaError("PyYAML is needed to read an LOA template")
    try:
        if path:
            with open(path, "r", encoding="utf-8") as handle:
                data = yaml.safe_load(handle)
        else:
            path = "the default template"
            data = yaml.safe_load(DEFAULT_TEMPLATE_YAML)
    except (OSError, yaml.YAMLError) as exc:
        raise LoaError("cannot read the LOA template %s: %s" % (path, exc))
    if not isinstance(data, dict) or not isinstance(data.get("blocks"), list):
        raise LoaError("the LOA template %s must be a mapping with a list of blocks" % path)
    for idx, block in enumerate(data["blocks"]):
        if not isinstance(block, dict) or ("text" not in block and block.get("kind") != "resources"):
            raise LoaError("block %d of %s needs text (or kind: resources)" % (idx + 1, path))
        if block.get("style", "body") not in {**DEFAULT_STYLES, **(data.get("styles") or {})}:
            raise LoaError("block %d of %s uses the unknown style %r" % (idx + 1, path, block.get("style")))
    return data


class _Formatter(string.Formatter):
    def get_value(self, key, args, kwargs):
        if key not in kwargs:
            raise LoaError("the LOA template uses {%s}; known placeholders: %s" % (key, ", ".join(PLACEHOLDERS)))
        return kwargs[key]


def _values(fields):
    values = dict(fields)
    values["holder_address"] = ", ".join(fields["holder_address"])
    values["prefixes"] = ", ".join(fields["prefixes"])
    values["pops"] = ", ".join(fields["pops"])
    return values


def render_blocks(template, fields):
    """The letter as (style, text) pairs, and ("resources", rows) for the table; blocks whose every placeholder is
    empty are left out (an optional address, say)."""
    values = _values(fields)
    out = []
    fmt = _Formatter()
    for block in template["blocks"]:
        if block.get("kind") == "resources":
            rows = [(p, fields["asn"]) for p in fields["prefixes"]]
            out.append(("resources", {"header": block.get("header", ["Prefix", "Origin AS"]), "rows": rows}))
            continue
        names = [field[1] for field in fmt.parse(block["text"]) if field[1]]
        if names and all(values.get(name, "?") == "" for name in names):
            continue
        out.append((block.get("style", "body"), fmt.format(block["text"], **values)))
    return out


def letter_text(template, fields):
    """The letter as plain text: used for diffs."""
    lines = []
    for style, content in render_blocks(template, fields):
        if style == "resources":
            lines.append("  ".join(content["header"]))
            lines.extend("%s  %s" % row for row in content["rows"])
        else:
            lines.append(content)
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------------------------------------------
# PDF
# ---------------------------------------------------------------------------------------------------------------

def encode_fields(fields):
    blob = json.dumps(fields, sort_keys=True, separators=(",", ":")).encode("utf-8")
    return FIELDS_MARK + base64.b64encode(blob).decode("ascii")


def decode_fields(pdf_bytes):
    """The fields an earlier run stored in the PDF's Keywords, or None."""
    match = re.search(re.escape(FIELDS_MARK.encode()) + rb"([A-Za-z0-9+/=]+)", pdf_bytes or b"")
    if not match:
        return None
    try:
        return json.loads(base64.b64decode(match.group(1)).decode("utf-8"))
    except (ValueError, UnicodeDecodeError):
        return None


def build_pdf(template, fields, template_dir=None):
    """Render the letter; the same template and fields give the same bytes."""
    try:
        from fpdf import FPDF
        from fpdf.enums import XPos, YPos
    except ImportError:
        raise LoaError("the Python package fpdf2 is needed to write LOAs (pip install fpdf2)")
    import os

    page = template.get("page") or {}
    font = template.get("font") or {}
    styles = dict(DEFAULT_STYLES)
    styles.update(template.get("styles") or {})
    pdf = FPDF(orientation="P", unit="mm", format=page.get("format", "A4"))
    margin = float(page.get("margin_mm", 20))
    pdf.set_margins(margin, margin, margin)
    pdf.set_auto_page_break(True, margin)
    issued = datetime.datetime.fromisoformat(fields["issue_date"]).replace(tzinfo=datetime.timezone.utc)
    pdf.set_creation_date(issued)
    pdf.set_title("Letter of Authorization: %s (%s) for %s (%s)" % (
        fields["holder"], fields["asn"], fields["provider_name"], fields["provider_asn"]))
    pdf.set_author(fields["holder"])
    pdf.set_subject("BGP announcement of %s" % ", ".join(fields["prefixes"]))
    pdf.set_keywords(encode_fields(fields))
    pdf.set_creator("anycast.network")

    family = font.get("family", "helvetica")
    if font.get("file"):
        path = font["file"]
        if template_dir and not os.path.isabs(path):
            path = os.path.join(template_dir, path)
        family = "loafont"
        pdf.add_font(family, "", path)
        bold = font.get("bold_file")
        if bold:
            if template_dir and not os.path.isabs(bold):
                bold = os.path.join(template_dir, bold)
            pdf.add_font(family, "B", bold)
        else:
            pdf.add_font(family, "B", path)
    pdf.add_page()

    logo = template.get("logo")
    if logo and logo.get("file"):
        path = logo["file"]
        if template_dir and not os.path.isabs(path):
            path = os.path.join(template_dir, path)
        pdf.image(path, x=pdf.w - margin - float(logo.get("width_mm", 40)), y=margin,
                  w=float(logo.get("width_mm", 40)))

    width = pdf.w - 2 * margin
    for style_name, content in render_blocks(template, fields):
        if style_name == "resources":
            style = styles.get("body")
            pdf.set_font(family, "", style.get("size", 11))
            with pdf.table(col_widths=(60, 40), width=100, align="L", text_align="LEFT",
                           first_row_as_headings=True) as table:
                table.row(content["header"])
                for row in content["rows"]:
                    table.row(list(row))
            pdf.ln(2)
            continue
        style = styles[style_name]
        pdf.ln(float(style.get("space_before", 0)))
        pdf.set_font(family, "B" if style.get("bold") else "", float(style.get("size", 11)))
        pdf.set_text_color(*style.get("color", [0, 0, 0]))
        try:
            pdf.multi_cell(width, float(style.get("size", 11)) * 0.5, content, align=style.get("align", "L"),
                           new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        except Exception as exc:  # fpdf2 raises FPDFUnicodeEncodingException for text the core fonts lack
            if "outside the range" in str(exc) or "Unicode" in type(exc).__name__:
                raise LoaError("%r has characters the PDF core fonts cannot show: set font.file in the LOA "
                               "template to a TrueType font (for example DejaVuSans.ttf)" % content)
            raise
        pdf.ln(float(style.get("space_after", 0)))
    return bytes(pdf.output())

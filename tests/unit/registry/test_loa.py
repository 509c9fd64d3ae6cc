"""The loa module: every field in the PDF read back as text, identical bytes on re-runs, check mode, diff."""

from __future__ import annotations

import datetime
import os
import pathlib

import pypdf
import pytest

from ansible_collections.anycast.network.plugins.module_utils.registry import loa as loa_utils
from ansible_collections.anycast.network.plugins.modules import loa

ROOT = pathlib.Path(__file__).resolve().parents[3]


def args(dest, **over):
    base = dict(dest=str(dest), holder="Example Networks Ltd", holder_address=["1 Example Street", "Amsterdam"],
                asn="64496", prefixes=["192.0.2.0/24", "2001:db8:100::/48"],
                provider_name="Vultr (The Constant Company, LLC)", provider_asn="AS20473", pops=["lhr", "ams"],
                signatory="Jane Doe, Network Operations", contact="noc@example.com", validity_days=365,
                issue_date="2026-03-01")
    base.update(over)
    return base


def pdf_text(path):
    reader = pypdf.PdfReader(str(path))
    return "\n".join(page.extract_text() for page in reader.pages), reader.metadata


def test_every_field_is_in_the_pdf(tmp_path, run):
    dest = tmp_path / "loa.pdf"
    res = run(loa, args(dest))
    assert res["changed"] and dest.exists()
    text, meta = pdf_text(dest)
    flat = " ".join(text.split())
    for expected in ["Example Networks Ltd", "1 Example Street, Amsterdam", "AS64496", "192.0.2.0/24",
                     "2001:db8:100::/48", "Vultr (The Constant Company, LLC) (AS20473)", "Jane Doe, Network Operations",
                     "Contact: noc@example.com", "Date of issue: 2026-03-01",
                     "valid from 2026-03-01 until 2027-03-01 (365 days)", "LETTER OF AUTHORIZATION (LOA)",
                     "Points of presence served by Vultr (The Constant Company, LLC): ams, lhr",
                     "to announce these prefixes with origin AS64496 by BGP"]:
        assert expected in flat, expected
    # the table pairs each prefix with its origin
    assert "192.0.2.0/24 AS64496" in flat and "2001:db8:100::/48 AS64496" in flat
    assert meta["/CreationDate"] == "D:20260301000000Z"
    assert meta["/Title"] == "Letter of Authorization: Example Networks Ltd (AS64496) for " \
                             "Vultr (The Constant Company, LLC) (AS20473)"
    assert res["valid_until"] == "2027-03-01"


def test_same_input_same_bytes_and_no_change(tmp_path, run):
    first, second = tmp_path / "a.pdf", tmp_path / "b.pdf"
    run(loa, args(first))
    run(loa, args(second))
    assert first.read_bytes() == second.read_bytes()
    mtime = os.stat(first).st_mtime_ns
    res = run(loa, args(first))
    assert not res["changed"] and os.stat(first).st_mtime_ns == mtime


def test_check_mode_and_diff(tmp_path, run):
    dest = tmp_path / "loa.pdf"
    res = run(loa, args(dest), check_mode=True, diff=True)
    assert res["changed"] and not dest.exists()
    assert res["diff"]["before"] == "" and "AS20473" in res["diff"]["after"]
    run(loa, args(dest))
    before = dest.read_bytes()
    res = run(loa, args(dest, prefixes=["192.0.2.0/24"]), check_mode=True, diff=True)
    assert res["changed"] and dest.read_bytes() == before
    assert "2001:db8:100::/48" in res["diff"]["before"] and "2001:db8:100::/48" not in res["diff"]["after"]
    res = run(loa, args(dest, prefixes=["192.0.2.0/24"]))
    assert res["changed"] and dest.read_bytes() != before


def test_issue_date_kept_until_renewal(tmp_path, run):
    dest = tmp_path / "loa.pdf"
    today = datetime.date.today()
    res = run(loa, args(dest, issue_date=None))
    assert res["changed"] and res["issue_date"] == today.isoformat()
    # pretend it was issued 300 days ago: still valid for 65 days, above renew_before_days (30): kept
    old = (today - datetime.timedelta(days=300)).isoformat()
    run(loa, args(dest, issue_date=old))
    res = run(loa, args(dest, issue_date=None))
    assert not res["changed"] and res["issue_date"] == old
    # a content change issues it again today
    res = run(loa, args(dest, issue_date=None, contact="peering@example.com"))
    assert res["changed"] and res["issue_date"] == today.isoformat()
    # close to its end: renewed
    old = (today - datetime.timedelta(days=350)).isoformat()
    run(loa, args(dest, issue_date=old, contact="peering@example.com"))
    res = run(loa, args(dest, issue_date=None, contact="peering@example.com"))
    assert res["changed"] and res["issue_date"] == today.isoformat()


def test_branded_template(tmp_path, run):
    template = tmp_path / "brand.yml"
    template.write_text((ROOT / "files" / "loa" / "default.yml").read_text()
                        .replace("LETTER OF AUTHORIZATION (LOA)", "ACME LETTER OF AGENCY")
                        .replace("format: A4", "format: Letter"))
    dest = tmp_path / "loa.pdf"
    run(loa, args(dest, template=str(template)))
    text, _ = pdf_text(dest)
    assert "ACME LETTER OF AGENCY" in text
    page = pypdf.PdfReader(str(dest)).pages[0]
    assert round(float(page.mediabox.width)) == 612  # US Letter, 8.5 in


def test_unicode_needs_a_ttf_font(tmp_path, run):
    res = run(loa, args(tmp_path / "loa.pdf", signatory="Łukasz Żółw"))
    assert res["failed"] and "TrueType font" in res["msg"]
    font = pathlib.Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
    if not font.exists():
        pytest.skip("no DejaVu font here")
    template = tmp_path / "unicode.yml"
    template.write_text((ROOT / "files" / "loa" / "default.yml").read_text()
                        .replace("  family: helvetica", "  file: %s" % font))
    a, b = tmp_path / "a.pdf", tmp_path / "b.pdf"
    run(loa, args(a, template=str(template), signatory="Łukasz Żółw"))
    run(loa, args(b, template=str(template), signatory="Łukasz Żółw"))
    assert "Łukasz Żółw" in pdf_text(a)[0]
    assert a.read_bytes() == b.read_bytes()


def test_bad_input_is_refused(tmp_path, run):
    res = run(loa, args(tmp_path / "x.pdf", prefixes=["192.0.2.1/24"]))
    assert res["failed"] and "is not a prefix" in res["msg"]
    res = run(loa, args(tmp_path / "x.pdf", provider_asn="ASX"))
    assert res["failed"] and "provider_asn" in res["msg"]
    res = run(loa, args(tmp_path / "x.pdf", holder="Evil\nLine"))
    assert res["failed"] and "one line" in res["msg"]
    template = tmp_path / "bad.yml"
    template.write_text("blocks:\n  - {text: 'Dear {customer}'}\n")
    res = run(loa, args(tmp_path / "x.pdf", template=str(template)))
    assert res["failed"] and "{customer}" in res["msg"] and "known placeholders" in res["msg"]


def test_default_template_file_matches_builtin():
    assert (ROOT / "files" / "loa" / "default.yml").read_text() == loa_utils.DEFAULT_TEMPLATE_YAML

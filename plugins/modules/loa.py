#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: contributors to anycast.network
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: loa
short_description: Write a Letter of Authorization (LOA) for an upstream provider as a PDF
version_added: "1.0.0"
description:
  - Writes one PDF letter by which the resource holder authorises an upstream provider (by name and ASN) to
    announce the holder's prefixes with the holder's origin AS, and its transit providers to accept them.
  - The letter names the resource holder, the origin AS, the prefixes, the authorised provider and its ASN, the
    signatory, a contact, the date of issue and the validity.
  - The layout and wording come from a template users can brand (text, styles, page, font, logo); see
    C(files/loa/default.yml) in the collection.
  - The same input gives the same file, byte for byte (the PDF's dates are the date of issue, no random IDs), so
    a re-run reports no change. When O(issue_date) is not set, the date of issue of an existing letter with the
    same content is kept until it is within O(renew_before_days) of its end; then, or when the content changes,
    the letter is issued again with today's date.
author:
  - anycast.network developers (@anycast-network)
options:
  dest:
    description: Path of the PDF file to write.
    type: path
    required: true
  template:
    description:
      - Path of a YAML LOA template. The default is the collection's C(files/loa/default.yml).
      - Relative logo and font paths in the template are relative to the template's directory.
    type: path
  holder:
    description: The resource holder's legal name, as registered with the RIR.
    type: str
    required: true
  holder_address:
    description: Lines of the holder's postal address.
    type: list
    elements: str
    default: []
  asn:
    description: The origin AS of the prefixes, as C(AS64500) or C(64500).
    type: str
    required: true
  prefixes:
    description: The prefixes the provider may announce.
    type: list
    elements: str
    required: true
  provider_name:
    description: The authorised provider's legal name.
    type: str
    required: true
  provider_asn:
    description: The authorised provider's AS number.
    type: str
    required: true
  pops:
    description: Points of presence the provider serves (listed in the letter for reference).
    type: list
    elements: str
    default: []
  signatory:
    description: Name and title of the person who signs.
    type: str
    required: true
  contact:
    description:
      - E-mail address or telephone number for questions about the letter.
      - Without it the letter has no contact line.
    type: str
    default: ""
  validity_days:
    description: How many days the letter is valid from its date of issue.
    type: int
    default: 365
  issue_date:
    description:
      - The date of issue, as YYYY-MM-DD. By default the date of issue of the existing letter when its content is
        unchanged and it is not close to its end, else today.
    type: str
  renew_before_days:
    description: Issue the letter again when it ends within this many days.
    type: int
    default: 30
extends_documentation_fragment:
  - ansible.builtin.files
attributes:
  check_mode:
    description: Can run in check mode and report what would change without changing it.
    support: full
  diff_mode:
    description: Returns details of what changed (or would change in check mode) when run in diff mode.
    support: full
    details:
      - The diff shows the letter's text before and after.
  idempotent:
    description: Run twice in a row with the same arguments, outside check mode, the second run reports no change.
    support: full
seealso:
  - module: anycast.network.irr_route
"""

EXAMPLES = r"""
- name: Write the LOA for Vultr
  anycast.network.loa:
    dest: loa/loa-vultr-as20473.pdf
    holder: Example Networks Ltd
    asn: AS64496
    prefixes: [192.0.2.0/24, "2001:db8:100::/48"]
    provider_name: Vultr (The Constant Company, LLC)
    provider_asn: AS20473
    pops: [ams, lhr]
    signatory: Jane Doe, Network Operations
    contact: noc@example.com
    validity_days: 365

- name: Same, on the company's own letterhead
  anycast.network.loa:
    dest: loa/loa-vultr-as20473.pdf
    template: branding/loa.yml
    holder: Example Networks Ltd
    holder_address: [1 Example Street, Amsterdam, NL]
    asn: AS64496
    prefixes: [192.0.2.0/24]
    provider_name: Vultr (The Constant Company, LLC)
    provider_asn: AS20473
    signatory: Jane Doe, Network Operations
    contact: noc@example.com
"""

RETURN = r"""
dest:
  description: The PDF file.
  returned: always
  type: str
  sample: loa/loa-vultr-as20473.pdf
issue_date:
  description: The letter's date of issue.
  returned: always
  type: str
  sample: "2026-11-22"
valid_until:
  description: The last day of validity.
  returned: always
  type: str
  sample: "2027-11-22"
sha256:
  description: SHA-256 of the PDF.
  returned: always
  type: str
text:
  description: The letter's text.
  returned: always
  type: str
"""

import datetime
import hashlib
import os
import tempfile

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.anycast.network.plugins.module_utils.registry.loa import (
    LoaError,
    build_fields,
    build_pdf,
    decode_fields,
    letter_text,
    load_template,
    same_letter,
)


def choose_issue_date(params, existing_fields, today):
    if params["issue_date"]:
        return params["issue_date"]
    if not existing_fields:
        return today.isoformat()
    probe = build_fields(issue_date=existing_fields.get("issue_date", today.isoformat()), **_field_args(params))
    try:
        ends = datetime.date.fromisoformat(existing_fields["valid_until"])
    except (KeyError, ValueError):
        return today.isoformat()
    if same_letter(existing_fields, probe) and (ends - today).days > params["renew_before_days"]:
        return existing_fields["issue_date"]
    return today.isoformat()


def _field_args(params):
    return dict(holder=params["holder"], asn=params["asn"], prefixes=params["prefixes"],
                provider_name=params["provider_name"], provider_asn=params["provider_asn"],
                signatory=params["signatory"], contact=params["contact"], validity_days=params["validity_days"],
                holder_address=params["holder_address"], pops=params["pops"])


def main():
    module = AnsibleModule(
        argument_spec=dict(
            dest=dict(type="path", required=True),
            template=dict(type="path"),
            holder=dict(type="str", required=True),
            holder_address=dict(type="list", elements="str", default=[]),
            asn=dict(type="str", required=True),
            prefixes=dict(type="list", elements="str", required=True),
            provider_name=dict(type="str", required=True),
            provider_asn=dict(type="str", required=True),
            pops=dict(type="list", elements="str", default=[]),
            signatory=dict(type="str", required=True),
            contact=dict(type="str", default=""),
            validity_days=dict(type="int", default=365),
            issue_date=dict(type="str"),
            renew_before_days=dict(type="int", default=30),
        ),
        add_file_common_args=True,
        supports_check_mode=True,
    )
    params = module.params
    dest = params["dest"]
    try:
        template = load_template(params["template"])
        old_bytes = None
        if os.path.exists(dest):
            with open(dest, "rb") as handle:
                old_bytes = handle.read()
        old_fields = decode_fields(old_bytes)
        issue_date = choose_issue_date(params, old_fields, datetime.date.today())
        fields = build_fields(issue_date=issue_date, **_field_args(params))
        template_dir = os.path.dirname(os.path.abspath(params["template"])) if params["template"] else None
        new_bytes = build_pdf(template, fields, template_dir=template_dir)
        text = letter_text(template, fields)
        before_text = ""
        if old_fields:
            try:
                before_text = letter_text(template, old_fields)
            except (LoaError, KeyError):
                before_text = "(a letter this template cannot show)\n"
        elif old_bytes is not None:
            before_text = "(a PDF not written by this module)\n"
    except LoaError as exc:
        module.fail_json(msg=exc.msg)

    changed = old_bytes != new_bytes
    if changed and not module.check_mode:
        directory = os.path.dirname(os.path.abspath(dest))
        if not os.path.isdir(directory):
            module.fail_json(msg="the directory of dest does not exist: %s" % directory)
        fd, tmp = tempfile.mkstemp(prefix=".loa-", suffix=".pdf", dir=directory)
        with os.fdopen(fd, "wb") as handle:
            handle.write(new_bytes)
        module.atomic_move(tmp, dest)

    file_args = module.load_file_common_arguments(params)
    if os.path.exists(dest):
        changed = module.set_fs_attributes_if_different(file_args, changed)

    result = dict(changed=changed, dest=dest, issue_date=fields["issue_date"], valid_until=fields["valid_until"],
                  sha256=hashlib.sha256(new_bytes).hexdigest(), text=text)
    if module._diff:
        result["diff"] = dict(before=before_text, after=text,
                              before_header="%s (letter text)" % dest, after_header="%s (letter text)" % dest)
    module.exit_json(**result)


if __name__ == "__main__":
    main()

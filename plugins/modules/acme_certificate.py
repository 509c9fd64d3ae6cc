#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: contributors to the anycast.network collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: acme_certificate
short_description: One ACME certificate per hostname set, shared by every instance of the network
version_added: "1.2.0"
description:
  - Decides whether the network's certificate for a set of hostnames must be ordered, and orders it from an ACME CA
    (RFC 8555) in two steps, so that the HTTP-01 challenge can be answered on every instance in between.
  - With O(step=plan), reads the certificates the instances hold (O(held)), keeps the newest one that names exactly
    O(hostnames) and matches its key, and orders a new one only when none does or renewal is due (less than
    O(renew_fraction) of its lifetime left, or the CA's ARI renewal window has opened). When an order is needed it
    creates it and returns the challenges to place on the instances and the O(order) data for the second step.
  - With O(step=finish), answers the challenges of O(order), waits for the CA's validation, finalizes the order and
    returns the certificate chain.
  - Runs where the ACME client library is, normally on the controller, once per run (C(run_once)).
author:
  - anycast.network developers (@anycast-network)
requirements:
  - acme >= 3.0 and josepy (Python, where the module runs)
  - cryptography
options:
  step:
    description:
      - V(plan) decides and, when due, creates the order; V(finish) completes an order created by V(plan).
    type: str
    choices: [plan, finish]
    default: plan
  directory:
    description:
      - The ACME directory URL.
    type: str
    required: true
  hostnames:
    description:
      - The certificate's names (its exact identifier set).
    type: list
    elements: str
    required: true
  email:
    description:
      - Contact address of the ACME account.
    type: str
  account_key:
    description:
      - The ACME account's private key (PEM). When empty, O(step=plan) makes one and returns it in RV(account_key),
        to be kept with the certificate.
    type: str
  ca_root:
    description:
      - The CA certificate(s) that sign the ACME directory's own HTTPS certificate (PEM text or a path), when it is
        not a publicly trusted one (a lab CA).
    type: str
  held:
    description:
      - The certificates the instances hold, as read back from them.
    type: list
    elements: dict
    default: []
    suboptions:
      instance:
        description: The instance it was read from.
        type: str
      certificate:
        description: The certificate chain (PEM), possibly with the key in the same text.
        type: str
      private_key:
        description: Its private key (PEM).
        type: str
  renew_fraction:
    description:
      - Renew when less than this fraction of the certificate's lifetime is left.
    type: float
    default: 0.3333
  use_ari:
    description:
      - Ask the CA's renewal information (ARI, RFC 9773) for an earlier renewal window, when it offers one.
    type: bool
    default: true
  force:
    description:
      - Order a new certificate whatever the held one is worth.
    type: bool
    default: false
  order:
    description:
      - With O(step=finish), RV(order) of the V(plan) step. It holds the new private key, so run the task with
        C(no_log).
    type: dict
  timeout:
    description:
      - Seconds to wait for the CA's validation and issuance.
    type: int
    default: 90
attributes:
  check_mode:
    support: full
    description: The decision is made (RV(renew), RV(reason)) but no order is created.
  diff_mode:
    support: none
    description: No diff is returned (nothing but secrets would differ).
  platform:
    support: full
    platforms: posix
    description: Runs where the C(acme) library is, normally the controller (C(delegate_to) C(localhost)).
notes:
  - Every returned key is a secret, so run the task with C(no_log) and write the values with C(no_log).
  - A secret given as an option (O(account_key), the held keys) is never returned, since the caller already has it.
"""

EXAMPLES = r"""
- name: Decide, and order when due (once per run, on the controller)
  anycast.network.acme_certificate:
    directory: https://acme-v02.api.letsencrypt.org/directory
    hostnames: [www.example.net]
    account_key: "{{ held_account_key | default(omit) }}"
    held: "{{ held_certificates }}"
  delegate_to: localhost
  run_once: true
  no_log: true
  register: plan

- name: Complete the order once the challenges are on every instance
  anycast.network.acme_certificate:
    step: finish
    directory: https://acme-v02.api.letsencrypt.org/directory
    hostnames: [www.example.net]
    account_key: "{{ plan.account_key | default(held_account_key) }}"
    order: "{{ plan.order }}"
  delegate_to: localhost
  run_once: true
  no_log: true
  when: plan.renew
"""

RETURN = r"""
renew:
  description: Whether a new certificate is (or, in check mode, would be) ordered.
  returned: always
  type: bool
reason:
  description: Why (no certificate, names differ, a third of its lifetime left, ARI window, valid until ...).
  returned: always
  type: str
source:
  description: The instance whose certificate was kept (step plan, nothing due).
  returned: success
  type: str
not_after:
  description: Expiry of the certificate kept or issued (ISO 8601).
  returned: success
  type: str
certificate:
  description: The certificate chain (PEM) to install on every instance.
  returned: when a certificate is kept or issued
  type: str
source_index:
  description: The index in O(held) of the certificate kept (its key is that entry's).
  returned: step plan, when a held certificate is kept
  type: int
private_key:
  description: The new certificate's private key (PEM). A secret.
  returned: step finish
  type: str
account_key:
  description: The ACME account key made for this order (PEM), when O(account_key) was empty. A secret.
  returned: when made
  type: str
challenges:
  description: The HTTP-01 challenges to answer on every instance (path under the web root, content).
  returned: step plan, when an order is created
  type: list
  elements: dict
order:
  description: What the finish step needs (the order and the new private key).
  returned: step plan, when an order is created
  type: dict
"""

import datetime
import os
import tempfile

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.anycast.network.plugins.module_utils.acme import renewal
from ansible_collections.anycast.network.plugins.module_utils.acme.client import (
    ACME_IMPORT_ERROR,
    HAS_ACME,
    AcmeClientError,
    AcmeService,
    new_key_pem,
)


def argument_spec():
    return dict(
        step=dict(type="str", choices=["plan", "finish"], default="plan"),
        directory=dict(type="str", required=True),
        hostnames=dict(type="list", elements="str", required=True),
        email=dict(type="str"),
        account_key=dict(type="str", no_log=True),
        ca_root=dict(type="str"),
        held=dict(type="list", elements="dict", default=[], options=dict(
            instance=dict(type="str"),
            certificate=dict(type="str"),
            private_key=dict(type="str", no_log=True))),
        renew_fraction=dict(type="float", default=0.3333),
        use_ari=dict(type="bool", default=True),
        force=dict(type="bool", default=False),
        # Holds the new private key: the tasks that pass it run with no_log (it cannot be an option's no_log, or the
        # key would come back masked in the certificate's result).
        order=dict(type="dict", no_log=False),
        timeout=dict(type="int", default=90),
    )


def _ca_bundle(module, value):
    if not value:
        return None
    if "BEGIN CERTIFICATE" not in value:
        return value
    handle, path = tempfile.mkstemp(suffix=".pem")
    with os.fdopen(handle, "w") as out:
        out.write(value)
    module.add_cleanup_file(path)
    return path


def _now():
    """The clock the renewal decision reads (one place, so a test can move it)."""
    return datetime.datetime.now(datetime.timezone.utc)


def run(module):
    p = module.params
    now = _now()
    account_key = p["account_key"] or new_key_pem()
    # A secret that came in as an option would come back masked: only a key made here is returned.
    result = dict(changed=False, renew=False)
    if not p["account_key"]:
        result["account_key"] = account_key

    def service():
        return AcmeService(p["directory"], account_key, email=p["email"], ca_bundle=_ca_bundle(module, p["ca_root"]))

    if p["step"] == "finish":
        if not p["order"] or not p["order"].get("order"):
            module.fail_json(msg="step=finish needs the order returned by step=plan")
        result.update(renew=True, reason="ordered", changed=True)
        if module.check_mode:
            return result
        chain = service().finish(p["order"]["order"], deadline_seconds=p["timeout"])
        issued = renewal.leaf(chain)
        # Only what the CA could get wrong is checked here: the names and the key (not the clock).
        done = renewal.status(chain, p["hostnames"], issued.not_valid_before_utc, key_pem=p["order"]["private_key"])
        if done["reason"].startswith(("names", "the private key")):
            module.fail_json(msg="the CA issued a certificate that does not fit: %s" % done["reason"], **result)
        result.update(certificate=chain, private_key=p["order"]["private_key"], not_after=done["not_after"])
        return result

    kept, found = renewal.choose(p["held"], p["hostnames"], now, renew_fraction=p["renew_fraction"])
    if kept is not None and not found["due"] and p["use_ari"] and not module.check_mode:
        window = service().renewal_window_start(kept["certificate"])
        if window is not None:
            found = renewal.status(kept["certificate"], p["hostnames"], now, renew_fraction=p["renew_fraction"],
                                   ari_start=window)
    due = found["due"] or p["force"]
    result.update(renew=due, reason="forced" if p["force"] and not found["due"] else found["reason"])
    if kept is not None:
        # The chain only: a text that held the key (a no_log option) would come back masked.
        result.update(source=kept.get("instance") or "", source_index=p["held"].index(kept),
                      not_after=found["not_after"], certificate=renewal.certificates(kept["certificate"]))
    if not due:
        return result
    result["changed"] = True
    if module.check_mode:
        return result
    begun = service().begin(p["hostnames"])
    result.update(challenges=begun["challenges"], order={"order": begun["order"], "private_key": begun["private_key"]})
    return result


def main():
    module = AnsibleModule(argument_spec=argument_spec(), supports_check_mode=True)
    if not HAS_ACME:
        module.fail_json(msg=missing_required_lib("acme"), exception=str(ACME_IMPORT_ERROR))
    if not renewal.HAS_CRYPTOGRAPHY:
        module.fail_json(msg=missing_required_lib("cryptography"))
    try:
        module.exit_json(**run(module))
    except AcmeClientError as exc:
        module.fail_json(msg=str(exc))


if __name__ == "__main__":
    main()

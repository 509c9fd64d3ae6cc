#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: contributors to anycast.network
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: irr_route
short_description: Ensure route and route6 objects in a routing registry (RIPE Database or IRRd)
version_added: "1.0.0"
description:
  - Makes sure a C(route) (IPv4) or C(route6) (IPv6) object exists, or does not, for each prefix and origin AS,
    with the wanted maintainers, description and source.
  - Transit providers build their customer prefix filters from these objects (for example with bgpq4), so they
    must exist before a prefix is announced.
  - Two backends share this interface, see O(backend).
  - Attributes the module does not manage (C(remarks), C(notify), C(mnt-routes), ...) are kept when an object is
    updated.
  - With O(backend=ripe), check mode sends each change with C(dry-run), so the RIPE Database checks syntax and
    authorisation without storing anything. IRRd has no dry run; in check mode nothing is sent to it.
author:
  - anycast.network developers (@anycast-network)
options:
  prefixes:
    description: The prefixes, IPv4 and IPv6 mixed. Host bits must be zero.
    type: list
    elements: str
    required: true
  origin:
    description: The origin AS, as C(AS64500) or C(64500).
    type: str
    required: true
  mnt_by:
    description:
      - Maintainers of the objects (C(mnt-by)). Required with O(state=present).
    type: list
    elements: str
  descr:
    description:
      - One line of description (C(descr)). When not set, an existing C(descr) is left as it is.
    type: str
  state:
    description: Whether the objects should exist.
    type: str
    choices: [present, absent]
    default: present
  delete_reason:
    description: The reason recorded with a deletion.
    type: str
    default: removed by anycast.network
extends_documentation_fragment:
  - anycast.network.registry
attributes:
  check_mode:
    description: Can run in check mode and report what would change without changing it.
    support: full
    details:
      - With O(backend=ripe) the RIPE Database validates the change (C(dry-run)); with O(backend=irrd) nothing is sent.
  diff_mode:
    description: Returns details of what changed (or would change in check mode) when run in diff mode.
    support: full
    details:
      - One diff per object, in RPSL.
  idempotent:
    description: Run twice in a row with the same arguments, outside check mode, the second run reports no change.
    support: full
seealso:
  - module: anycast.network.loa
  - name: RIPE Database REST API
    description: How the RIPE Database's REST API takes queries and updates (the ripe backend).
    link: https://docs.db.ripe.net/How-to-Query-the-RIPE-Database/RESTful-API-Queries
  - name: IRRd submitting changes over HTTP
    description: How IRRd takes changes to its objects over HTTP (the irrd backend).
    link: https://irrd.readthedocs.io/en/stable/users/database-changes/
"""

EXAMPLES = r"""
- name: Ensure the RIPE route objects of the anycast prefixes
  anycast.network.irr_route:
    backend: ripe
    source: RIPE
    prefixes: [192.0.2.0/24, "2001:db8:100::/48"]
    origin: AS64496
    mnt_by: [EXAMPLE-MNT]
    descr: Example anycast service
    api_key: "{{ lookup('ansible.builtin.env', 'RIPE_API_KEY') }}"

- name: Try the same against the RIPE TEST database
  anycast.network.irr_route:
    backend: ripe
    source: TEST
    prefixes: [192.0.2.0/24]
    origin: AS64496
    mnt_by: [TEST-DBM-MNT]
    password: "{{ lookup('ansible.builtin.env', 'RIPE_TEST_PASSWORD') }}"

- name: Remove a route6 object from an IRRd registry such as RADB
  anycast.network.irr_route:
    backend: irrd
    url: https://irrd.example.net
    source: RADB
    prefixes: ["2001:db8:100::/48"]
    origin: AS64496
    password: "{{ lookup('ansible.builtin.env', 'RADB_PASSWORD') }}"
    state: absent
"""

RETURN = r"""
routes:
  description: One entry per prefix, in the order given.
  returned: always
  type: list
  elements: dict
  contains:
    prefix:
      description: The prefix, normalised.
      type: str
      sample: 192.0.2.0/24
    object_class:
      description: C(route) or C(route6).
      type: str
      sample: route
    key:
      description: The object's primary key (prefix and origin).
      type: str
      sample: 192.0.2.0/24AS64496
    action:
      description: What was done (or, in check mode, would be done).
      type: str
      choices: [created, updated, deleted, unchanged, absent]
      sample: created
    changed_attributes:
      description: The managed attributes that differed, for an update.
      type: list
      elements: str
      sample: [descr, mnt-by]
    object:
      description: The object in RPSL after the change (empty when it does not exist).
      type: str
      sample: "route:  192.0.2.0/24\norigin: AS64496\nmnt-by: EXAMPLE-MNT\nsource: RIPE\n"
backend:
  description: The backend used and, for the RIPE Database, how the module authenticated.
  returned: always
  type: dict
  sample: {name: ripe, url: https://rest.db.ripe.net, source: RIPE, auth: api_key}
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.anycast.network.plugins.module_utils.registry.common import (
    RegistryError,
    RouteObject,
    check_free_text,
    check_name,
    normalize_origin,
    normalize_prefix,
)
from ansible_collections.anycast.network.plugins.module_utils.registry.irrd import IrrdBackend
from ansible_collections.anycast.network.plugins.module_utils.registry.ripe import RipeBackend


def registry_argument_spec():
    return dict(
        backend=dict(type="str", required=True, choices=["ripe", "irrd"]),
        url=dict(type="str"),
        source=dict(type="str", required=True),
        api_key=dict(type="str", no_log=True),
        password=dict(type="str", no_log=True),
        timeout=dict(type="int", default=30),
        retries=dict(type="int", default=4),
        validate_certs=dict(type="bool", default=True),
    )


def make_backend(params):
    source = check_name(params["source"], "source")
    common = dict(timeout=params["timeout"], retries=params["retries"], validate_certs=params["validate_certs"])
    if params["backend"] == "ripe":
        return RipeBackend(source, url=params["url"], api_key=params["api_key"], password=params["password"], **common)
    return IrrdBackend(source, url=params["url"], password=params["password"], api_key=params["api_key"], **common)


def ensure(backend, params, check_mode):
    """Bring every prefix's object to the wanted state. Returns (changed, routes, diffs)."""
    state = params["state"]
    origin = normalize_origin(params["origin"])
    descr = check_free_text(params["descr"], "descr")
    mnt_by = [check_name(m, "mnt_by") for m in params["mnt_by"] or []]
    if state == "present" and not mnt_by:
        raise RegistryError("mnt_by is required to create route objects")
    managed = set(backend.managed)
    if descr is None:
        managed.discard("descr")
    # The RIPE Database checks a dry run (syntax, authorisation); without a credential there is nothing to check.
    can_dry_run = backend.name == "ripe" and getattr(backend, "auth_method", None) is not None
    skip_remote = check_mode and not can_dry_run

    prefixes = []
    for prefix in params["prefixes"]:
        object_class, normalized = normalize_prefix(prefix)
        if normalized not in [p for dummy, p in prefixes]:
            prefixes.append((object_class, normalized))

    changed = False
    routes, diffs = [], []
    for object_class, prefix in prefixes:
        desired = RouteObject.desired(prefix, origin, mnt_by, backend.source, descr=[descr] if descr else None)
        current = backend.get(object_class, desired.key)
        before = current.without_generated().text() if current else ""
        entry = dict(prefix=prefix, object_class=object_class, key=desired.key, changed_attributes=[])
        if state == "present":
            if current is None:
                result = desired if skip_remote else backend.create(desired, dry_run=check_mode)
                entry["action"] = "created"
                after = result.without_generated().text()
            else:
                diff_names = current.differs(desired, managed)
                if diff_names:
                    wanted = current.merged_with(desired, managed)
                    result = wanted if skip_remote else backend.update(wanted, dry_run=check_mode)
                    entry.update(action="updated", changed_attributes=diff_names)
                    after = result.without_generated().text()
                else:
                    entry["action"] = "unchanged"
                    after = before
        else:
            if current is None:
                entry["action"] = "absent"
                after = ""
            else:
                if not skip_remote:
                    backend.delete(current.without_generated(), dry_run=check_mode, reason=params["delete_reason"])
                entry["action"] = "deleted"
                after = ""
        entry["object"] = after
        if entry["action"] in ("created", "updated", "deleted"):
            changed = True
            diffs.append(dict(before=before, after=after,
                              before_header="%s %s %s (%s)" % (backend.name, object_class, desired.key, backend.source),
                              after_header="%s %s %s (%s)" % (backend.name, object_class, desired.key, backend.source)))
        routes.append(entry)
    return changed, routes, diffs


def main():
    argument_spec = registry_argument_spec()
    argument_spec.update(
        prefixes=dict(type="list", elements="str", required=True),
        origin=dict(type="str", required=True),
        mnt_by=dict(type="list", elements="str"),
        descr=dict(type="str"),
        state=dict(type="str", default="present", choices=["present", "absent"]),
        delete_reason=dict(type="str", default="removed by anycast.network"),
    )
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True,
                           required_if=[("state", "present", ["mnt_by"])])
    params = module.params
    info = dict(name=params["backend"], source=(params["source"] or "").upper())
    try:
        check_free_text(params["delete_reason"], "delete_reason")
        backend = make_backend(params)
        info.update(url=backend.url)
        if backend.name == "ripe":
            info["auth"] = backend.auth_method or "none"
            if backend.auth_method == "password":
                module.warn("Authenticating to the RIPE Database with the maintainer's MD5 password: the RIPE NCC is "
                            "removing password authentication, use an API key (api_key).")
        if module.check_mode and params["backend"] == "irrd":
            info["check_mode"] = "IRRd has no dry run: changes were computed, nothing was sent"
        elif module.check_mode and backend.auth_method is None:
            info["check_mode"] = "no credential: changes were computed, the RIPE Database did not check them"
            module.warn("No RIPE Database credential (api_key or password): check mode computed the changes without "
                        "a dry run; a real run would fail.")
        changed, routes, diffs = ensure(backend, params, module.check_mode)
    except RegistryError as exc:
        module.fail_json(msg=exc.msg, status=exc.status, errors=exc.details, backend=info)
    for warning in backend.warnings:
        module.warn("%s: %s" % (backend.name, warning))
    result = dict(changed=changed, routes=routes, backend=info)
    if module._diff:
        result["diff"] = diffs
    module.exit_json(**result)


if __name__ == "__main__":
    main()

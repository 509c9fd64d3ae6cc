# -*- coding: utf-8 -*-
# Copyright: anycast.network contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The base class of the Vultr modules: a module is a declaration over it.

A module subclass declares its resource (``resource_path``, ``result_key``), the field that identifies it
(``key_name``), the options it sends on create (``create_keys``) and compares and updates on an existing one
(``update_keys``), its own options (``module_argument_spec``) and any special step (an override of ``present``,
``run`` or a hook). The base class holds the client, the common options, the look-up by name, create / update /
delete with check mode and diff, and the shape of the result. The same shape as vultr.cloud's ``AnsibleVultr`` and
hetzner.hcloud's ``AnsibleHCloud``.
"""

from __future__ import annotations

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.anycast.network.plugins.module_utils.vultr.client import (
    VultrAPIError,
    client_from_params,
    vultr_argument_spec,
)

# Fields whose content never appears in a diff (they may carry secrets); the diff says that they change.
REDACTED_FIELDS = ("user_data", "default_password")


def redact(data):
    """A copy of ``data`` with the content of REDACTED_FIELDS replaced by its length."""
    if not isinstance(data, dict):
        return data
    return {k: ("<redacted, %d characters>" % len(str(v)) if k in REDACTED_FIELDS and v else v)
            for k, v in data.items()}


def same(current, wanted):
    """Equal, lists compared as sets of their text (the API does not keep the order of tags)."""
    if isinstance(wanted, list) and isinstance(current, list):
        return sorted(map(str, current)) == sorted(map(str, wanted))
    return current == wanted


class AnsibleVultr:
    """One kind of Vultr resource, managed by name; subclasses declare what differs."""

    # ---------------------------------------------------------------- declarations
    namespace = None  # key of the result that holds the resource, e.g. "vultr_ssh_key"
    resource_path = None  # e.g. "/ssh-keys"
    result_key = None  # key of one resource in the API's answers, e.g. "ssh_key"
    result_key_plural = None  # key of a list; default: result_key + "s"
    resource_name = None  # for messages and diff headers; default: result_key with spaces
    key_name = "name"  # the field (and option) that identifies a resource
    key_id = "id"
    create_keys = ()  # options sent when creating
    update_keys = ()  # options compared on an existing resource and sent when they differ
    update_method = "PATCH"
    get_details = False  # the list leaves fields out: read the resource whole before comparing
    module_options = {}  # further AnsibleModule arguments (required_if, mutually_exclusive)

    @classmethod
    def module_argument_spec(cls):
        """The module's own options (added to the common ones)."""
        return {}

    @classmethod
    def argument_spec(cls):
        spec = vultr_argument_spec()
        spec.update(cls.module_argument_spec())
        return spec

    def __init__(self, module, client=None):
        self.module = module
        self.params = module.params
        self.check_mode = module.check_mode
        self.client = client or client_from_params(module.params)
        self.diffs = []
        self.result = {"changed": False}
        if self.namespace:
            self.result[self.namespace] = {}

    # ---------------------------------------------------------------- hooks
    @property
    def plural(self):
        return self.result_key_plural or self.result_key + "s"

    @property
    def what(self):
        return self.resource_name or self.result_key.replace("_", " ")

    def header(self, resource=None):
        name = (resource or {}).get(self.key_name) or self.params.get(self.key_name)
        return "%s %s" % (self.what, name)

    def wanted(self, keys):
        """The options of ``keys`` that are set, as the resource would hold them."""
        return {k: self.params[k] for k in keys if self.params.get(k) is not None}

    def create_data(self):
        """What a new resource is made of (in the resource's own terms, before ``to_api``)."""
        return self.wanted(self.create_keys)

    def to_api(self, data):
        """Encode fields for the API (for example base64)."""
        return dict(data)

    def transform_resource(self, resource):
        """Decode a resource read from the API into the terms the module compares and returns."""
        return resource

    def transform_result(self, resource):
        """The resource as the module returns it."""
        return resource

    def path(self, resource):
        return "%s/%s" % (self.resource_path, resource[self.key_id])

    # ---------------------------------------------------------------- queries
    def query_list(self, params=None):
        return self.client.list(self.resource_path, self.plural, params=params)

    def find(self):
        """The resources of the account whose identifying field equals the option (as the API lists them)."""
        value = self.params.get(self.key_name)
        return [item for item in self.query_list() if item.get(self.key_name) == value]

    def find_one(self):
        found = self.find()
        return found[0] if found else None

    def query(self):
        """The one resource named by the options (decoded), None if there is none; fails if there are more."""
        found = self.find()
        if len(found) > 1:
            self.module.fail_json(
                msg="%d %ss have the %s %s: refusing to guess which one is meant; remove the extra ones first"
                % (len(found), self.what, self.key_name, self.params.get(self.key_name)),
                **{self.plural: [self.transform_result(self.transform_resource(r)) for r in found]}
            )
        if not found:
            return None
        resource = found[0]
        if self.get_details:
            resource = self.client.get(self.path(resource), self.result_key) or resource
        return self.transform_resource(resource)

    # ---------------------------------------------------------------- changes, with check mode and diff
    def mark_changed(self):
        self.result["changed"] = True

    def record_diff(self, before, after, header):
        self.diffs.append({"before": redact(before), "after": redact(after),
                           "before_header": header, "after_header": header})

    def create(self, data=None, header=None, find=None):
        """Create the resource (in check mode: return the planned one, without an ID)."""
        data = self.create_data() if data is None else data
        self.record_diff({}, dict(data), header or self.header(data))
        self.mark_changed()
        if self.check_mode:
            planned = dict(data)
            planned.setdefault(self.key_id, None)
            return planned
        created = self.client.create(self.resource_path, self.result_key, self.to_api(data),
                                     find=find or self.find_one)
        return self.transform_resource(created)

    def update(self, resource, wanted=None, header=None):
        """Send the fields of ``wanted`` that differ from ``resource``; returns the resource after."""
        wanted = self.wanted(self.update_keys) if wanted is None else wanted
        changes = {k: v for k, v in wanted.items() if not same(resource.get(k), v)}
        if not changes:
            return resource
        after = dict(resource)
        after.update(changes)
        self.record_diff({k: resource.get(k) for k in changes}, changes, header or self.header(resource))
        self.mark_changed()
        if self.check_mode:
            return after
        fresh = self.client.update(self.path(resource), self.result_key, self.to_api(changes),
                                   method=self.update_method)
        if fresh is None:
            fresh = self.client.get(self.path(resource), self.result_key)
        return self.transform_resource(fresh) if fresh is not None else after

    def delete(self, resource, header=None):
        """Remove the resource (a 404 counts as already gone)."""
        self.record_diff(self.transform_result(resource), {}, header or self.header(resource))
        self.mark_changed()
        if not self.check_mode:
            self.client.delete(self.path(resource))

    def action(self, resource, name, before, after, header=None):
        """POST an action of the resource (``start``, ``halt``)."""
        self.record_diff(before, after, header or self.header(resource))
        self.mark_changed()
        if not self.check_mode:
            self.client.action("%s/%s" % (self.path(resource), name))

    # ---------------------------------------------------------------- states
    def present(self):
        resource = self.query()
        if resource is None:
            return self.create()
        return self.update(resource)

    def absent(self):
        resource = self.query()
        if resource is not None:
            self.delete(resource)
        return None

    def run(self):
        """Bring the resource to the option ``state`` and return the module's result."""
        resource = getattr(self, self.params.get("state") or "present")()
        self.result[self.namespace] = self.transform_result(resource) if resource else {}
        return self.get_result()

    def get_result(self):
        self.result["diff"] = self.diffs
        return self.result

    # ---------------------------------------------------------------- the module
    @classmethod
    def run_module(cls):
        """The ``main()`` of a module: parse the options, run, exit with the result."""
        module = AnsibleModule(argument_spec=cls.argument_spec(), supports_check_mode=True, **cls.module_options)
        try:
            result = cls(module).run()
        except VultrAPIError as exc:
            module.fail_json(msg=str(exc), status=exc.status)
        module.exit_json(**result)

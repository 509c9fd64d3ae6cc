# -*- coding: utf-8 -*-
# Copyright: anycast.network contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Instance options and request bodies shared by vultr_instance and vultr_pop."""

from __future__ import annotations

from ansible_collections.anycast.network.plugins.module_utils.vultr.client import b64


def instance_spec():
    """Options describing how an instance is built (documented in each module)."""
    return dict(
        region=dict(type="str"),
        plan=dict(type="str"),
        os_id=dict(type="int"),
        image_id=dict(type="str"),
        ssh_keys=dict(type="list", elements="str", default=[], no_log=False),
        startup_script=dict(type="str"),
        user_data=dict(type="str"),
        enable_ipv6=dict(type="bool", default=True),
        tags=dict(type="list", elements="str", default=[]),
        wait=dict(type="bool", default=True),
        wait_timeout=dict(type="float", default=900),
        poll_interval=dict(type="float", default=5),
    )


def missing_create_options(params):
    """The options a new instance needs that are not set."""
    missing = [k for k in ("region", "plan") if not params.get(k)]
    if params.get("os_id") is None and not params.get("image_id"):
        missing.append("os_id or image_id")
    return missing


def build_create_body(client, params, label, tags, hostname=None):
    """The POST /instances body for one instance; names are resolved to IDs through the API."""
    body = {
        "region": params["region"],
        "plan": params["plan"],
        "label": label,
        "hostname": hostname or label,
        "tags": list(tags),
        "enable_ipv6": bool(params.get("enable_ipv6")),
    }
    if params.get("os_id") is not None:
        body["os_id"] = params["os_id"]
    if params.get("image_id"):
        body["image_id"] = params["image_id"]
    keys = client.ssh_key_ids(params.get("ssh_keys") or [])
    if keys:
        body["sshkey_id"] = keys
    script = client.startup_script_id(params.get("startup_script"))
    if script:
        body["script_id"] = script
    if params.get("user_data"):
        body["user_data"] = b64(params["user_data"])
    return body


def drift(instance, params):
    """Differences the collection reports but does not repair in place (they need a new instance)."""
    notes = []
    label = instance.get("label")
    if params.get("region") and instance.get("region") not in (None, params["region"]):
        notes.append("%s is in region %s, not %s" % (label, instance.get("region"), params["region"]))
    if params.get("plan") and instance.get("plan") not in (None, params["plan"]):
        notes.append("%s runs plan %s, not %s" % (label, instance.get("plan"), params["plan"]))
    if params.get("os_id") is not None and instance.get("os_id") not in (None, 0, params["os_id"]):
        notes.append("%s runs OS %s, not %s" % (label, instance.get("os_id"), params["os_id"]))
    if params.get("image_id") and instance.get("image_id") not in (None, "", params["image_id"]):
        notes.append("%s runs image %s, not %s" % (label, instance.get("image_id"), params["image_id"]))
    return notes

#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: contributors to the anycast.network collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: route53_geo
short_description: GeoDNS unicast fallback for an anycast hostname in Route53
version_added: "1.0.0"
description:
  - Ensures, for one hostname of a Route53 hosted zone, the default geolocation record (location C(*)) with the
    service's anycast addresses (A and AAAA) and, for each fallback region, a geolocation record with the unicast
    addresses of the PoP chosen for that region (A and AAAA).
  - Each fallback record is tied to a Route53 health check on the PoP's unicast addresses (one check per address,
    combined by a calculated check that is healthy while any instance is), so that when the fallback PoP dies
    Route53 answers that region with the anycast default record again.
  - Records and health checks this module owns are recognised by the prefix O(owner) of their SetIdentifier and
    CallerReference. Owned records of the hostname that are no longer wanted are deleted, and so are owned health
    checks no record of the zone uses any more; nothing else in the zone or the account is ever changed.
  - Everything Route53 would reject (a location with a continent and a country, a subdivision outside the
    United States, unknown continent or country codes, two records for one location, duplicate SetIdentifiers,
    health checks that do not exist, a TTL out of range, records of others that cannot coexist with geolocation
    records) is reported before any change is made.
author:
  - anycast.network developers (@anycast-network)
options:
  zone:
    description:
      - Name of the Route53 public hosted zone, for example C(example.com).
    type: str
    required: true
  hosted_zone_id:
    description:
      - ID of the hosted zone, when several zones share O(zone)'s name.
    type: str
  name:
    description:
      - Hostname inside O(zone) whose A and AAAA records are managed, for example C(www.example.com).
    type: str
    required: true
  state:
    description:
      - V(present) ensures the records; V(absent) deletes every record of O(name) this module owns, and the health
        checks nothing uses any more.
    type: str
    choices: [present, absent]
    default: present
  ttl:
    description:
      - TTL of every record, in seconds (1 to 86400).
      - Resolvers keep a fallback answer for up to the TTL after its PoP has failed; 60 to 300 is advised, and the
        module warns outside 10 to 300.
    type: int
    default: 60
  owner:
    description:
      - Prefix of the SetIdentifier of every record and of the CallerReference of every health check this module
        writes; identifies what it owns. Use one value per network and AWS account (the playbook uses
        C(anycast-<network>)).
    type: str
    default: anycast
  default_addresses:
    description:
      - Anycast addresses of the service (IPv4 and IPv6 mixed); they make the default record.
      - Required with O(state=present).
    type: list
    elements: str
    aliases: [anycast_addresses]
  fallbacks:
    description:
      - Regions sent to a PoP's unicast addresses. Each gives exactly one location (O(fallbacks[].continent), or
        O(fallbacks[].country) with an optional US O(fallbacks[].subdivision)).
    type: list
    elements: dict
    default: []
    suboptions:
      pop:
        description: Name of the PoP serving the region (used in messages and health check names).
        type: str
        required: true
      continent:
        description: Continent code, one of V(AF), V(AN), V(AS), V(EU), V(NA), V(OC), V(SA).
        type: str
      country:
        description: ISO 3166-1 alpha-2 country code, for example V(ZA) or V(BR).
        type: str
      subdivision:
        description: US state code (ISO 3166-2:US, for example V(CA)); only with O(fallbacks[].country=US).
        type: str
      addresses:
        description: Unicast addresses of the PoP's instances (IPv4 and IPv6 mixed).
        type: list
        elements: str
        required: true
      health_check_id:
        description:
          - ID of an existing Route53 health check to use for this region instead of the ones the module
            creates. It must exist.
        type: str
  exclude_addresses:
    description:
      - Unicast addresses of instances that are leaving (a PoP scaled down or removed, a host taken out). They are
        taken out of every fallback of O(fallbacks), so no record and no health check points at them any more; a
        fallback left with no address is dropped and its region gets the default record.
      - The decommission plays pass the addresses of the instances they are about to drain, before draining them.
    type: list
    elements: str
    default: []
    version_added: "1.1.0"
  health_check:
    description:
      - The health checks created on each fallback unicast address.
    type: dict
    default: {}
    suboptions:
      enabled:
        description:
          - Create health checks. Without them a dead fallback PoP keeps its region (not advised).
        type: bool
        default: true
      protocol:
        description: Protocol of the check.
        type: str
        choices: [http, https, tcp]
        default: http
      port:
        description: Port checked; 80 for http and tcp, 443 for https when not set.
        type: int
      path:
        description: Path requested by http and https checks (a 2xx or 3xx answer within 4 s is healthy).
        type: str
      fqdn:
        description:
          - Host name sent in the Host header (and as SNI for https). Without it Route53 sends the IP address.
        type: str
      request_interval:
        description: Seconds between checks from each Route53 checker region.
        type: int
        choices: [10, 30]
        default: 30
      failure_threshold:
        description: Consecutive failures (or successes) that change the status, 1 to 10.
        type: int
        default: 3
  wait:
    description:
      - Wait until the change is INSYNC on all Route53 name servers (and only then delete unused health checks).
    type: bool
    default: true
  wait_timeout:
    description: Seconds to wait for INSYNC.
    type: int
    default: 300
extends_documentation_fragment:
  - anycast.network.aws
attributes:
  check_mode:
    support: full
    description: Reports the records and health checks it would create, change and delete, and changes nothing.
  diff_mode:
    support: full
    description: Shows the owned records and health checks before and after.
  platform:
    support: full
    platforms: posix
    description: Runs on the controller (C(localhost)).
seealso:
  - name: Route53 geolocation routing
    description: How Route53 picks a geolocation record, and the default record.
    link: https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/routing-policy-geo.html
"""

EXAMPLES = r"""
- name: Send South America to New York's unicast addresses, everyone else to anycast
  anycast.network.route53_geo:
    zone: example.com
    name: www.example.com
    ttl: 60
    owner: anycast-example
    default_addresses: [192.0.2.80, "2001:db8:100::80"]
    fallbacks:
      - pop: ewr
        continent: SA
        addresses: [198.51.100.11, 198.51.100.12, "2001:db8:300::11"]
      - pop: fra-metal
        country: ZA
        addresses: [198.51.100.20]
    health_check:
      protocol: http
      port: 80
      path: /healthz

- name: Remove the GeoDNS records of a hostname this collection manages
  anycast.network.route53_geo:
    zone: example.com
    name: old.example.com
    owner: anycast-example
    state: absent
"""

RETURN = r"""
zone_id:
  description: ID of the hosted zone.
  returned: success
  type: str
  sample: Z0123456789ABCDEFGHIJ
records:
  description: The records of O(name) this module owns, after the run (in check mode, as they would be).
  returned: success
  type: list
  elements: dict
  sample:
    - name: www.example.com.
      type: A
      set_identifier: "anycast-example:www:A:continent-SA"
      geo_location: {ContinentCode: SA}
      ttl: 60
      values: [198.51.100.11, 198.51.100.12]
      health_check_id: 5f1c0c8e-7d0a-4c4e-9a3e-3c1f0e3b2a10
changes:
  description: The changes sent in one change batch (or that would be sent, in check mode).
  returned: success
  type: list
  elements: dict
  sample:
    - {action: UPSERT, type: A, set_identifier: "anycast-example:www:A:continent-SA"}
health_checks:
  description: The health checks the records use.
  returned: success
  type: list
  elements: dict
  sample:
    - {id: 5f1c0c8e-7d0a-4c4e-9a3e-3c1f0e3b2a10, pop: ewr, type: HTTP, address: 198.51.100.11, created: false}
created_health_checks:
  description: IDs of the health checks created (placeholders in check mode).
  returned: success
  type: list
  elements: str
deleted_health_checks:
  description: IDs of owned health checks deleted because no record of the zone uses them any more.
  returned: success
  type: list
  elements: str
dropped_fallbacks:
  description: PoPs of O(fallbacks) left out because O(exclude_addresses) took every one of their addresses.
  returned: success
  type: list
  elements: str
  sample: [lax]
  version_added: "1.1.0"
"""

import uuid

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.anycast.network.plugins.module_utils.route53.client import (
    BOTO3_IMPORT_ERROR,
    HAS_BOTO3,
    Route53Client,
    Route53Error,
    aws_argument_spec,
)
from ansible_collections.anycast.network.plugins.module_utils.route53.geo import (
    CALLER_REFERENCE_MAX,
    Route53GeoError,
    build_plan,
    calculated_check_matches,
    endpoint_check_config,
    endpoint_check_matches,
    fqdn,
    owner_prefix,
    rrset_comparable,
    rrset_summary,
    rrset_to_api,
    unescape_name,
    zone_conflicts,
)


def argument_spec():
    spec = aws_argument_spec()
    spec.update(
        zone=dict(type="str", required=True),
        hosted_zone_id=dict(type="str"),
        name=dict(type="str", required=True),
        state=dict(type="str", choices=["present", "absent"], default="present"),
        ttl=dict(type="int", default=60),
        owner=dict(type="str", default="anycast"),
        default_addresses=dict(type="list", elements="str", aliases=["anycast_addresses"]),
        fallbacks=dict(
            type="list",
            elements="dict",
            default=[],
            options=dict(
                pop=dict(type="str", required=True),
                continent=dict(type="str"),
                country=dict(type="str"),
                subdivision=dict(type="str"),
                addresses=dict(type="list", elements="str", required=True),
                health_check_id=dict(type="str"),
            ),
        ),
        exclude_addresses=dict(type="list", elements="str", default=[]),
        health_check=dict(
            type="dict",
            default={},
            options=dict(
                enabled=dict(type="bool", default=True),
                protocol=dict(type="str", choices=["http", "https", "tcp"], default="http"),
                port=dict(type="int"),
                path=dict(type="str"),
                fqdn=dict(type="str"),
                request_interval=dict(type="int", choices=[10, 30], default=30),
                failure_threshold=dict(type="int", default=3),
            ),
        ),
        wait=dict(type="bool", default=True),
        wait_timeout=dict(type="int", default=300),
    )
    return spec


def describe_check(check_id, config):
    if config.get("Type") == "CALCULATED":
        return "%s: CALCULATED any of %s" % (check_id, ", ".join(sorted(config.get("ChildHealthChecks") or [])))
    where = config.get("IPAddress") or config.get("FullyQualifiedDomainName")
    return "%s: %s %s:%s%s" % (check_id, config.get("Type"), where, config.get("Port"),
                               config.get("ResourcePath") or "")


class GeoReconciler:
    def __init__(self, module, client, plan):
        self.module = module
        self.client = client
        self.plan = plan
        self.check_mode = module.check_mode
        self.prefix = owner_prefix(plan["owner"])
        self.created = []
        self.placeholders = 0
        self.used_checks = []

    # -- health checks ----------------------------------------------------------------------------------------

    def _new_check(self, config, tags):
        if self.check_mode:
            self.placeholders += 1
            check_id = "(new health check %d)" % self.placeholders
        else:
            reference = (self.prefix + uuid.uuid4().hex)[:CALLER_REFERENCE_MAX]
            check_id = self.client.create_health_check(reference, config, tags)
        self.owned[check_id] = {"Id": check_id, "CallerReference": self.prefix, "HealthCheckConfig": config}
        self.created.append(check_id)
        return check_id

    def _endpoint_check(self, record, address):
        config = endpoint_check_config(self.plan["health_check"]["template"], address)
        matches = sorted(i for i, hc in self.owned.items() if endpoint_check_matches(hc["HealthCheckConfig"], config))
        if matches:
            preferred = [i for i in matches if i in self.referenced_now]
            check_id = (preferred or matches)[0]
        else:
            check_id = self._new_check(config, {
                "Name": "%s %s %s %s:%s" % (self.plan["owner"], record["pop"], address, config["Type"].lower(),
                                            config["Port"]),
                "anycast:owner": self.plan["owner"],
                "anycast:pop": record["pop"],
            })
        self.used_checks.append({"id": check_id, "pop": record["pop"], "type": config["Type"], "address": address,
                                 "created": check_id in self.created})
        return check_id

    def _record_check(self, record):
        fallback = record["fallback"]
        if fallback is None:
            return None
        if fallback.get("health_check_id"):
            return fallback["health_check_id"]
        if not self.plan["health_check"]["enabled"]:
            return None
        children = [self._endpoint_check(record, a) for a in record["values"]]
        if len(children) == 1:
            return children[0]
        matches = sorted(i for i, hc in self.owned.items()
                         if calculated_check_matches(hc["HealthCheckConfig"], children))
        if matches:
            preferred = [i for i in matches if i in self.referenced_now]
            check_id = (preferred or matches)[0]
        else:
            check_id = self._new_check(
                {"Type": "CALCULATED", "ChildHealthChecks": sorted(children), "HealthThreshold": 1},
                {
                    "Name": "%s %s %s any of %d" % (self.plan["owner"], record["pop"], record["Type"], len(children)),
                    "anycast:owner": self.plan["owner"],
                    "anycast:pop": record["pop"],
                },
            )
        self.used_checks.append({"id": check_id, "pop": record["pop"], "type": "CALCULATED",
                                 "children": sorted(children), "created": check_id in self.created})
        return check_id

    # -- the run ------------------------------------------------------------------------------------------------

    def run(self):
        plan = self.plan
        params = self.module.params
        zone_id, _zone_name = self.client.find_zone(plan["zone"], params.get("hosted_zone_id"))
        zone_records = self.client.list_records(zone_id)

        errors = zone_conflicts(plan, zone_records)
        for fallback_id in sorted({r["fallback"]["health_check_id"] for r in plan["records"]
                                   if r["fallback"] and r["fallback"].get("health_check_id")}):
            if not self.client.health_check_exists(fallback_id):
                errors.append("health check %s does not exist in this AWS account" % fallback_id)
        if errors:
            raise Route53GeoError(errors)

        mine = [r for r in zone_records
                if fqdn(unescape_name(r["Name"])) == plan["name"]
                and (r.get("SetIdentifier") or "").startswith(self.prefix)]
        mine_ids = {id(r) for r in mine}
        others = [r for r in zone_records if id(r) not in mine_ids]
        self.referenced_now = {r["HealthCheckId"] for r in mine if r.get("HealthCheckId")}

        all_checks = self.client.list_health_checks()
        self.owned = {hc["Id"]: hc for hc in all_checks if (hc.get("CallerReference") or "").startswith(self.prefix)}
        owned_before = dict(self.owned)

        # Health checks are created (outside check mode) only now that every check above has passed.
        desired = [rrset_to_api(r, self._record_check(r)) for r in plan["records"]]

        current = {(r["Type"], r["SetIdentifier"]): r for r in mine}
        wanted = {(r["Type"], r["SetIdentifier"]): r for r in desired}
        changes = []
        for key in sorted(current):
            if key not in wanted:
                changes.append({"Action": "DELETE", "ResourceRecordSet": current[key]})
        for key in sorted(wanted):
            if key not in current or rrset_comparable(current[key]) != rrset_comparable(wanted[key]):
                changes.append({"Action": "UPSERT", "ResourceRecordSet": wanted[key]})

        if changes and not self.check_mode:
            self.client.change_records(
                zone_id, changes, "anycast.network GeoDNS fallback for %s" % plan["name"],
                wait=params["wait"], wait_timeout=params["wait_timeout"],
            )

        # Owned health checks that no record of the zone uses after this change are deleted.
        keep = {r.get("HealthCheckId") for r in others} | {r.get("HealthCheckId") for r in desired}
        keep.discard(None)
        for check_id in list(keep):
            config = self.owned.get(check_id, {}).get("HealthCheckConfig", {})
            keep.update(config.get("ChildHealthChecks") or [])
        unused = [i for i in self.owned if i not in keep and i not in self.created]
        unused.sort(key=lambda i: (self.owned[i]["HealthCheckConfig"].get("Type") != "CALCULATED", i))
        if not self.check_mode:
            for check_id in unused:
                self.client.delete_health_check(check_id)

        changed = bool(changes or self.created or unused)
        before_records = sorted((rrset_summary(r) for r in mine), key=lambda r: (r["type"], r["set_identifier"]))
        after_records = sorted((rrset_summary(r) for r in desired), key=lambda r: (r["type"], r["set_identifier"]))
        after_checks = {i: hc for i, hc in self.owned.items() if i not in unused}
        result = dict(
            changed=changed,
            zone_id=zone_id,
            name=plan["name"],
            records=after_records,
            changes=[{"action": c["Action"], "type": c["ResourceRecordSet"]["Type"],
                      "set_identifier": c["ResourceRecordSet"].get("SetIdentifier")} for c in changes],
            health_checks=self.used_checks,
            created_health_checks=list(self.created),
            deleted_health_checks=unused,
            dropped_fallbacks=plan.get("dropped_fallbacks", []),
        )
        if self.module._diff:
            result["diff"] = dict(
                before=dict(
                    records=before_records,
                    health_checks=sorted(describe_check(i, hc["HealthCheckConfig"]) for i, hc in owned_before.items()),
                ),
                after=dict(
                    records=after_records,
                    health_checks=sorted(describe_check(i, hc["HealthCheckConfig"]) for i, hc in after_checks.items()),
                ),
            )
        return result


def main():
    module = AnsibleModule(
        argument_spec=argument_spec(),
        supports_check_mode=True,
        required_if=[("state", "present", ["default_addresses"])],
    )
    if not HAS_BOTO3:
        module.fail_json(msg=missing_required_lib("boto3"), exception=str(BOTO3_IMPORT_ERROR))

    try:
        plan = build_plan(module.params)
    except Route53GeoError as exc:
        module.fail_json(msg="GeoDNS input rejected before any change: " + str(exc), errors=exc.errors)
    for warning in plan["warnings"]:
        module.warn(warning)

    try:
        client = Route53Client.from_params(module.params)
        result = GeoReconciler(module, client, plan).run()
    except Route53GeoError as exc:
        module.fail_json(msg="GeoDNS input rejected before any change: " + str(exc), errors=exc.errors)
    except (Route53Error, LookupError) as exc:
        module.fail_json(msg=str(exc))
    module.exit_json(**result)


if __name__ == "__main__":
    main()

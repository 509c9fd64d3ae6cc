# -*- coding: utf-8 -*-
# Copyright: contributors to the anycast.network collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The collection's one Route53 client: credentials through boto3's chain, retries, paging, waiting.

Retries happen twice over: botocore's ``standard`` retry mode (which retries Throttling and
PriorRequestNotComplete among others, with exponential backoff), and, when botocore has given up, a bounded
loop here for the same throttling codes, so that a busy account slows a run down instead of failing it.
"""

from __future__ import annotations

import random
import time

from ansible.module_utils.basic import env_fallback

try:
    import boto3
    import botocore.config
    from botocore.exceptions import BotoCoreError, ClientError, WaiterError

    HAS_BOTO3 = True
    BOTO3_IMPORT_ERROR = None
except ImportError as exc:  # pragma: no cover - reported by the module
    HAS_BOTO3 = False
    BOTO3_IMPORT_ERROR = exc

    class BotoCoreError(Exception):  # stand-ins so the except clauses below stay distinct; never raised
        pass

    class ClientError(Exception):
        pass

    class WaiterError(Exception):
        pass

THROTTLING_CODES = frozenset((
    "Throttling",
    "ThrottlingException",
    "PriorRequestNotComplete",
    "RequestLimitExceeded",
    "TooManyRequestsException",
))
RECORD_PAGE_SIZE = 300      # Route53's maximum for ListResourceRecordSets
HEALTH_CHECK_PAGE_SIZE = 100
MAX_PAGES = 10000           # a bound on every paging loop


def aws_argument_spec():
    """Options shared by the collection's AWS modules (documented in doc fragment anycast.network.aws)."""
    return dict(
        endpoint_url=dict(
            type="str",
            fallback=(env_fallback, ["AWS_ENDPOINT_URL_ROUTE53", "AWS_ENDPOINT_URL_ROUTE_53", "AWS_ENDPOINT_URL"]),
        ),
        profile=dict(type="str", aliases=["aws_profile"]),
        access_key=dict(type="str", aliases=["aws_access_key_id"], no_log=True),
        secret_key=dict(type="str", aliases=["aws_secret_access_key"], no_log=True),
        session_token=dict(type="str", aliases=["aws_session_token"], no_log=True),
        region=dict(type="str", default="us-east-1"),
        max_attempts=dict(type="int", default=10),
        validate_certs=dict(type="bool", default=True),
    )


def route53_error_code(exc):
    if isinstance(exc, ClientError):
        return exc.response.get("Error", {}).get("Code", "")
    return ""


class Route53Error(Exception):
    """An API call failed; the message names the call and AWS's error code, never credentials."""

    def __init__(self, operation, exc):
        self.operation = operation
        self.code = route53_error_code(exc)
        if isinstance(exc, ClientError):
            message = exc.response.get("Error", {}).get("Message", "") or str(exc)
        else:
            message = str(exc)
        super().__init__("Route53 %s failed: %s%s" % (operation, self.code + ": " if self.code else "", message))


class Route53Client:
    """Thin wrapper over a boto3 route53 client; every call goes through :meth:`call`."""

    def __init__(self, client, retries=5, base_delay=1.0, max_delay=20.0, sleep=time.sleep):
        self.client = client
        self.retries = retries
        self.base_delay = base_delay
        self.max_delay = max_delay
        self.sleep = sleep
        self.calls = []

    @classmethod
    def from_params(cls, params):
        if not HAS_BOTO3:
            raise RuntimeError("boto3 is required: %s" % BOTO3_IMPORT_ERROR)
        session = boto3.session.Session(
            profile_name=params.get("profile") or None,
            aws_access_key_id=params.get("access_key") or None,
            aws_secret_access_key=params.get("secret_key") or None,
            aws_session_token=params.get("session_token") or None,
        )
        config = botocore.config.Config(
            retries={"mode": "standard", "total_max_attempts": max(1, int(params.get("max_attempts") or 10))},
            connect_timeout=10,
            read_timeout=60,
            user_agent_extra="anycast.network",
        )
        client = session.client(
            "route53",
            region_name=params.get("region") or "us-east-1",
            endpoint_url=params.get("endpoint_url") or None,
            verify=params.get("validate_certs", True),
            config=config,
        )
        return cls(client)

    def call(self, operation, **kwargs):
        """Call one API operation, retrying throttling that outlasted botocore's own retries."""
        attempt = 0
        while True:
            self.calls.append(operation)
            try:
                return getattr(self.client, operation)(**kwargs)
            except ClientError as exc:
                if route53_error_code(exc) in THROTTLING_CODES and attempt < self.retries:
                    delay = min(self.max_delay, self.base_delay * (2 ** attempt))
                    self.sleep(delay / 2 + random.uniform(0, delay / 2))
                    attempt += 1
                    continue
                raise Route53Error(operation, exc) from exc
            except BotoCoreError as exc:
                raise Route53Error(operation, exc) from exc

    # Zones ---------------------------------------------------------------------------------------------------

    def find_zone(self, zone_name, zone_id=None):
        """Return (zone id, zone name) for a public hosted zone called zone_name (or the given id)."""
        wanted = zone_name if zone_name.endswith(".") else zone_name + "."
        if zone_id:
            zone_id = zone_id.split("/")[-1]
            found = self.call("get_hosted_zone", Id=zone_id)["HostedZone"]
            if found["Name"].lower() != wanted.lower():
                raise Route53Error("GetHostedZone", RuntimeError(
                    "hosted zone %s is %s, not %s" % (zone_id, found["Name"], wanted)))
            return zone_id, found["Name"]
        matches = []
        marker = {}
        for _page in range(MAX_PAGES):
            resp = self.call("list_hosted_zones_by_name", DNSName=wanted, MaxItems="100", **marker)
            for zone in resp.get("HostedZones", []):
                if zone["Name"].lower() == wanted.lower():
                    matches.append(zone)
            last = resp.get("HostedZones", [])[-1:]
            if not resp.get("IsTruncated") or (last and last[0]["Name"].lower() != wanted.lower()):
                break
            marker = {"DNSName": resp["NextDNSName"], "HostedZoneId": resp["NextHostedZoneId"]}
        public = [z for z in matches if not z.get("Config", {}).get("PrivateZone")]
        if not public:
            raise LookupError("no public Route53 hosted zone named %s in this AWS account" % wanted.rstrip("."))
        if len(public) > 1:
            raise LookupError("%d public hosted zones are named %s; give hosted_zone_id"
                              % (len(public), wanted.rstrip(".")))
        return public[0]["Id"].split("/")[-1], public[0]["Name"]

    # Records -------------------------------------------------------------------------------------------------

    def list_records(self, zone_id, page_size=None):
        """Every record set of the zone, following IsTruncated/NextRecordName/NextRecordType/NextRecordIdentifier.

        Duplicates are dropped by (Name, Type, SetIdentifier): an API that restarts a page at a name and type
        (without honouring the identifier) must not make a record appear twice.
        """
        page_size = page_size or RECORD_PAGE_SIZE
        records = []
        seen = set()
        start = {}
        previous = None
        for _page in range(MAX_PAGES):
            resp = self.call("list_resource_record_sets", HostedZoneId=zone_id, MaxItems=str(page_size), **start)
            for rrset in resp.get("ResourceRecordSets", []):
                key = (rrset["Name"], rrset["Type"], rrset.get("SetIdentifier"))
                if key not in seen:
                    seen.add(key)
                    records.append(rrset)
            if not resp.get("IsTruncated"):
                return records
            start = {"StartRecordName": resp["NextRecordName"], "StartRecordType": resp["NextRecordType"]}
            if resp.get("NextRecordIdentifier"):
                start["StartRecordIdentifier"] = resp["NextRecordIdentifier"]
            if start == previous:
                raise Route53Error("ListResourceRecordSets", RuntimeError(
                    "paging does not advance past %s %s" % (start["StartRecordName"], start["StartRecordType"])))
            previous = start
        raise Route53Error("ListResourceRecordSets", RuntimeError("more than %d pages" % MAX_PAGES))

    def change_records(self, zone_id, changes, comment, wait=True, wait_timeout=300):
        resp = self.call(
            "change_resource_record_sets",
            HostedZoneId=zone_id,
            ChangeBatch={"Comment": comment[:256], "Changes": changes},
        )
        change_id = resp["ChangeInfo"]["Id"]
        if wait:
            delay = 5
            try:
                self.client.get_waiter("resource_record_sets_changed").wait(
                    Id=change_id,
                    WaiterConfig={"Delay": delay, "MaxAttempts": max(1, int(wait_timeout) // delay)},
                )
            except WaiterError as exc:
                raise Route53Error("GetChange (waiting for INSYNC)", exc) from exc
        return change_id

    # Health checks -------------------------------------------------------------------------------------------

    def list_health_checks(self):
        checks = []
        marker = {}
        for _page in range(MAX_PAGES):
            resp = self.call("list_health_checks", MaxItems=str(HEALTH_CHECK_PAGE_SIZE), **marker)
            checks.extend(resp.get("HealthChecks", []))
            if not resp.get("IsTruncated"):
                return checks
            marker = {"Marker": resp["NextMarker"]}
        raise Route53Error("ListHealthChecks", RuntimeError("more than %d pages" % MAX_PAGES))

    def health_check_exists(self, check_id):
        try:
            self.call("get_health_check", HealthCheckId=check_id)
        except Route53Error as exc:
            if exc.code == "NoSuchHealthCheck":
                return False
            raise
        return True

    def create_health_check(self, caller_reference, config, tags):
        resp = self.call("create_health_check", CallerReference=caller_reference, HealthCheckConfig=config)
        check_id = resp["HealthCheck"]["Id"]
        self.call(
            "change_tags_for_resource",
            ResourceType="healthcheck",
            ResourceId=check_id,
            AddTags=[{"Key": k, "Value": v} for k, v in tags.items()],
        )
        return check_id

    def delete_health_check(self, check_id):
        try:
            self.call("delete_health_check", HealthCheckId=check_id)
        except Route53Error as exc:
            if exc.code != "NoSuchHealthCheck":
                raise

"""The Route53 client: paging (including NextRecordIdentifier), retries on throttling, zone lookup.

botocore's Stubber stands in for AWS: it checks every request against the route53 model and returns the
responses queued here, so paging and retry logic is tested without any network.
"""

from __future__ import annotations

import boto3
import pytest
from botocore.stub import Stubber

from ansible_collections.anycast.network.plugins.module_utils.route53.client import Route53Client, Route53Error


@pytest.fixture
def stubbed():
    client = boto3.client("route53", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")
    with Stubber(client) as stub:
        sleeps = []
        yield Route53Client(client, retries=3, sleep=sleeps.append), stub, sleeps
        stub.assert_no_pending_responses()


def rr(name, rtype="A", ident=None, value="198.51.100.1"):
    out = {"Name": name, "Type": rtype, "TTL": 60, "ResourceRecords": [{"Value": value}]}
    if ident:
        out["SetIdentifier"] = ident
        out["GeoLocation"] = {"CountryCode": "*"}
    return out


def test_record_paging_follows_name_type_and_identifier(stubbed):
    client, stub, _ = stubbed
    stub.add_response("list_resource_record_sets", {
        "ResourceRecordSets": [rr("a.example.com."), rr("www.example.com.", ident="x:1")],
        "IsTruncated": True, "MaxItems": "300",
        "NextRecordName": "www.example.com.", "NextRecordType": "A", "NextRecordIdentifier": "x:2",
    }, {"HostedZoneId": "Z1", "MaxItems": "300"})
    stub.add_response("list_resource_record_sets", {
        "ResourceRecordSets": [rr("www.example.com.", ident="x:2"), rr("zz.example.com.")],
        "IsTruncated": False, "MaxItems": "300",
    }, {"HostedZoneId": "Z1", "MaxItems": "300", "StartRecordName": "www.example.com.",
        "StartRecordType": "A", "StartRecordIdentifier": "x:2"})
    records = client.list_records("Z1")
    assert [(r["Name"], r.get("SetIdentifier")) for r in records] == [
        ("a.example.com.", None), ("www.example.com.", "x:1"), ("www.example.com.", "x:2"), ("zz.example.com.", None)]


def test_record_paging_drops_repeats(stubbed):
    """An API that restarts a page at the name and type (moto does) must not duplicate records."""
    client, stub, _ = stubbed
    stub.add_response("list_resource_record_sets", {
        "ResourceRecordSets": [rr("www.example.com.", ident="x:1")], "IsTruncated": True, "MaxItems": "2",
        "NextRecordName": "www.example.com.", "NextRecordType": "AAAA"})
    stub.add_response("list_resource_record_sets", {
        "ResourceRecordSets": [rr("www.example.com.", ident="x:1"), rr("www.example.com.", "AAAA", "x:2")],
        "IsTruncated": False, "MaxItems": "2"})
    assert len(client.list_records("Z1", page_size=2)) == 2


def test_record_paging_that_does_not_advance_is_an_error(stubbed):
    client, stub, _ = stubbed
    page = {"ResourceRecordSets": [rr("www.example.com.", ident="x:1")], "IsTruncated": True, "MaxItems": "1",
            "NextRecordName": "www.example.com.", "NextRecordType": "A"}
    stub.add_response("list_resource_record_sets", page)
    stub.add_response("list_resource_record_sets", page)
    with pytest.raises(Route53Error, match="paging does not advance"):
        client.list_records("Z1", page_size=1)


def test_throttling_is_retried_with_backoff(stubbed):
    client, stub, sleeps = stubbed
    stub.add_client_error("list_health_checks", service_error_code="Throttling", http_status_code=400)
    stub.add_client_error("list_health_checks", service_error_code="PriorRequestNotComplete", http_status_code=400)
    stub.add_response("list_health_checks", {"HealthChecks": [], "IsTruncated": False, "MaxItems": "100",
                                             "Marker": ""})
    assert client.list_health_checks() == []
    assert len(sleeps) == 2 and sleeps[1] >= sleeps[0] / 2


def test_throttling_gives_up_after_the_budget(stubbed):
    client, stub, sleeps = stubbed
    for _ in range(4):
        stub.add_client_error("get_health_check", service_error_code="Throttling", http_status_code=400,
                              service_message="Rate exceeded")
    with pytest.raises(Route53Error, match="Route53 get_health_check failed: Throttling: Rate exceeded"):
        client.health_check_exists("hc-1")
    assert len(sleeps) == 3


def test_other_errors_are_not_retried(stubbed):
    client, stub, sleeps = stubbed
    stub.add_client_error("change_resource_record_sets", service_error_code="InvalidChangeBatch",
                          http_status_code=400, service_message="already exists")
    with pytest.raises(Route53Error, match="InvalidChangeBatch"):
        client.change_records("Z1", [{"Action": "UPSERT", "ResourceRecordSet": rr("www.example.com.")}], "t",
                              wait=False)
    assert sleeps == []


def test_missing_health_check(stubbed):
    client, stub, _ = stubbed
    stub.add_client_error("get_health_check", service_error_code="NoSuchHealthCheck", http_status_code=404)
    assert client.health_check_exists("nope") is False


def test_health_check_paging(stubbed):
    client, stub, _ = stubbed

    def hc(i):
        return {"Id": "hc-%d" % i, "CallerReference": "anycast:%d" % i, "HealthCheckVersion": 1,
                "HealthCheckConfig": {"Type": "TCP", "IPAddress": "198.51.100.%d" % i, "Port": 80}}

    stub.add_response("list_health_checks", {"HealthChecks": [hc(1)], "IsTruncated": True, "MaxItems": "100",
                                             "Marker": "", "NextMarker": "m2"}, {"MaxItems": "100"})
    stub.add_response("list_health_checks", {"HealthChecks": [hc(2)], "IsTruncated": False, "MaxItems": "100",
                                             "Marker": "m2"}, {"MaxItems": "100", "Marker": "m2"})
    assert [h["Id"] for h in client.list_health_checks()] == ["hc-1", "hc-2"]


def test_zone_lookup_prefers_the_public_zone(stubbed):
    client, stub, _ = stubbed
    stub.add_response("list_hosted_zones_by_name", {
        "HostedZones": [
            {"Id": "/hostedzone/ZPRIV", "Name": "example.com.", "CallerReference": "a",
             "Config": {"PrivateZone": True}},
            {"Id": "/hostedzone/ZPUB", "Name": "example.com.", "CallerReference": "b",
             "Config": {"PrivateZone": False}},
            {"Id": "/hostedzone/ZOTHER", "Name": "example.net.", "CallerReference": "c"},
        ],
        "IsTruncated": False, "MaxItems": "100", "DNSName": "example.com."})
    assert client.find_zone("example.com") == ("ZPUB", "example.com.")


def test_zone_lookup_not_found(stubbed):
    client, stub, _ = stubbed
    stub.add_response("list_hosted_zones_by_name", {"HostedZones": [], "IsTruncated": False, "MaxItems": "100"})
    with pytest.raises(LookupError, match="no public Route53 hosted zone named example.com"):
        client.find_zone("example.com")


def test_client_uses_standard_retry_mode_and_endpoint():
    client = Route53Client.from_params({"endpoint_url": "http://127.0.0.1:9", "max_attempts": 7,
                                        "access_key": "AKIDEXAMPLE", "secret_key": "s3cr3t"})
    config = client.client.meta.config
    assert config.retries["mode"] == "standard" and config.retries["total_max_attempts"] == 7
    assert client.client.meta.endpoint_url == "http://127.0.0.1:9"


def test_prior_request_not_complete_on_a_change_is_retried(stubbed):
    client, stub, sleeps = stubbed
    change = [{"Action": "UPSERT", "ResourceRecordSet": rr("www.example.com.")}]
    stub.add_client_error("change_resource_record_sets", service_error_code="PriorRequestNotComplete",
                          http_status_code=400)
    stub.add_response("change_resource_record_sets", {"ChangeInfo": {
        "Id": "/change/C1", "Status": "PENDING", "SubmittedAt": "2026-01-01T00:00:00Z"}})
    assert client.change_records("Z1", change, "t", wait=False) == "/change/C1"
    assert len(sleeps) == 1


def test_botocore_standard_mode_retries_route53_throttling():
    from botocore.retries import standard

    assert "PriorRequestNotComplete" in standard.ThrottledRetryableChecker._THROTTLED_ERROR_CODES
    assert "Throttling" in standard.ThrottledRetryableChecker._THROTTLED_ERROR_CODES

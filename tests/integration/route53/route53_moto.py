"""Helpers for the Route53 GeoDNS tests: the moto server handle, zone listing, running the module in-process."""

from __future__ import annotations

import json
import socket
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
COLLECTIONS = ROOT / "collections"
if str(COLLECTIONS) not in sys.path:
    sys.path.insert(0, str(COLLECTIONS))

boto3 = pytest.importorskip("boto3")
requests = pytest.importorskip("requests")

MOTO_SERVER = Path(sys.executable).with_name("moto_server")
FAKE_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
}


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Moto:
    """The running moto server: its URL, a boto3 client, and the request recorder."""

    def __init__(self, url, recording):
        self.url = url
        self.recording = Path(recording)

    def client(self):
        return boto3.client("route53", endpoint_url=self.url, region_name="us-east-1",
                            aws_access_key_id="testing", aws_secret_access_key="testing")

    def reset(self):
        requests.post(self.url + "/moto-api/reset", timeout=10).raise_for_status()
        self.reset_recording()

    def reset_recording(self):
        requests.post(self.url + "/moto-api/recorder/reset-recording", timeout=10).raise_for_status()

    def requests(self):
        """(method, path, X-Amz-Target-less action) of every request recorded since the last reset."""
        text = requests.get(self.url + "/moto-api/recorder/download-recording", timeout=10).text
        out = []
        for line in text.splitlines():
            if line.strip():
                entry = json.loads(line)
                out.append((entry["method"], entry["url"].split("://", 1)[-1].split("/", 1)[-1]))
        return out

    def change_requests(self):
        """Requests that change anything (every Route53 write is a POST or a DELETE)."""
        return [r for r in self.requests() if r[0] in ("POST", "DELETE")]


def zone_records(client, zone_id):
    out = []
    kwargs = {}
    while True:
        resp = client.list_resource_record_sets(HostedZoneId=zone_id, **kwargs)
        out.extend(resp["ResourceRecordSets"])
        if not resp["IsTruncated"]:
            break
        kwargs = {"StartRecordName": resp["NextRecordName"], "StartRecordType": resp["NextRecordType"]}
    seen, unique = set(), []
    for r in out:
        key = (r["Name"], r["Type"], r.get("SetIdentifier"))
        if key not in seen:
            seen.add(key)
            unique.append(r)
    return unique


def run_module(args, check_mode=False, diff=False):
    """Run anycast.network.route53_geo in-process; returns (failed, result)."""
    from ansible_collections.anycast.network.plugins.modules import route53_geo
    from module_runner import run_module as run_in_process

    result = run_in_process(route53_geo, args, check_mode=check_mode, diff=diff)
    return bool(result.get("failed")), result

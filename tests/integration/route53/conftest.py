"""A moto server on loopback for the Route53 GeoDNS tests: started once, stopped by its PID."""

from __future__ import annotations

import contextlib
import io
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
COLLECTIONS = ROOT / "collections"
if str(COLLECTIONS) not in sys.path:
    sys.path.insert(0, str(COLLECTIONS))

boto3 = pytest.importorskip("boto3")
requests = pytest.importorskip("requests")

pytestmark = pytest.mark.integration

MOTO_SERVER = Path(sys.executable).with_name("moto_server")
FAKE_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
}


def _free_port():
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


@pytest.fixture(scope="session")
def moto(tmp_path_factory):
    if not MOTO_SERVER.exists():
        pytest.skip("moto_server is not installed (pip install 'moto[server]')")
    workdir = tmp_path_factory.mktemp("moto")
    recording = workdir / "recording.jsonl"
    port = _free_port()
    env = dict(os.environ, MOTO_ENABLE_RECORDING="True", MOTO_RECORDER_FILEPATH=str(recording), **FAKE_CREDENTIALS)
    log = open(workdir / "moto.log", "wb")
    proc = subprocess.Popen([str(MOTO_SERVER), "-H", "127.0.0.1", "-p", str(port)],
                            stdout=log, stderr=subprocess.STDOUT, env=env, cwd=workdir)
    url = "http://127.0.0.1:%d" % port
    deadline = time.monotonic() + 30
    try:
        while True:
            try:
                requests.get(url + "/moto-api/data.json", timeout=1)
                break
            except requests.ConnectionError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("moto_server did not start: %s" % (workdir / "moto.log").read_text())
                time.sleep(0.2)
        yield Moto(url, recording)
    finally:
        os.kill(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
        log.close()


@pytest.fixture
def aws_env(moto, monkeypatch):
    """The environment a run sees: moto's endpoint and fake credentials only."""
    for key in list(os.environ):
        if key.startswith("AWS_"):
            monkeypatch.delenv(key, raising=False)
    for key, value in FAKE_CREDENTIALS.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("AWS_ENDPOINT_URL_ROUTE53", moto.url)
    return moto


@pytest.fixture
def zone(aws_env):
    """A fresh moto with one public hosted zone example.com holding records of others."""
    aws_env.reset()
    client = aws_env.client()
    zone_id = client.create_hosted_zone(Name="example.com", CallerReference="test-%f" % time.time())[
        "HostedZone"]["Id"].split("/")[-1]
    foreign = [
        {"Name": "mail.example.com", "Type": "A", "TTL": 300, "ResourceRecords": [{"Value": "198.51.100.25"}]},
        {"Name": "example.com", "Type": "MX", "TTL": 300, "ResourceRecords": [{"Value": "10 mail.example.com"}]},
        # Someone else's geolocation records under another name, with SetIdentifiers of their own.
        {"Name": "shop.example.com", "Type": "A", "TTL": 60, "SetIdentifier": "shop-default",
         "GeoLocation": {"CountryCode": "*"}, "ResourceRecords": [{"Value": "198.51.100.30"}]},
        {"Name": "shop.example.com", "Type": "A", "TTL": 60, "SetIdentifier": "shop-sa",
         "GeoLocation": {"ContinentCode": "SA"}, "ResourceRecords": [{"Value": "198.51.100.31"}]},
        # A name that sorts among ours, to make paging interleave.
        {"Name": "www2.example.com", "Type": "AAAA", "TTL": 300, "ResourceRecords": [{"Value": "2001:db8::2"}]},
    ]
    client.change_resource_record_sets(HostedZoneId=zone_id, ChangeBatch={
        "Changes": [{"Action": "CREATE", "ResourceRecordSet": r} for r in foreign]})
    aws_env.reset_recording()
    return {"id": zone_id, "client": client, "foreign": foreign, "moto": aws_env}


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
    from ansible.module_utils.testing import patch_module_args
    from ansible_collections.anycast.network.plugins.modules import route53_geo

    args = dict(args)
    if check_mode:
        args["_ansible_check_mode"] = True
    if diff:
        args["_ansible_diff"] = True
    out = io.StringIO()
    with patch_module_args(args), contextlib.redirect_stdout(out):
        with pytest.raises(SystemExit) as exc:
            route53_geo.main()
    result = json.loads(out.getvalue())
    return exc.value.code != 0, result

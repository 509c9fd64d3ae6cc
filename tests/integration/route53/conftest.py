"""A moto server on loopback for the Route53 GeoDNS tests: started once per session, stopped by its PID."""

from __future__ import annotations

import os
import signal
import subprocess
import time

import pytest

from route53_moto import FAKE_CREDENTIALS, MOTO_SERVER, Moto, free_port, requests


@pytest.fixture(scope="session")
def moto(tmp_path_factory):
    if not MOTO_SERVER.exists():
        pytest.skip("moto_server is not installed (pip install 'moto[server]')")
    workdir = tmp_path_factory.mktemp("moto")
    recording = workdir / "recording.jsonl"
    port = free_port()
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



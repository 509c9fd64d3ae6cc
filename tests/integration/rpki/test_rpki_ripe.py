"""RPKI of our announcements against the RIPE RPKI Management API emulation (loopback) and an rpki-client JSON file:
playbooks/validate.yml refuses a missing or wrong ROA with the fix, playbooks/rpki.yml publishes the missing ROAs,
the verify stage reports each prefix's state."""

import json
import pathlib
import subprocess
import sys

import pytest
import yaml

ROOT = pathlib.Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT / "tests" / "emulators" / "ripe"))

from rpki import RpkiApiServer, RpkiCa  # noqa: E402

pytestmark = pytest.mark.integration
BIN = pathlib.Path(sys.executable).parent
KEY = "itest-ripe-rpki-Zq81-secret"
ASN = 64500


def intent(rpki, **extra):
    data = {
        "network": "rpkitest", "asn": ASN, "allow_documentation_resources": True,
        "prefixes": ["203.0.113.0/24", "2001:db8:ac00::/48"],
        "services": {"web": {"addresses": ["203.0.113.10"], "tls": {"mode": "off"}}},
        "pops": {"fra": {"provider": "static", "monthly_cost": 10,
                         "hosts": [{"name": "fra-1", "address": "198.51.100.20"}],
                         "upstreams": [{"profile": "generic", "neighbor": "198.51.100.1", "asn": 64511,
                                        "host_routes": True}]}},
        "rpki": rpki,
    }
    data.update(extra)
    return {"anycast_intent": data}


def run(tmp_path, playbook, data, *args):
    path = tmp_path / "intent.yml"
    path.write_text(yaml.safe_dump(data))
    cmd = [str(BIN / "ansible-playbook"), "-i", "localhost,", "-e", "@%s" % path, "-e", "ansible_connection=local",
           "-e", "ansible_python_interpreter=%s" % sys.executable, playbook, *args]
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=120, check=False)
    proc.flat = " ".join(proc.stdout.split())
    return proc


@pytest.fixture
def ripe():
    ca = RpkiCa(KEY, resources=["203.0.112.0/22", "2001:db8:ac00::/40", "198.51.100.0/24"],
                roas=[{"asn": "AS%d" % ASN, "prefix": "203.0.112.0/22", "maximalLength": 22}])
    with RpkiApiServer(ca) as server:
        yield server


def ripe_settings(server, **extra):
    out = {"source": "ripe", "url": server.url, "api_key": KEY}
    out.update(extra)
    return out


def test_validate_fails_with_every_fix_spelled_out_and_writes_nothing(ripe, tmp_path):
    proc = run(tmp_path, "playbooks/validate.yml", intent(ripe_settings(ripe)))
    assert proc.returncode != 0
    out = proc.flat
    assert "3 announcements would not be valid; nothing was changed" in out
    assert "prefixes[0]: 203.0.113.0/24 from AS64500 is RPKI INVALID (the ROA of AS64500 (203.0.112.0/22 max " \
           "/22 AS64500) allows at most /22, it is a /24); create a ROA: prefix 203.0.113.0/24, max length 24, " \
           "origin AS64500" in out
    assert "prefixes[1]: 2001:db8:ac00::/48 from AS64500 is RPKI NOT-FOUND" in out
    assert "pops.fra.hosts[0] (host route to fra): 198.51.100.20/32 from AS64500 is RPKI NOT-FOUND" in out
    assert "create a ROA: prefix 198.51.100.20/32, max length 32, origin AS64500" in out
    assert [e["method"] for e in ripe.ca.log] == ["GET"]
    assert all(e["key_in_header"] and not e["key_in_url"] for e in ripe.ca.log)
    assert KEY not in proc.stdout + proc.stderr


def test_warn_lets_validation_pass_with_the_same_lines(ripe, tmp_path):
    proc = run(tmp_path, "playbooks/validate.yml", intent(ripe_settings(ripe, on_invalid="warn")))
    assert proc.returncode == 0, proc.stdout[-3000:]
    assert "[WARNING]" in proc.stdout + proc.stderr
    assert "is RPKI NOT-FOUND" in " ".join((proc.stdout + proc.stderr).split())


def test_managed_roas_are_planned_by_validate_published_by_the_rpki_step_then_valid(ripe, tmp_path):
    data = intent(ripe_settings(ripe, manage_roas=True))
    proc = run(tmp_path, "playbooks/validate.yml", data)
    assert proc.returncode == 0, proc.stdout[-3000:]
    assert "the rpki step will publish 3 ROAs through RIPE's API" in proc.flat

    check = run(tmp_path, "playbooks/rpki.yml", data, "--check")
    assert check.returncode == 0, check.stdout[-3000:]
    assert "would publish 3 ROAs" in check.flat
    assert "POST" not in [e["method"] for e in ripe.ca.log]

    proc = run(tmp_path, "playbooks/rpki.yml", data)
    assert proc.returncode == 0, proc.stdout[-3000:]
    assert "changed: [localhost]" in proc.stdout
    assert sorted(ripe.ca.roas, key=lambda r: r["prefix"]) == sorted([
        {"asn": "AS64500", "prefix": "203.0.112.0/22", "maximalLength": 22},
        {"asn": "AS64500", "prefix": "203.0.113.0/24", "maximalLength": 24},
        {"asn": "AS64500", "prefix": "2001:db8:ac00::/48", "maximalLength": 48},
        {"asn": "AS64500", "prefix": "198.51.100.20/32", "maximalLength": 32}], key=lambda r: r["prefix"])
    assert "every announcement is valid (3 valid); published 3 ROAs" in proc.flat

    again = run(tmp_path, "playbooks/rpki.yml", data)
    assert again.returncode == 0 and "changed: [localhost]" not in again.stdout
    assert KEY not in proc.stdout + proc.stderr + again.stdout + check.stdout


def test_a_refused_publish_changes_nothing_and_says_why(ripe, tmp_path):
    ripe.ca.resources = ripe.ca.resources[:2]         # the host route's /24 is not on our certificate
    proc = run(tmp_path, "playbooks/rpki.yml", intent(ripe_settings(ripe, manage_roas=True)))
    assert proc.returncode != 0
    assert "Prefix 198.51.100.20/32 is not a resource of this certificate authority" in proc.flat
    assert ripe.ca.roas == [{"asn": "AS64500", "prefix": "203.0.112.0/22", "maximalLength": 22}]


def test_a_wrong_key_is_reported_without_the_key(ripe, tmp_path):
    proc = run(tmp_path, "playbooks/validate.yml", intent(ripe_settings(ripe, api_key="wrong-key-123")))
    assert proc.returncode != 0 and "the API key was refused" in proc.flat
    assert "wrong-key-123" not in proc.stdout + proc.stderr


def test_rpki_client_json_with_an_as0_roa_and_the_verify_stage(tmp_path):
    vrps = {"metadata": {"buildtime": "2024-05-01T00:00:00Z"}, "roas": [
        {"asn": ASN, "prefix": "203.0.113.0/24", "maxLength": 24, "ta": "ripe", "expires": 1900000000},
        {"asn": 0, "prefix": "2001:db8:ac00::/48", "maxLength": 48, "ta": "ripe", "expires": 1900000000},
        {"asn": "AS%d" % ASN, "prefix": "198.51.100.0/24", "maxLength": 32, "ta": "ripe", "expires": 1900000000}]}
    path = tmp_path / "json"
    path.write_text(json.dumps(vrps))
    data = intent({"source": "rpki-client", "file": str(path)})
    proc = run(tmp_path, "playbooks/validate.yml", data)
    assert proc.returncode != 0
    assert "1 announcement would not be valid" in proc.flat
    assert "prefixes[1]: 2001:db8:ac00::/48 from AS64500 is RPKI INVALID (an AS0 ROA (2001:db8:ac00::/48 max /48 " \
           "AS0) says nobody may originate it); create a ROA: prefix 2001:db8:ac00::/48, max length 48, origin " \
           "AS64500" in proc.flat
    vrps["roas"].append({"asn": ASN, "prefix": "2001:db8:ac00::/48", "maxLength": 48, "ta": "ripe"})
    path.write_text(json.dumps(vrps))
    verify = tmp_path / "verify.yml"
    verify.write_text(yaml.safe_dump([{
        "name": "RPKI verify", "hosts": "localhost", "gather_facts": False,
        "tasks": [{"name": "State", "anycast.network.rpki_roas": {"intent": "{{ anycast_intent }}", "stage": "verify"},
                   "register": "state"},
                  {"name": "Show", "ansible.builtin.debug": {"msg": "{{ state.states }}"}}]}]))
    proc = run(tmp_path, str(verify), data)
    assert proc.returncode == 0, proc.stdout[-3000:]
    assert "203.0.113.0/24 (prefixes[0]): valid" in proc.flat and proc.flat.count("): valid") == 3

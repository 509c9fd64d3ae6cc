"""The Atlas emulation on loopback (tests/emulators/atlas), with a certificate of its own that the client trusts."""

import datetime
import ipaddress
import pathlib
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT / "tests" / "emulators" / "atlas"))

from atlas_emulator import AtlasEmulator, World  # noqa: E402  pylint: disable=wrong-import-position

KEY = "atlas-key-5e3c0d1f-never-printed"

# Probes: two in London (one lands in New York over IPv4: the London mystery), one in Amsterdam, one in Seattle,
# one in Sydney with no route at all.
PROBES = [
    {"id": 6001, "country_code": "GB", "latitude": 51.51, "longitude": -0.13, "asn_v4": 64601, "asn_v6": 64601,
     "lands": {"4": "jfk-1", "6": "lhr-2"}, "rtt": {"4": 71.3, "6": 6.7},
     "hops": {"4": ["192.0.2.1", "198.51.100.7"], "6": ["2001:db8:1::1"]}},
    {"id": 6002, "country_code": "GB", "latitude": 51.45, "longitude": -0.30, "asn_v4": 64602, "asn_v6": 64602,
     "lands": {"4": "lhr-1", "6": "lhr-1"}, "rtt": {"4": 5.1, "6": 5.4}},
    {"id": 6101, "country_code": "NL", "latitude": 52.37, "longitude": 4.90, "asn_v4": 64611, "asn_v6": 64611,
     "lands": {"4": "ams-1", "6": "ams-2"}, "rtt": {"4": 3.9, "6": 4.2}},
    {"id": 6201, "country_code": "US", "latitude": 47.61, "longitude": -122.33, "asn_v4": 64621, "asn_v6": 64621,
     "lands": {"4": "lax-1", "6": "lax-2"}, "rtt": {"4": 24.0, "6": 25.5}},
    {"id": 6202, "country_code": "US", "latitude": 47.50, "longitude": -122.20, "asn_v4": 64622, "status": 2,
     "lands": {"4": "lax-1"}},
    {"id": 6301, "country_code": "AU", "latitude": -33.87, "longitude": 151.21, "asn_v4": 64631, "asn_v6": 64631},
]


@pytest.fixture(scope="session")
def tls(tmp_path_factory):
    """A self-signed certificate for 127.0.0.1: (certfile, keyfile); the client verifies against certfile."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    where = tmp_path_factory.mktemp("atlas-tls")
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "atlas emulator")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                           critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    certfile, keyfile = where / "cert.pem", where / "key.pem"
    certfile.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    keyfile.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                          serialization.NoEncryption()))
    return str(certfile), str(keyfile)


@pytest.fixture
def world():
    return World([dict(p) for p in PROBES], KEY, credits=100000, polls_before_results=1)


@pytest.fixture
def atlas(world, tls):
    emulator = AtlasEmulator(world, *tls).start()
    yield emulator
    emulator.stop()

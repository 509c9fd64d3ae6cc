"""Helpers for the registry tests (modules run in-process through the `run` fixture of tests/conftest.py)."""

from __future__ import annotations

import json
import pathlib
import sys
import urllib.parse

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[3]
if str(ROOT / "collections") not in sys.path:
    sys.path.insert(0, str(ROOT / "collections"))


# ---------------------------------------------------------------------------------------------------------------
# A real IRRd 4 on loopback: throwaway PostgreSQL and Redis instances owned by the test (own data directory, own
# port), IRRd from its own virtualenv (scripts/setup.d/20-registry.sh), RPKI off, a test maintainer loaded.
# ---------------------------------------------------------------------------------------------------------------

import grp  # noqa: E402
import os  # noqa: E402
import pwd  # noqa: E402
import shutil  # noqa: E402
import signal  # noqa: E402
import socket  # noqa: E402
import socketserver  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402
import urllib.request  # noqa: E402

IRRD_VENV = ROOT / ".cache" / "irrd-venv"
PG_BIN = pathlib.Path("/usr/lib/postgresql/15/bin")
IRRD_PASSWORD = "irrd-test-maintainer-password"
IRRD_OVERRIDE = "irrd-test-override"
IRRD_MNT = "TEST-MNT"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(what, check, timeout, procs=()):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for name, proc in procs:
            if proc.poll() is not None:
                raise RuntimeError("%s exited (%s) while waiting for %s" % (name, proc.returncode, what))
        try:
            if check():
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError("timed out after %ss waiting for %s" % (timeout, what))


def port_open(port):
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex(("127.0.0.1", port)) == 0


def md5_crypt(password):
    out = subprocess.run([str(IRRD_VENV / "bin" / "python"), "-c",
                          "import sys; from passlib.hash import md5_crypt; print(md5_crypt.hash(sys.argv[1]))",
                          password], check=True, capture_output=True, text=True)
    return out.stdout.strip()


class SmtpSink:
    """A minimal SMTP server on loopback that accepts and keeps every message: IRRd mails notifications (for
    example to the maintainer's upd-to after a failed authorisation) and answers 500 if it cannot."""

    def __init__(self):
        self.messages = []
        sink = self

        class Handler(socketserver.StreamRequestHandler):
            def handle(self):
                self.wfile.write(b"220 sink ESMTP\r\n")
                while True:
                    line = self.rfile.readline(4096)
                    if not line:
                        return
                    verb = line[:4].upper()
                    if verb == b"DATA":
                        self.wfile.write(b"354 go ahead\r\n")
                        data = []
                        while True:
                            chunk = self.rfile.readline(65536)
                            if not chunk or chunk == b".\r\n":
                                break
                            data.append(chunk)
                        sink.messages.append(b"".join(data).decode("utf-8", "replace"))
                        self.wfile.write(b"250 ok\r\n")
                    elif verb == b"QUIT":
                        self.wfile.write(b"221 bye\r\n")
                        return
                    else:
                        self.wfile.write(b"250 ok\r\n")

        self.server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


class Irrd:
    """Handles of the running IRRd: http_url, whois_port, source, the maintainer's password."""

    def __init__(self, workdir):
        self.workdir = workdir
        self.procs = []
        self.source = "TEST"
        self.password = IRRD_PASSWORD
        self.mntner = IRRD_MNT
        self.pg_port, self.redis_port = free_port(), free_port()
        self.http_port, self.whois_port = free_port(), free_port()
        self.http_url = "http://127.0.0.1:%d" % self.http_port
        self.smtp = None

    def _start(self, name, argv, **kwargs):
        log = open(self.workdir / ("%s.log" % name), "wb")
        proc = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, start_new_session=True, **kwargs)
        self.procs.append((name, proc))
        return proc

    def start(self):
        self.smtp = SmtpSink()
        pg_user = pwd.getpwnam("postgres")
        pgdata = self.workdir / "pgdata"
        pgdata.mkdir()
        os.chown(pgdata, pg_user.pw_uid, pg_user.pw_gid)
        as_pg = ["runuser", "-u", "postgres", "--"]
        subprocess.run(as_pg + [str(PG_BIN / "initdb"), "-D", str(pgdata), "-A", "trust", "-U", "postgres",
                                "--no-sync", "-E", "UTF8"], check=True, capture_output=True)
        self._start("postgres", as_pg + [
            str(PG_BIN / "postgres"), "-D", str(pgdata), "-p", str(self.pg_port), "-k", str(pgdata),
            "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off", "-c", "synchronous_commit=off",
            "-c", "full_page_writes=off"])
        self._start("redis", ["redis-server", "--port", str(self.redis_port), "--bind", "127.0.0.1",
                              "--save", "", "--appendonly", "no", "--dir", str(self.workdir)])
        wait_for("PostgreSQL", lambda: port_open(self.pg_port), 30, self.procs)
        wait_for("Redis", lambda: port_open(self.redis_port), 30, self.procs)
        psql = ["psql", "-h", "127.0.0.1", "-p", str(self.pg_port), "-U", "postgres", "-v", "ON_ERROR_STOP=1", "-q"]
        wait_for("PostgreSQL to accept queries",
                 lambda: subprocess.run(psql + ["-c", "select 1"], capture_output=True).returncode == 0, 30, self.procs)
        subprocess.run(psql + ["-c", "CREATE DATABASE irrd", "-c", "CREATE ROLE irrd WITH LOGIN PASSWORD 'irrd'",
                               "-c", "GRANT ALL PRIVILEGES ON DATABASE irrd TO irrd",
                               "-c", "ALTER DATABASE irrd OWNER TO irrd"], check=True, capture_output=True)
        subprocess.run(psql + ["-d", "irrd", "-c", "CREATE EXTENSION IF NOT EXISTS pgcrypto"],
                       check=True, capture_output=True)

        # IRRd refuses to run as root without a user to drop to: it runs as nobody, in directories it owns.
        nobody = pwd.getpwnam("nobody")
        piddir = self.workdir / "pid"
        piddir.mkdir()
        (self.workdir / "gnupg").mkdir(mode=0o700)
        (self.workdir / "irrd-daemon.log").touch()
        for path in (piddir, self.workdir / "gnupg", self.workdir / "irrd-daemon.log"):
            os.chown(path, nobody.pw_uid, nobody.pw_gid)
        config = self.workdir / "irrd.yaml"
        config.write_text(json.dumps({"irrd": {
            "database_url": "postgresql://irrd:irrd@127.0.0.1:%d/irrd" % self.pg_port,
            "redis_url": "redis://127.0.0.1:%d" % self.redis_port,
            "piddir": str(piddir),
            "user": "nobody",
            "group": grp.getgrgid(nobody.pw_gid).gr_name,
            "server": {
                "http": {"url": self.http_url + "/", "interface": "127.0.0.1", "port": self.http_port,
                         "workers": 1},
                "whois": {"interface": "127.0.0.1", "port": self.whois_port, "max_connections": 2},
            },
            "auth": {"gnupg_keyring": str(self.workdir / "gnupg"), "override_password": md5_crypt(IRRD_OVERRIDE)},
            "email": {"from": "irrd@example.net", "smtp": "127.0.0.1:%d" % self.smtp.port, "recipient_override": "test@example.net"},
            "rpki": {"roa_source": None},
            "log": {"logfile_path": str(self.workdir / "irrd-daemon.log"), "level": "INFO"},
            "sources": {self.source: {"authoritative": True, "keep_journal": True}},
        }}))
        env = dict(os.environ, PATH="%s:%s" % (IRRD_VENV / "bin", os.environ.get("PATH", "")))
        env.pop("PYTHONPATH", None)
        subprocess.run([str(IRRD_VENV / "bin" / "irrd_database_upgrade"), "--config", str(config)],
                       check=True, capture_output=True, env=env)
        seed = self.workdir / "seed.rpsl"
        seed.write_text(SEED_RPSL % {"hash": md5_crypt(IRRD_PASSWORD), "mnt": IRRD_MNT, "source": self.source})
        subprocess.run([str(IRRD_VENV / "bin" / "irrd_load_database"), "--config", str(config),
                        "--source", self.source, str(seed)], check=True, capture_output=True, env=env)
        self._start("irrd", [str(IRRD_VENV / "bin" / "irrd"), "--config", str(config), "--foreground"], env=env)

        def http_ready():
            with urllib.request.urlopen(self.http_url + "/v1/whois/?q=!v", timeout=2) as resp:
                return resp.status == 200

        wait_for("the IRRd HTTP API", http_ready, 90, self.procs)
        wait_for("the IRRd whois port", lambda: port_open(self.whois_port), 60, self.procs)
        return self

    def whois(self, query):
        with urllib.request.urlopen(self.http_url + "/v1/whois/?q=" + urllib.parse.quote(query), timeout=10) as r:
            return r.read().decode()

    def stop(self):
        if self.smtp:
            self.smtp.stop()
        for name, proc in reversed(self.procs):
            if proc.poll() is None:
                try:
                    os.killpg(proc.pid, signal.SIGTERM)  # the process group this test started
                except ProcessLookupError:
                    continue
                try:
                    proc.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    os.killpg(proc.pid, signal.SIGKILL)
                    proc.wait(timeout=10)


SEED_RPSL = """person:         Test Person
address:        Example Street 1
phone:          +31 20 000 0000
e-mail:         noc@example.net
nic-hdl:        PERSON-TEST
mnt-by:         %(mnt)s
source:         %(source)s

mntner:         %(mnt)s
descr:          anycast.network test maintainer
admin-c:        PERSON-TEST
upd-to:         noc@example.net
auth:           MD5-PW %(hash)s
mnt-by:         %(mnt)s
source:         %(source)s

mntner:         OTHER-MNT
descr:          another maintainer
admin-c:        PERSON-TEST
upd-to:         noc@example.net
auth:           MD5-PW %(hash)s
mnt-by:         OTHER-MNT
source:         %(source)s

inetnum:        192.0.2.0 - 192.0.2.255
netname:        ANYCAST-TEST
descr:          parent of the anycast prefix
country:        NL
admin-c:        PERSON-TEST
tech-c:         PERSON-TEST
status:         ASSIGNED PA
mnt-by:         %(mnt)s
source:         %(source)s

inet6num:       2001:db8::/32
netname:        ANYCAST-TEST6
descr:          parent of the anycast prefix
country:        NL
admin-c:        PERSON-TEST
tech-c:         PERSON-TEST
status:         ASSIGNED
mnt-by:         %(mnt)s
source:         %(source)s
"""


@pytest.fixture(scope="session")
def irrd():
    for need in (IRRD_VENV / "bin" / "irrd", PG_BIN / "postgres", pathlib.Path(shutil.which("redis-server") or "/x"),
                 pathlib.Path(shutil.which("bgpq4") or "/x")):
        if not need.exists():
            pytest.fail("%s is missing: run scripts/setup.d/20-registry.sh" % need)
    workdir = pathlib.Path(tempfile.mkdtemp(prefix="anycast-irrd-"))
    os.chmod(workdir, 0o755)  # the postgres user must reach its data directory
    server = Irrd(workdir)
    try:
        server.start()
    except Exception as exc:
        detail = "%s %s" % (exc, getattr(exc, "stderr", b"") or b"")
        server.stop()
        logs = "\n".join("== %s\n%s" % (p.name, p.read_text(errors="replace")[-3000:])
                         for p in sorted(workdir.glob("*.log")))
        shutil.rmtree(workdir, ignore_errors=True)
        raise RuntimeError("IRRd did not start: %s\n%s" % (detail, logs))
    yield server
    server.stop()
    shutil.rmtree(workdir, ignore_errors=True)

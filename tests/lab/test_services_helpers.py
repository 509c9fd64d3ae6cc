"""Helpers for the services' lab tests and the fail-over benchmark (no tests here).

Lab containers are found by the label every lab object carries (`anycast.network.lab`) and their name, as the lab
names them (plugins/module_utils/lab/addressing.py): instances `anycast-lab-<pop>-<n>`, vantage points
`anycast-lab-client-<vp>` (override the patterns with ANYCAST_LAB_INSTANCE_FMT / ANYCAST_LAB_VANTAGE_FMT, e.g.
"anycast-lab-{name}").
"""

import json
import os
import subprocess
import time

import pytest

LABEL = "anycast.network.lab"
WEB4, WEB6 = "203.0.113.10", "2001:db8:ac00::10"
DNS4, DNS6 = "203.0.113.53", "2001:db8:ac00::53"
HOST = "www.anycast.test"
VANTAGES = ("ams", "lhr", "jfk", "sea")
# The PoP each vantage point reaches in the default topology (the seed's table, after the London fix).
EXPECTED_POP = {"ams": "ams", "lhr": "lhr", "jfk": "jfk", "sea": "lax"}


def containers():
    out = subprocess.run(["podman", "ps", "--filter", "label=" + LABEL, "--format", "json"],
                         capture_output=True, text=True, check=False)
    if out.returncode != 0 or not out.stdout.strip():
        return []
    return [n for c in json.loads(out.stdout) for n in c.get("Names", [])]


FORMATS = {"instance": "anycast-lab-{name}", "vantage": "anycast-lab-client-{name}", "ca": "anycast-lab-{name}"}


def find(kind, name):
    fmt = os.environ.get("ANYCAST_LAB_%s_FMT" % kind.upper()) or FORMATS[kind]
    wanted = fmt.format(name=name)
    return wanted if wanted in containers() else None


def need(kind, name):
    c = find(kind, name)
    if not c:
        pytest.skip("lab %s %s is not running (make lab-up)" % (kind, name))
    return c


def sh(container, script, timeout=60, check=True):
    proc = subprocess.run(["podman", "exec", container, "sh", "-c", script], capture_output=True, text=True,
                          timeout=timeout, check=False)
    if check and proc.returncode != 0:
        raise AssertionError("%s: %s\n%s%s" % (container, script, proc.stdout, proc.stderr))
    return proc


def http_instance(vantage, address, scheme="http", cafile=None, timeout=2):
    """The instance answering an HTTP(S) request from a vantage point, or None."""
    host = "[%s]" % address if ":" in address else address
    port = 443 if scheme == "https" else 80
    ca = "--cacert %s" % cafile if cafile else ""
    cmd = ("curl -s -o /dev/null -D - -m %s %s --resolve %s:%d:%s %s://%s/"
           % (timeout, ca, HOST, port, host, scheme, HOST))
    out = sh(vantage, cmd, check=False).stdout
    for line in out.splitlines():
        if line.lower().startswith("x-anycast-instance:"):
            return line.split(":", 1)[1].strip()
    return None


def dns_instance(vantage, address):
    out = sh(vantage, "kdig +short +time=1 +retry=0 @%s CH TXT id.server" % address, check=False).stdout.strip()
    return out.strip('"') or None


def stream(vantage, address, seconds, rate=25, kind="http", ends=False):
    """Send requests without pause for `seconds` at `rate`/s from a vantage point; return [(t, instance|None)], t
    when the request started; with ends, [(t, instance|None, t_end)], t_end when its answer (or failure) came.
    A request retried after a reset starts before the fault it is answered after: fail-over times are measured
    with t_end."""
    if kind == "http":
        host = "[%s]" % address if ":" in address else address
        # A client like a browser: an idempotent GET whose connection is reset is sent again at once. When a route
        # changes (a drain, a withdrawal, an ECMP set shrinking), a TCP connection that is in flight on the old
        # path is reset by the new one; nothing at layer 3 can carry it over. What must never happen is a request
        # that gets no answer at all (a black hole), which is what "lost" counts. curl waits 1 s, then 2 s between
        # the attempts (`--retry-delay 0` keeps its default backoff), so a retried request ends up to ~5 s later.
        one = ("curl -s -o /dev/null -D - -m 1 --retry 2 --retry-all-errors --retry-delay 0 --resolve %s:80:%s http://%s/ | "
               "sed -n 's/^[Xx]-[Aa]nycast-[Ii]nstance: *//p' | tr -d '\\r'" % (HOST, host, HOST))
    else:
        one = "kdig +short +time=1 +retry=1 @%s CH TXT id.server | tr -d '\"'" % address
    n = int(seconds * rate)
    script = ("i=0; while [ $i -lt %d ]; do s=$(date +%%s.%%N); r=$(%s); e=$(date +%%s.%%N); "
              "echo \"$s $e ${r:-FAIL}\"; i=$((i+1)); sleep %s; done" % (n, one, 1.0 / rate))
    out = sh(vantage, script, timeout=seconds * 4 + 30, check=False).stdout
    rows = []
    for line in out.splitlines():
        t, t_end, who = (line.split(" ", 2) + ["", ""])[:3]
        answer = None if who in ("", "FAIL") else who
        rows.append((float(t), answer, float(t_end)) if ends else (float(t), answer))
    return rows


def first_time(rows, predicate, after=0.0):
    for t, who in rows:
        if t >= after and predicate(who):
            return t
    return None


def wait(predicate, timeout, step=0.2):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(step)
    return predicate()

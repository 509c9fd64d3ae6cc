"""Helpers for the workload lab tests (no tests here): the demo workload of the lab intent, reached from a vantage
point over HTTPS (its hostname) and UDP (its echo), and what the instances run."""

import json

from ansible_collections.anycast.network.plugins.module_utils.lab import podman

DEMO_HOST = "demo.anycast.test"
DEMO4, DEMO6 = "203.0.113.30", "2001:db8:ac00::30"
ECHO4, ECHO6 = "203.0.113.31", "2001:db8:ac00::31"
ECHO_PORT = 7007
INSTANCES = ("ams-1", "ams-2", "lhr-1", "lhr-2", "jfk-1", "jfk-2", "lax-1", "lax-2")

UDP_CLIENT = r'''
import socket, sys
addr, port, text = sys.argv[1], int(sys.argv[2]), sys.argv[3]
s = socket.socket(socket.AF_INET6 if ":" in addr else socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(1.0)
s.sendto(text.encode(), (addr, port))
try:
    print(s.recv(2048).decode().strip())
except OSError:
    pass
'''


def https_demo(client, address, cafile, timeout=3):
    """(version, instance named by the app, instance named by Caddy's X-Anycast-Instance) of one HTTPS request on a
    new connection from a vantage point to the demo's hostname at address, the certificate verified; or None."""
    host = "[%s]" % address if ":" in address else address
    proc = podman.exec_(client, "curl", "-s", "-D", "-", "-m", str(timeout), "--cacert", cafile,
                        "--resolve", "%s:443:%s" % (DEMO_HOST, host), "https://%s/" % DEMO_HOST, timeout=timeout + 10)
    if proc.returncode != 0:
        return None
    header = body = None
    for line in proc.stdout.splitlines():
        if line.lower().startswith("x-anycast-instance:"):
            header = line.split(":", 1)[1].strip()
        if line.startswith("demo "):
            body = line.split()
    if not body or len(body) < 3:
        return None
    return body[1], body[2], header


def udp_echo(client, address, text, port=ECHO_PORT):
    """(version, instance, echoed text) of one datagram from a vantage point to the echo at address; or None."""
    proc = podman.exec_(client, "python3", "-c", UDP_CLIENT, address, str(port), text, timeout=10)
    words = proc.stdout.split()
    if len(words) < 4 or words[0] != "demo":
        return None
    return words[1], words[2], words[3]


def instance_state(plan, name, workload="demo"):
    """What an instance runs: the recorded image, the unit's start time, and the version its app answers with."""
    container = plan["nodes"][name]["container"]
    record = podman.exec_(container, "cat", "/var/lib/anycast/workloads/%s.image" % workload).stdout.strip()
    since = podman.exec_(container, "systemctl", "show", "--property=ActiveEnterTimestampMonotonic", "--value",
                         "anycast-workload-%s" % workload).stdout.strip()
    answer = podman.exec_(container, "curl", "-s", "-m", "3", "http://127.0.0.1:8080/").stdout.split()
    return {"record": record, "since": since, "version": answer[1] if len(answer) > 1 else None}


def states(plan, workload="demo"):
    return {name: instance_state(plan, name, workload) for name in INSTANCES}


def dump(value):
    return json.dumps(value, indent=1, sort_keys=True)

"""The fast_free strategy through ansible-playbook on the controller (six hosts, connection local, batches of three),
with Mitogen and without: a host does not wait for the slowest host of its batch, and the first failure stops the
other hosts of the batch and every later batch, without the free strategy's warnings."""

import os
import pathlib
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[3]
HOSTS = ["h%d" % i for i in range(1, 7)]

PLAY = """\
- name: Batches of three
  hosts: all
  serial: 3
  order: inventory
  strategy: anycast.network.fast_free
  gather_facts: false
  any_errors_fatal: true
  max_fail_percentage: 0
  tasks:
    - name: One, slow on h1 (it marks its end)
      ansible.builtin.shell: "{{ 'sleep 3 && touch ' ~ out ~ '/h1_done' if inventory_hostname == 'h1' else 'true' }}"
      changed_when: false

    - name: Two, fails where asked
      ansible.builtin.fail:
        msg: asked to fail
      when: inventory_hostname in fail_on | default([])

    - name: Three, records whether h1 had finished task one
      ansible.builtin.shell: "echo {{ inventory_hostname }} $(test -e {{ out }}/h1_done && echo after || echo before) >> {{ out }}/three"
      changed_when: false
"""


def inventory(tmp_path, hosts):
    """Each host its own Python path (a link to this Python): Mitogen keeps one interpreter per connection, and
    local connections with the same Python would share one, which runs their tasks one after the other."""
    lines = []
    for host in hosts:
        link = tmp_path / "python" / host / "python3"
        link.parent.mkdir(parents=True, exist_ok=True)
        if not link.exists():
            link.symlink_to(sys.executable)
        lines.append("%s ansible_connection=local ansible_python_interpreter=%s" % (host, link))
    path = tmp_path / "hosts.ini"
    path.write_text("\n".join(lines) + "\n")
    return path


def play(tmp_path, plain, *extra):
    (tmp_path / "out").mkdir(exist_ok=True)
    (tmp_path / "play.yml").write_text(PLAY)
    env = dict(os.environ, ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"), ANSIBLE_NOCOLOR="1",
               ANYCAST_STRATEGY_PLAIN="1" if plain else "0")
    proc = subprocess.run(
        [str(ROOT / ".venv/bin/ansible-playbook"), "-i", str(inventory(tmp_path, HOSTS)),
         str(tmp_path / "play.yml"), "-e", "out=%s" % (tmp_path / "out"), *extra],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=180, check=False)
    three = tmp_path / "out" / "three"
    rows = dict(line.split() for line in three.read_text().splitlines()) if three.exists() else {}
    return proc, rows


@pytest.mark.parametrize("plain", [False, True], ids=["mitogen", "plain"])
def test_hosts_do_not_wait_for_the_slowest(tmp_path, plain):
    proc, rows = play(tmp_path, plain)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    assert sorted(rows) == HOSTS
    # h2 and h3 ran their last task while h1 was still in its first.
    assert rows["h2"] == rows["h3"] == "before", rows
    assert "not supported" not in proc.stdout + proc.stderr


@pytest.mark.parametrize("plain", [False, True], ids=["mitogen", "plain"])
def test_a_failure_stops_the_batch_and_the_play(tmp_path, plain):
    proc, rows = play(tmp_path, plain, "-e", '{"fail_on": ["h2"]}')
    assert proc.returncode != 0
    out = proc.stdout + proc.stderr
    assert "asked to fail" in out
    # h1 was still in its first task when h2 failed: it got no further task; no host of the second batch ran.
    assert "h1" not in rows and not set(rows) & {"h4", "h5", "h6"}, rows
    assert "h2 failed: no further task for" in out
    assert "not supported" not in out
    for host in HOSTS[3:]:
        assert "[%s]" % host not in proc.stdout


def test_the_play_without_failure_with_linear_still_waits(tmp_path):
    """The contrast that makes the first test mean something: linear runs task three after h1's task one."""
    (tmp_path / "out").mkdir()
    (tmp_path / "play.yml").write_text(PLAY.replace("anycast.network.fast_free", "ansible.builtin.linear"))
    proc = subprocess.run(
        [str(ROOT / ".venv/bin/ansible-playbook"), "-i", str(inventory(tmp_path, HOSTS[:3])),
         str(tmp_path / "play.yml"), "-e", "out=%s" % (tmp_path / "out")],
        cwd=ROOT, env=dict(os.environ, ANSIBLE_CONFIG=str(ROOT / "ansible.cfg")), capture_output=True, text=True,
        timeout=180, check=False)
    assert proc.returncode == 0, proc.stdout[-3000:]
    rows = dict(line.split() for line in (tmp_path / "out" / "three").read_text().splitlines())
    assert rows == {"h1": "after", "h2": "after", "h3": "after"}

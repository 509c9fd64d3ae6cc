"""Never split: configure.yml's own plays (the reachability stop, the configure play's record removal, rescue,
re-announcement and record) run by ansible-playbook over fake local instances, the roles replaced by one push task
that fails where the test says; anycast-announce is the bird role's own, on a manifest per instance (no BIRD
runs: it keeps the state BIRD would read). Then verify.yml's record check on the same instances."""

import json
import os
import pathlib
import re
import socket
import subprocess
import sys

import yaml

from toolpath import path_env, tool

ROOT = pathlib.Path(__file__).resolve().parents[3]
ANNOUNCE = ROOT / "roles" / "bird" / "files" / "anycast-announce"
CONFIGURE = yaml.safe_load((ROOT / "playbooks" / "configure.yml").read_text())
VERIFY = yaml.safe_load((ROOT / "playbooks" / "verify.yml").read_text())
COUNTS = {"lhr": 2, "ams": 2, "jfk": 1}
PUSH = "Push the new configuration"


def _play(plays, name_start):
    return next(p for p in plays if p["name"].startswith(name_start))


def hosts():
    return ["%s-%d" % (pop, n) for pop, count in COUNTS.items() for n in range(1, count + 1)]


def configure_play(fail_on):
    """The configure play as configure.yml has it, its roles and BGP check replaced by a push that writes the
    instance's new manifest and fails on the hosts of `fail_on`."""
    play = dict(_play(CONFIGURE, "Configure the PoPs"))
    tasks = []
    for task in play["tasks"]:
        if "block" not in task:
            tasks.append(task)
            continue
        kept = [t for t in task["block"] if t["name"].startswith(("Announce again", "Record what"))]
        push = [{"name": PUSH, "ansible.builtin.copy": {"content": "new\n", "dest": "{{ push_file }}", "mode": "0644"}},
                {"name": "The push fails here", "ansible.builtin.fail": {"msg": "disk full"},
                 "when": "inventory_hostname in %r" % list(fail_on)}]
        tasks.append(dict(task, block=push + kept))
    play["tasks"] = tasks
    return play


def write_inventory(tmp, unreachable=()):
    host_vars = {}
    for name in hosts():
        base = tmp / name
        base.mkdir()
        state = base / "announce.json"
        manifest = base / "routing.json"
        manifest.write_text(json.dumps({
            "prefixes": ["192.0.2.0/24", "2001:db8:1::/48"], "state_file": str(state),
            "include_file": str(base / "announce.conf"), "birdc": [str(base / "no-birdc")], "sessions": []}))
        subprocess.run([sys.executable, str(ANNOUNCE), "--manifest", str(manifest), "render"], check=True,
                       capture_output=True)
        host_vars[name] = {
            "anycast_pop": name.rsplit("-", 1)[0], "bird_announce_command": str(ANNOUNCE),
            "bird_manifest_file": str(manifest), "bird_state_file": str(state),
            "anycast_converge_state_file": str(base / "converged.json"), "push_file": str(base / "pushed"),
            "ansible_connection": "local", "ansible_python_interpreter": sys.executable}
        if name in unreachable:
            # A port nobody listens on: SSH is refused at once.
            with socket.socket() as sock:
                sock.bind(("127.0.0.1", 0))
                port = sock.getsockname()[1]
            host_vars[name].update(ansible_connection="ssh", ansible_host="127.0.0.1", ansible_port=port)
    pops = {"pop_" + pop: {"hosts": {h: host_vars[h] for h in hosts() if h.startswith(pop + "-")}}
            for pop in COUNTS}
    (tmp / "hosts.yml").write_text(yaml.safe_dump({"all": {"children": {"anycast_instances": {"children": pops}}}},
                                                  sort_keys=False))
    intent = {"pops": {pop: {"provider": "lab", "region": pop, "instances": count} for pop, count in COUNTS.items()}}
    (tmp / "group_vars" / "all").mkdir(parents=True)
    (tmp / "group_vars" / "all" / "intent.yml").write_text(yaml.safe_dump({"anycast_intent": intent}, sort_keys=False))


def run(tmp, plays, *extra):
    (tmp / "play.yml").write_text(yaml.safe_dump(plays, sort_keys=False))
    env = dict(os.environ, ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"), ANSIBLE_NOCOLOR="1", ANSIBLE_FORCE_COLOR="0",
               ANSIBLE_CACHE_PLUGIN="memory", ANSIBLE_STDOUT_CALLBACK="ansible.builtin.default",
               ANSIBLE_CALLBACK_RESULT_FORMAT="json", ANSIBLE_HOST_KEY_CHECKING="false", PATH=path_env())
    return subprocess.run([tool("ansible-playbook"), "-i", str(tmp / "hosts.yml"), str(tmp / "play.yml"), *extra],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False)


def configure(tmp, fail_on=(), **extra_vars):
    plays = [_play(CONFIGURE, "Which instances"), _play(CONFIGURE, "Every instance to configure answers"),
             configure_play(fail_on)]
    extra = ["-e", json.dumps(extra_vars)] if extra_vars else []
    return run(tmp, plays, *extra)


def verify(tmp):
    play = dict(_play(VERIFY, "Sessions and exports"))
    play["tasks"] = [t for t in play["tasks"] if not t["name"].startswith("Check BGP")]
    return run(tmp, [play])


def mode(tmp, name):
    return json.loads((tmp / name / "announce.json").read_text())["mode"]


def recorded(tmp, name):
    return (tmp / name / "converged.json").exists()


def test_a_push_failing_on_one_instance_withdraws_it_keeps_no_record_and_stops_the_run(tmp_path):
    write_inventory(tmp_path)
    proc = configure(tmp_path, fail_on=["lhr-2"])
    out = proc.stdout
    assert proc.returncode != 0, out[-3000:]
    assert "PoP lhr: lhr-2 failed at 'The push fails here': disk full." in re.sub(r"\s+", " ", out), out[-3000:]
    # The other instance of the PoP went on, verified and recorded; the failed one withdraws, keeps no record.
    assert (mode(tmp_path, "lhr-1"), recorded(tmp_path, "lhr-1")) == ("normal", True)
    assert (mode(tmp_path, "lhr-2"), recorded(tmp_path, "lhr-2")) == ("withdraw", False)
    assert "define ANYCAST_MODE = 2;" in (tmp_path / "lhr-2" / "announce.conf").read_text()
    # No later PoP was touched.
    assert not any((tmp_path / h / "pushed").exists() for h in ("ams-1", "ams-2", "jfk-1"))
    # verify fails, naming the instance and its PoP, and only it.
    proc = verify(tmp_path)
    assert proc.returncode != 0
    text = re.sub(r"\s+", " ", proc.stdout)
    assert "PoP lhr: lhr-2 has no converge record" in text, proc.stdout[-3000:]
    assert "lhr-1 has no converge record" not in text
    # The next run repairs it: configured again, announced again (the mode it had), recorded; verify passes.
    proc = configure(tmp_path)
    assert proc.returncode == 0, proc.stdout[-3000:]
    assert all(mode(tmp_path, h) == "normal" and recorded(tmp_path, h) for h in hosts())
    assert not (tmp_path / "lhr-2" / "withdrawn-by-configure").exists()
    assert verify(tmp_path).returncode == 0


def test_every_instance_of_the_pop_failing_withdraws_none(tmp_path):
    write_inventory(tmp_path)
    proc = configure(tmp_path, fail_on=["lhr-1", "lhr-2"])
    assert proc.returncode != 0
    assert "No instance of PoP lhr went on without it: nothing was withdrawn." in re.sub(r"\s+", " ", proc.stdout)
    assert [mode(tmp_path, h) for h in ("lhr-1", "lhr-2")] == ["normal", "normal"]
    assert not any(recorded(tmp_path, h) for h in hosts())


def test_an_operators_drain_comes_back_after_the_repair(tmp_path):
    write_inventory(tmp_path)
    manifest = tmp_path / "lhr-2" / "routing.json"
    subprocess.run([sys.executable, str(ANNOUNCE), "--manifest", str(manifest), "drain"], check=True,
                   capture_output=True)
    assert configure(tmp_path, fail_on=["lhr-2"]).returncode != 0
    assert mode(tmp_path, "lhr-2") == "withdraw"
    assert configure(tmp_path).returncode == 0
    assert mode(tmp_path, "lhr-2") == "drain"


def test_an_unreachable_instance_stops_the_run_before_any_pop(tmp_path):
    write_inventory(tmp_path, unreachable=["ams-2"])
    proc = configure(tmp_path, anycast_reach_timeout=3)
    assert proc.returncode != 0
    assert "PoP ams: ams-2 does not answer" in re.sub(r"\s+", " ", proc.stdout), proc.stdout[-3000:]
    assert not any((tmp_path / h / "pushed").exists() for h in hosts())
    assert "Configure the PoPs" not in proc.stdout

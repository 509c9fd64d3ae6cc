"""The config_files and role_arguments actions through ansible-playbook on the controller itself (connection local,
files under a temporary directory): content rendered on the controller is what the template lookup renders, secrets
stay out of the output, and one task checks several roles' argument specifications."""

import os
import pathlib
import subprocess
import sys
import textwrap
from toolpath import BIN

ROOT = pathlib.Path(__file__).resolve().parents[3]

ROLE_TASKS = """\
- name: Write the files
  anycast.network.config_files:
    directories:
      - path: "{{ out }}"
    files:
      - dest: "{{ out }}/page.conf"
        template: page.j2
      - dest: "{{ out }}/other.conf"
        template: page.j2
        template_vars: {who: world, extra: given}
      - dest: "{{ out }}/script"
        src: script
        mode: "0755"
      - dest: "{{ out }}/secret.conf"
        template: secret.j2
        secret: true
        mode: "0600"
  register: written

- name: The rendered files are what the template lookup renders
  ansible.builtin.assert:
    that:
      - lookup('ansible.builtin.file', out ~ '/page.conf', rstrip=false) == lookup('ansible.builtin.template', 'page.j2')
      - lookup('ansible.builtin.file', out ~ '/script', rstrip=false) == lookup('ansible.builtin.file', 'script', rstrip=false)
"""


def playbook(tmp_path, text):
    path = tmp_path / "play.yml"
    path.write_text(textwrap.dedent(text))
    return path


def check_play(tmp_path, roles, more_tasks=""):
    """A play on localhost whose first task is role_arguments for `roles` (a YAML list), then `more_tasks`."""
    return playbook(tmp_path, f"""\
        - hosts: localhost
          gather_facts: false
          tasks:
            - name: Check
              anycast.network.role_arguments:
                roles: {roles}\n""" + more_tasks)


def run(tmp_path, play, *extra):
    env = dict(os.environ, ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"), ANSIBLE_NOCOLOR="1",
               ANSIBLE_ROLES_PATH=str(tmp_path / "roles"))
    return subprocess.run(
        [str(BIN / "ansible-playbook"), "-i", "localhost,", "-c", "local", str(play),
         "-e", "ansible_python_interpreter=%s" % sys.executable, *extra],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=180, check=False)


def make_role(tmp_path):
    role = tmp_path / "roles" / "demo"
    for sub in ("tasks", "templates", "files"):
        (role / sub).mkdir(parents=True)
    (role / "tasks" / "main.yml").write_text(ROLE_TASKS)
    (role / "templates" / "page.j2").write_text(
        "{{ ansible_managed | comment }}\nhello {{ who }} {{ extra | default('none') }}\n"
        "{% for n in numbers %}{{ n }} {% endfor %}\n\n")
    (role / "templates" / "secret.j2").write_text("password {{ demo_password }}\n")
    (role / "files" / "script").write_text("#!/bin/sh\necho '{{ not a template }}'\n\n")


def test_templates_render_on_the_controller_as_the_lookup_does(tmp_path):
    make_role(tmp_path)
    out = tmp_path / "out"
    play = playbook(tmp_path, f"""\
        - hosts: localhost
          gather_facts: false
          vars: {{out: "{out}", who: you, numbers: [1, 2, 3], demo_password: s3cr3t-Pw}}
          roles: [demo]
        """)
    proc = run(tmp_path, play, "-v", "--diff")
    log = proc.stdout + proc.stderr
    assert proc.returncode == 0, log
    page = (out / "page.conf").read_text()
    assert page.endswith("hello you none\n1 2 3 \n\n") and page.startswith("#"), page
    assert (out / "other.conf").read_text().endswith("hello world given\n1 2 3 \n\n")
    assert (out / "script").read_text() == "#!/bin/sh\necho '{{ not a template }}'\n\n"
    assert oct((out / "script").stat().st_mode & 0o777) == "0o755"
    assert (out / "secret.conf").read_text() == "password s3cr3t-Pw\n"
    assert "s3cr3t-Pw" not in log  # neither in the diff nor in the module's arguments
    assert "hello you" in log  # the other files' diffs are shown

    again = run(tmp_path, play)
    assert again.returncode == 0 and "changed=0" in again.stdout, again.stdout + again.stderr


def test_a_file_with_two_sources_fails_clearly(tmp_path):
    make_role(tmp_path)
    play = playbook(tmp_path, f"""\
        - hosts: localhost
          gather_facts: false
          tasks:
            - name: Two sources
              anycast.network.config_files:
                files:
                  - dest: "{tmp_path}/x"
                    content: "a"
                    src: /etc/hostname
        """)
    proc = run(tmp_path, play)
    assert proc.returncode != 0
    assert "takes one of content, template and src" in proc.stdout
    assert not (tmp_path / "x").exists()


def test_role_arguments_checks_every_role_listed(tmp_path):
    (tmp_path / "roles").mkdir()
    play = check_play(tmp_path, "[anycast.network.healthgate, drain]")
    intent = '{"anycast_intent": {"services": {}}}'  # the defaults of healthgate's services derive from it
    ok = run(tmp_path, play, "-e", intent, "-e", "healthgate_fall=3")
    assert ok.returncode == 0, ok.stdout + ok.stderr
    bad = run(tmp_path, play, "-e", intent, "-e", "healthgate_fall=many", "-e", "healthgate_interval=often")
    assert bad.returncode != 0
    assert "anycast.network.healthgate: argument 'healthgate_fall' is of type" in bad.stdout, bad.stdout
    assert "healthgate_interval" in bad.stdout
    unknown = check_play(tmp_path, "[nosuchrole]")
    proc = run(tmp_path, unknown)
    assert proc.returncode != 0 and "nosuchrole is not a role of this collection" in proc.stdout, proc.stdout


def test_role_arguments_in_a_play_that_imports_the_roles_checks_what_is_set_outside_them(tmp_path):
    """With the roles imported (their defaults among the task's variables), what still is a role's default is left
    to the role's own tests: here no intent exists, so templating healthgate's derived defaults would fail."""
    (tmp_path / "roles").mkdir()
    play = check_play(tmp_path, "[healthgate]", """\
            - name: The role, imported but not run here
              ansible.builtin.import_role:
                name: anycast.network.healthgate
                rolespec_validate: false
              when: false
        """)
    ok = run(tmp_path, play, "-e", "healthgate_fall=3")
    assert ok.returncode == 0, ok.stdout + ok.stderr
    bad = run(tmp_path, play, "-e", "healthgate_fall=many")
    assert bad.returncode != 0
    assert "healthgate: argument 'healthgate_fall' is of type" in bad.stdout, bad.stdout


def test_malformed_entries_fail_clearly(tmp_path):
    """Bad input to the actions: a clear message, no traceback, nothing written."""
    play = playbook(tmp_path, f"""\
        - hosts: localhost
          gather_facts: false
          tasks:
            - name: A file entry that is not a mapping
              anycast.network.config_files:
                files: ["{tmp_path}/x"]
              ignore_errors: true
              register: not_mapping
            - name: template_vars that are not a mapping
              anycast.network.config_files:
                files: [{{dest: "{tmp_path}/y", template: /etc/hostname, template_vars: [1]}}]
              ignore_errors: true
              register: bad_vars
            - name: reuse that is not a result
              anycast.network.bird_state:
                reuse: not-a-result
              ignore_errors: true
              register: bad_reuse
            - name: Each failed with its own message
              ansible.builtin.assert:
                that:
                  - not_mapping is failed and 'dictionary requested' in not_mapping.msg
                  - bad_vars is failed and 'template_vars must be a mapping' in bad_vars.msg
                  - bad_reuse is failed and 'reuse must be an earlier result' in bad_reuse.msg
        """)
    proc = run(tmp_path, play)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stdout + proc.stderr
    assert not (tmp_path / "x").exists() and not (tmp_path / "y").exists()

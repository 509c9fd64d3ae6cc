"""AWX configuration as code (awx/controller.yml).

* every job template's playbook exists and passes ansible-playbook --syntax-check;
* every credential the playbooks, intents and plugins read from the environment is injected by a credential type
  (the set is derived from the example intents' lookups and the plugins' documentation, not listed by hand);
* injector templates are !unsafe: applying the file with Ansible leaves them for AWX to render;
* every object validates against the argument spec of the awx.awx module that applies it. awx.awx is read from the
  `ansible` package on PyPI (the wheel is only unpacked, into .cache/awx/; nothing is installed). No AWX server is
  contacted: these machines have none.
"""

import json
import os
import pathlib
import re
import subprocess
import sys
import zipfile

import pytest
import yaml
from toolpath import BIN

ROOT = pathlib.Path(__file__).resolve().parents[3]
CONTROLLER = ROOT / "awx" / "controller.yml"
CACHE = ROOT / ".cache" / "awx"
ANSIBLE_PACKAGE = "ansible==12.3.0"  # the newest `ansible` for Python 3.11; it bundles awx.awx

pytestmark = pytest.mark.integration

SECTION_MODULE = {
    "controller_execution_environments": "execution_environment",
    "controller_credential_types": "credential_type",
    "controller_credentials": "credential",
    "controller_projects": "project",
    "controller_inventories": "inventory",
    "controller_inventory_sources": "inventory_source",
    "controller_templates": "job_template",
    "controller_schedules": "schedule",
}
SECRET_WORDS = re.compile(r"(KEY|SECRET|PASSWORD|TOKEN)")
ENV_LOOKUP = re.compile(r"""lookup\(\s*['"](?:ansible\.builtin\.)?env['"]\s*,\s*['"]([A-Za-z_][A-Za-z0-9_]*)['"]""")


class Unsafe(str):
    """A string tagged !unsafe in the file."""


class Loader(yaml.SafeLoader):
    pass


Loader.add_constructor("!unsafe", lambda loader, node: Unsafe(loader.construct_scalar(node)))


@pytest.fixture(scope="module")
def data():
    return yaml.load(CONTROLLER.read_text(), Loader=Loader)  # noqa: S506 - SafeLoader subclass


def _env(**extra):
    return dict(os.environ, ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"), **extra)


@pytest.fixture(scope="module")
def awx_docs():
    """ansible-doc --json of the awx.awx modules, from the awx.awx collection inside the `ansible` wheel."""
    collections = CACHE / "collections"
    if not (collections / "ansible_collections" / "awx" / "awx" / "plugins" / "modules").is_dir():
        wheels = list((CACHE / "wheel").glob("ansible-*.whl"))
        if not wheels:
            got = subprocess.run([str(BIN / "pip"), "download", "-q", "--no-deps", "-d", str(CACHE / "wheel"),
                                  ANSIBLE_PACKAGE], capture_output=True, text=True, timeout=600)
            wheels = list((CACHE / "wheel").glob("ansible-*.whl"))
            if got.returncode != 0 or not wheels:
                pytest.skip("the ansible package (for awx.awx) cannot be downloaded: %s" % got.stderr[-300:])
        with zipfile.ZipFile(wheels[0]) as wheel:
            members = [n for n in wheel.namelist() if n.startswith("ansible_collections/awx/awx/")]
            wheel.extractall(collections, members=members)
    modules = ["awx.awx.%s" % m for m in sorted(set(SECTION_MODULE.values()))]
    run = subprocess.run([str(BIN / "ansible-doc"), "--json", "-t", "module"] + modules, capture_output=True,
                         text=True, cwd=ROOT, timeout=120,
                         env=_env(ANSIBLE_COLLECTIONS_PATH="%s:%s" % (collections, ROOT / "collections")))
    assert run.returncode == 0, run.stderr
    return {name.split(".")[-1]: doc["doc"] for name, doc in json.loads(run.stdout).items()}


def test_every_job_template_playbook_exists_and_passes_syntax_check(data):
    playbooks = sorted({t["playbook"] for t in data["controller_templates"]})
    wanted = {"site.yml", "playbooks/provision.yml", "playbooks/configure.yml", "playbooks/drain.yml",
              "playbooks/undrain.yml", "playbooks/verify.yml", "playbooks/registry.yml", "playbooks/geodns.yml"}
    assert wanted <= set(playbooks), wanted - set(playbooks)
    missing = [p for p in playbooks if not (ROOT / p).is_file()]
    assert not missing, "job templates name playbooks that do not exist: %s" % missing
    for playbook in playbooks:
        run = subprocess.run([str(BIN / "ansible-playbook"), "--syntax-check", "-i", "localhost,", playbook],
                             capture_output=True, text=True, cwd=ROOT, timeout=180, env=_env())
        assert run.returncode == 0, "%s: %s%s" % (playbook, run.stdout[-1500:], run.stderr[-1500:])


def test_drain_and_undrain_ask_the_pop(data):
    by_playbook = {t["playbook"]: t for t in data["controller_templates"]}
    for playbook in ("playbooks/drain.yml", "playbooks/undrain.yml"):
        template = by_playbook[playbook]
        assert template["survey_enabled"] is True
        spec = template["survey_spec"]
        assert {"name", "description", "spec"} <= set(spec)
        questions = {q["variable"]: q for q in spec["spec"]}
        assert questions["pop"]["required"] is True
        # The playbook reads exactly that variable.
        assert "pop is defined" in (ROOT / playbook).read_text()
        for q in spec["spec"]:
            assert q["type"] in {"text", "textarea", "password", "integer", "float", "multiplechoice", "multiselect"}
            assert q["question_name"] and re.fullmatch(r"[a-z_][a-z0-9_]*", q["variable"])


def _documented_env(kind, names):
    run = subprocess.run([str(BIN / "ansible-doc"), "--json", "-t", kind] + names, capture_output=True, text=True,
                         cwd=ROOT, timeout=120, env=_env())
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout)


def needed_environment():
    """Environment variables holding secrets that the collection reads, derived from its files."""
    needed = {}
    # 1. The example intents (and the playbooks) look them up.
    for path in sorted(ROOT.glob("inventories/*/group_vars/**/*.yml")) + sorted(ROOT.glob("playbooks/*.yml")):
        for name in ENV_LOOKUP.findall(path.read_text()):
            if SECRET_WORDS.search(name):
                needed.setdefault(name, str(path.relative_to(ROOT)))
    # 2. Inventory plugins: required options fed from the environment (AWX injects credentials there).
    plugins = ["anycast.network.%s" % p.stem for p in sorted((ROOT / "plugins" / "inventory").glob("*.py"))]
    for name, doc in _documented_env("inventory", plugins).items():
        for option, spec in doc["doc"].get("options", {}).items():
            for env in spec.get("env") or []:
                if spec.get("required") or SECRET_WORDS.search(env["name"]):
                    needed.setdefault(env["name"], "%s option %s" % (name, option))
    # 3. Modules: secret environment variables their documentation names (E(...)) and their examples look up.
    modules = ["anycast.network.%s" % p.stem for p in sorted((ROOT / "plugins" / "modules").glob("*.py"))]
    for name, doc in _documented_env("module", modules).items():
        text = json.dumps(doc["doc"]) + (doc.get("examples") or "")
        for env in re.findall(r"E\(([A-Z][A-Z0-9_]*)\)", text) + ENV_LOOKUP.findall(text):
            if SECRET_WORDS.search(env):
                needed.setdefault(env, name)
    return needed


def test_every_secret_the_collection_reads_is_injected(data):
    needed = needed_environment()
    # The derivation must find the known families, or it is broken rather than the file.
    assert {"VULTR_API_KEY", "ANYCAST_VULTR_BGP_PASSWORD", "RIPE_API_KEY", "AWS_SECRET_ACCESS_KEY"} <= set(needed)
    injected = {}
    for ctype in data["controller_credential_types"]:
        for env in (ctype["injectors"].get("env") or {}):
            injected[env] = ctype["name"]
    missing = {env: where for env, where in needed.items() if env not in injected}
    assert not missing, "no credential type injects: %s" % missing


def test_injectors_are_unsafe_and_use_declared_fields(data):
    for ctype in data["controller_credential_types"]:
        fields = {f["id"] for f in ctype["inputs"]["fields"]}
        assert set(ctype["inputs"].get("required", [])) <= fields
        for f in ctype["inputs"]["fields"]:
            assert re.fullmatch(r"[a-z_][a-z0-9_]*", f["id"]) and f["type"] in {"string", "boolean"}
            if SECRET_WORDS.search(f["id"].upper()) and f["id"] != "access_key":
                assert f.get("secret") is True, "%s.%s must be secret" % (ctype["name"], f["id"])
        assert set(ctype["injectors"]) <= {"env", "extra_vars", "file"}
        for kind, values in ctype["injectors"].items():
            for key, template in values.items():
                assert isinstance(template, Unsafe), "%s injector %s.%s is not !unsafe" % (ctype["name"], kind, key)
                used = set(re.findall(r"{{\s*([a-z_][a-z0-9_]*)", template))
                assert used and used <= fields, (ctype["name"], key, used - fields)
                if kind == "env":
                    assert re.fullmatch(r"[A-Z_][A-Z0-9_]*", key) and not key.startswith("ANSIBLE_")


def test_applying_with_ansible_keeps_injectors_for_awx(tmp_path):
    """Ansible renders the file's own variables but not the injectors: AWX must receive '{{ api_key }}'."""
    out = tmp_path / "types.json"
    play = tmp_path / "render.yml"
    play.write_text("- hosts: localhost\n  gather_facts: false\n  tasks:\n"
                    "    - ansible.builtin.copy:\n"
                    "        content: '{{ {\"types\": controller_credential_types, \"ee\": controller_execution_environments,"
                    " \"creds\": controller_credentials} | to_json }}'\n"
                    "        dest: %s\n" % out)
    secrets = {"anycast_awx_vultr_api_key": "k", "anycast_awx_bgp_password_vultr": "p", "anycast_awx_ripe_api_key": "r",
               "anycast_awx_aws_access_key": "a", "anycast_awx_aws_secret_key": "s", "anycast_awx_ssh_private_key": "x"}
    run = subprocess.run([str(BIN / "ansible-playbook"), "-i", "localhost,", "-c", "local", "-e", "@%s" % CONTROLLER,
                          "-e", json.dumps(secrets), "-e", "ansible_python_interpreter=%s" % sys.executable,
                          str(play)], capture_output=True, text=True, cwd=tmp_path, timeout=120, env=_env())
    assert run.returncode == 0, run.stdout + run.stderr
    rendered = json.loads(out.read_text())
    vultr = [t for t in rendered["types"] if t["name"] == "anycast Vultr API"][0]
    assert vultr["injectors"]["env"]["VULTR_API_KEY"] == "{{ api_key }}"
    assert vultr["injectors"]["extra_vars"]["anycast_vultr_api_key"] == "{{ api_key }}"
    assert rendered["ee"][0]["image"].endswith("anycast-network-ee:1.0.0")
    assert [c for c in rendered["creds"] if c["name"] == "anycast Vultr"][0]["inputs"]["api_key"] == "k"


def _check_type(value, spec, where):
    kind = spec.get("type", "str")
    if isinstance(value, str) and "{{" in value:
        return  # templated at apply time
    expected = {"str": str, "list": list, "dict": dict, "bool": bool, "int": int, "raw": object, "path": str,
                "json": (dict, list, str)}.get(kind, object)
    assert isinstance(value, expected), "%s: %r is not of type %s" % (where, value, kind)
    if spec.get("choices") and not isinstance(value, (list, dict)):
        assert value in spec["choices"], "%s: %r not in %s" % (where, value, spec["choices"])


def test_objects_validate_against_awx_module_specs(data, awx_docs):
    for section, module in SECTION_MODULE.items():
        options = awx_docs[module]["options"]
        names = dict((alias, o) for o, spec in options.items() for alias in [o] + list(spec.get("aliases") or []))
        assert data.get(section), "%s is empty" % section
        for item in data[section]:
            where = "%s %s" % (section, item.get("name"))
            unknown = set(item) - set(names)
            assert not unknown, "%s: awx.awx.%s has no option %s" % (where, module, sorted(unknown))
            for option, spec in options.items():
                if spec.get("required"):
                    assert option in item, "%s: %s is required" % (where, option)
            for key, value in item.items():
                _check_type(value, options[names[key]], "%s.%s" % (where, key))


def test_references_resolve(data):
    ees = {e["name"] for e in data["controller_execution_environments"]}
    projects = {p["name"] for p in data["controller_projects"]}
    inventories = {i["name"] for i in data["controller_inventories"]}
    ctypes = {c["name"] for c in data["controller_credential_types"]} | {"Machine"}
    creds = {c["name"] for c in data["controller_credentials"]}
    for cred in data["controller_credentials"]:
        assert cred["credential_type"] in ctypes
        ctype = [c for c in data["controller_credential_types"] if c["name"] == cred["credential_type"]]
        if ctype:
            fields = {f["id"] for f in ctype[0]["inputs"]["fields"]}
            assert set(cred["inputs"]) <= fields and set(ctype[0]["inputs"].get("required", [])) <= set(cred["inputs"])
    for source in data["controller_inventory_sources"]:
        assert source["inventory"] in inventories and source["source_project"] in projects
        assert (ROOT / source["source_path"]).is_file(), source["source_path"]
        assert source.get("credential") in creds | {None}
    for template in data["controller_templates"]:
        assert template["project"] in projects and template["inventory"] in inventories
        assert template["execution_environment"] in ees
        assert set(template.get("credentials", [])) <= creds


def test_inventory_plugins_take_their_secrets_from_the_environment(data):
    """Pitfall: AWX injects credentials as environment variables; a plugin must declare env: for them."""
    for source in data["controller_inventory_sources"]:
        config = yaml.safe_load((ROOT / source["source_path"]).read_text())
        doc = _documented_env("inventory", [config["plugin"]])[config["plugin"]]["doc"]
        for option, spec in doc.get("options", {}).items():
            if spec.get("required") and option != "plugin" and option not in config:
                assert spec.get("env"), "%s: required option %s has no env source for AWX" % (config["plugin"], option)

"""The template code cache (plugins/plugin_utils/template_code_cache.py): a template string is compiled once per run,
by whichever process first needs it; the same result as without the cache; a different syntax setting or backslash
rule is a different entry; a broken template is never kept; the run's directory goes with the process that made it."""

import os

import pytest
from ansible._internal._templating._jinja_bits import AnsibleEnvironment
from ansible.template import Templar, trust_as_template

from ansible_collections.anycast.network.plugins.plugin_utils import template_code_cache as tcc


@pytest.fixture()
def cache(monkeypatch):
    """The cache installed, with a counter of the compiles that reached Jinja."""
    calls = []
    original = AnsibleEnvironment.compile

    def counting(self, source, *args, **kwargs):
        calls.append(source)
        return original(self, source, *args, **kwargs)

    monkeypatch.setattr(AnsibleEnvironment, "compile", counting)
    tcc.uninstall()
    directory = tcc.install()
    yield directory, calls
    tcc.uninstall()


def _render(text, escape_backslashes=True, overrides=None, **variables):
    return Templar(variables=variables).template(trust_as_template(text), escape_backslashes=escape_backslashes,
                                                 overrides=overrides)


def test_the_second_compile_of_a_string_is_served_by_the_cache(cache):
    directory, calls = cache
    template = "{% for n in names %}{{ n | upper }}-{% endfor %}{{ suffix }}"
    assert _render(template, names=["a", "b"], suffix="!") == "A-B-!"
    assert _render(template, names=["c"], suffix="?") == "C-?"
    assert calls.count(template) == 1
    assert len(os.listdir(directory)) >= 1


def test_a_forked_worker_finds_what_another_process_compiled(cache):
    """What a worker compiles lands on disk; a process that never compiled it (here: this one, after the child
    wrote it, with its own memory cleared) loads it instead of compiling."""
    _, calls = cache
    template = "{{ (a | int) + (b | int) }}"
    pid = os.fork()
    if pid == 0:  # the "worker"
        code = 0
        try:
            code = 0 if _render(template, a="2", b="3") == 5 else 3
        except BaseException:  # noqa: BLE001 - report through the exit code
            code = 4
        os._exit(code)
    _, status = os.waitpid(pid, 0)
    assert os.WEXITSTATUS(status) == 0
    assert template not in calls  # the child's compile happened in the child
    assert _render(template, a="4", b="5") == 9
    assert template not in calls  # ...and this process loaded it from the run's directory


def test_the_result_is_the_one_without_cache(cache):
    templates = ["{{ x ~ '\\n' }}", "a\n{% if x %}yes{% else %}no{% endif %}\n", "{{ {'k': x} | dict2items }}",
                 "{{ x | default('d') }} {# comment #}", "{{ range(3) | map('string') | join(',') }}"]
    cached = [_render(t, x="v") for t in templates]
    tcc.uninstall()
    assert [_render(t, x="v") for t in templates] == cached


def test_syntax_and_backslash_rules_are_part_of_the_key(cache):
    _, calls = cache
    env = AnsibleEnvironment()
    other = env.overlay(variable_start_string="[[", variable_end_string="]]")
    source = "{{ 'a\\nb' }} [[ 1 ]]"
    keys = {
        tcc.cache_key(env, source, None, None, False, False),
        tcc.cache_key(env, source, None, None, False, True),
        tcc.cache_key(other, source, None, None, False, False),
        tcc.cache_key(env, source + " ", None, None, False, False),
        tcc.cache_key(env, source, "name.j2", None, False, False),
    }
    assert len(keys) == 5
    variants = [{"escape_backslashes": True}, {"escape_backslashes": False},
                {"overrides": {"variable_start_string": "[[", "variable_end_string": "]]"}}]
    cached = [_render(source, **v) for v in variants] + [_render(source, **v) for v in variants]
    assert cached[:3] == cached[3:]
    assert len(set(cached[:3])) == 3  # three compiles that differ, none served for another
    assert len(calls) == 3
    tcc.uninstall()
    assert [_render(source, **v) for v in variants] == cached[:3]


def test_a_broken_template_is_compiled_every_time_and_never_kept(cache):
    directory, calls = cache
    broken = "{{ x | no_such_filter_anywhere }}"
    for _ in range(2):
        with pytest.raises(Exception):
            _render(broken, x=1)
    assert calls.count(broken) == 2
    assert os.listdir(directory) == []


def test_switched_off_by_the_environment(monkeypatch):
    tcc.uninstall()
    monkeypatch.setenv("ANYCAST_TEMPLATE_CACHE", "0")
    assert tcc.install() is None
    assert "__wrapped__" not in vars(AnsibleEnvironment).get("compile", AnsibleEnvironment.compile).__dict__


def test_only_the_process_that_made_the_directory_removes_it(cache):
    directory, _ = cache
    pid = os.fork()
    if pid == 0:
        tcc._remove()  # a forked worker's exit  # pylint: disable=protected-access
        os._exit(0)
    os.waitpid(pid, 0)
    assert os.path.isdir(directory)
    tcc.uninstall()
    assert not os.path.exists(directory)

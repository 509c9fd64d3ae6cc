# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Compile each Jinja template string once per playbook run, not once per task and host.

ansible-core (2.19) compiles a template every time it renders one: every `{{ ... }}` of a task's arguments, every
`when:`, every file `config_files` renders. The work happens in the worker process Ansible forks for each task and
host, so nothing a worker compiled survives it: a cold converge of eight instances compiled about 2,100 template
strings for 4.5 CPU-seconds, a fifth of what the controller spent in its workers, almost all of them strings another
host had compiled moments before.

`install()` (called by the collection's strategies in the playbook's main process, before any worker is forked)
wraps the Jinja environment's `compile` so that the Python code object it makes from a template string is kept, in
the process and in a directory that lives as long as the playbook run, where the workers of later tasks and hosts
find it. What Jinja compiles depends on the source and on the environment's syntax settings, on whether Ansible
escapes backslashes for this template, and on the filters and tests the run can load (Jinja looks them up while it
compiles): the key holds the first two, and the directory is made anew for each run, so the third cannot differ.
A template debugging session of Ansible (which writes the generated source to files) is never cached.

ANYCAST_TEMPLATE_CACHE=0 switches it off.
"""

from __future__ import annotations

import atexit
import hashlib
import marshal
import os
import shutil
import sys
import tempfile

# The environment settings that change the code Jinja generates from the same source.
_SETTINGS = ("block_start_string", "block_end_string", "variable_start_string", "variable_end_string",
             "comment_start_string", "comment_end_string", "line_statement_prefix", "line_comment_prefix",
             "trim_blocks", "lstrip_blocks", "newline_sequence", "keep_trailing_newline", "optimized", "is_async",
             "autoescape", "sandboxed")

_state = {"dir": None, "memory": {}, "owner": None, "original": None}


def enabled():
    return os.environ.get("ANYCAST_TEMPLATE_CACHE", "1").lower() not in ("0", "false", "no")


def cache_key(env, source, name, filename, defer_init, escape_backslashes):
    """A digest of everything that decides the code compiled from `source` within one run."""
    parts = [sys.version, type(env).__module__, type(env).__qualname__, env.code_generator_class.__qualname__,
             repr(sorted(env.extensions)), repr(callable(env.autoescape)), repr(env.finalize is not None),
             repr((name, filename, defer_init, escape_backslashes))]
    parts.extend(repr(getattr(env, attr, None)) for attr in _SETTINGS)
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part.encode("utf-8", "surrogatepass"))
        digest.update(b"\0")
    digest.update(str(source).encode("utf-8", "surrogatepass"))
    return digest.hexdigest()


def _escape_backslashes():
    from ansible._internal._templating._jinja_bits import _TemplateCompileContext

    context = _TemplateCompileContext.current(optional=True)
    return bool(context and context.escape_backslashes)


def _load(path):
    try:
        with open(path, "rb") as handle:
            return marshal.loads(handle.read())
    except (OSError, EOFError, ValueError, TypeError):
        return None


def _store(path, code):
    try:
        data = marshal.dumps(code)
    except ValueError:  # not a plain code object: keep it in this process only
        return
    try:
        handle = tempfile.NamedTemporaryFile(dir=os.path.dirname(path), delete=False)
        with handle:
            handle.write(data)
        os.replace(handle.name, path)  # a concurrent worker writing the same key writes the same bytes
    except OSError:
        pass


def cached_compile(original):
    """`original` (Environment.compile) with the cache in front of it."""

    def compile(self, source, name=None, filename=None, raw=False, defer_init=False):
        directory = _state["dir"]
        if (directory is None or raw or not isinstance(source, str)
                or getattr(self, "_debuggable_template_source", False)):
            return original(self, source, name, filename, raw, defer_init)
        key = cache_key(self, source, name, filename, defer_init, _escape_backslashes())
        code = _state["memory"].get(key)
        if code is None:
            path = os.path.join(directory, key)
            code = _load(path)
            if code is None:
                code = original(self, source, name, filename, raw, defer_init)
                _store(path, code)
            _state["memory"][key] = code
        return code

    compile.__wrapped__ = original
    return compile


def _remove():
    if _state["owner"] == os.getpid() and _state["dir"]:
        shutil.rmtree(_state["dir"], ignore_errors=True)


def install():
    """Put the cache in front of Ansible's Jinja environment for the rest of this process and the workers it forks;
    once per process. Returns the cache directory, or None when switched off or not possible."""
    if _state["dir"] is not None or not enabled():
        return _state["dir"]
    try:
        from ansible._internal._templating._jinja_bits import AnsibleEnvironment
    except ImportError:  # an ansible-core without this environment: nothing to cache
        return None
    _state["dir"] = tempfile.mkdtemp(prefix="anycast-templates-")
    _state["owner"] = os.getpid()
    atexit.register(_remove)
    original = AnsibleEnvironment.compile
    _state["original"] = original
    AnsibleEnvironment.compile = cached_compile(original)
    return _state["dir"]


def uninstall():
    """Undo install() (for tests)."""
    if _state["original"] is not None:
        from ansible._internal._templating._jinja_bits import AnsibleEnvironment

        AnsibleEnvironment.compile = _state["original"]
    _remove()
    _state.update(dir=None, memory={}, owner=None, original=None)

# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The commands the collection's modules run: (rc, stdout, stderr) as AnsibleModule.run_command answers, started
without copying the module's interpreter.

AnsibleModule.run_command always hands subprocess a preexec_fn, which makes Python fork() the whole interpreter for
every command. Without one, subprocess starts the command with vfork() (Python 3.10 and later, Linux), which copies
nothing. Python's standard library only.

Unlike run_command, arguments are passed as they are: no `~` or `$VAR` expansion (a role that wants a shell says
`sh -c`). Output is decoded as UTF-8, undecodable bytes kept as surrogate escapes.
"""

from __future__ import annotations

import os
import subprocess


def run(argv, data=None, environ_update=None):
    """(rc, stdout, stderr) of argv; `data` (text or bytes) on its standard input, `environ_update` added to the
    environment. A program that cannot be started answers rc 127 and the reason on stderr, like a shell."""
    env = dict(os.environ, **environ_update) if environ_update else None
    if isinstance(data, str):
        data = data.encode("utf-8")
    try:
        proc = subprocess.run(argv, input=data, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              stdin=None if data is not None else subprocess.DEVNULL, env=env, check=False)
    except OSError as exc:
        return 127, "", "%s: %s" % (argv[0], exc.strerror or exc)
    return (proc.returncode, proc.stdout.decode("utf-8", "surrogateescape"),
            proc.stderr.decode("utf-8", "surrogateescape"))

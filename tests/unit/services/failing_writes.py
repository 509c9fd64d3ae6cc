#!/usr/bin/env python3
"""Run a Python script with every write under some directories failing, as on a full or read-only file system.

  failing_writes.py ERRNO DIR[:DIR...] SCRIPT [ARGS...]

ERRNO is a name from the errno module (ENOSPC: the disk is full; EROFS: mounted read-only). Opening a file for
writing, creating a temporary file, making a directory, renaming onto and removing a path under one of the
directories raise OSError(ERRNO), as the kernel's write(2)/open(2)/rename(2) would; reads work. The script runs as
__main__ in this process (runpy), so its own error handling is what is tested.
"""
import builtins
import errno
import os
import runpy
import sys
import tempfile

code = getattr(errno, sys.argv[1])
roots = [os.path.realpath(d) for d in sys.argv[2].split(":") if d]


def blocked(path):
    try:
        real = os.path.realpath(os.fspath(path))
    except TypeError:
        return False
    return any(real == r or real.startswith(r + os.sep) for r in roots)


def fail(path):
    raise OSError(code, os.strerror(code), os.fspath(path))


real_open, real_os_open = builtins.open, os.open
real_replace, real_rename, real_unlink = os.replace, os.rename, os.unlink
real_mkstemp, real_makedirs = tempfile.mkstemp, os.makedirs


def open_(file, mode="r", *args, **kwargs):
    if isinstance(file, (str, bytes, os.PathLike)) and any(c in mode for c in "wax+") and blocked(file):
        fail(file)
    return real_open(file, mode, *args, **kwargs)


def os_open(path, flags, *args, **kwargs):
    if flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT) and blocked(path):
        fail(path)
    return real_os_open(path, flags, *args, **kwargs)


def mkstemp(*args, **kwargs):
    if blocked(kwargs.get("dir") or (args[2] if len(args) > 2 else tempfile.gettempdir())):
        fail(kwargs.get("dir"))
    return real_mkstemp(*args, **kwargs)


def makedirs(name, *args, **kwargs):
    if blocked(name) and not os.path.isdir(name):
        fail(name)
    return real_makedirs(name, *args, **kwargs)


def two(real):
    def wrapped(src, dst, *args, **kwargs):
        if blocked(src) or blocked(dst):
            fail(dst)
        return real(src, dst, *args, **kwargs)
    return wrapped


def unlink(path, *args, **kwargs):
    if blocked(path):
        fail(path)
    return real_unlink(path, *args, **kwargs)


builtins.open = open_
os.open, os.replace, os.rename, os.unlink = os_open, two(real_replace), two(real_rename), unlink
tempfile.mkstemp, os.makedirs = mkstemp, makedirs
script = sys.argv[3]
sys.argv = sys.argv[3:]
runpy.run_path(script, run_name="__main__")

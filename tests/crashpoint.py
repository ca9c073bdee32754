"""Deterministic crash injection for durability tests (not a test module).

:func:`run_child` runs a piece of Python in a fresh interpreter in which every *step* of writing a file under
one folder is counted: each ``write`` call on a file opened there, each ``os.fsync`` of such a file, each
``os.replace`` / ``os.rename`` onto a path there, each ``os.unlink`` there. With ``crash_at=k`` the child dies
with ``os._exit(CRASH_EXIT)`` at step ``k``, without finishing it: a crashing ``write`` first writes half its
bytes (a torn write, flushed so that it reaches the disk), a crashing ``fsync``/``replace``/``unlink`` does
nothing. With ``crash_at=None`` the child counts the steps and reports how many there were, so that a test can
crash at each one in turn, then resume and compare with an uninterrupted run.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

CRASH_EXIT = 86
_HERE = Path(__file__).resolve().parent

_PRELUDE = r'''
import builtins, io, json, os, sys
_ROOT = os.path.realpath(os.environ["CRASHPOINT_ROOT"])
_AT = int(os.environ["CRASHPOINT_AT"]) if os.environ.get("CRASHPOINT_AT") else None
_COUNT_FILE = os.environ["CRASHPOINT_COUNT"]
_steps = [0]
_log = []

def _inside(path):
    try:
        return os.path.realpath(os.fspath(path)).startswith(_ROOT + os.sep)
    except TypeError:
        return False

def _fd_inside(fd):
    try:
        return _inside(os.readlink(f"/proc/self/fd/{fd}"))
    except OSError:
        return False

def _step(what):
    _steps[0] += 1
    _log.append(what)
    return _AT is not None and _steps[0] == _AT

class _File:
    """A file opened under the root: its writes are steps."""
    def __init__(self, fh, name):
        object.__setattr__(self, "_fh", fh)
        object.__setattr__(self, "_name", name)
    def write(self, data):
        if _step(f"write {self._name}"):
            self._fh.write(data[: len(data) // 2])
            self._fh.flush()
            os._exit(__EXIT__)
        return self._fh.write(data)
    def __enter__(self):
        self._fh.__enter__()
        return self
    def __exit__(self, *exc):
        return self._fh.__exit__(*exc)
    def __iter__(self):
        return iter(self._fh)
    def __getattr__(self, name):
        return getattr(self._fh, name)
    def __setattr__(self, name, value):
        setattr(self._fh, name, value)

_open, _fdopen = builtins.open, os.fdopen

def _wrap(fh, mode, name):
    return _File(fh, name) if any(m in mode for m in "wax+") else fh

def _patched_open(file, mode="r", *args, **kwargs):
    fh = _open(file, mode, *args, **kwargs)
    if isinstance(file, int):
        return _wrap(fh, mode, "fd") if _fd_inside(file) else fh
    return _wrap(fh, mode, os.path.basename(os.fspath(file))) if _inside(file) else fh

def _patched_fdopen(fd, mode="r", *args, **kwargs):
    fh = _fdopen(fd, mode, *args, **kwargs)
    return _wrap(fh, mode, "fd") if _fd_inside(fd) else fh

builtins.open = io.open = _patched_open
os.fdopen = _patched_fdopen

def _guard(name, real, pick):
    def patched(*args, **kwargs):
        target = pick(*args)
        if target and _step(f"{name} {os.path.basename(str(target))}"):
            os._exit(__EXIT__)
        return real(*args, **kwargs)
    return patched

_fsync = os.fsync
os.fsync = _guard("fsync", _fsync, lambda fd: _fd_inside(fd) and "fd")
os.replace = _guard("replace", os.replace, lambda src, dst, *a: _inside(dst) and dst)
os.rename = _guard("rename", os.rename, lambda src, dst, *a: _inside(dst) and dst)
os.unlink = _guard("unlink", os.unlink, lambda path, *a: _inside(path) and path)
os.remove = os.unlink

import atexit
atexit.register(lambda: _open(_COUNT_FILE, "w").write(json.dumps({"steps": _steps[0], "log": _log})))
'''.replace("__EXIT__", str(CRASH_EXIT))


def run_child(code: str, root: Path, crash_at: int | None, *, timeout: float = 120) -> dict:
    """Run ``code`` in a child with crash injection under ``root``.

    Returns:
        ``{"crashed": bool, "steps": int, "log": [...]}`` (``steps``/``log`` only when it did not crash).

    Raises:
        AssertionError: The child failed otherwise (its stderr is in the message).
    """
    root.mkdir(parents=True, exist_ok=True)
    count_file = root.parent / f".crashpoint-{root.name}.json"
    count_file.unlink(missing_ok=True)
    env = dict(os.environ, CRASHPOINT_ROOT=str(root), CRASHPOINT_COUNT=str(count_file),
               CRASHPOINT_AT="" if crash_at is None else str(crash_at),
               PYTHONPATH=os.pathsep.join([str(_HERE), os.environ.get("PYTHONPATH", "")]))
    program = _PRELUDE + "\n" + textwrap.dedent(code)
    proc = subprocess.run([sys.executable, "-c", program], env=env, capture_output=True, text=True,
                          timeout=timeout, check=False)
    if crash_at is not None and proc.returncode == CRASH_EXIT:
        return {"crashed": True}
    assert proc.returncode == 0, f"child exited {proc.returncode}:\n{proc.stderr[-3000:]}"
    report = json.loads(count_file.read_text(encoding="utf-8"))
    return {"crashed": False, **report}

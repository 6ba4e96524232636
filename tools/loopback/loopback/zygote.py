"""The zygote: a Python that has imported the heavy modules once and forks a child per server to start.

``python -m loopback.zygote [--bytecode-cache DIR] MODULE...`` imports each MODULE, then reads
requests, one JSON object a line, on stdin::

    {"id": 1, "module": "strava_emulator", "args": ["--port", "8123"], "env": {...}, "cwd": "/x",
     "log": "/x/emulator.log"}

and for each forks a child that runs ``python -m module args`` as a fresh interpreter would: its own
session, stdin ``/dev/null``, stdout and stderr appended to ``log``, exactly ``env`` as environment,
``cwd``, ``sys.argv`` and ``sys.path[0]`` as ``-m`` sets them, unbuffered if ``PYTHONUNBUFFERED``, and
normal interpreter shutdown at the end (atexit, thread joins, flushing). It answers ``{"id": 1, "pid":
P}`` (or ``{"id": 1, "error": "..."}``) and, when a child ends, ``{"pid": P, "exit": CODE}`` (negative:
killed by that signal). Children get SIGTERM when the zygote dies; the zygote exits at the end of stdin.

With ``--bytecode-cache`` the zygote and its children keep compiled modules under DIR
(``sys.pycache_prefix``) even if ``PYTHONDONTWRITEBYTECODE`` is set, so an app loaded at every start
is compiled once; nothing is written next to the sources.

Single-threaded and without an event loop, so forking is safe; see :mod:`loopback.forking` for the side
that starts and talks to it.
"""

from __future__ import annotations

import argparse
import gc
import importlib
import io
import json
import os
import runpy
import select
import signal
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from loopback.processes import die_with_parent


@dataclass(frozen=True)
class Request:
    """What a child runs: ``python -m module args`` with exactly ``env``, in ``cwd``, output to ``log``."""

    module: str
    args: list[str]
    env: dict[str, str]
    cwd: str
    log: str | None

    @classmethod
    def from_json(cls, message: dict[str, Any]) -> Request:
        return cls(message["module"], message["args"], message["env"], message["cwd"], message.get("log"))


@dataclass
class _Channels:
    """The zygote's own file descriptors, which no child keeps."""

    requests: int
    answers: int
    wake_read: int
    wake_write: int


def serve(preload: Sequence[str]) -> Request | None:
    """Import ``preload``, then fork a child per request until stdin ends (then None).

    Returns only in a forked child, with its request: the caller runs it at the top level, so the child
    ends through the interpreter's normal shutdown.
    """
    channels = _take_stdio()
    in_child = die_with_parent()
    for name in preload:
        importlib.import_module(name)
    gc.freeze()  # preloaded objects stay in shared pages: the children's collector never touches them
    signal.set_wakeup_fd(channels.wake_write)
    signal.signal(signal.SIGCHLD, _ignore)  # a Python handler makes SIGCHLD write to the wakeup fd
    pending = b""
    while True:
        readable, _, _ = select.select([channels.requests, channels.wake_read], [], [])
        if channels.wake_read in readable:
            os.read(channels.wake_read, 4096)
            _reap(channels)
        if channels.requests not in readable:
            continue
        data = os.read(channels.requests, 65536)
        if not data:
            return None
        pending += data
        while b"\n" in pending:
            line, pending = pending.split(b"\n", 1)
            message = json.loads(line)
            request = Request.from_json(message)
            if _fork(channels, message["id"], in_child) == 0:
                _leave_zygote(channels)
                return request


def _take_stdio() -> _Channels:
    """Keep the request and answer pipes on private descriptors; stray prints go to stderr instead."""
    requests, answers = os.dup(0), os.dup(1)
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.close(null)
    os.dup2(2, 1)
    wake_read, wake_write = os.pipe()
    os.set_blocking(wake_read, False)
    os.set_blocking(wake_write, False)
    return _Channels(requests, answers, wake_read, wake_write)


def _fork(channels: _Channels, request_id: int, in_child: Callable[[], None] | None) -> int:
    """Fork; in the parent answer with the child's pid (or the error). 0 in the child."""
    sys.stdout.flush()
    sys.stderr.flush()
    try:
        pid = os.fork()
    except OSError as error:
        _answer(channels, {"id": request_id, "error": f"fork failed: {error}"})
        return -1
    if pid == 0:
        if in_child:
            in_child()
        return 0
    _answer(channels, {"id": request_id, "pid": pid})
    return pid


def _reap(channels: _Channels) -> None:
    while True:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        _answer(channels, {"pid": pid, "exit": os.waitstatus_to_exitcode(status)})


def _answer(channels: _Channels, message: dict[str, Any]) -> None:
    data = (json.dumps(message) + "\n").encode()
    while data:
        data = data[os.write(channels.answers, data) :]


def _ignore(signum: int, frame: object) -> None:
    pass


def _leave_zygote(channels: _Channels) -> None:
    """In the child: a session of its own, and none of the zygote's signal handling or pipes."""
    os.setsid()
    signal.set_wakeup_fd(-1)
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    for fd in (channels.requests, channels.answers, channels.wake_read, channels.wake_write):
        os.close(fd)


def run(request: Request, path_entry_is_cwd: bool) -> None:
    """Become ``python -m request.module``: output, environment, directory, argv, then the module."""
    if request.log is not None:
        log = os.open(request.log, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        os.dup2(log, 1)
        os.dup2(log, 2)
        os.close(log)
    else:
        os.dup2(2, 1)  # the zygote's stderr: stdout is its answer pipe
    os.environ.clear()
    os.environ.update(request.env)  # putenv too: C code sees the same environment
    _fresh_stdio(unbuffered=bool(request.env.get("PYTHONUNBUFFERED")))
    os.chdir(request.cwd)
    sys.argv = [request.module, *request.args]  # runpy puts the module's file in argv[0]
    sys.orig_argv = [sys.executable, "-m", request.module, *request.args]
    if path_entry_is_cwd:
        sys.path[0] = os.getcwd()
    importlib.invalidate_caches()
    runpy.run_module(request.module, run_name="__main__", alter_sys=True)


def _fresh_stdio(*, unbuffered: bool) -> None:
    """New ``sys.stdin``, ``sys.stdout`` and ``sys.stderr`` on fds 0-2, buffered as a fresh Python's."""
    encoding, errors = sys.stdout.encoding, sys.stdout.errors or "strict"

    def writer(fd: int, errors: str, *, line_buffering: bool) -> TextIO:
        binary = open(fd, "wb", buffering=0 if unbuffered else -1, closefd=False)  # noqa: SIM115
        return io.TextIOWrapper(
            binary, encoding, errors, line_buffering=line_buffering, write_through=unbuffered
        )

    sys.stdin = open(0, encoding=encoding, errors=errors, closefd=False)  # noqa: SIM115
    sys.stdout = writer(1, errors, line_buffering=False)
    sys.stderr = writer(2, "backslashreplace", line_buffering=not unbuffered)


def main(argv: Sequence[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m loopback.zygote", description=__doc__.split("\n")[0])
    parser.add_argument("--bytecode-cache", type=Path, help="keep compiled modules under this folder")
    parser.add_argument("preload", nargs="*", help="modules to import before forking")
    args = parser.parse_args(argv)
    if args.bytecode_cache:
        sys.pycache_prefix = str(args.bytecode_cache)
        sys.dont_write_bytecode = False
    path_entry_is_cwd = not getattr(sys.flags, "safe_path", False)  # as -m set it for the zygote
    request = serve(args.preload)
    if request is not None:  # a forked child
        run(request, path_entry_is_cwd)


if __name__ == "__main__":
    main(sys.argv[1:])

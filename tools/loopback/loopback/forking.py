"""Start ``python -m module`` servers for tests by forking a warm interpreter instead of exec'ing Python.

Most of a Python server's start is importing its libraries. :func:`start_python_module` asks a zygote
(:mod:`loopback.zygote`) that has imported ``preload`` once to fork the server, which then costs a few
milliseconds of CPU instead of the imports. There is one zygote per test process and preload list,
started on first use (through :func:`~loopback.processes.start_process`: it dies with us, and its
children die with it). A forked child is a :class:`~loopback.processes.ManagedProcess` like any other:
its own process group, stopped and killed the same way.

It falls back to a real ``python -m`` (exec) when forking is not known to be safe or would differ from
it: off Linux, with ``LOOPBACK_NO_ZYGOTE=1`` (for debugging), from a thread other than the main one
before a zygote exists (the zygote dies with the thread that started it), and when the ``PYTHON*``
variables that shape interpreter start (``PYTHONPATH``, ``PYTHONHASHSEED``, ...) differ from the
zygote's. Children share the zygote's hash seed (``random`` is reseeded in each).

The zygote and its children keep compiled modules in :func:`bytecode_cache`, outside the source tree,
even where ``PYTHONDONTWRITEBYTECODE`` is set: the app that each devhost loads is compiled once, not at
every start.
"""

from __future__ import annotations

import atexit
import contextlib
import itertools
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import IO, Any

from loopback.ports import running
from loopback.processes import ManagedProcess, python_module, start_process

NO_ZYGOTE_VARIABLE = "LOOPBACK_NO_ZYGOTE"
EXIT_UNKNOWN = 255  # the returncode of a child whose zygote died before reporting its exit
START_TIMEOUT_S = 60.0  # the first fork waits for the zygote's imports
LOST_CHILD_POLL_S = 0.02
RUNTIME_VARIABLES = frozenset({"PYTHONUNBUFFERED", "PYTHONASYNCIODEBUG", "PYTHONBREAKPOINT"})


def start_python_module(
    name: str,
    module: str,
    args: Sequence[str] = (),
    *,
    preload: Sequence[str] = (),
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
    log_path: Path | None = None,
) -> ManagedProcess:
    """``python -m module args`` like :func:`start_process` would run it, forked from a zygote that has
    imported ``preload`` when it can (see the module's docstring), else exec'd.

    ``env`` adds to ours, as for :func:`start_process`. Without ``log_path`` a forked child writes to
    the zygote's log (an exec'd one to our stdout and stderr)."""
    full_env = {**os.environ, **(env or {})}
    zygote = _zygote_for(tuple(preload), full_env)
    if zygote is None:
        return start_process(name, python_module(module, *args), env=env, cwd=cwd, log_path=log_path)
    child = zygote.fork(module, args, full_env, (cwd or Path.cwd()).resolve(), log_path)
    return ManagedProcess(name, child, log_path)


def interpreter_settings(env: Mapping[str, str]) -> dict[str, str]:
    """The variables Python reads as it starts (so a forked child cannot apply them)."""
    return {
        key: value for key, value in env.items() if key.startswith("PYTHON") and key not in RUNTIME_VARIABLES
    }


_zygotes: dict[tuple[str, ...], Zygote] = {}
_zygotes_lock = threading.Lock()


def bytecode_cache() -> Path:
    """Where zygotes keep compiled modules: ``$PYTHONPYCACHEPREFIX`` when set (``make test`` sets it),
    else one folder per user in the temporary directory."""
    if configured := os.environ.get("PYTHONPYCACHEPREFIX"):
        return Path(configured)
    return Path(tempfile.gettempdir()) / f"loopback-pycache-{os.getuid()}"


def _zygote_for(preload: tuple[str, ...], env: Mapping[str, str]) -> Zygote | None:
    if not sys.platform.startswith("linux") or env.get(NO_ZYGOTE_VARIABLE, "") not in ("", "0"):
        return None
    wanted = interpreter_settings(env)
    if wanted != interpreter_settings(os.environ):  # only a fresh interpreter would apply them
        return None
    with _zygotes_lock:
        zygote = _zygotes.get(preload)
        if zygote is None or not zygote.alive():
            if threading.current_thread() is not threading.main_thread():
                return None
            if not _zygotes:
                atexit.register(_close_zygotes)
            zygote = _zygotes[preload] = Zygote(preload)
    return zygote if zygote.settings == wanted else None  # unless ours changed since it started


def _close_zygotes() -> None:
    """At exit: end each zygote and wait for it, so its CPU time counts as ours (``time``, ``wait4``)."""
    for zygote in _zygotes.values():
        zygote.close()


class ZygoteChild:
    """A process forked by a :class:`Zygote`, with the part of :class:`subprocess.Popen` that
    :class:`~loopback.processes.ManagedProcess` uses."""

    def __init__(self, pid: int, zygote: Zygote) -> None:
        self.pid = pid
        self.returncode: int | None = None
        self.zygote = zygote

    def poll(self) -> int | None:
        return self.zygote.wait(self, 0.0, raise_timeout=False)

    def wait(self, timeout: float | None = None) -> int:
        code = self.zygote.wait(self, timeout)
        assert code is not None
        return code

    def __repr__(self) -> str:
        return f"ZygoteChild(pid={self.pid}, returncode={self.returncode})"


class Zygote:
    """One ``python -m loopback.zygote`` process and the children it forked for us."""

    def __init__(self, preload: Sequence[str], bytecode: Path | None = None) -> None:
        self.settings = interpreter_settings(os.environ)
        handle, log = tempfile.mkstemp(prefix="loopback-zygote-", suffix=".log")
        os.close(handle)
        self.log_path = Path(log)
        atexit.register(self.log_path.unlink, missing_ok=True)
        self.process = start_process(
            "zygote",
            python_module("loopback.zygote", "--bytecode-cache", str(bytecode or bytecode_cache()), *preload),
            log_path=self.log_path,
            pipes=True,
        )
        popen = self.process.child
        assert isinstance(popen, subprocess.Popen)
        assert popen.stdin is not None
        assert popen.stdout is not None
        self._requests: IO[bytes] = popen.stdin
        self._changed = threading.Condition()
        self._numbers = itertools.count(1)
        self._answers: dict[int, ZygoteChild | str] = {}  # by request id: the child, or why not
        self._children: dict[int, ZygoteChild] = {}  # by pid, until their exit is reported
        self._gone = False
        threading.Thread(target=self._read, args=(popen.stdout,), name="zygote-answers", daemon=True).start()

    def alive(self) -> bool:
        return not self._gone and self.process.alive()

    def close(self, timeout: float = 10.0) -> None:
        """End of requests: the zygote exits (children still running get SIGTERM) and is reaped."""
        with self._changed, contextlib.suppress(BrokenPipeError):
            self._requests.close()
        try:
            self.process.child.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()

    def fork(
        self, module: str, args: Sequence[str], env: Mapping[str, str], cwd: Path, log_path: Path | None
    ) -> ZygoteChild:
        """Have the zygote fork a child that runs ``python -m module args``; its pid is known on return."""
        message = {
            "module": module,
            "args": list(args),
            "env": dict(env),
            "cwd": str(cwd),
            "log": str(log_path) if log_path else None,
        }
        deadline = time.monotonic() + START_TIMEOUT_S
        with self._changed:
            number = next(self._numbers)
            try:
                self._requests.write((json.dumps({"id": number, **message}) + "\n").encode())
                self._requests.flush()
            except BrokenPipeError:
                self._gone = True
            while number not in self._answers and not self._gone:
                if not self._changed.wait(deadline - time.monotonic()):
                    break
            answer = self._answers.pop(number, None)
        if isinstance(answer, ZygoteChild):
            return answer
        why = answer or ("the zygote ended" if self._gone else f"no answer in {START_TIMEOUT_S:.0f} s")
        raise RuntimeError(f"the zygote did not start {module}: {why}\n{self.process.log_text()}")

    def wait(self, child: ZygoteChild, timeout: float | None, *, raise_timeout: bool = True) -> int | None:
        """``child``'s exit code once the zygote reports it (``timeout`` None: however long it takes)."""
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._changed:
            while child.returncode is None:
                if self._gone and not running(child.pid):
                    child.returncode = EXIT_UNKNOWN  # reaped by someone else: its code is lost
                    break
                left = None if deadline is None else deadline - time.monotonic()
                if left is not None and left <= 0:
                    if raise_timeout:
                        raise subprocess.TimeoutExpired(f"{child!r}", timeout or 0.0)
                    break
                if self._gone:  # nobody reports exits any more: look again soon
                    left = LOST_CHILD_POLL_S if left is None else min(left, LOST_CHILD_POLL_S)
                self._changed.wait(left)
            return child.returncode

    def _read(self, answers: IO[bytes]) -> None:
        """The zygote's answers, in order: a started child, a refused request, an exit."""
        for line in answers:
            message: dict[str, Any] = json.loads(line)
            with self._changed:
                if "exit" in message:
                    ended = self._children.pop(message["pid"], None)
                    if ended is not None:
                        ended.returncode = message["exit"]
                elif "pid" in message:
                    child = self._children[message["pid"]] = ZygoteChild(message["pid"], self)
                    self._answers[message["id"]] = child
                else:
                    self._answers[message["id"]] = str(message["error"])
                self._changed.notify_all()
        with self._changed:
            self._gone = True
            self._changed.notify_all()

"""Child processes on loopback: readiness checks and clean shutdown, and children that never outlive us.

Used by ``make run`` (devstack) and by the test fixtures of the app and of the tools, so all of them
start servers the same way. On Linux every child gets SIGTERM when the process that started it dies,
even by SIGKILL (``PR_SET_PDEATHSIG``).
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from loopback.ports import LOOPBACK as LOOPBACK
from loopback.ports import free_port as free_port
from loopback.ports import group_members, listened_by

PR_SET_PDEATHSIG = 1


@dataclass
class ManagedProcess:
    """A child process, leader of its own process group, that is stopped (group and all) on :meth:`stop`."""

    name: str
    child: subprocess.Popen[bytes]
    log_path: Path | None = None

    def alive(self) -> bool:
        return self.child.poll() is None

    def stop(self, timeout: float = 10.0) -> None:
        """SIGTERM the whole process group and wait until every member is gone; SIGKILL after ``timeout``."""
        if not self.alive() and not group_alive(self.child.pid):
            return
        _signal_group(self.child.pid, signal.SIGTERM)
        if not _wait_gone(self, timeout):
            self.kill()

    def kill(self) -> None:
        """SIGKILL the whole process group, as ``kill -9`` would, and wait until it is gone."""
        self.send_kill()
        _wait_gone(self, 10.0)

    def send_kill(self) -> None:
        """SIGKILL the whole process group without waiting (safe inside a signal handler)."""
        _signal_group(self.child.pid, signal.SIGKILL)

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path and self.log_path.exists() else ""


def group_alive(pgid: int) -> bool:
    """Whether any process of group ``pgid`` is still running (zombies do not count)."""
    if Path("/proc").is_dir():
        return bool(group_members(pgid))
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


def _signal_group(pgid: int, signum: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pgid, signum)


def _wait_gone(process: ManagedProcess, timeout: float) -> bool:
    """Reap the child and wait for the rest of its group; False if something is left after ``timeout``."""
    deadline = time.monotonic() + timeout
    try:
        process.child.wait(timeout)
    except subprocess.TimeoutExpired:
        return False
    while group_alive(process.child.pid):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


def start_process(
    name: str,
    argv: Sequence[str],
    *,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
    log_path: Path | None = None,
    pipes: bool = False,
) -> ManagedProcess:
    """Start ``argv`` in its own process group; output goes to ``log_path`` (or is inherited).

    With ``pipes`` the child's stdin and stdout are pipes to us (``child.stdin``, ``child.stdout``) and
    only its stderr goes to the log; otherwise its stdin is ``/dev/null``.
    """
    out = open(log_path, "ab") if log_path else None  # noqa: SIM115 - the child owns it
    try:
        popen = subprocess.Popen(  # noqa: S603 - argv is built by this project
            list(argv),
            cwd=cwd,
            env={**os.environ, **(env or {})},
            stdout=subprocess.PIPE if pipes else out,
            stderr=out if pipes else subprocess.STDOUT if out else None,
            stdin=subprocess.PIPE if pipes else subprocess.DEVNULL,
            start_new_session=True,
            preexec_fn=die_with_parent(),  # one libc call, no locks taken
        )
    finally:
        if out:
            out.close()
    return ManagedProcess(name, popen, log_path)


def die_with_parent() -> Callable[[], None] | None:
    """A ``preexec_fn`` asking Linux to SIGTERM the child when its parent dies (None elsewhere).

    Call it in the parent; run what it returns in the child, right after the fork. Linux means the
    parent *thread*: the child gets the signal when the thread that forked it ends."""
    if not sys.platform.startswith("linux"):
        return None
    prctl = ctypes.CDLL(None, use_errno=True).prctl  # libc, already loaded into this process
    parent = os.getpid()

    def in_child() -> None:
        prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
        if os.getppid() != parent:  # the parent died before the request took effect
            os._exit(1)

    return in_child


def wait_until_listening(process: ManagedProcess, url: str, timeout: float = 30.0) -> None:
    """Poll ``url`` until ``process`` (or its group) answers; fail early if the process dies.

    An answer from another program on the same port does not count: the listening socket must be ours.
    """
    port = urllib.parse.urlsplit(url).port
    deadline = time.monotonic() + timeout
    other_answered = False
    while time.monotonic() < deadline:
        if not process.alive():
            raise RuntimeError(
                f"{process.name} exited with {process.child.returncode}:\n{process.log_text()}"
            )
        if _answers(url):
            ours = port is None or listened_by(group_members(process.child.pid) or [process.child.pid], port)
            if ours:
                return
            other_answered = True
        time.sleep(0.1)
    process.stop()
    who = f"another program answers on port {port}" if other_answered else "no answer"
    raise TimeoutError(
        f"{process.name} did not answer at {url} within {timeout:.0f}s ({who}):\n{process.log_text()}"
    )


def _answers(url: str) -> bool:
    """Whether any HTTP answer (even an error status) comes from ``url``."""
    try:
        urllib.request.urlopen(url, timeout=1)  # noqa: S310 - loopback URL built here
    except urllib.error.HTTPError:
        return True
    except (urllib.error.URLError, OSError):
        return False
    return True


def wait_for_line(process: ManagedProcess, text: str, timeout: float = 60.0, *, after: int = 0) -> None:
    """Wait until ``text`` occurs in the process log more than ``after`` times; fail early if it dies."""
    deadline = time.monotonic() + timeout
    while process.log_text().count(text) <= after:
        if not process.alive():
            raise RuntimeError(
                f"{process.name} exited with {process.child.returncode}:\n{process.log_text()}"
            )
        if time.monotonic() > deadline:
            process.stop()
            raise TimeoutError(f"{process.name} was not ready within {timeout:.0f}s:\n{process.log_text()}")
        time.sleep(0.05)


def python_module(module: str, *args: str) -> list[str]:
    """argv that runs ``python -m module args`` with this interpreter."""
    return [sys.executable, "-m", module, *args]

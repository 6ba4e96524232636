"""Child processes on loopback: free ports, readiness checks and clean shutdown.

Used by ``make run`` (devstack) and by the test fixtures of the app and of the tools, so all of them
start servers the same way.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

LOOPBACK = "127.0.0.1"


def free_port() -> int:
    """A TCP port on loopback that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((LOOPBACK, 0))
        return int(sock.getsockname()[1])


@dataclass
class ManagedProcess:
    """A child process that is stopped (and its group killed) on :meth:`stop`."""

    name: str
    popen: subprocess.Popen[bytes]
    log_path: Path | None = None

    def alive(self) -> bool:
        return self.popen.poll() is None

    def stop(self, timeout: float = 10.0) -> None:
        """SIGTERM the whole process group and wait until every member is gone; SIGKILL after ``timeout``."""
        if not self.alive() and not group_alive(self.popen.pid):
            return
        _signal_group(self.popen.pid, signal.SIGTERM)
        if not _wait_gone(self, timeout):
            self.kill()

    def kill(self) -> None:
        """SIGKILL the whole process group, as ``kill -9`` would, and wait until it is gone."""
        _signal_group(self.popen.pid, signal.SIGKILL)
        _wait_gone(self, 10.0)

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path and self.log_path.exists() else ""


def group_alive(pgid: int) -> bool:
    """Whether any process of group ``pgid`` is still running (zombies do not count)."""
    proc = Path("/proc")
    if not proc.is_dir():
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return False
        return True
    for stat in proc.glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue  # the process ended while we looked
        if fields[0] != "Z" and int(fields[2]) == pgid:
            return True
    return False


def _signal_group(pgid: int, signum: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pgid, signum)


def _wait_gone(process: ManagedProcess, timeout: float) -> bool:
    """Reap the child and wait for the rest of its group; False if something is left after ``timeout``."""
    deadline = time.monotonic() + timeout
    try:
        process.popen.wait(timeout)
    except subprocess.TimeoutExpired:
        return False
    while group_alive(process.popen.pid):
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
) -> ManagedProcess:
    """Start ``argv`` in its own process group; output goes to ``log_path`` (or is inherited)."""
    out = open(log_path, "ab") if log_path else None  # noqa: SIM115 - the child owns it
    try:
        popen = subprocess.Popen(  # noqa: S603 - argv is built by this project
            list(argv),
            cwd=cwd,
            env={**os.environ, **(env or {})},
            stdout=out,
            stderr=subprocess.STDOUT if out else None,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    finally:
        if out:
            out.close()
    return ManagedProcess(name, popen, log_path)


def wait_until_listening(process: ManagedProcess, url: str, timeout: float = 30.0) -> None:
    """Poll ``url`` until any HTTP answer arrives; fail early if the process dies."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not process.alive():
            raise RuntimeError(
                f"{process.name} exited with {process.popen.returncode}:\n{process.log_text()}"
            )
        try:
            urllib.request.urlopen(url, timeout=1)  # noqa: S310 - loopback URL built here
            return
        except urllib.error.HTTPError:
            return  # it answered, even if with an error status
        except (urllib.error.URLError, OSError):
            time.sleep(0.1)
    process.stop()
    raise TimeoutError(f"{process.name} did not answer at {url} within {timeout:.0f}s:\n{process.log_text()}")


def wait_for_line(process: ManagedProcess, text: str, timeout: float = 60.0, *, after: int = 0) -> None:
    """Wait until ``text`` occurs in the process log more than ``after`` times; fail early if it dies."""
    deadline = time.monotonic() + timeout
    while process.log_text().count(text) <= after:
        if not process.alive():
            raise RuntimeError(
                f"{process.name} exited with {process.popen.returncode}:\n{process.log_text()}"
            )
        if time.monotonic() > deadline:
            process.stop()
            raise TimeoutError(f"{process.name} was not ready within {timeout:.0f}s:\n{process.log_text()}")
        time.sleep(0.05)


def python_module(module: str, *args: str) -> list[str]:
    """argv that runs ``python -m module args`` with this interpreter."""
    return [sys.executable, "-m", module, *args]

"""Child processes on loopback: free ports, readiness checks and clean shutdown.

Used by ``python -m devstack`` and by the test fixtures, so both start servers
the same way.
"""

from __future__ import annotations

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

PROJECT_ROOT = Path(__file__).resolve().parent.parent
LOOPBACK = "127.0.0.1"

# Azurite's well-known development account (public, documented by Microsoft).
AZURITE_ACCOUNT = "devstoreaccount1"
AZURITE_KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="


def free_port() -> int:
    """A TCP port on loopback that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((LOOPBACK, 0))
        return int(sock.getsockname()[1])


def azurite_connection_string(table_port: int) -> str:
    """Connection string for an Azurite table endpoint on loopback."""
    return (
        f"DefaultEndpointsProtocol=http;AccountName={AZURITE_ACCOUNT};AccountKey={AZURITE_KEY};"
        f"TableEndpoint=http://{LOOPBACK}:{table_port}/{AZURITE_ACCOUNT};"
    )


@dataclass
class ManagedProcess:
    """A child process that is stopped (and its group killed) on :meth:`stop`."""

    name: str
    popen: subprocess.Popen[bytes]
    log_path: Path | None = None

    def alive(self) -> bool:
        return self.popen.poll() is None

    def stop(self, timeout: float = 10.0) -> None:
        if not self.alive():
            return
        os.killpg(self.popen.pid, signal.SIGTERM)
        try:
            self.popen.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()

    def kill(self) -> None:
        """SIGKILL the whole process group, as ``kill -9`` would."""
        if self.alive():
            os.killpg(self.popen.pid, signal.SIGKILL)
            self.popen.wait()

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path and self.log_path.exists() else ""


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
            cwd=cwd or PROJECT_ROOT,
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


def start_azurite(
    port: int, workdir: Path, *, log_path: Path | None = None, persist: bool = False
) -> ManagedProcess:
    """Start Azurite's table service on ``port`` and wait until it answers.

    In memory by default (tests); with ``persist`` its data lives in ``workdir`` across restarts.
    """
    binary = PROJECT_ROOT / "node_modules" / ".bin" / "azurite-table"
    if not binary.exists():
        raise FileNotFoundError("Azurite is not installed: run `npm ci` (make install does it)")
    storage = ["--location", str(workdir)] if persist else ["--inMemoryPersistence"]
    process = start_process(
        "azurite",
        [
            str(binary),
            *storage,
            "--disableTelemetry",
            "--skipApiVersionCheck",
            "--tableHost",
            LOOPBACK,
            "--tablePort",
            str(port),
        ],
        cwd=workdir,
        log_path=log_path,
    )
    wait_until_listening(process, f"http://{LOOPBACK}:{port}/{AZURITE_ACCOUNT}/Tables")
    return process


def python_module(module: str, *args: str) -> list[str]:
    """argv that runs ``python -m module args`` with this interpreter."""
    return [sys.executable, "-m", module, *args]

"""devstack's tests run the real `make run` stack (`python -m devstack`) as a process of its own, on free
ports, on the app without personal settings, and check afterwards that every process and port is gone."""

from __future__ import annotations

import os
import shlex
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from devhost.testing import isolated_app_dir
from devstack.stack import PROJECT_ROOT
from loopback.ports import LOOPBACK, free_port, running

READY = "Ctrl-C stops everything"


def descendants(pid: int) -> list[int]:
    """``pid``'s children, grandchildren, ... now (from /proc)."""
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parents[int(stat.parent.name)] = int(stat.read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
    found, frontier = [], [pid]
    while frontier:
        children = [child for child, parent in parents.items() if parent in frontier]
        found += children
        frontier = children
    return found


def listening(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex((LOOPBACK, port)) == 0


def _as_a_terminal_starts_it() -> None:
    """SIGHUP at its default, as a shell gives a job, even when the suite itself runs under ``nohup``
    (which devstack honours by ignoring hangups and not watching its parent)."""
    signal.signal(signal.SIGHUP, signal.SIG_DFL)


@dataclass
class StackRun:
    """One `python -m devstack` in its own session (as a terminal's job), its output in a file."""

    argv: list[str]
    ports: dict[str, int]
    run_dir: Path
    out_path: Path
    env: dict[str, str] = field(default_factory=dict)
    popen: subprocess.Popen[bytes] | None = None
    pids: list[int] = field(default_factory=list)

    def start(self, *extra: str, wrap: list[str] | None = None) -> StackRun:
        """Start it (inside ``wrap``, e.g. a shell, if given)."""
        argv = [*self.argv, *extra]
        if wrap is not None:
            argv = [*wrap, shlex.join(argv) + "; exit $?"]  # a command after it keeps the shell
        with self.out_path.open("wb") as out:
            self.popen = subprocess.Popen(
                argv,
                cwd=PROJECT_ROOT,
                stdout=out,
                stderr=out,
                env={**os.environ, **self.env},
                start_new_session=True,
                preexec_fn=_as_a_terminal_starts_it,
            )
        return self

    def output(self) -> str:
        return self.out_path.read_text(errors="replace")

    def wait_for_output(self, text: str, timeout: float = 120) -> None:
        """Poll the output until ``text`` appears; fail if the run ends first or at ``timeout``."""
        assert self.popen is not None
        deadline = time.monotonic() + timeout
        while text not in self.output():
            assert self.popen.poll() is None, self.output()
            assert time.monotonic() < deadline, self.output()
            time.sleep(0.1)

    def wait_until_serving(self) -> None:
        """Until the banner is out; then note every process the run started, and check its ports answer."""
        assert self.popen is not None
        self.wait_for_output(READY)
        self.pids = [self.popen.pid, *descendants(self.popen.pid)]
        assert len(self.pids) >= 5, self.pids  # (the shell,) devstack, Azurite, emulator, devhost, site
        assert all(listening(port) for port in self.ports.values()), self.ports

    def signal_group(self, signum: int) -> None:
        """Send ``signum`` to the whole process group, as a terminal does for Ctrl-C or a hangup."""
        assert self.popen is not None
        os.killpg(self.popen.pid, signum)

    def wait(self, timeout: float = 60) -> int:
        assert self.popen is not None
        return self.popen.wait(timeout=timeout)

    def assert_all_gone(self, timeout: float = 30) -> None:
        """Every process the run started has ended and every port it used is closed (within ``timeout``)."""
        deadline = time.monotonic() + timeout
        while any(running(pid) for pid in self.pids) or any(listening(p) for p in self.ports.values()):
            left = [pid for pid in self.pids if running(pid)]
            assert time.monotonic() < deadline, f"still running: {left}, ports {self.ports}\n{self.output()}"
            time.sleep(0.1)

    def stop(self) -> None:
        """Teardown: whatever is left of the run is killed."""
        for pid in [*self.pids, *(descendants(self.popen.pid) if self.popen else [])]:
            if running(pid):
                os.kill(pid, signal.SIGKILL)
        if self.popen is not None and self.popen.poll() is None:
            self.popen.kill()
            self.popen.wait()


@pytest.fixture
def app_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return isolated_app_dir(PROJECT_ROOT, tmp_path_factory.mktemp("app"))


@pytest.fixture
def demo_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Demo mode even on a machine where the developer exported real Strava credentials."""
    for name in ("STRAVA_CLIENT_ID", "STRAVA_CLIENT_SECRET"):
        monkeypatch.setenv(name, "")


@pytest.fixture
def stack_run(app_dir: Path, tmp_path: Path, demo_env: None) -> Iterator[StackRun]:
    """`make run`'s command on free ports it names, on the isolated app, with its run dir in tmp_path."""
    ports = {name: free_port() for name in ("devhost", "azurite", "emulator", "site")}
    argv = [
        *(sys.executable, "-m", "devstack", "--app-dir", str(app_dir), "--run-dir", str(tmp_path / "run")),
        *("--port", str(ports["devhost"]), "--azurite-port", str(ports["azurite"])),
        *("--emulator-port", str(ports["emulator"]), "--site-port", str(ports["site"])),
    ]
    run = StackRun(argv, ports, tmp_path / "run", tmp_path / "out.txt")
    try:
        yield run
    finally:
        run.stop()

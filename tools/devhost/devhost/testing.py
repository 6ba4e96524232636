"""pytest plugin for testing a Functions app under devhost: devhost as a real subprocess on a free
loopback port, backed by the session's Azurite (``pytest_plugins = ["loopback.pytest_plugin",
"devhost.testing"]``).

Each devhost is forked from a zygote that has imported devhost and the Functions libraries once, never
the app (``loopback.forking``; ``LOOPBACK_NO_ZYGOTE=1`` starts a fresh ``python -m devhost`` instead).
"""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from loopback.forking import start_python_module
from loopback.processes import LOOPBACK, ManagedProcess, free_port, wait_for_line

from devhost import READY_LINE

START_TIMEOUT_S = 60.0
# Libraries only: the app is loaded by each devhost, after its environment is set (not azure.identity,
# which an app with a connection string never imports).
PRELOAD = ("devhost.host", "azure.functions", "azure.durable_functions", "azure.data.tables.aio")
_log_numbers = itertools.count(1)


def isolated_app_dir(app_dir: Path, target: Path) -> Path:
    """``app_dir`` as devhost loads it, minus the developer's own local.settings.json: links to its
    modules, packages and host.json in ``target``, so tests never pick up personal settings."""
    target.mkdir(parents=True, exist_ok=True)
    for entry in app_dir.iterdir():
        is_package = entry.is_dir() and (entry / "__init__.py").exists()
        if is_package or entry.suffix == ".py" or entry.name == "host.json":
            (target / entry.name).symlink_to(entry)
    return target


@dataclass
class RunningDevhost:
    """One devhost process; ``restart`` brings it back on the same port with the same settings."""

    url: str
    process: ManagedProcess
    log_path: Path
    args: list[str] = field(repr=False, default_factory=list)  # of python -m devhost
    env: dict[str, str] = field(repr=False, default_factory=dict)

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def kill(self) -> None:
        """SIGKILL the process group, as ``kill -9`` would."""
        self.process.kill()

    def stop(self) -> None:
        """SIGTERM and wait (a clean stop)."""
        self.process.stop()

    def restart(self) -> None:
        """Start again on the same port, with the same environment and storage (after kill or stop)."""
        self.process.stop()
        self.process = _start_and_wait(self.args, self.env, self.log_path)


def _start_and_wait(args: list[str], env: dict[str, str], log_path: Path) -> ManagedProcess:
    already = log_path.read_text(errors="replace").count(READY_LINE) if log_path.exists() else 0
    process = start_python_module("devhost", "devhost", args, preload=PRELOAD, env=env, log_path=log_path)
    wait_for_line(process, READY_LINE, START_TIMEOUT_S, after=already)
    return process


def launch_devhost(
    app_dir: Path,
    *,
    connection_string: str,
    log_dir: Path,
    env: dict[str, str] | None = None,
    require_keys: bool = False,
    task_hub: str | None = None,
) -> RunningDevhost:
    """Start devhost for ``app_dir`` and wait for its ready line; the caller stops it."""
    port = free_port()
    hub = task_hub or f"devhost{uuid.uuid4().hex[:16]}"
    args = ["--app-dir", str(app_dir), "--port", str(port), "--host", LOOPBACK, "--task-hub", hub]
    if require_keys:
        args.append("--require-keys")
    full_env = {"AzureWebJobsStorage": connection_string, "PYTHONUNBUFFERED": "1", **(env or {})}
    log_path = log_dir / f"devhost-{next(_log_numbers)}.log"
    process = _start_and_wait(args, full_env, log_path)
    return RunningDevhost(f"http://{LOOPBACK}:{port}", process, log_path, args, full_env)


@pytest.fixture
def start_devhost(azurite: str, tmp_path: Path) -> Iterator[Callable[..., RunningDevhost]]:
    """``start_devhost(app_dir, env=None, require_keys=False, task_hub=None)``; all stopped at teardown."""
    started: list[RunningDevhost] = []

    def start(
        app_dir: Path,
        env: dict[str, str] | None = None,
        require_keys: bool = False,
        task_hub: str | None = None,
    ) -> RunningDevhost:
        running = launch_devhost(
            app_dir,
            connection_string=azurite,
            log_dir=tmp_path,
            env=env,
            require_keys=require_keys,
            task_hub=task_hub,
        )
        started.append(running)
        return running

    try:
        yield start
    finally:
        for running in started:
            running.stop()

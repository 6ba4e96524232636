"""pytest plugin for testing a Functions app under devhost: devhost as a real subprocess on a free
loopback port, backed by the session's Azurite (``pytest_plugins = ["loopback.pytest_plugin",
"devhost.testing"]``).

``start_devhost`` starts one per call; ``shared_devhost`` keeps one per test process (per app folder)
and restarts it in place for each test with that test's settings and a fresh task hub
(``devhost --testing``, ``POST /_devhost/restart``).

"""

from __future__ import annotations

import itertools
import json
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from loopback.processes import (
    LOOPBACK,
    ManagedProcess,
    free_port,
    python_module,
    start_process,
    wait_for_line,
)

from devhost import READY_LINE

START_TIMEOUT_S = 60.0
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


def new_task_hub() -> str:
    return f"devhost{uuid.uuid4().hex[:16]}"


@dataclass
class RunningDevhost:
    """One devhost process; ``restart`` brings it back on the same port with the same settings."""

    url: str
    process: ManagedProcess
    log_path: Path
    args: list[str] = field(repr=False, default_factory=list)  # of python -m devhost
    env: dict[str, str] = field(repr=False, default_factory=dict)
    log_start: int = 0  # where this test's part of the log begins (a shared devhost's earlier tests)
    started_env: dict[str, str] = field(repr=False, default_factory=dict)  # before any reset
    started_settings: frozenset[str] = frozenset()  # the names in started_env that a reset replaces

    def log_text(self) -> str:
        if not self.log_path.exists():
            return ""
        with self.log_path.open("rb") as log:
            log.seek(self.log_start)
            return log.read().decode(errors="replace")

    @property
    def task_hub(self) -> str:
        return self.args[self.args.index("--task-hub") + 1]

    def reset(self, settings: dict[str, str], task_hub: str | None = None) -> None:
        """Restart in place (``--testing`` only): the app loaded afresh with the environment it started
        with plus ``settings``, on ``task_hub`` (a fresh one by default); the log starts anew."""
        hub = task_hub or new_task_hub()
        unset: dict[str, str | None] = {name: None for name in self.started_settings - set(settings)}
        body = json.dumps({"settings": {**unset, **settings}, "taskHub": hub}).encode()
        request = urllib.request.Request(  # noqa: S310 - loopback
            f"{self.url}/_devhost/restart", body, {"Content-Type": "application/json"}, method="POST"
        )
        with urllib.request.urlopen(request, timeout=START_TIMEOUT_S) as answer:  # noqa: S310
            assert answer.status == 200, answer.read()
        self.log_start = self.log_path.stat().st_size
        self.env = {**{k: v for k, v in self.started_env.items() if k not in unset}, **settings}
        self.args[self.args.index("--task-hub") + 1] = hub

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
    process = start_process("devhost", python_module("devhost", *args), env=env, log_path=log_path)
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
    testing: bool = False,
) -> RunningDevhost:
    """Start devhost for ``app_dir`` and wait for its ready line; the caller stops it."""
    port = free_port()
    hub = task_hub or new_task_hub()
    args = ["--app-dir", str(app_dir), "--port", str(port), "--host", LOOPBACK, "--task-hub", hub]
    if require_keys:
        args.append("--require-keys")
    if testing:
        args.append("--testing")
    full_env = {"AzureWebJobsStorage": connection_string, "PYTHONUNBUFFERED": "1", **(env or {})}
    log_path = log_dir / f"devhost-{next(_log_numbers)}.log"
    process = _start_and_wait(args, full_env, log_path)
    return RunningDevhost(
        f"http://{LOOPBACK}:{port}",
        process,
        log_path,
        args,
        full_env,
        started_env=dict(full_env),
        started_settings=frozenset(env or ()),
    )


@pytest.fixture
def start_devhost(azurite: str, tmp_path: Path) -> Iterator[Callable[..., RunningDevhost]]:
    """``start_devhost(app_dir, env=None, require_keys=False, task_hub=None, testing=False)``; all stopped
    at teardown."""
    started: list[RunningDevhost] = []

    def start(
        app_dir: Path,
        env: dict[str, str] | None = None,
        require_keys: bool = False,
        task_hub: str | None = None,
        testing: bool = False,
    ) -> RunningDevhost:
        running = launch_devhost(
            app_dir,
            connection_string=azurite,
            log_dir=tmp_path,
            env=env,
            require_keys=require_keys,
            task_hub=task_hub,
            testing=testing,
        )
        started.append(running)
        return running

    try:
        yield start
    finally:
        for running in started:
            running.stop()


class SharedDevhosts:
    """One ``--testing`` devhost per app folder, reset for each test that asks for it. One that a test
    killed, stopped or restarted (so its environment now holds that test's settings) is replaced."""

    def __init__(self, connection_string: str, log_dir: Path) -> None:
        self.connection_string = connection_string
        self.log_dir = log_dir
        self.hosts: dict[Path, tuple[RunningDevhost, ManagedProcess]] = {}

    def get(self, app_dir: Path, env: dict[str, str] | None = None) -> RunningDevhost:
        """The shared devhost for ``app_dir``, restarted with ``env`` on a fresh task hub."""
        known = self.hosts.get(app_dir)
        if known is not None and (known[0].process is not known[1] or not known[1].alive()):
            known[0].process.stop()
            known = None
        if known is None:  # started with these settings (the app may need some to load), then reset
            host = launch_devhost(
                app_dir, connection_string=self.connection_string, log_dir=self.log_dir, env=env, testing=True
            )
            self.hosts[app_dir] = (host, host.process)
            return host
        host, _ = known
        host.reset(env or {})
        return host

    def stop(self) -> None:
        for host, _ in self.hosts.values():
            host.process.stop()
        self.hosts.clear()


@pytest.fixture(scope="session")
def shared_devhost(
    azurite: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Callable[..., RunningDevhost]]:
    """``shared_devhost(app_dir, env=None)``: this test process's devhost for ``app_dir``, restarted in
    place with ``env`` and a fresh task hub (stopped at the end of the session). A test may kill, stop or
    restart it (the next test gets a new one); one that needs keys or two devhosts uses ``start_devhost``."""
    hosts = SharedDevhosts(azurite, tmp_path_factory.mktemp("shared-devhost"))
    try:
        yield hosts.get
    finally:
        hosts.stop()

"""devhost's tests: Azurite per session, devhost subprocesses per test; the basic test app, copied per
session with its local.settings.json written from a committed fixture (real local.settings.json files
are never committed: they hold secrets)."""

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from loopback.azurite import azurite_connection_string, start_azurite
from loopback.ports import port_is_free
from loopback.processes import ManagedProcess, free_port

from tests.polling import wait_until

pytest_plugins = ["loopback.pytest_plugin", "devhost.testing"]

BASIC_APP = Path(__file__).parent / "host" / "apps" / "basic"


@pytest.fixture(scope="session")
def basic_app(tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("apps") / "basic"
    shutil.copytree(BASIC_APP, target, ignore=shutil.ignore_patterns("__pycache__", "local.settings.json"))
    (target / "local.settings.json").write_text((BASIC_APP / "local.settings.fixture.json").read_text())
    return target


@dataclass
class OwnAzurite:
    """An in-memory Azurite that a test may kill -9 and start again on the same port (empty)."""

    port: int
    workdir: Path
    process: ManagedProcess

    @property
    def connection_string(self) -> str:
        return azurite_connection_string(self.port)

    def kill(self) -> None:
        self.process.kill()

    def start_again(self) -> None:
        # the killed Azurite's connections may hold the port a moment longer on a busy machine
        wait_until(lambda: port_is_free(self.port), 30, f"port {self.port} to be free again")
        self.process = start_azurite(self.port, self.workdir, log_path=self.workdir / "azurite.log")


@pytest.fixture
def own_azurite(tmp_path: Path) -> Iterator[OwnAzurite]:
    """Azurite for one test only, so that killing it harms no other test."""
    workdir = tmp_path / "own-azurite"
    workdir.mkdir()
    port = free_port()
    own = OwnAzurite(port, workdir, start_azurite(port, workdir, log_path=workdir / "azurite.log"))
    try:
        yield own
    finally:
        own.process.stop()

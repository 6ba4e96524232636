"""pytest fixtures for tests that touch Table Storage: one in-memory Azurite per session (or one shared
by every session: ``$LOOPBACK_AZURITE``), and a table-name prefix per test. Enable with
``pytest_plugins = ["loopback.pytest_plugin"]``."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from loopback.azurite import SHARED_AZURITE_SETTING, azurite_connection_string, start_azurite
from loopback.processes import free_port


@pytest.fixture(scope="session")
def azurite(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The connection string of an in-memory Azurite table service: ``$LOOPBACK_AZURITE`` when set,
    else one started for this test session (per xdist worker) and stopped after it."""
    if shared := os.environ.get(SHARED_AZURITE_SETTING):
        yield shared
        return
    workdir: Path = tmp_path_factory.mktemp("azurite")
    port = free_port()
    process = start_azurite(port, workdir, log_path=workdir / "azurite.log")
    try:
        yield azurite_connection_string(port)
    finally:
        process.stop()


@pytest.fixture
def table_prefix() -> str:
    """A table-name prefix unique to one test, so tests sharing Azurite never see each other's rows."""
    return "t" + uuid.uuid4().hex[:12]

"""The basic test app, copied per test session with its local.settings.json written from a committed
fixture (real local.settings.json files are never committed: they hold secrets)."""

import shutil
from pathlib import Path

import pytest

BASIC_APP = Path(__file__).parent / "apps" / "basic"


@pytest.fixture(scope="session")
def basic_app(tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("apps") / "basic"
    shutil.copytree(BASIC_APP, target, ignore=shutil.ignore_patterns("__pycache__", "local.settings.json"))
    (target / "local.settings.json").write_text((BASIC_APP / "local.settings.fixture.json").read_text())
    return target

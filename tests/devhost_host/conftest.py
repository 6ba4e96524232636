"""The basic test app's local.settings.json is written from a committed fixture for the session.

Real local.settings.json files are never committed (they hold secrets), so the test app keeps its
harmless values in local.settings.fixture.json and this puts them where devhost looks.
"""

from collections.abc import Iterator
from pathlib import Path

import pytest

BASIC_APP = Path(__file__).parent / "apps" / "basic"


@pytest.fixture(scope="session", autouse=True)
def basic_app_local_settings() -> Iterator[None]:
    target = BASIC_APP / "local.settings.json"
    target.write_text((BASIC_APP / "local.settings.fixture.json").read_text())
    try:
        yield
    finally:
        target.unlink(missing_ok=True)

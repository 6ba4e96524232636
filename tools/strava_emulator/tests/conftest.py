"""The emulator's tests: emulator subprocesses on loopback, and an aiohttp client session per test."""

from collections.abc import AsyncIterator

import aiohttp
import pytest

pytest_plugins = ["strava_emulator.testing", "tests.receiver"]


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=15)) as client:
        yield client

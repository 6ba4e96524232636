"""Fixtures for the storage tests: a TableService on the session's Azurite, closed after each test."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from storage import TableService


@pytest.fixture
async def service(azurite: str) -> AsyncIterator[TableService]:
    async with TableService.from_connection_string(azurite) as tables:
        yield tables

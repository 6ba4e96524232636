from __future__ import annotations

import asyncio

import pytest

from storage import DiagnosticsStore, InvalidKeyError, TableService


@pytest.fixture
async def store(service: TableService, table_prefix: str) -> DiagnosticsStore:
    return DiagnosticsStore(service, table_prefix + "diagnostics")


async def test_facts_merge_and_round_trip_types(store: DiagnosticsStore) -> None:
    assert await store.read(5) == {}
    await store.record(5, {"last_refresh": "2024-05-01T12:00:00Z", "refreshes": 3, "ok": True})
    await store.record(5, {"rate_limit_usage": 0.25, "big": 2**40, "refreshes": 4})
    assert await store.read(5) == {
        "last_refresh": "2024-05-01T12:00:00Z",
        "refreshes": 4,
        "ok": True,
        "rate_limit_usage": 0.25,
        "big": 2**40,
    }
    assert type((await store.read(5))["ok"]) is bool


async def test_none_clears_a_fact(store: DiagnosticsStore) -> None:
    await store.record(5, {"last_error": "429", "refreshes": 1})
    await store.record(5, {"last_error": None, "last_ok": "now"})
    assert await store.read(5) == {"refreshes": 1, "last_ok": "now"}
    await store.record(6, {"only": None})
    assert await store.read(6) == {}


async def test_concurrent_clears_and_merges_keep_every_fact(store: DiagnosticsStore) -> None:
    await store.record(5, {f"f{i}": i for i in range(8)})
    await asyncio.gather(*(store.record(5, {f"f{i}": None, f"g{i}": i}) for i in range(8)))
    assert await store.read(5) == {f"g{i}": i for i in range(8)}


async def test_refuses_bad_input(store: DiagnosticsStore) -> None:
    with pytest.raises(InvalidKeyError):
        await store.record("1/2", {"x": 1})  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="fact names"):
        await store.record(5, {"PartitionKey": "x"})
    with pytest.raises(TypeError):
        await store.record(5, {"x": [1]})  # type: ignore[dict-item]

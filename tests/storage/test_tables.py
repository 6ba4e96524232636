from __future__ import annotations

import asyncio
import traceback

import pytest

from storage import (
    ConcurrencyConflictError,
    EntityExistsError,
    InvalidKeyError,
    TableService,
)

SECRET = "refresh-SECRET-must-not-leak"


async def test_table_is_created_once_and_cached(service: TableService, table_prefix: str) -> None:
    first, second = await asyncio.gather(service.table(table_prefix + "a"), service.table(table_prefix + "a"))
    assert first is second
    await first.upsert_entity({"PartitionKey": "p", "RowKey": "r"})


async def test_existing_table_is_reused(azurite: str, table_prefix: str) -> None:
    for value in (1, 2):
        async with TableService.from_connection_string(azurite) as tables:
            table = await tables.checked_table(table_prefix + "reuse")
            await table.upsert({"PartitionKey": "p", "RowKey": "r", "v": value})
            row = await table.get("p", "r")
            assert row is not None
            assert row["v"] == value


@pytest.mark.parametrize("name", ["ab", "1abc", "a-b-c", "x" * 64, ""])
async def test_invalid_table_names_are_refused(service: TableService, name: str) -> None:
    with pytest.raises(ValueError, match="table names"):
        await service.table(name)


async def test_keys_are_checked_on_every_operation(service: TableService, table_prefix: str) -> None:
    table = await service.checked_table(table_prefix + "keys")
    with pytest.raises(InvalidKeyError):
        await table.upsert({"PartitionKey": "a/b", "RowKey": "r"})
    with pytest.raises(InvalidKeyError):
        await table.get("p", "r?x")
    with pytest.raises(InvalidKeyError):
        await table.delete("p#", "r")
    assert [e async for e in table.client.list_entities()] == []


def full_text(error: BaseException) -> str:
    return "".join(traceback.format_exception(error)) + repr(error.args)


async def test_sdk_errors_are_mapped_without_leaking_entity_data(
    service: TableService, table_prefix: str
) -> None:
    table = await service.checked_table(table_prefix + "leak")
    row = {"PartitionKey": "p", "RowKey": "r", "RefreshToken": SECRET}
    etag = await table.insert(row)
    with pytest.raises(EntityExistsError) as exists:
        await table.insert(row)
    await table.update({**row, "RefreshToken": SECRET + "2"}, etag)
    with pytest.raises(ConcurrencyConflictError) as conflict:
        await table.update(row, etag)
    with pytest.raises(ConcurrencyConflictError):
        await table.delete("p", "r", etag)
    for caught in (exists, conflict):
        assert SECRET not in full_text(caught.value)
        assert caught.value.__cause__ is None
        assert caught.value.__context__ is None
    assert (conflict.value.status, exists.value.status) == (412, 409)
    await table.delete("p", "r")
    assert await table.get("p", "r") is None


async def test_a_table_wiped_under_a_running_app_reads_empty_and_is_created_again(
    service: TableService, azurite: str, table_prefix: str
) -> None:
    """Storage wiped (an Azurite restarted empty) while the service holds the table's client."""
    name = table_prefix + "wiped"
    table = await service.checked_table(name)
    await table.upsert({"PartitionKey": "p", "RowKey": "r", "v": 1})
    async with TableService.from_connection_string(azurite) as other:
        await other._client.delete_table(name)  # what a wipe does
    assert await table.query("PartitionKey eq @pk", {"pk": "p"}) == []
    assert await table.get("p", "r") is None
    await table.insert({"PartitionKey": "p", "RowKey": "r", "v": 2})  # the table is created again
    row = await table.get("p", "r")
    assert row is not None and row["v"] == 2
    async with TableService.from_connection_string(azurite) as other:
        await other._client.delete_table(name)  # what a wipe does
    await table.submit([("upsert", {"PartitionKey": "p", "RowKey": "s"})])
    assert [str(r["RowKey"]) for r in await table.query("PartitionKey eq @pk", {"pk": "p"})] == ["s"]

"""Each Table Storage limit, asserted by check_* and by CheckedTable refusing before it writes."""

from __future__ import annotations

from typing import Any

import pytest
from azure.data.tables import EdmType, EntityProperty

from storage import StorageLimitError, TableService, check_batch, check_entity
from storage.limits import MAX_ENTITY_BYTES, entity_size

KIB = 1024


def entity(**properties: Any) -> dict[str, Any]:
    return {"PartitionKey": "p", "RowKey": "r", **properties}


def chunks(count: int, each: int) -> dict[str, bytes]:
    return {f"B{i:02d}": b"x" * each for i in range(count)}


def test_entity_size_follows_documented_formula() -> None:
    # 4 + 2*(1+1) + [8 + 2*1 + 4 + 2*2] + [8 + 2*1 + 4] + [8 + 2*1 + 4 + 3] + [8 + 2*1 + 1]
    sized = entity(s="ab", i=7, b=b"xyz", f=True)
    assert entity_size(sized) == 4 + 4 + 18 + 14 + 17 + 11
    assert entity_size(entity(big=EntityProperty(2**40, EdmType.INT64))) == 8 + 8 + 2 * 3 + 8


def test_property_value_limit_64_kib() -> None:
    check_entity(entity(b=b"x" * 64 * KIB, s="y" * 32 * KIB))
    with pytest.raises(StorageLimitError, match="property 'b' value size: 65537 bytes") as caught:
        check_entity(entity(b=b"x" * (64 * KIB + 1)))
    assert (caught.value.actual, caught.value.allowed) == (64 * KIB + 1, 64 * KIB)
    with pytest.raises(StorageLimitError, match="property 's'"):
        check_entity(entity(s="y" * (32 * KIB + 1)))


def test_entity_limit_1_mib() -> None:
    check_entity(entity(**chunks(15, 64 * KIB), tail=b"x" * (60 * KIB)))
    too_big = entity(**chunks(16, 64 * KIB))
    with pytest.raises(StorageLimitError, match="entity size") as caught:
        check_entity(too_big)
    assert caught.value.actual > MAX_ENTITY_BYTES == caught.value.allowed


def test_property_count_limit_255_including_system_properties() -> None:
    check_entity(entity(**{f"p{i}": i for i in range(252)}))
    with pytest.raises(StorageLimitError, match="properties per entity: 256"):
        check_entity(entity(**{f"p{i}": i for i in range(253)}))


def test_batch_limits() -> None:
    small = [("upsert", entity(RowKey=f"r{i}", v=i)) for i in range(100)]
    check_batch(small)
    with pytest.raises(StorageLimitError, match="operations per batch: 101"):
        check_batch([*small, ("upsert", entity(RowKey="extra"))])
    with pytest.raises(StorageLimitError, match="partitions per batch"):
        check_batch([("upsert", entity(RowKey="a")), ("upsert", {"PartitionKey": "q", "RowKey": "b"})])
    # 5 entities of 15 x 60 KiB binary: each under 1 MiB, together (as base64) over 4 MiB
    heavy = [("upsert", entity(RowKey=f"h{i}", **chunks(15, 60 * KIB))) for i in range(5)]
    for _, each in heavy:
        check_entity(each)
    with pytest.raises(StorageLimitError, match="batch payload size"):
        check_batch(heavy)
    with pytest.raises(StorageLimitError, match="entity size"):
        check_batch([("upsert", entity(**chunks(17, 64 * KIB)))])


async def test_checked_table_refuses_before_writing(service: TableService, table_prefix: str) -> None:
    table = await service.checked_table(table_prefix + "limits")
    refused: list[Any] = [
        entity(**chunks(17, 64 * KIB)),
        entity(b=b"x" * (64 * KIB + 1)),
        entity(**{f"p{i}": i for i in range(253)}),
    ]
    for each in refused:
        with pytest.raises(StorageLimitError):
            await table.upsert(each)
        with pytest.raises(StorageLimitError):
            await table.insert(each)
    with pytest.raises(StorageLimitError, match="operations per batch"):
        await table.submit([("upsert", entity(RowKey=f"r{i}")) for i in range(101)])
    with pytest.raises(StorageLimitError, match="partitions per batch"):
        await table.submit([("upsert", entity(RowKey="a")), ("upsert", {"PartitionKey": "q", "RowKey": "b"})])
    heavy = [("upsert", entity(RowKey=f"h{i}", **chunks(15, 60 * KIB))) for i in range(5)]
    with pytest.raises(StorageLimitError, match="batch payload size"):
        await table.submit(heavy)
    assert [e async for e in table.client.list_entities()] == []


async def test_checked_table_accepts_a_full_legal_batch(service: TableService, table_prefix: str) -> None:
    table = await service.checked_table(table_prefix + "batch")
    await table.submit([("upsert", entity(RowKey=f"r{i:03d}", v=i)) for i in range(100)])
    rows = [e async for e in table.client.list_entities()]
    assert sorted(r["v"] for r in rows) == list(range(100))

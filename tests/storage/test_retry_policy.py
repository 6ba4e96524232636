"""The Tables SDK's own retry policy, as storage/retry.py configures it: the real SDK pipeline over a
transport that fails on a fake clock (the policy pauses with the transport's ``sleep``, faked here for
every transport), then, for the only-copy write, the real Azurite once the outage ends."""

from __future__ import annotations

import dataclasses
from datetime import datetime, timezone
from typing import Any, ClassVar

import pytest
from azure.core.exceptions import ServiceRequestError
from azure.core.pipeline.transport import AioHttpTransport, AsyncHttpTransport
from azure.data.tables.aio import TableServiceClient

from activities.tokens import store_rotated_pair
from storage import StorageUnavailableError, TableService, TokenRecord, TokenStatus, TokenStore
from storage.retry import INTERACTIVE_POLICY, ONLY_COPY_POLICY, STORAGE_POLICY, StoragePolicy
from strava.models import TokenSet

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=timezone.utc)


class Outage(AsyncHttpTransport[Any, Any]):
    """Every request fails as unreachable until ``healthy_at`` fake seconds, then goes to ``inner``.
    (azure-core retries a transport error only for GET, PUT, DELETE, HEAD, OPTIONS and TRACE: a POST
    or PATCH may have reached the service.)"""

    live: ClassVar[list[Outage]] = []  # the outage of the running test

    def __init__(self, inner: AsyncHttpTransport[Any, Any] | None, healthy_at: float) -> None:
        self.inner, self.healthy_at = inner, healthy_at
        self.now = 0.0
        self.sent: list[dict[str, Any]] = []  # the per-request options the transport was given
        Outage.live = [self]  # one outage per test

    async def send(self, request: Any, **kwargs: Any) -> Any:
        self.sent.append(kwargs)
        if self.now < self.healthy_at or self.inner is None:
            raise ServiceRequestError("connection refused")
        return await self.inner.send(request, **kwargs)

    async def open(self) -> None:
        if self.inner is not None:
            await self.inner.open()

    async def close(self) -> None:
        if self.inner is not None:
            await self.inner.close()

    async def __aenter__(self) -> Outage:
        await self.open()
        return self

    async def __aexit__(self, *args: object) -> None:
        await self.close()


@pytest.fixture(autouse=True)
def fake_sleep(monkeypatch: pytest.MonkeyPatch) -> None:
    """The policy's pauses advance the fake clock of the Outage that made the request."""

    async def sleep(transport: object, duration: float) -> None:
        for outage in Outage.live:
            outage.now += duration

    monkeypatch.setattr(AsyncHttpTransport, "sleep", sleep)


def service_over(transport: Outage, azurite: str, policy: StoragePolicy = STORAGE_POLICY) -> TableService:
    client = TableServiceClient.from_connection_string(azurite, transport=transport, **policy.sdk_options())
    return TableService(client, None, policy)


@pytest.mark.parametrize("policy", [STORAGE_POLICY, INTERACTIVE_POLICY, ONLY_COPY_POLICY], ids=repr)
async def test_a_call_in_an_outage_makes_the_policys_tries_and_pauses_then_fails(
    policy: StoragePolicy, azurite: str, table_prefix: str
) -> None:
    transport = Outage(AioHttpTransport(), healthy_at=0)
    async with service_over(transport, azurite) as tables:
        view = tables.with_policy(policy)
        table = await view.checked_table(table_prefix + "outage")  # created before the outage
        transport.healthy_at, transport.sent = float("inf"), []
        with pytest.raises(StorageUnavailableError):
            await table.get("p", "r")
    assert len(transport.sent) == policy.attempts
    assert transport.now == pytest.approx(sum(policy.waits_s))
    for options in transport.sent:
        assert options["connection_timeout"] == policy.connect_timeout_s
        assert options["read_timeout"] == policy.read_timeout_s


def test_the_policies_bounds() -> None:
    assert INTERACTIVE_POLICY.give_up_after_s <= 1.0  # a page view's read: the stale copy, or 503
    assert STORAGE_POLICY.give_up_after_s <= 20
    assert sum(ONLY_COPY_POLICY.waits_s) >= 60  # a rotated refresh token rides out a minute's outage
    # azure-core's exponential backoff: no pause after the first failure, then factor * 2 ** (n - 1)
    assert StoragePolicy(4, 0.5, 1.5, 1, 1).waits_s == (0.0, 1.0, 1.5)


async def test_each_call_of_a_view_uses_its_policy(azurite: str, table_prefix: str) -> None:
    transport = Outage(AioHttpTransport(), healthy_at=0)
    async with service_over(transport, azurite) as tables:
        table = await tables.with_policy(INTERACTIVE_POLICY).checked_table(table_prefix + "views")
        await table.upsert({"PartitionKey": "p", "RowKey": "r"})
        assert await table.get("p", "r") is not None
        default = await tables.checked_table(table_prefix + "views")
        assert await default.get("p", "r") is not None
    timeouts = [options["read_timeout"] for options in transport.sent]
    assert timeouts[-1] == STORAGE_POLICY.read_timeout_s
    assert set(timeouts[:-1]) == {INTERACTIVE_POLICY.read_timeout_s}


async def test_the_rotated_pair_survives_an_outage_of_over_a_minute(azurite: str, table_prefix: str) -> None:
    async with TableService.from_connection_string(azurite) as setup:
        store = TokenStore(setup, table_prefix + "Tokens")
        old = await store.replace(
            TokenRecord(
                42, "old-access", "old-refresh", 1, frozenset({"read"}), TokenStatus.ACTIVE, True, NOW
            )
        )
    transport = Outage(AioHttpTransport(), healthy_at=0)
    async with service_over(transport, azurite) as tables:
        tokens = TokenStore(tables, table_prefix + "Tokens")
        await tables.table(table_prefix + "Tokens")  # cached before the outage begins
        transport.healthy_at = 61.0
        new = TokenSet(access_token="new-access", refresh_token="new-refresh", expires_at=2)
        stored = await store_rotated_pair(tokens, old, new, NOW)
        assert transport.now >= 61.0 and len(transport.sent) > 5
        assert stored.refresh_token == "new-refresh"
        latest = await tokens.get(42)
        assert latest is not None and dataclasses.replace(latest, etag=None).refresh_token == "new-refresh"

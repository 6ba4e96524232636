from __future__ import annotations

import asyncio
from datetime import datetime, timedelta, timezone

import pytest

from storage import InvalidStateError, OAuthStateStore, TableService

NOW = datetime(2024, 5, 1, 12, 0, tzinfo=timezone.utc)
TTL = timedelta(minutes=10)
BROWSER = "the-cookie-of-the-browser-that-started-it"


@pytest.fixture
async def store(service: TableService, table_prefix: str) -> OAuthStateStore:
    return OAuthStateStore(service, table_prefix + "states")


async def reason(
    store: OAuthStateStore, state: str, now: datetime = NOW, binding: str | None = BROWSER
) -> str:
    with pytest.raises(InvalidStateError) as caught:
        await store.consume(state, now, binding)
    assert state not in str(caught.value) or not state
    return caught.value.reason


async def test_state_is_accepted_once_then_used(store: OAuthStateStore) -> None:
    data: dict[str, str | int | bool] = {"return_to": "/done", "consent": True, "attempt": 2}
    state = await store.issue(NOW, TTL, data, binding=BROWSER)
    assert len(state) >= 22  # >= 128 bits, URL-safe
    assert await store.consume(state, NOW + TTL - timedelta(seconds=1), BROWSER) == data
    assert await reason(store, state) == "used"


async def test_states_are_random(store: OAuthStateStore) -> None:
    states = {await store.issue(NOW, TTL, binding=BROWSER) for _ in range(20)}
    assert len(states) == 20
    assert all(s.replace("-", "").replace("_", "").isalnum() for s in states)


async def test_expired_state_is_rejected(store: OAuthStateStore) -> None:
    state = await store.issue(NOW, TTL, binding=BROWSER)
    assert await reason(store, state, NOW + TTL) == "expired"
    assert await store.consume(state, NOW, BROWSER) == {}  # expiry did not burn it for a correct clock


@pytest.mark.parametrize("bad", ["", "short", "x" * 43 + "y", "a/" + "b" * 41, "ü" * 43, "a" * 10_000])
async def test_malformed_state_is_rejected(store: OAuthStateStore, bad: str) -> None:
    assert await reason(store, bad) == "malformed"


async def test_unknown_state_is_rejected(store: OAuthStateStore) -> None:
    assert await reason(store, "A" * 43) == "unknown"


async def test_concurrent_consumes_exactly_one_succeeds(store: OAuthStateStore) -> None:
    state = await store.issue(NOW, TTL, {"athlete": 1}, binding=BROWSER)
    outcomes = await asyncio.gather(
        *(store.consume(state, NOW, BROWSER) for _ in range(8)), return_exceptions=True
    )
    accepted = [o for o in outcomes if isinstance(o, dict)]
    rejected = [o for o in outcomes if isinstance(o, InvalidStateError)]
    assert accepted == [{"athlete": 1}]
    assert len(rejected) == 7
    assert {r.reason for r in rejected} == {"used"}


async def test_issue_validates_input(store: OAuthStateStore) -> None:
    with pytest.raises(ValueError, match="ttl"):
        await store.issue(NOW, timedelta(0), binding=BROWSER)
    with pytest.raises(ValueError, match="names"):
        await store.issue(NOW, TTL, {"bad name": 1}, binding=BROWSER)
    with pytest.raises(TypeError):
        await store.issue(NOW, TTL, {"x": 1.5}, binding=BROWSER)  # type: ignore[dict-item]
    with pytest.raises(ValueError, match="timezone-aware"):
        await store.issue(datetime(2024, 1, 1), TTL, binding=BROWSER)


async def test_purge_removes_only_expired(store: OAuthStateStore) -> None:
    old = await store.issue(NOW - timedelta(hours=1), TTL, binding=BROWSER)
    fresh = await store.issue(NOW, TTL, binding=BROWSER)
    assert await store.purge_expired(NOW) == 1
    assert await reason(store, old) == "unknown"
    assert await store.consume(fresh, NOW, BROWSER) == {}


async def test_a_state_is_only_accepted_from_the_browser_it_was_issued_to(store: OAuthStateStore) -> None:
    state = await store.issue(NOW, TTL, {"publish": True}, binding=BROWSER)
    assert await reason(store, state, binding=None) == "other_browser"  # no cookie at all
    assert await reason(store, state, binding="an-attackers-own-cookie") == "other_browser"
    # refusing a foreign browser does not burn the state for its own one
    assert await store.consume(state, NOW, BROWSER) == {"publish": True}
    assert await reason(store, state) == "used"


async def test_issue_needs_a_binding(store: OAuthStateStore) -> None:
    with pytest.raises(ValueError, match="binding"):
        await store.issue(NOW, TTL, binding="")

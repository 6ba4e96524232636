"""The refresh and fetch activities against Azurite and the emulator, in-process: idempotency, write
races, cut-off token answers, best-effort diagnostics.

Strava rotates refresh tokens strictly, so the pair it just issued is the only valid one: a write
conflict must not lose it, while a genuinely newer authorization must win. Races are set up with a
hook that runs the other writer right after Strava answered, before the activity writes.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import datetime, timezone
from typing import Any

import pytest
from strava_emulator.testing import RunningEmulator

import services as services_module
import settings as settings_module
from activities.budget import reserve_budget
from activities.fetch import fetch_athlete, with_token
from activities.tokens import read_token_state, refresh_token
from orchestrations.contract import FetchResult, RefreshRequest, RefreshResult, TokenState
from orchestrations.history_contract import BudgetRequest
from orchestrations.token_lifecycle import LifecycleInput, plan_refresh
from rate_budget import BudgetState, settle
from storage import StorageUnavailableError, TokenRecord, TokenStatus
from storage.retry import ONLY_COPY_POLICY, StoragePolicy
from strava.models import TokenSet
from strava.ratelimits import RateLimitUsage

refresh = refresh_token
fetch = fetch_athlete
read_state = read_token_state
reserve = reserve_budget
ROTATES = 6 * 3600 - 60  # emulator clock offset at which a 6-hour token is due and rotates


@pytest.fixture
async def app_services(
    azurite: str, start_strava_emulator: Callable[..., RunningEmulator], table_prefix: str, monkeypatch: Any
) -> AsyncIterator[RunningEmulator]:
    """The app's services wired to Azurite and an emulator."""
    emulator = start_strava_emulator()
    env = {
        "AzureWebJobsStorage": azurite,
        "STRAVA_CLIENT_ID": emulator.client_id,
        "STRAVA_CLIENT_SECRET": emulator.client_secret,
        "STRAVA_API_BASE_URL": emulator.api_base,
        "STRAVA_OAUTH_BASE_URL": emulator.oauth_base,
        "TABLE_PREFIX": table_prefix,
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    settings_module.load_settings.cache_clear()
    yield emulator
    await services_module.services().close()
    settings_module.load_settings.cache_clear()


async def connected(emulator: RunningEmulator) -> TokenRecord:
    grant = emulator.connect()
    svc = services_module.services()
    return await svc.tokens.replace(
        TokenRecord(
            athlete_id=grant["athlete"]["id"],
            access_token=grant["access_token"],
            refresh_token=grant["refresh_token"],
            expires_at=grant["expires_at"],
            scopes=frozenset({"read", "activity:read_all"}),
            status=TokenStatus.ACTIVE,
            publish_consent=True,
            updated_at=datetime.now(timezone.utc),
        )
    )


def after_strava_answers(monkeypatch: Any, hook: Callable[[int], Awaitable[None]]) -> None:
    """Run ``hook(call_number)`` after each token call returns (or raises), before the activity goes on."""
    strava = services_module.services().strava
    original = strava.refresh
    calls = 0

    async def refresh_then_hook(token: str) -> TokenSet:
        nonlocal calls
        calls += 1
        try:
            return await original(token)
        finally:
            await hook(calls)

    monkeypatch.setattr(strava, "refresh", refresh_then_hook)


def forced(record: TokenRecord) -> RefreshRequest:
    return {"athlete_id": record.athlete_id, "force": True}


async def test_fresh_token_is_not_refreshed_and_a_second_run_is_harmless(
    app_services: RunningEmulator,
) -> None:
    record = await connected(app_services)
    result: RefreshResult = await refresh({"athlete_id": record.athlete_id, "force": False})
    assert result["outcome"] == "still_fresh"
    assert app_services.stats()["refreshes"] == {"new_access_token": 0, "same_access_token": 0, "rejected": 0}


async def test_a_conflicting_write_of_the_same_pair_does_not_lose_the_rotated_token(
    app_services: RunningEmulator, monkeypatch: Any
) -> None:
    record = await connected(app_services)
    app_services.configure(clock_offset=ROTATES)
    svc = services_module.services()

    async def reauthorization_meanwhile(_: int) -> None:  # e.g. the consent changed
        await svc.tokens.replace(dataclasses.replace(record, publish_consent=False))

    after_strava_answers(monkeypatch, reauthorization_meanwhile)
    result = await refresh(forced(record))
    assert result["outcome"] == "refreshed"
    stored = await svc.tokens.get(record.athlete_id)
    assert stored is not None
    assert stored.refresh_token != record.refresh_token  # the rotated token was kept ...
    assert stored.publish_consent is False  # ... on top of the other writer's entity
    monkeypatch.undo()
    again = await svc.strava.refresh(stored.refresh_token)  # and Strava still accepts it
    assert again.access_token


async def test_a_rotated_pair_is_stored_as_active_even_if_another_writer_marked_the_old_one(
    app_services: RunningEmulator, monkeypatch: Any
) -> None:
    record = await connected(app_services)
    app_services.configure(clock_offset=ROTATES)
    svc = services_module.services()

    async def marked_meanwhile(_: int) -> None:  # a writer that saw the old pair rejected
        await svc.tokens.replace(dataclasses.replace(record, status=TokenStatus.REAUTHORIZATION_REQUIRED))

    after_strava_answers(monkeypatch, marked_meanwhile)
    result = await refresh(forced(record))
    assert result["outcome"] == "refreshed"
    stored = await svc.tokens.get(record.athlete_id)
    assert stored is not None and stored.refresh_token != record.refresh_token
    assert stored.status is TokenStatus.ACTIVE  # a pair Strava just issued is active


async def test_a_newer_authorization_written_meanwhile_wins(
    app_services: RunningEmulator, monkeypatch: Any
) -> None:
    record = await connected(app_services)
    app_services.configure(clock_offset=ROTATES)
    svc = services_module.services()
    newer = dataclasses.replace(record, access_token="a-newer-access", refresh_token="a-newer-refresh")

    async def newer_authorization(_: int) -> None:
        await svc.tokens.replace(newer)

    after_strava_answers(monkeypatch, newer_authorization)
    result = await refresh(forced(record))
    assert result["outcome"] == "still_fresh"
    stored = await svc.tokens.get(record.athlete_id)
    assert stored is not None and stored.refresh_token == "a-newer-refresh"


async def test_a_cut_off_answer_without_rotation_is_asked_again(
    app_services: RunningEmulator, monkeypatch: Any
) -> None:
    record = await connected(app_services)  # hours left: Strava answers with the same pair
    app_services.configure(malformed_rate=1.0)

    async def heal(call: int) -> None:
        if call == 1:
            app_services.configure(malformed_rate=0.0)

    after_strava_answers(monkeypatch, heal)
    result = await refresh(forced(record))
    assert result["outcome"] == "unchanged"
    assert app_services.stats()["faults"]["malformed"] == 1
    stored = await services_module.services().tokens.get(record.athlete_id)
    assert stored is not None and stored.status is TokenStatus.ACTIVE


async def test_a_cut_off_rotation_is_reported_as_lost_not_as_a_revocation(
    app_services: RunningEmulator, monkeypatch: Any
) -> None:
    record = await connected(app_services)
    app_services.configure(clock_offset=ROTATES, malformed_rate=1.0)

    async def heal(call: int) -> None:
        if call == 1:
            app_services.configure(malformed_rate=0.0)

    after_strava_answers(monkeypatch, heal)
    result = await refresh(forced(record))
    assert result["outcome"] == "failed"
    assert result["failure"] is not None and result["failure"]["kind"] == "refresh_token_lost"
    svc = services_module.services()
    stored = await svc.tokens.get(record.athlete_id)
    assert stored is not None and stored.status is TokenStatus.REAUTHORIZATION_REQUIRED
    assert (await svc.diagnostics.read(record.athlete_id))["last_refresh_error"] == "refresh_token_lost"


async def test_a_rotated_pair_that_outlives_the_storage_budget_is_reported_lost(
    app_services: RunningEmulator, monkeypatch: Any
) -> None:
    """Not raised: a retried activity would spend the dead refresh token and end as a revocation. The
    write asks for the only-copy policy (the SDK's retries, tests/storage/test_retry_policy.py); its
    error is final, no second loop runs over it."""
    record = await connected(app_services)
    app_services.configure(clock_offset=ROTATES)
    svc = services_module.services()
    writes: list[StoragePolicy | None] = []

    async def storage_down(_: TokenRecord, *, policy: StoragePolicy | None = None) -> TokenRecord:
        writes.append(policy)
        raise StorageUnavailableError("table service unreachable")

    monkeypatch.setattr(svc.tokens, "update", storage_down)
    result = await refresh(forced(record))
    assert result["outcome"] == "failed"
    assert result["failure"] is not None and result["failure"]["kind"] == "refresh_token_lost"
    assert writes[0] is ONLY_COPY_POLICY and writes.count(ONLY_COPY_POLICY) == 1  # then marked lost
    assert app_services.stats()["refreshes"] == {"new_access_token": 1, "same_access_token": 0, "rejected": 0}
    assert (await svc.diagnostics.read(record.athlete_id))["last_refresh_error"] == "refresh_token_lost"


async def test_a_second_request_within_the_same_second_is_not_taken_as_answered(
    app_services: RunningEmulator,
) -> None:
    record = await connected(app_services)
    tokens = services_module.services().tokens
    first = datetime(2026, 11, 24, 12, 0, 0, 200_000, tzinfo=timezone.utc)
    await tokens.request_refresh(record.athlete_id, first)
    answered: TokenState = await read_state(record.athlete_id)
    await tokens.request_refresh(record.athlete_id, first.replace(microsecond=700_000))  # another 401
    state: TokenState = await read_state(record.athlete_id)
    lifecycle = LifecycleInput(record.athlete_id, answered_request_at=answered["refresh_requested_at"])
    assert plan_refresh(lifecycle, state, first.replace(second=1)).forced


async def test_diagnostics_never_fail_a_successful_fetch(
    app_services: RunningEmulator, monkeypatch: Any
) -> None:
    record = await connected(app_services)
    svc = services_module.services()

    async def storage_down(*_: Any) -> None:
        raise StorageUnavailableError("table service unreachable")

    monkeypatch.setattr(svc.diagnostics, "record", storage_down)
    result: FetchResult = await fetch(record.athlete_id)
    assert result["failure"] is None and result["data"]["id"] == record.athlete_id
    assert app_services.stats()["requests"]["GET /api/v3/athlete"] == 1


async def test_a_fetch_records_only_the_usage_it_observed_itself(app_services: RunningEmulator) -> None:
    record = await connected(app_services)
    svc = services_module.services()
    await svc.strava.get_athlete(record.access_token)  # the shared client has seen some usage
    assert svc.strava.last_rate_limit is not None
    stranger = 4242
    result = await fetch(stranger)  # no token: this call sees no usage at all
    assert result["failure"] is not None and result["failure"]["kind"] == "not_connected"
    assert "rate_limit" not in await svc.diagnostics.read(stranger)
    await fetch(record.athlete_id)
    usage = json.loads(str((await svc.diagnostics.read(record.athlete_id))["rate_limit"]))
    assert usage["usage_15min"] == 2


async def test_a_retry_after_a_401_is_a_call_of_its_own_in_the_budget(app_services: RunningEmulator) -> None:
    """The orchestration reserved one call; a 401 met with a newer stored token makes a second one, which
    is counted in flight while it runs and settled with the first."""
    valid = await connected(app_services)
    svc = services_module.services()
    await svc.tokens.replace(dataclasses.replace(valid, access_token="revoked-meanwhile"))
    reserved = await reserve(
        BudgetRequest(calls=1, priority="high", work="test fetch", athlete_id=valid.athlete_id)
    )
    assert reserved["granted"]
    in_flight: list[int] = []

    async def call(svc: services_module.Services, strava: Any, record: TokenRecord) -> Any:
        in_flight.append(BudgetState.from_json(await svc.budget.read() or {}).in_flight_15min)
        if record.access_token == "revoked-meanwhile":
            await svc.tokens.replace(valid)  # the lifecycle refreshed while this call was under way
        return (await strava.get_athlete(record.access_token)).id

    result = await with_token(valid.athlete_id, call)
    assert result["failure"] is None and result["data"] == valid.athlete_id
    assert in_flight == [1, 2]
    assert BudgetState.from_json(await svc.budget.read() or {}).in_flight_15min == 0
    assert app_services.stats()["requests"]["GET /api/v3/athlete"] == 2


async def test_a_retry_the_budget_has_no_room_for_is_not_made(app_services: RunningEmulator) -> None:
    valid = await connected(app_services)
    svc = services_module.services()
    await svc.tokens.replace(dataclasses.replace(valid, access_token="revoked-meanwhile"))
    now = datetime.now(timezone.utc)
    full = RateLimitUsage(200, 2000, 3, 3, 4, 1000, 3, 3, now)  # 3 of 4 reads: a 4th passes 80 %
    await svc.budget.change(lambda _: (settle(BudgetState(), 0, full, now).to_json(), None))

    async def call(svc: services_module.Services, strava: Any, record: TokenRecord) -> Any:
        if record.access_token == "revoked-meanwhile":
            await svc.tokens.replace(valid)
        return (await strava.get_athlete(record.access_token)).id

    result = await with_token(valid.athlete_id, call)
    assert result["failure"] is not None and result["failure"]["kind"] == "rate_limited"
    assert result["failure"]["retry_at"] is not None
    assert app_services.stats()["requests"]["GET /api/v3/athlete"] == 1

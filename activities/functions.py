"""The activity functions as the app registers them: names, bindings and signatures only.

Each one awaits the function of the same name in the module that holds its logic, imported on its
first call in a process, so indexing the app compiles none of them (cold start, docs/architecture.md).
"""

from __future__ import annotations

from typing import Any

import azure.durable_functions as df

from orchestrations.contract import (
    CHECK_GRANT,
    DELETE_ATHLETE_DATA,
    END_ATHLETE_ORCHESTRATIONS,
    FETCH_ATHLETE,
    FETCH_STATS,
    FORGET_ATHLETE_TOKENS,
    NOTE_UNVERIFIED_DEAUTHORIZATION,
    READ_TOKEN_STATE,
    RECORD_DIAGNOSTICS,
    REFRESH_TOKEN,
    REQUEST_TOKEN_REFRESH,
    SAVE_SNAPSHOT,
    START_SNAPSHOT_REFRESH,
    START_SNAPSHOT_RUN_RETIRED,
    VERIFY_ACTIVITIES,
    DiagnosticsRequest,
    FetchResult,
    GrantCheck,
    RefreshRequest,
    RefreshRequested,
    RefreshResult,
    SaveRequest,
    SaveResult,
    SnapshotStart,
    TokenState,
)
from orchestrations.history_contract import (
    APPLY_ACTIVITY_EVENT,
    FINISH_HISTORY_SCAN,
    HISTORY_CURSOR,
    PLAN_REFRESH,
    RESERVE_BUDGET,
    START_HISTORY_SYNC,
    SYNC_HISTORY_PAGE,
    SYNC_RECENT,
    ActivityEvent,
    BudgetDecision,
    BudgetRequest,
    Cursor,
    HistoryStart,
    RefreshPlan,
    Started,
)

bp = df.Blueprint()


@bp.activity_trigger(input_name="athlete_id", activity=READ_TOKEN_STATE)
async def read_token_state(athlete_id: int) -> TokenState:
    from activities import tokens

    return await tokens.read_token_state(athlete_id)


@bp.activity_trigger(input_name="request", activity=REFRESH_TOKEN)
async def refresh_token(request: RefreshRequest) -> RefreshResult:
    from activities import tokens

    return await tokens.refresh_token(request)


@bp.activity_trigger(input_name="athlete_id", activity=REQUEST_TOKEN_REFRESH)
@bp.durable_client_input(client_name="client")
async def request_token_refresh(athlete_id: int, client: df.DurableOrchestrationClient) -> RefreshRequested:
    from activities import tokens

    return await tokens.request_token_refresh(athlete_id, client)


@bp.activity_trigger(input_name="athlete_id", activity=FETCH_ATHLETE)
async def fetch_athlete(athlete_id: int) -> FetchResult:
    from activities import fetch

    return await fetch.fetch_athlete(athlete_id)


@bp.activity_trigger(input_name="athlete_id", activity=FETCH_STATS)
async def fetch_stats(athlete_id: int) -> FetchResult:
    from activities import fetch

    return await fetch.fetch_stats(athlete_id)


@bp.activity_trigger(input_name="request", activity=SAVE_SNAPSHOT)
async def save_snapshot(request: SaveRequest) -> SaveResult:
    from activities import snapshots

    return await snapshots.save_snapshot(request)


@bp.activity_trigger(input_name="athlete_id", activity=START_SNAPSHOT_REFRESH)
@bp.durable_client_input(client_name="client")
async def start_snapshot_refresh(athlete_id: int, client: df.DurableOrchestrationClient) -> SnapshotStart:
    from activities import snapshots

    return await snapshots.start_snapshot_refresh(athlete_id, client)


@bp.activity_trigger(input_name="athlete_id", activity=START_SNAPSHOT_RUN_RETIRED)
@bp.durable_client_input(client_name="client")
async def start_snapshot_run(athlete_id: int, client: df.DurableOrchestrationClient) -> SnapshotStart:
    from activities import snapshots

    return await snapshots.start_snapshot_run(athlete_id, client)


@bp.activity_trigger(input_name="request", activity=RECORD_DIAGNOSTICS)
async def record_diagnostics(request: DiagnosticsRequest) -> None:
    from activities import snapshots

    return await snapshots.record_diagnostics(request)


@bp.activity_trigger(input_name="request", activity=RESERVE_BUDGET)
async def reserve_budget(request: BudgetRequest) -> BudgetDecision:
    from activities import budget

    return await budget.reserve_budget(request)


@bp.activity_trigger(input_name="athlete_id", activity=PLAN_REFRESH)
async def plan_refresh(athlete_id: int) -> RefreshPlan:
    from activities import history

    return await history.plan_refresh(athlete_id)


@bp.activity_trigger(input_name="athlete_id", activity=SYNC_RECENT)
async def sync_recent_activities(athlete_id: int) -> FetchResult:
    from activities import history

    return await history.sync_recent_activities(athlete_id)


@bp.activity_trigger(input_name="cursor", activity=HISTORY_CURSOR)
async def history_cursor(cursor: Cursor) -> Cursor:
    from activities import history_scan

    return await history_scan.history_cursor(cursor)


@bp.activity_trigger(input_name="cursor", activity=SYNC_HISTORY_PAGE)
async def sync_history_page(cursor: Cursor) -> FetchResult:
    from activities import history_scan

    return await history_scan.sync_history_page(cursor)


@bp.activity_trigger(input_name="cursor", activity=FINISH_HISTORY_SCAN)
async def finish_history_scan(cursor: Cursor) -> FetchResult:
    from activities import history_scan

    return await history_scan.finish_history_scan(cursor)


@bp.activity_trigger(input_name="request", activity=START_HISTORY_SYNC)
@bp.durable_client_input(client_name="client")
async def start_history_sync(request: HistoryStart, client: df.DurableOrchestrationClient) -> Started:
    from activities import history_scan

    return await history_scan.start_history_sync(request, client)


@bp.activity_trigger(input_name="request", activity=VERIFY_ACTIVITIES)
async def verify_activities(request: dict[str, Any]) -> FetchResult:
    from activities import activity_events

    return await activity_events.verify_activities(request)


@bp.activity_trigger(input_name="event", activity=APPLY_ACTIVITY_EVENT)
async def apply_activity_event(event: ActivityEvent) -> FetchResult:
    from activities import activity_events

    return await activity_events.apply_activity_event(event)


@bp.activity_trigger(input_name="athlete_id", activity=CHECK_GRANT)
async def check_grant(athlete_id: int) -> GrantCheck:
    from activities import deauthorization

    return await deauthorization.check_grant(athlete_id)


@bp.activity_trigger(input_name="note", activity=NOTE_UNVERIFIED_DEAUTHORIZATION)
async def note_unverified_deauthorization(note: dict[str, Any]) -> None:
    from activities import deauthorization

    return await deauthorization.note_unverified_deauthorization(note)


@bp.activity_trigger(input_name="athlete_id", activity=FORGET_ATHLETE_TOKENS)
async def forget_athlete_tokens(athlete_id: int) -> dict[str, Any]:
    from activities import deauthorization

    return await deauthorization.forget_athlete_tokens(athlete_id)


@bp.activity_trigger(input_name="athlete_id", activity=END_ATHLETE_ORCHESTRATIONS)
@bp.durable_client_input(client_name="client")
async def end_athlete_orchestrations(
    athlete_id: int, client: df.DurableOrchestrationClient
) -> dict[str, Any]:
    from activities import deauthorization

    return await deauthorization.end_athlete_orchestrations(athlete_id, client)


@bp.activity_trigger(input_name="athlete_id", activity=DELETE_ATHLETE_DATA)
@bp.durable_client_input(client_name="client")
async def delete_athlete_data(athlete_id: int, client: df.DurableOrchestrationClient) -> dict[str, Any]:
    from activities import deauthorization

    return await deauthorization.delete_athlete_data(athlete_id, client)

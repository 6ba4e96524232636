"""Persist a finished snapshot (completed from the activity store), and record outcomes for the
status endpoint."""

from __future__ import annotations

import json
from typing import Any

import azure.durable_functions as df

from activities.best_effort import record_quietly
from history.section import history_fields, recent_activities
from maps.section import routes_section, without_routes
from orchestrations.contract import (
    RECORD_DIAGNOSTICS,
    SAVE_SNAPSHOT,
    DiagnosticsRequest,
    SaveRequest,
    SaveResult,
)
from read_cache import invalidate_public_reads
from services import Services, services
from timestamps import parse_utc

bp = df.Blueprint()


@bp.activity_trigger(input_name="request", activity=SAVE_SNAPSHOT)
async def save_snapshot(request: SaveRequest) -> SaveResult:
    """Complete the document from the activity store (``recent_activities``, ``history``, ``goals``,
    and ``routes`` with maps on) and store it as the athlete's latest snapshot, unless only its
    ``generated_at`` differs from the stored one: then the stored snapshot (and its ETag, so sites keep
    getting 304s) stays. Idempotent: running it twice stores once."""
    athlete_id = int(request["athlete_id"])
    svc = services()
    document = await _completed(svc, athlete_id, request["snapshot"])
    current = await svc.snapshots.load(athlete_id)
    stored = json.loads(current.body) if current else None
    unchanged = stored is not None and _content(stored) == _content(document)
    if current is not None and stored is not None and unchanged:
        saved, generated_at = current, stored["generated_at"]
    else:
        body = json.dumps(document, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode()
        generated_at = document["generated_at"]
        saved = await svc.snapshots.save(athlete_id, body, parse_utc(generated_at))
        invalidate_public_reads(athlete_id)
    await record_quietly(
        svc.diagnostics,
        athlete_id,
        {
            "last_snapshot_outcome": "unchanged" if unchanged else "saved",
            "last_snapshot_at": generated_at,
            "last_snapshot_attempt_at": document["generated_at"],
            "last_snapshot_error": None,
            "last_snapshot_message": None,
            "rate_limited_until": None,
        },
    )
    return {
        "saved": not unchanged,
        "generated_at": generated_at,
        "generation": saved.generation,
        "etag": saved.etag,
        "size": saved.size,
        "activity_count": len(document["recent_activities"]),
    }


async def _completed(svc: Services, athlete_id: int, document: dict[str, Any]) -> dict[str, Any]:
    stored = await svc.activities.all(athlete_id)
    if svc.settings.maps is None:  # routes stored while maps were on are never published once off
        stored = without_routes(stored)
    state = await svc.sync_states.get(athlete_id)
    fields = history_fields(
        stored,
        complete=state.complete,
        synced_at=state.synced_at or None,
        goals=svc.settings.goals,
        now=parse_utc(document["generated_at"]),
    )
    recent = recent_activities(stored, svc.settings.snapshot_activity_count)
    routes = {"routes": routes_section(stored)} if svc.settings.maps else {}
    return {**document, "recent_activities": recent, **fields, **routes}


def _content(document: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in document.items() if key != "generated_at"}


@bp.activity_trigger(input_name="request", activity=RECORD_DIAGNOSTICS)
async def record_diagnostics(request: DiagnosticsRequest) -> None:
    """Merge non-secret facts (outcomes, times, failure kinds) into the athlete's diagnostics."""
    await services().diagnostics.record(int(request["athlete_id"]), request["facts"])

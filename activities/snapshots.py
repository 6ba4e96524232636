"""Start a snapshot run, persist a finished snapshot (completed from the activity store), and record
outcomes for the status endpoint."""

from __future__ import annotations

import hashlib
import json
import logging
from typing import TYPE_CHECKING, Any

import azure.durable_functions as df

from activities.best_effort import record_quietly
from orchestrations.contract import (
    DiagnosticsRequest,
    SaveRequest,
    SaveResult,
    SnapshotStart,
)
from read_cache import publish_saved_snapshot
from services import services
from starters import start_snapshot
from storage import StoredSnapshot, TokenStatus
from timestamps import format_utc, parse_utc

if TYPE_CHECKING:
    from services import Services
    from storage import SnapshotInfo

log = logging.getLogger(__name__)


async def save_snapshot(request: SaveRequest) -> SaveResult:
    """Complete the document from the activity store (``recent_activities``, ``history``, ``goals``,
    and ``routes`` with maps on) and store it as the athlete's latest snapshot, unless only its
    ``generated_at`` differs from the stored one: then the stored snapshot (and its ETag, so sites keep
    getting 304s) stays. Idempotent: running it twice stores once."""
    athlete_id = int(request["athlete_id"])
    svc = services()
    document = await _completed(svc, athlete_id, request["snapshot"])
    key = content_key(document)
    current = await svc.snapshots.head(athlete_id)
    unchanged = current is not None and await _same_content(svc, current, key, document)
    if current is not None and unchanged:
        saved: SnapshotInfo = current
        generated_at = format_utc(current.generated_at)
    else:
        generated_at = document["generated_at"]
        body = _body(document)
        saved = await svc.snapshots.save(athlete_id, body, parse_utc(generated_at), key)
        await publish_saved_snapshot(StoredSnapshot(**(vars(saved) | {"body": body})))
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
    """The document with what the activity store adds: the aggregates from its index (one row), the
    newest activities by one query; never the whole partition, except for the ``routes`` section with
    maps on (every stored route)."""
    from history.section import history_fields
    from maps.section import routes_section, without_routes

    index = await svc.activities.index(athlete_id)
    state = await svc.sync_states.get(athlete_id)
    fields = history_fields(
        [entry.fields() for entry in index],
        complete=state.complete,
        synced_at=state.synced_at or None,
        goals=svc.settings.goals,
        now=parse_utc(document["generated_at"]),
    )
    recent = await svc.activities.newest(athlete_id, svc.settings.snapshot_activity_count, index)
    if svc.settings.maps is None:  # routes stored while maps were on are never published once off
        return {**document, "recent_activities": without_routes(recent), **fields}
    routes = routes_section(await svc.activities.all(athlete_id))
    return {**document, "recent_activities": recent, **fields, "routes": routes}


def _body(document: dict[str, Any]) -> bytes:
    return json.dumps(document, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode()


def _content(document: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in document.items() if key != "generated_at"}


def content_key(document: dict[str, Any]) -> str:
    """A hash of what the document says apart from when it was generated."""
    return hashlib.sha256(_body(_content(document))).hexdigest()


async def _same_content(svc: Services, current: SnapshotInfo, key: str, document: dict[str, Any]) -> bool:
    """Compared by content key; a snapshot saved before keys existed is read and compared once."""
    if current.content_key:
        return current.content_key == key
    stored = await svc.snapshots.load(current.athlete_id)
    return stored is not None and _content(json.loads(stored.body)) == _content(document)


async def start_snapshot_refresh(athlete_id: int, client: df.DurableOrchestrationClient) -> SnapshotStart:
    """Start a snapshot run (the debouncer's refresh, a finished history scan's publication):
    ``started``, ``busy`` while one runs, or ``not_connected`` when the athlete has no active token."""
    return await _start_snapshot_refresh(int(athlete_id), client)


async def start_snapshot_run(athlete_id: int, client: df.DurableOrchestrationClient) -> SnapshotStart:
    """The same activity under its retired name (``RETIRED_ACTIVITY_NAMES``): kept for one release."""
    return await _start_snapshot_refresh(int(athlete_id), client)


async def _start_snapshot_refresh(athlete_id: int, client: df.DurableOrchestrationClient) -> SnapshotStart:
    record = await services().tokens.get(athlete_id)
    if record is None or record.status is not TokenStatus.ACTIVE:
        return {"outcome": "not_connected"}
    instance_id, started = await start_snapshot(client, athlete_id)
    if started:
        log.info("athlete %s: snapshot run %s started", athlete_id, instance_id)
    return {"outcome": "started" if started else "busy", "instance_id": instance_id}


async def record_diagnostics(request: DiagnosticsRequest) -> None:
    """Merge non-secret facts (outcomes, times, failure kinds) into the athlete's diagnostics."""
    await services().diagnostics.record(int(request["athlete_id"]), request["facts"])

"""Persist a finished snapshot, and record outcomes for the status endpoint."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import azure.durable_functions as df

from orchestrations.contract import RECORD_DIAGNOSTICS, SAVE_SNAPSHOT
from services import services

bp = df.Blueprint()


@bp.activity_trigger(input_name="request", activity=SAVE_SNAPSHOT)
async def save_snapshot(request: dict[str, Any]) -> dict[str, Any]:
    """Store the document as the athlete's latest snapshot (saving the same document twice is harmless)."""
    athlete_id = int(request["athlete_id"])
    document = request["snapshot"]
    body = json.dumps(document, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode()
    generated_at = datetime.fromisoformat(document["generated_at"].replace("Z", "+00:00"))
    svc = services()
    saved = await svc.snapshots.save(athlete_id, body, generated_at)
    await svc.diagnostics.record(
        athlete_id,
        {
            "last_snapshot_outcome": "saved",
            "last_snapshot_at": document["generated_at"],
            "last_snapshot_error": None,
            "last_snapshot_message": None,
        },
    )
    return {"generation": saved.generation, "etag": saved.etag, "size": saved.size}


@bp.activity_trigger(input_name="request", activity=RECORD_DIAGNOSTICS)
async def record_diagnostics(request: dict[str, Any]) -> None:
    """Merge non-secret facts (outcomes, times, failure kinds) into the athlete's diagnostics."""
    await services().diagnostics.record(int(request["athlete_id"]), request["facts"])

"""Webhook events on single activities, applied to the activity store
(``orchestrations.activity_event`` reserves the call)."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timezone
from typing import Any

import azure.durable_functions as df

from activities.fetch import with_token
from activities.history import newest_start, split_published
from orchestrations.contract import FetchResult, fetched
from orchestrations.history_contract import APPLY_ACTIVITY_EVENT, ActivityEvent
from services import Services, services
from storage import TokenRecord
from strava.client import StravaClient
from strava.errors import NotFoundError
from timestamps import format_utc

bp = df.Blueprint()


@bp.activity_trigger(input_name="event", activity=APPLY_ACTIVITY_EVENT)
async def apply_activity_event(event: ActivityEvent) -> FetchResult:
    """A webhook event on one activity: ``create``/``update`` re-read it (one call, reserved by the
    orchestration) and store its published form, or remove it if it is not published (or gone);
    ``delete`` removes it without calling Strava. Data: ``{"stored", "removed"}``."""
    athlete_id, activity_id = int(event["athlete_id"]), int(event["activity_id"])
    svc = services()
    if event["aspect"] == "delete":
        removed = await svc.activities.delete(athlete_id, [activity_id])
        await _mark_synced(svc, athlete_id, [], changed=bool(removed))
        return fetched({"stored": False, "removed": bool(removed)})

    async def call(svc: Services, strava: StravaClient, record: TokenRecord) -> Any:
        try:
            activity = await strava.get_activity(record.access_token, activity_id)
        except NotFoundError:
            published: list[dict[str, Any]] = []
        else:
            published, _ = split_published(svc, [activity])
        state = await svc.sync_states.get(record.athlete_id)
        if published:
            await svc.activities.put(record.athlete_id, published, state.scan)
            removed = 0
        else:
            removed = await svc.activities.delete(record.athlete_id, [activity_id])
        await _mark_synced(svc, record.athlete_id, published, changed=bool(published or removed))
        return {"stored": bool(published), "removed": bool(removed)}

    return await with_token(athlete_id, call)


async def _mark_synced(
    svc: Services, athlete_id: int, published: list[dict[str, Any]], *, changed: bool
) -> None:
    now = format_utc(datetime.now(timezone.utc))
    await svc.sync_states.update(
        athlete_id,
        lambda state: replace(
            state,
            newest_start=newest_start(state, published),
            synced_at=now if changed else state.synced_at,
        ),
    )

"""Keyed per-athlete endpoints: start a snapshot, read it privately, and the status diagnosis."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

import azure.durable_functions as df
import azure.functions as func

from api import urls
from api.conditional_get import serve_snapshot
from api.responses import NO_STORE, error_response, json_response, storage_failure_is_503
from api.route_athlete import route_athlete
from api.stats import deauthorized
from orchestrations.contract import debounce_instance_id, lifecycle_instance_id, snapshot_instance_id
from orchestrations.history_contract import history_instance_id
from services import services
from starters import runtime_status, start_snapshot
from storage import TokenStatus

if TYPE_CHECKING:
    from services import Services


@storage_failure_is_503()
async def athlete_snapshot(req: func.HttpRequest, client: df.DurableOrchestrationClient) -> func.HttpResponse:
    """POST: start a snapshot (202 + status URLs on the public base, never the request's Host; the
    running one if any). GET: the stored snapshot."""
    svc = services()
    record = await route_athlete(req, svc)
    if isinstance(record, func.HttpResponse):
        return record
    athlete_id = record.athlete_id
    if record.status is TokenStatus.DEAUTHORIZED:
        return deauthorized()
    if req.method == "GET":
        return await serve_snapshot(req, svc, athlete_id, "private, no-cache", {})
    if record.status is not TokenStatus.ACTIVE:
        return error_response(
            409, "not_active", f"The athlete's token is {record.status.value}; authorize again first."
        )
    instance_id, _ = await start_snapshot(client, athlete_id)
    payload = {
        key: value if key == "id" else urls.on_public_base(value, req.url, svc.settings)
        for key, value in client.create_http_management_payload(instance_id).items()
    }
    headers = {"Location": payload["statusQueryGetUri"], "Retry-After": "10", **NO_STORE}
    return json_response(payload, 202, headers)


@storage_failure_is_503()
async def athlete_status(req: func.HttpRequest, client: df.DurableOrchestrationClient) -> func.HttpResponse:
    """A diagnosis: lifecycle, token expiry, last outcomes, snapshot age, rate limit, and fixes."""
    svc = services()
    record = await route_athlete(req, svc)
    if isinstance(record, func.HttpResponse):
        return record
    athlete_id = record.athlete_id
    lifecycle = await client.get_status(lifecycle_instance_id(athlete_id))
    run = await client.get_status(snapshot_instance_id(athlete_id))
    snapshot = await svc.snapshots.head(athlete_id)
    from api.diagnosis import Observations, diagnose

    observations = Observations(
        athlete_id=athlete_id,
        token_status=record.status.value,
        scopes=record.scopes,
        expires_at=record.expires_at,
        publish_consent=record.publish_consent,
        lifecycle_runtime_status=runtime_status(lifecycle),
        lifecycle_status=_custom_status(lifecycle),
        snapshot_run_status=runtime_status(run),
        snapshot_generated_at=snapshot.generated_at if snapshot else None,
        snapshot_generation=snapshot.generation if snapshot else None,
        facts=await svc.diagnostics.read(athlete_id),
        authorize_url=urls.absolute(req.url, svc.settings, urls.AUTHORIZE_PATH),
        budget=await _budget(svc),
        history=await _history(svc, client, athlete_id),
        strava_setup_fix=svc.settings.strava_setup_fix,
    )
    diagnosis = diagnose(observations, datetime.now(timezone.utc))
    debouncer = _custom_status(await client.get_status(debounce_instance_id(athlete_id)))
    facts = observations.facts
    diagnosis["webhooks"] = {
        "unverified_deauthorizations": int(facts.get("unverified_deauthorizations", 0) or 0),
        "rescans": debouncer.get("rescans", 0),
        "phase": debouncer.get("phase"),  # None: no event has come yet
        "refreshes": debouncer.get("refreshes", 0),
        "last_refresh_at": debouncer.get("last_refresh_at"),
        "refresh_at": debouncer.get("refresh_at"),
    }
    return json_response(diagnosis, headers={"Cache-Control": "no-store"})


async def _budget(svc: Services) -> dict[str, Any]:
    from rate_budget import BudgetState, status_view

    raw = await svc.budget.read()
    try:
        state = BudgetState.from_json(raw) if raw else BudgetState()
    except ValueError:
        state = BudgetState()
    return status_view(state, datetime.now(timezone.utc), svc.settings.budget)


async def _history(svc: Services, client: df.DurableOrchestrationClient, athlete_id: int) -> dict[str, Any]:
    state = await svc.sync_states.get(athlete_id)
    run = await client.get_status(history_instance_id(athlete_id))
    return {
        "complete": state.complete,
        "scan": state.mode or None,
        "next_page": state.next_page if state.mode else None,
        "last_full_scan_at": state.last_full_scan_at or None,
        "synced_at": state.synced_at or None,
        "run_status": runtime_status(run),
        "run": _custom_status(run),
    }


def _custom_status(status: df.DurableOrchestrationStatus | None) -> dict[str, Any]:
    custom = status.custom_status if status else None
    return custom if isinstance(custom, dict) else {}

"""The status endpoint's diagnosis: what is wrong and how to fix it (pure; never a secret)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from orchestrations.timing import from_epoch, iso

APP_SETTINGS_URL = "https://www.strava.com/settings/api"


@dataclass(frozen=True)
class Observations:
    """Everything the status endpoint gathered, without tokens."""

    athlete_id: int
    token_status: str
    scopes: frozenset[str]
    expires_at: int
    publish_consent: bool
    lifecycle_runtime_status: str | None  # None: never started or purged
    lifecycle_status: Mapping[str, Any]  # its custom status
    snapshot_run_status: str | None
    snapshot_generated_at: datetime | None
    snapshot_generation: int | None
    facts: Mapping[str, Any]  # the diagnostics store
    authorize_url: str


FIXES: dict[str, str] = {
    "reauthorization_required": "Strava no longer accepts this athlete's refresh token (access revoked or "
    "superseded). Authorize again: {authorize_url} (needs the function key).",
    "missing_scope": "The token lacks a needed scope. Authorize again and keep 'View data about your "
    "activities' (activity:read_all) checked: {authorize_url}",
    "application_inactive": "Strava reports the API application as inactive: its owner needs an active "
    f"Strava subscription, then reactivate the app at {APP_SETTINGS_URL}.",
    "athlete_limit": "The Strava app has reached its connected-athlete limit; raise it at "
    f"{APP_SETTINGS_URL}.",
    "client_credentials": "Strava rejected STRAVA_CLIENT_ID / STRAVA_CLIENT_SECRET; fix the app settings.",
    "rate_limited": "Strava's rate limit was reached; work resumes by itself after {until}.",
    "unavailable": "Strava was unavailable; the app retries by itself with backoff.",
    "unauthorized": "Strava rejected the access token; the token lifecycle was asked to refresh it. If "
    "this persists, authorize again: {authorize_url}",
    "bad_response": "Strava sent an unexpected answer; the app retries by itself.",
    "not_connected": "The athlete is not connected. Authorize: {authorize_url}",
    "lifecycle_stopped": "The token lifecycle is not running; the scheduled watchdog restarts it, or "
    "authorize again: {authorize_url}",
}


def problem(kind: str, source: str, obs: Observations, until: str | None = None) -> dict[str, str]:
    fix = FIXES.get(kind, "See the logs.").format(authorize_url=obs.authorize_url, until=until or "the reset")
    return {"problem": kind, "source": source, "fix": fix}


def diagnose(obs: Observations, now: datetime) -> dict[str, Any]:
    """The status document: token, lifecycle, snapshot, rate limit, and the problems with their fixes."""
    facts, lifecycle = obs.facts, obs.lifecycle_status
    problems: list[dict[str, str]] = []
    if obs.token_status != "active":  # noqa: S105 - a status word, not a secret
        problems.append(problem(obs.token_status, "token", obs))
    elif obs.lifecycle_runtime_status not in ("Running", "Pending", "ContinuedAsNew"):
        problems.append(problem("lifecycle_stopped", "token_lifecycle", obs))
    refresh_error = facts.get("last_refresh_error")
    if refresh_error and refresh_error != obs.token_status:
        problems.append(problem(str(refresh_error), "token_refresh", obs))
    snapshot_error = facts.get("last_snapshot_error")
    if snapshot_error:
        until = facts.get("rate_limited_until")
        problems.append(problem(str(snapshot_error), "snapshot", obs, str(until) if until else None))
    expires = from_epoch(obs.expires_at)
    return {
        "athlete_id": obs.athlete_id,
        "healthy": not problems,
        "problems": problems,
        "token": {
            "status": obs.token_status,
            "scopes": sorted(obs.scopes),
            "expires_at": iso(expires),
            "expires_in_s": int((expires - now).total_seconds()),
            "publish_consent": obs.publish_consent,
        },
        "lifecycle": {
            "runtime_status": obs.lifecycle_runtime_status,
            "phase": lifecycle.get("phase"),
            "next_refresh_at": lifecycle.get("next_refresh_at"),
            "last_outcome": lifecycle.get("last_outcome") or facts.get("last_refresh_outcome"),
            "last_refresh_at": lifecycle.get("last_refresh_at") or facts.get("last_refresh_at"),
            "consecutive_failures": lifecycle.get("consecutive_failures", 0),
        },
        "snapshot": {
            "generated_at": iso(obs.snapshot_generated_at) if obs.snapshot_generated_at else None,
            "age_s": int((now - obs.snapshot_generated_at).total_seconds())
            if obs.snapshot_generated_at
            else None,
            "generation": obs.snapshot_generation,
            "last_outcome": facts.get("last_snapshot_outcome"),
            "last_attempt_at": facts.get("last_snapshot_attempt_at", facts.get("last_snapshot_at")),
            "run_status": obs.snapshot_run_status,
        },
        "rate_limit": _rate_limit(facts.get("rate_limit")),
    }


def _rate_limit(raw: Any) -> Any:
    """The rate-limit usage last seen, with ``observed_at`` in the status's timestamp format."""
    try:
        usage = json.loads(raw) if isinstance(raw, str) else None
        if isinstance(usage, dict) and usage.get("observed_at"):
            usage["observed_at"] = iso(
                datetime.fromisoformat(str(usage["observed_at"]).replace("Z", "+00:00"))
            )
    except ValueError:
        return None
    return usage

"""The status endpoint's diagnosis: what is wrong and how to fix it (pure; never a secret)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from orchestrations.contract import ACTIVE_STATES, SUSPENDED
from orchestrations.failures import POLICIES
from timestamps import format_utc, from_epoch, parse_utc


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
    budget: Mapping[str, Any] | None = None  # the shared rate budget (rate_budget.status_view)
    history: Mapping[str, Any] | None = None  # the history sync: stored state and its instance
    strava_setup_fix: str | None = None  # Settings.strava_setup_fix: Strava is not configured


BUDGET_PROBLEM_FOR = timedelta(minutes=15)  # a failed reservation is named this long
UNVERIFIED_PROBLEM_FOR = timedelta(days=1)  # an unconfirmed deauthorization is named this long

# Problems of the lifecycle itself (and the deauthorized token status); the fixes of failure kinds come
# from orchestrations.failures.
LIFECYCLE_FIXES: dict[str, str] = {
    "deauthorized": "The athlete revoked this app's access on Strava; their tokens, snapshot and stored "
    "data were deleted and nothing is served. To connect again, authorize: {authorize_url}",
    "lifecycle_stopped": "The token lifecycle is not running; the scheduled watchdog (SNAPSHOT_SCHEDULE) "
    "restarts it, and so does a snapshot that meets a rejected token. Or authorize again: {authorize_url}",
    "rate_budget_unavailable": "The shared rate budget could not be read or written at {until}, so "
    "Strava calls waited (nothing was spent without it). Check the storage account (AzureWebJobsStorage);"
    " the work goes on by itself once it answers.",
    "unverified_deauthorization": "A deauthorization event came at {until}, but Strava still honours "
    "this app's grant, so nothing was erased. Webhook events are unsigned: if you did not revoke access "
    "on Strava, someone sent it. Nothing to do; to disconnect for real, revoke the app on Strava "
    "(Settings > My Apps).",
    "lifecycle_suspended": "The token lifecycle is suspended, so nothing refreshes the token; the scheduled "
    "watchdog (SNAPSHOT_SCHEDULE) resumes it, or resume it now through the Durable management API "
    "(resumePostUri).",
}


def fix_for(kind: str) -> str:
    policy = next((policy for name, policy in POLICIES.items() if name == kind), None)
    return policy.fix if policy is not None else LIFECYCLE_FIXES.get(kind, "See the logs.")


def problem(kind: str, source: str, obs: Observations, until: str | None = None) -> dict[str, str]:
    fix = fix_for(kind).format(authorize_url=obs.authorize_url, until=until or "the reset")
    return {"problem": kind, "source": source, "fix": fix}


def diagnose(obs: Observations, now: datetime) -> dict[str, Any]:
    """The status document: token, lifecycle, snapshot, rate limit, and the problems with their fixes."""
    facts, lifecycle = obs.facts, obs.lifecycle_status
    problems: list[dict[str, str]] = []
    if obs.strava_setup_fix is not None:  # nothing reaches Strava until this is fixed
        problems.append(
            {"problem": "strava_not_configured", "source": "settings", "fix": obs.strava_setup_fix}
        )
    if obs.token_status != "active":  # noqa: S105 - a status word, not a secret
        problems.append(problem(obs.token_status, "token", obs))
    elif obs.lifecycle_runtime_status == SUSPENDED:
        problems.append(problem("lifecycle_suspended", "token_lifecycle", obs))
    elif obs.lifecycle_runtime_status not in ACTIVE_STATES:
        problems.append(problem("lifecycle_stopped", "token_lifecycle", obs))
    refresh_error = facts.get("last_refresh_error")
    if refresh_error and refresh_error != obs.token_status:
        problems.append(problem(str(refresh_error), "token_refresh", obs))
    history_error = facts.get("last_history_error")
    if history_error:
        problems.append(problem(str(history_error), "history_sync", obs))
    for kind, at_fact, window in (
        ("rate_budget_unavailable", "last_budget_error_at", BUDGET_PROBLEM_FOR),
        ("unverified_deauthorization", "last_unverified_deauthorization_at", UNVERIFIED_PROBLEM_FOR),
    ):
        at = _recent(facts.get(at_fact), now, window)
        if at is not None:
            problems.append(
                problem(kind, "webhooks" if kind.startswith("unverified") else "rate_budget", obs, at)
            )
    snapshot_error = facts.get("last_snapshot_error")
    if snapshot_error:
        until = facts.get("rate_limited_until")
        problems.append(problem(str(snapshot_error), "snapshot", obs, str(until) if until else None))
    expires = from_epoch(obs.expires_at) if obs.expires_at else None
    return {
        "athlete_id": obs.athlete_id,
        "healthy": not problems,
        "problems": problems,
        "token": {
            "status": obs.token_status,
            "scopes": sorted(obs.scopes),
            "expires_at": format_utc(expires) if expires else None,
            "expires_in_s": int((expires - now).total_seconds()) if expires else None,
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
            "generated_at": format_utc(obs.snapshot_generated_at) if obs.snapshot_generated_at else None,
            "age_s": int((now - obs.snapshot_generated_at).total_seconds())
            if obs.snapshot_generated_at
            else None,
            "generation": obs.snapshot_generation,
            "last_outcome": facts.get("last_snapshot_outcome"),
            "last_attempt_at": facts.get("last_snapshot_attempt_at", facts.get("last_snapshot_at")),
            "run_status": obs.snapshot_run_status,
        },
        "rate_limit": _rate_limit(facts.get("rate_limit")),
        "rate_budget": dict(obs.budget) if obs.budget is not None else None,
        "history": dict(obs.history) if obs.history is not None else None,
    }


def _recent(raw: Any, now: datetime, window: timedelta) -> str | None:
    """The fact's timestamp (status format) if it is within ``window`` before ``now``."""
    try:
        moment = parse_utc(str(raw)) if raw else None
    except ValueError:
        return None
    return format_utc(moment) if moment is not None and now - moment <= window else None


def _rate_limit(raw: Any) -> Any:
    """The rate-limit usage last seen, with ``observed_at`` in the status's timestamp format."""
    try:
        usage = json.loads(raw) if isinstance(raw, str) else None
        if isinstance(usage, dict) and usage.get("observed_at"):
            usage["observed_at"] = format_utc(parse_utc(str(usage["observed_at"])))
    except ValueError:
        return None
    return usage

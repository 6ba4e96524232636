"""The contract between orchestrations and activities: names, instance ids and result shapes.

Everything here is plain JSON-safe data, because it travels through orchestration history — which is
why no token ever appears in it: activities read tokens from the token store by athlete id.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

# Orchestrations
TOKEN_LIFECYCLE = "token_lifecycle"
STATS_SNAPSHOT = "stats_snapshot"
REFRESH_NOW_EVENT = "refresh_now"

# Activities
READ_TOKEN_STATE = "read_token_state"
REFRESH_TOKEN = "refresh_token"
FETCH_ATHLETE = "fetch_athlete"
FETCH_STATS = "fetch_stats"
FETCH_ACTIVITIES = "fetch_activities"
SAVE_SNAPSHOT = "save_snapshot"
RECORD_DIAGNOSTICS = "record_diagnostics"
REQUEST_TOKEN_REFRESH = "request_token_refresh"

FailureKind = Literal[
    "not_connected",  # no token stored, or not active
    "unauthorized",  # the access token was rejected: the lifecycle must refresh it
    "reauthorization_required",  # refresh token revoked / superseded: the athlete must authorize again
    "missing_scope",
    "application_inactive",
    "athlete_limit",
    "client_credentials",  # STRAVA_CLIENT_ID / STRAVA_CLIENT_SECRET are wrong: fix the settings
    "rate_limited",
    "unavailable",  # 5xx, timeouts, storage hiccups: transient
    "bad_response",
    "not_found",
]
TRANSIENT_FAILURES: frozenset[str] = frozenset({"unavailable", "bad_response"})


def lifecycle_instance_id(athlete_id: int) -> str:
    """The singleton token lifecycle of one athlete."""
    return f"token-lifecycle-{athlete_id}"


def snapshot_instance_id(athlete_id: int) -> str:
    """The singleton snapshot run of one athlete (one at a time)."""
    return f"stats-snapshot-{athlete_id}"


@dataclass(frozen=True)
class Failure:
    """Why an activity could not do its job, in words safe to store and show (no secrets)."""

    kind: FailureKind
    message: str
    retry_at: str | None = None  # ISO-8601 UTC, for rate limits

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "message": self.message, "retry_at": self.retry_at}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Failure:
        return cls(kind=data["kind"], message=data["message"], retry_at=data.get("retry_at"))


def fetched(data: Any) -> dict[str, Any]:
    """An activity result carrying data."""
    return {"data": data}


def failed(failure: Failure) -> dict[str, Any]:
    """An activity result carrying a failure the orchestration can act on."""
    return {"failure": failure.to_dict()}


def failure_of(result: dict[str, Any]) -> Failure | None:
    raw = result.get("failure")
    return Failure.from_dict(raw) if raw else None

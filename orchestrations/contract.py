"""The contract between orchestrations, activities and starters: names, instance ids, result shapes.

Everything here is plain JSON-safe data, because it travels through orchestration history — which is
why no token ever appears in it: activities read tokens from the token store by athlete id. Results
are TypedDicts, so a fake or a caller with the wrong shape fails mypy.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal, TypedDict

from orchestrations.history_contract import BudgetDecision, Cursor, RefreshPlan, Started, history_instance_id

if TYPE_CHECKING:  # the failure policy loads with the code that acts on a failure, not at indexing
    from orchestrations.failures import Failure, FailureData

# Orchestrations
TOKEN_LIFECYCLE = "token_lifecycle"
STATS_SNAPSHOT = "stats_snapshot"
REFRESH_NOW_EVENT = "refresh_now"  # a wake-up: the lifecycle re-reads the token row and refresh requests
WEBHOOK_DEBOUNCE = "webhook_debounce"
ATHLETE_DEAUTHORIZATION = "athlete_deauthorization"
ATHLETE_CHANGED_EVENT = "athlete_changed"  # a webhook event: something of the athlete's changed
DEAUTHORIZATION_EVENT = "deauthorization_again"  # another deauthorization event while one is checked

# Activities
READ_TOKEN_STATE = "read_token_state"
REFRESH_TOKEN = "refresh_token"
FETCH_ATHLETE = "fetch_athlete"
FETCH_STATS = "fetch_stats"
SAVE_SNAPSHOT = "save_snapshot"
RECORD_DIAGNOSTICS = "record_diagnostics"
REQUEST_TOKEN_REFRESH = "request_token_refresh"
START_SNAPSHOT_REFRESH = "start_snapshot_refresh"
# Activity names retired by a rename, each still registered (same activity) for one release: an instance
# that scheduled the old name before a deploy finds it (the SDK replays by position, not by name).
START_SNAPSHOT_RUN_RETIRED = "start_snapshot_run"  # history_sync's publication, before issue 22
RETIRED_ACTIVITY_NAMES = {START_SNAPSHOT_RUN_RETIRED: START_SNAPSHOT_REFRESH}
FORGET_ATHLETE_TOKENS = "forget_athlete_tokens"
END_ATHLETE_ORCHESTRATIONS = "end_athlete_orchestrations"
DELETE_ATHLETE_DATA = "delete_athlete_data"
CHECK_GRANT = "check_grant"
NOTE_UNVERIFIED_DEAUTHORIZATION = "note_unverified_deauthorization"
VERIFY_ACTIVITIES = "verify_activities"

# Runtime statuses of an instance that has not finished: a starter must not start another one.
# Suspended counts: it is alive but does no work until resumed (the watchdog resumes it).
ACTIVE_STATES = frozenset({"Pending", "Running", "ContinuedAsNew", "Suspended"})
SUSPENDED = "Suspended"


def lifecycle_instance_id(athlete_id: int) -> str:
    """The singleton token lifecycle of one athlete."""
    return f"token-lifecycle-{athlete_id}"


def snapshot_instance_id(athlete_id: int) -> str:
    """The singleton snapshot run of one athlete (one at a time)."""
    return f"stats-snapshot-{athlete_id}"


def debounce_instance_id(athlete_id: int) -> str:
    """The singleton webhook debouncer of one athlete."""
    return f"webhook-debounce-{athlete_id}"


def deauthorization_instance_id(athlete_id: int) -> str:
    """The run that deletes a deauthorized athlete's data."""
    return f"deauthorization-{athlete_id}"


def athlete_instance_ids(athlete_id: int) -> tuple[str, ...]:
    """Every long-lived orchestration that holds or builds an athlete's data."""
    return (
        lifecycle_instance_id(athlete_id),
        snapshot_instance_id(athlete_id),
        debounce_instance_id(athlete_id),
        history_instance_id(athlete_id),
    )


class TokenState(TypedDict):
    """``read_token_state``: the token's status and expiry (never the token), the margin in force, and
    the latest stored request for a forced refresh (a fetch met a rejected access token)."""

    status: str  # a TokenStatus value, or "missing"
    expires_at: int | None  # epoch seconds
    refresh_margin_s: int
    refresh_requested_at: str | None  # ISO 8601 to the microsecond (compared with the answered one)


class GrantCheck(TypedDict):
    """``check_grant``: whether Strava still honours the stored access token. ``granted``,
    ``unauthorized`` (401 while the lifecycle may still refresh: ``expires_at`` of the token used),
    ``revoked`` (401 after the refresh token was refused), ``absent`` or ``unknown``."""

    grant: Literal["granted", "unauthorized", "revoked", "absent", "unknown"]
    expires_at: int | None


class RefreshRequest(TypedDict):
    athlete_id: int
    force: bool


RefreshOutcome = Literal["still_fresh", "refreshed", "unchanged", "failed"]


class RefreshResult(TypedDict):
    """``refresh_token``: ``still_fresh`` (Strava not called), ``refreshed`` (new access token),
    ``unchanged`` (Strava gave back the same token) or ``failed`` with its failure."""

    outcome: RefreshOutcome
    expires_at: int | None
    failure: FailureData | None


class FetchResult(TypedDict):
    """``fetch_*``: the public data, or the failure the snapshot run acts on."""

    data: Any
    failure: FailureData | None


class SaveRequest(TypedDict):
    athlete_id: int
    snapshot: dict[str, Any]


class SaveResult(TypedDict):
    saved: bool  # False: the content equals the stored one, which stays (and keeps its ETag)
    generated_at: str
    generation: int
    etag: str
    size: int
    activity_count: int  # recent activities in the saved document (added from the activity store)


DiagnosticFacts = dict[str, str | int | float | bool | None]


class SnapshotStart(TypedDict, total=False):
    """What ``start_snapshot_refresh`` did: ``started`` a run, found one ``busy``, or the athlete is
    ``not_connected`` any more (then nothing is started)."""

    outcome: Literal["started", "busy", "not_connected"]
    instance_id: str


class DiagnosticsRequest(TypedDict):
    athlete_id: int
    facts: DiagnosticFacts


LifecycleOutcome = Literal["started", "running", "woken", "resumed"]


class RefreshRequested(TypedDict):
    """``request_token_refresh``: the request is stored; what became of the lifecycle."""

    lifecycle: LifecycleOutcome


ActivityResult = (
    TokenState
    | RefreshResult
    | FetchResult
    | SaveResult
    | RefreshRequested
    | GrantCheck
    | BudgetDecision
    | RefreshPlan
    | Cursor
    | Started
    | SnapshotStart
    | None
)


def refreshed(outcome: RefreshOutcome, expires_at: int) -> RefreshResult:
    return {"outcome": outcome, "expires_at": expires_at, "failure": None}


def refresh_failed(failure: Failure) -> RefreshResult:
    return {"outcome": "failed", "expires_at": None, "failure": failure.to_data()}


def fetched(data: Any) -> FetchResult:
    return {"data": data, "failure": None}


def fetch_failed(failure: Failure) -> FetchResult:
    return {"data": None, "failure": failure.to_data()}


def failure_of(result: RefreshResult | FetchResult) -> Failure | None:
    from orchestrations.failures import Failure

    raw = result.get("failure")
    return Failure.from_data(raw) if raw else None

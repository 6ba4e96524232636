"""The one failure policy: every kind of failure an activity can report, and what each part does about it.

The token lifecycle, the snapshot run, the status diagnosis and the mapping of Strava errors all read
:data:`POLICIES`; nothing else lists failure kinds. Everything here is JSON-safe and secret-free,
because failures travel through orchestration history.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, TypedDict

from strava.errors import (
    ApplicationInactiveError,
    AthleteLimitError,
    BadResponseError,
    ClientCredentialsError,
    ForbiddenError,
    MissingScopeError,
    NotFoundError,
    RateLimitedError,
    ReauthorizationRequiredError,
    StravaUnavailableError,
    UnauthorizedError,
)
from timestamps import format_utc

if TYPE_CHECKING:
    from strava.errors import StravaError

FailureKind = Literal[
    "not_connected",
    "unauthorized",
    "reauthorization_required",
    "refresh_token_lost",
    "missing_scope",
    "application_inactive",
    "athlete_limit",
    "client_credentials",
    "rate_limited",
    "unavailable",
    "bad_response",
    "not_found",
    "rejected",
]
SnapshotReaction = Literal["back_off", "wait_for_window", "refresh_first", "give_up"]
APP_SETTINGS_URL = "https://www.strava.com/settings/api"


@dataclass(frozen=True)
class Policy:
    """What one kind of failure means.

    ``transient``: it passes by itself (the lifecycle backs off, a snapshot retries);
    ``ends_lifecycle``: the token lifecycle stops until the athlete authorizes again;
    ``snapshot``: how a snapshot run reacts; ``fix``: the status endpoint's advice
    (``{authorize_url}`` and ``{until}`` are filled in); ``error``: the Strava error of this kind.
    """

    transient: bool
    ends_lifecycle: bool
    snapshot: SnapshotReaction
    fix: str
    error: type[StravaError] | None = None


# Ordered: failure_from_error takes the first kind whose error class matches (subclasses first).
# transient / ends the lifecycle / how a snapshot reacts / the fix shown by the status endpoint
POLICIES: Mapping[FailureKind, Policy] = {
    "rate_limited": Policy(
        transient=False,
        ends_lifecycle=False,
        snapshot="wait_for_window",
        fix="Strava's rate limit was reached; work resumes by itself after {until}.",
        error=RateLimitedError,
    ),
    "missing_scope": Policy(
        transient=False,
        ends_lifecycle=False,
        snapshot="give_up",
        fix="The token lacks a needed scope. Authorize again and keep 'View data about your activities' "
        "checked: {authorize_url}",
        error=MissingScopeError,
    ),
    "unauthorized": Policy(
        transient=False,
        ends_lifecycle=False,
        snapshot="refresh_first",
        fix="Strava rejected the access token; the token lifecycle was asked to refresh it. If this "
        "persists, authorize again: {authorize_url}",
        error=UnauthorizedError,
    ),
    "reauthorization_required": Policy(
        transient=False,
        ends_lifecycle=True,
        snapshot="give_up",
        fix="Strava no longer accepts this athlete's refresh token (access revoked or superseded). "
        "Authorize again: {authorize_url} (needs the function key).",
        error=ReauthorizationRequiredError,
    ),
    "application_inactive": Policy(
        transient=False,
        ends_lifecycle=False,
        snapshot="give_up",
        fix="Strava reports the API application as inactive: its owner needs an active Strava "
        f"subscription, then reactivate the app at {APP_SETTINGS_URL}.",
        error=ApplicationInactiveError,
    ),
    "athlete_limit": Policy(
        transient=False,
        ends_lifecycle=False,
        snapshot="give_up",
        fix=f"The Strava app has reached its connected-athlete limit; raise it at {APP_SETTINGS_URL}.",
        error=AthleteLimitError,
    ),
    "client_credentials": Policy(
        transient=False,
        ends_lifecycle=False,
        snapshot="give_up",
        fix="Strava rejected STRAVA_CLIENT_ID / STRAVA_CLIENT_SECRET; fix the app settings.",
        error=ClientCredentialsError,
    ),
    "not_found": Policy(
        transient=False,
        ends_lifecycle=False,
        snapshot="give_up",
        fix="Strava answered 404 for this athlete's data.",
        error=NotFoundError,
    ),
    "rejected": Policy(  # also any other 4xx (failure_from_error)
        transient=False,
        ends_lifecycle=False,
        snapshot="give_up",
        fix="Strava refused the request (HTTP 4xx) and the app does not retry it by itself; see the logs.",
        error=ForbiddenError,
    ),
    "bad_response": Policy(  # a cut-off answer (TruncatedResponseError) is one too
        transient=True,
        ends_lifecycle=False,
        snapshot="back_off",
        fix="Strava sent an unexpected or cut-off answer; the app retries by itself.",
        error=BadResponseError,
    ),
    "unavailable": Policy(
        transient=True,
        ends_lifecycle=False,
        snapshot="back_off",
        fix="Strava or storage was unavailable; the app retries by itself with backoff.",
        error=StravaUnavailableError,
    ),
    "not_connected": Policy(
        transient=False,
        ends_lifecycle=True,
        snapshot="give_up",
        fix="The athlete is not connected. Authorize: {authorize_url}",
    ),
    "refresh_token_lost": Policy(
        transient=False,
        ends_lifecycle=True,
        snapshot="give_up",
        fix="Strava issued a new refresh token but it never reached storage (its answer was cut off in "
        "transit, or storage failed for longer than the write retries), and the old one is no longer "
        "accepted. The app cannot recover this token: authorize again: {authorize_url}",
    ),
}


class FailureData(TypedDict):
    """A failure as it travels through orchestration history."""

    kind: FailureKind
    message: str
    retry_at: str | None  # the one timestamp format, for rate limits


@dataclass(frozen=True)
class Failure:
    """Why an activity could not do its job, in words safe to store and show (no secrets)."""

    kind: FailureKind
    message: str
    retry_at: str | None = None

    @property
    def policy(self) -> Policy:
        return POLICIES[self.kind]

    def to_data(self) -> FailureData:
        return {"kind": self.kind, "message": self.message, "retry_at": self.retry_at}

    @classmethod
    def from_data(cls, data: FailureData) -> Failure:
        return cls(kind=data["kind"], message=data["message"], retry_at=data.get("retry_at"))


def failure_from_error(error: StravaError) -> Failure:
    """The kind of a Strava error: the first matching row of :data:`POLICIES`; else ``rejected`` for
    any other 4xx but 408, ``unavailable`` for the rest. Messages are the errors' own, which never hold
    secrets."""
    for kind, policy in POLICIES.items():
        if policy.error is not None and isinstance(error, policy.error):
            retry_at = format_utc(error.retry_at) if isinstance(error, RateLimitedError) else None
            return Failure(kind, str(error), retry_at)
    refused = error.status is not None and 400 <= error.status < 500 and error.status != 408
    return Failure("rejected" if refused else "unavailable", str(error))

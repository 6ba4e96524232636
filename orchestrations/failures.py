"""The one failure policy: every kind of failure an activity can report, and what each part does about it.

The token lifecycle, the snapshot run, the status diagnosis and the mapping of Strava errors all read
:data:`POLICIES`; nothing else lists failure kinds. Everything here is JSON-safe and secret-free,
because failures travel through orchestration history.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal, TypedDict

from strava.errors import (
    ApplicationInactiveError,
    AthleteLimitError,
    BadResponseError,
    ClientCredentialsError,
    MissingScopeError,
    NotFoundError,
    RateLimitedError,
    ReauthorizationRequiredError,
    StravaError,
    StravaUnavailableError,
    UnauthorizedError,
)
from timestamps import format_utc

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
POLICIES: Mapping[FailureKind, Policy] = {
    "rate_limited": Policy(
        False,
        False,
        "wait_for_window",
        "Strava's rate limit was reached; work resumes by itself after {until}.",
        RateLimitedError,
    ),
    "missing_scope": Policy(
        False,
        False,
        "give_up",
        "The token lacks a needed scope. Authorize again and keep 'View data about your activities' "
        "(activity:read_all) checked: {authorize_url}",
        MissingScopeError,
    ),
    "unauthorized": Policy(
        False,
        False,
        "refresh_first",
        "Strava rejected the access token; the token lifecycle was asked to refresh it. If this "
        "persists, authorize again: {authorize_url}",
        UnauthorizedError,
    ),
    "reauthorization_required": Policy(
        False,
        True,
        "give_up",
        "Strava no longer accepts this athlete's refresh token (access revoked or superseded). "
        "Authorize again: {authorize_url} (needs the function key).",
        ReauthorizationRequiredError,
    ),
    "application_inactive": Policy(
        False,
        False,
        "give_up",
        "Strava reports the API application as inactive: its owner needs an active Strava "
        f"subscription, then reactivate the app at {APP_SETTINGS_URL}.",
        ApplicationInactiveError,
    ),
    "athlete_limit": Policy(
        False,
        False,
        "give_up",
        f"The Strava app has reached its connected-athlete limit; raise it at {APP_SETTINGS_URL}.",
        AthleteLimitError,
    ),
    "client_credentials": Policy(
        False,
        False,
        "give_up",
        "Strava rejected STRAVA_CLIENT_ID / STRAVA_CLIENT_SECRET; fix the app settings.",
        ClientCredentialsError,
    ),
    "not_found": Policy(
        False, False, "give_up", "Strava answered 404 for this athlete's data.", NotFoundError
    ),
    "bad_response": Policy(
        True,
        False,
        "back_off",
        "Strava sent an unexpected or cut-off answer; the app retries by itself.",
        BadResponseError,
    ),
    "unavailable": Policy(
        True,
        False,
        "back_off",
        "Strava or storage was unavailable; the app retries by itself with backoff.",
        StravaUnavailableError,
    ),
    "not_connected": Policy(
        False, True, "give_up", "The athlete is not connected. Authorize: {authorize_url}"
    ),
    "refresh_token_lost": Policy(
        False,
        True,
        "give_up",
        "Strava issued a new refresh token but its answer was cut off in transit, and the old one is "
        "no longer accepted. The app cannot recover this token: authorize again: {authorize_url}",
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
    """The kind of a Strava error (the first matching row of :data:`POLICIES`; else ``unavailable``).
    Messages are the errors' own, which never hold secrets."""
    for kind, policy in POLICIES.items():
        if policy.error is not None and isinstance(error, policy.error):
            retry_at = format_utc(error.retry_at) if isinstance(error, RateLimitedError) else None
            return Failure(kind, str(error), retry_at)
    return Failure("unavailable", str(error))

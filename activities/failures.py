"""Strava errors, mapped once into the failures orchestrations act on."""

from __future__ import annotations

from orchestrations.contract import Failure
from orchestrations.timing import iso
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
    UnauthorizedError,
)


def failure_from_error(error: StravaError) -> Failure:
    """The failure an orchestration can act on; messages are the errors' own (they never hold secrets)."""
    message = str(error)
    if isinstance(error, RateLimitedError):
        return Failure("rate_limited", message, retry_at=iso(error.retry_at))
    if isinstance(error, MissingScopeError):
        return Failure("missing_scope", message)
    if isinstance(error, UnauthorizedError):
        return Failure("unauthorized", message)
    if isinstance(error, ReauthorizationRequiredError):
        return Failure("reauthorization_required", message)
    if isinstance(error, ApplicationInactiveError):
        return Failure("application_inactive", message)
    if isinstance(error, AthleteLimitError):
        return Failure("athlete_limit", message)
    if isinstance(error, ClientCredentialsError):
        return Failure("client_credentials", message)
    if isinstance(error, NotFoundError):
        return Failure("not_found", message)
    if isinstance(error, BadResponseError):
        return Failure("bad_response", message)
    return Failure("unavailable", message)

"""Async Strava API client (aiohttp; no Azure imports).

Names load from their modules on first use (PEP 562), so importing one module of the package does
not compile the rest (cold start, tests/app/test_cold_start.py)."""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from strava.client import StravaClient, StravaConfig
    from strava.errors import (
        ApplicationInactiveError,
        AthleteLimitError,
        BadResponseError,
        ClientCredentialsError,
        FaultDetail,
        ForbiddenError,
        MissingScopeError,
        NotFoundError,
        RateLimitedError,
        ReauthorizationRequiredError,
        StravaError,
        StravaUnavailableError,
        TruncatedResponseError,
        UnauthorizedError,
        error_for_response,
    )
    from strava.models import ActivityTotals, Athlete, AthleteStats, SummaryActivity, TokenGrant, TokenSet
    from strava.oauth import DEFAULT_SCOPES, granted_scopes
    from strava.ratelimits import (
        RateLimitUsage,
        next_daily_reset,
        next_window_reset,
        parse_rate_limit_headers,
        retry_at,
    )

_HOMES = {
    "StravaClient": "strava.client",
    "StravaConfig": "strava.client",
    "ApplicationInactiveError": "strava.errors",
    "AthleteLimitError": "strava.errors",
    "BadResponseError": "strava.errors",
    "ClientCredentialsError": "strava.errors",
    "FaultDetail": "strava.errors",
    "ForbiddenError": "strava.errors",
    "MissingScopeError": "strava.errors",
    "NotFoundError": "strava.errors",
    "RateLimitedError": "strava.errors",
    "ReauthorizationRequiredError": "strava.errors",
    "StravaError": "strava.errors",
    "StravaUnavailableError": "strava.errors",
    "TruncatedResponseError": "strava.errors",
    "UnauthorizedError": "strava.errors",
    "error_for_response": "strava.errors",
    "ActivityTotals": "strava.models",
    "Athlete": "strava.models",
    "AthleteStats": "strava.models",
    "SummaryActivity": "strava.models",
    "TokenGrant": "strava.models",
    "TokenSet": "strava.models",
    "DEFAULT_SCOPES": "strava.oauth",
    "granted_scopes": "strava.oauth",
    "RateLimitUsage": "strava.ratelimits",
    "next_daily_reset": "strava.ratelimits",
    "next_window_reset": "strava.ratelimits",
    "parse_rate_limit_headers": "strava.ratelimits",
    "retry_at": "strava.ratelimits",
}

__all__ = [
    "DEFAULT_SCOPES",
    "ActivityTotals",
    "ApplicationInactiveError",
    "Athlete",
    "AthleteLimitError",
    "AthleteStats",
    "BadResponseError",
    "ClientCredentialsError",
    "FaultDetail",
    "ForbiddenError",
    "MissingScopeError",
    "NotFoundError",
    "RateLimitUsage",
    "RateLimitedError",
    "ReauthorizationRequiredError",
    "StravaClient",
    "StravaConfig",
    "StravaError",
    "StravaUnavailableError",
    "SummaryActivity",
    "TokenGrant",
    "TokenSet",
    "TruncatedResponseError",
    "UnauthorizedError",
    "error_for_response",
    "granted_scopes",
    "next_daily_reset",
    "next_window_reset",
    "parse_rate_limit_headers",
    "retry_at",
]


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(home), name)
    globals()[name] = value
    return value

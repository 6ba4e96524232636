"""Async Strava API client (aiohttp; no Azure imports).

Each name loads from its module on first use (``lazy_exports``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from lazy_exports import lazy_exports

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

if not TYPE_CHECKING:  # to the type checker the names are the imports above
    __getattr__ = lazy_exports(__name__, _HOMES)

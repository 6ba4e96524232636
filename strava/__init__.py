"""Async Strava API client (aiohttp; no Azure imports)."""

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

"""Public URLs of this app, derived from the request (or the STRAVA_REDIRECT_URI setting)."""

from __future__ import annotations

from urllib.parse import urlencode, urlsplit

from settings import Settings

ROUTE_PREFIX = "/api"


def origin(request_url: str) -> str:
    parts = urlsplit(request_url)
    return f"{parts.scheme}://{parts.netloc}"


def callback_url(request_url: str, settings: Settings) -> str:
    return settings.redirect_uri or f"{origin(request_url)}{ROUTE_PREFIX}/strava/callback"


def authorize_url(request_url: str, **query: str) -> str:
    suffix = f"?{urlencode(query)}" if query else ""
    return f"{origin(request_url)}{ROUTE_PREFIX}/strava/authorize{suffix}"


def stats_url(request_url: str, athlete_id: int) -> str:
    return f"{origin(request_url)}{ROUTE_PREFIX}/athletes/{athlete_id}/stats"


def snapshot_url(request_url: str, athlete_id: int) -> str:
    return f"{origin(request_url)}{ROUTE_PREFIX}/athletes/{athlete_id}/snapshot"

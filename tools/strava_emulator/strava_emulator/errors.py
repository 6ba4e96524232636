"""Strava's error bodies ("Faults"), exactly as real responses carry them."""

from __future__ import annotations

from typing import Any

from aiohttp import web


def fault(message: str, resource: str, field: str, code: str) -> dict[str, Any]:
    return {"message": message, "errors": [{"resource": resource, "field": field, "code": code}]}


def bad_request(resource: str, field: str, code: str = "invalid") -> web.Response:
    return web.json_response(fault("Bad Request", resource, field, code), status=400)


UNKNOWN_CLIENT = fault("Bad Request", "Application", "client_id", "invalid")
WRONG_SECRET = fault("Authorization Error", "Application", "", "invalid")
CODE_INVALID = fault("Bad Request", "AuthorizationCode", "code", "invalid")
REFRESH_INVALID = fault("Bad Request", "RefreshToken", "refresh_token", "invalid")
TOKEN_INVALID = fault("Authorization Error", "Athlete", "access_token", "invalid")
APP_INACTIVE = fault("Forbidden", "Application", "Status", "Inactive")
RATE_LIMITED = fault("Rate Limit Exceeded", "Application", "rate limit", "exceeded")
NOT_FOUND = fault("Record Not Found", "Activity", "id", "invalid")
OTHER_ATHLETE = fault("Forbidden", "Athlete", "id", "forbidden")
BASIC_AUTH_INVALID: dict[str, Any] = {"message": "Authorization Error", "errors": []}


def scope_missing(scope: str) -> dict[str, Any]:
    """401 body for a token without ``scope``, e.g. ``activity:read_permission missing``."""
    return fault("Authorization Error", "AccessToken", f"{scope}_permission", "missing")


def server_error(status: int) -> web.Response:
    """An injected 5xx: Strava's JSON for 500, CDN-style HTML for 502/503/504."""
    if status == 500:
        return web.json_response({"message": "error"}, status=500)
    if status == 429:
        return web.json_response(RATE_LIMITED, status=429)
    reason = {502: "Bad Gateway", 503: "Service Unavailable", 504: "Gateway Timeout"}.get(status, "Error")
    html = (
        f"<html><head><title>{status} {reason}</title></head><body><h1>{status} {reason}</h1></body></html>"
    )
    return web.Response(status=status, text=html, content_type="text/html")


def athlete_cap_page() -> web.Response:
    """What Strava shows at authorize when the app is at its athlete cap: an HTML error page (the
    browser never comes back with a code)."""
    html = (
        "<!DOCTYPE html><html><head><title>Strava</title></head><body>"
        "<h1>Error 403: Limit of connected athletes exceeded</h1></body></html>"
    )
    return web.Response(status=403, text=html, content_type="text/html")

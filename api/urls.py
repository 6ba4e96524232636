"""Public URLs of this app. Never from a request's Host header, which a client chooses: the base is
PUBLIC_BASE_URL, else Azure's WEBSITE_HOSTNAME, else the origin of STRAVA_REDIRECT_URI; a request's
own origin only in development, when its host is loopback and WEBSITE_HOSTNAME (which Core Tools sets
to ``localhost:7071``) is unset or loopback too. Links inside pages are host-relative.
"""

from __future__ import annotations

import ipaddress
from typing import TYPE_CHECKING
from urllib.parse import SplitResult, urlencode, urlsplit, urlunsplit

if TYPE_CHECKING:
    from settings import Settings

ROUTE_PREFIX = "/api"
AUTHORIZE_PATH = f"{ROUTE_PREFIX}/strava/authorize"
CALLBACK_PATH = f"{ROUTE_PREFIX}/strava/callback"
WEBHOOK_PATH = f"{ROUTE_PREFIX}/strava/webhook"


def is_loopback(host: str | None) -> bool:
    """127.0.0.0/8, ::1 or exactly ``localhost`` (``evil.127.0.0.1`` is not)."""
    if not host:
        return False
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def is_loopback_origin(request_url: str) -> bool:
    """A loopback host with no port or a usable one (the host passes ``:99999`` on as sent)."""
    parts = urlsplit(request_url)
    port = _port(parts)
    return is_loopback(parts.hostname) and (port is None or 0 < port < 65536)


def public_base(request_url: str, settings: Settings) -> str | None:
    """``scheme://host[:port]`` this app is reached at, or None if only an untrusted Host could say."""
    if settings.public_base_url:
        return settings.public_base_url
    website = urlsplit(f"//{settings.website_hostname}").hostname if settings.website_hostname else None
    request = urlsplit(request_url)
    if is_loopback_origin(request_url) and (website is None or is_loopback(website)):
        # development: the loopback address the browser used, so the cookie and the callback agree
        return f"{request.scheme}://{request.netloc}"
    if settings.website_hostname:
        return f"{'http' if is_loopback(website) else 'https'}://{settings.website_hostname}"
    if settings.redirect_uri:
        parts = urlsplit(settings.redirect_uri)
        return f"{parts.scheme}://{parts.netloc}"
    return None


def callback_url(request_url: str, settings: Settings) -> str | None:
    """The redirect URI sent to Strava (STRAVA_REDIRECT_URI if set)."""
    if settings.redirect_uri:
        return settings.redirect_uri
    base = public_base(request_url, settings)
    return f"{base}{CALLBACK_PATH}" if base else None


MOVED = "moved=1"  # marks an authorize request already sent to the callback's origin


def on_callback_origin(request_url: str, settings: Settings) -> str | None:
    """``request_url`` moved to the configured callback's origin when the request came to another
    host (a custom domain, say), so the binding cookie is set where the callback reads it; else None.

    The target is always the configured origin, never the request's Host. It moves once: a moved
    request carries ``moved=1`` and stays, even if a proxy in front rewrites its host again.
    """
    callback = callback_url(request_url, settings)
    target, request = urlsplit(callback or ""), urlsplit(request_url)
    if callback is None or MOVED in request.query.split("&"):
        return None
    if request.hostname == target.hostname and _port(target) in (None, _port(request)):
        return None
    query = f"{request.query}&{MOVED}" if request.query else MOVED
    return urlunsplit((target.scheme, target.netloc, request.path, query, ""))


def _port(parts: SplitResult) -> int | None:
    """The URL's port; -1 for digits beyond 65535, which the host passes on as sent."""
    try:
        return parts.port
    except ValueError:
        return -1


def authorize_path(**query: str) -> str:
    """The authorize route as a host-relative link."""
    return f"{AUTHORIZE_PATH}?{urlencode(query)}" if query else AUTHORIZE_PATH


def absolute(request_url: str, settings: Settings, path: str) -> str:
    """``path`` on the public base; host-relative when there is no trusted base."""
    return f"{public_base(request_url, settings) or ''}{path}"


def on_public_base(url: str, request_url: str, settings: Settings) -> str:
    """An absolute URL of this app (a Durable management URL) moved onto the public base; unchanged
    when there is no trusted base (its own origin comes from the host, not from a request)."""
    base = public_base(request_url, settings)
    if base is None:
        return url
    parts = urlsplit(url)
    return base + urlunsplit(("", "", parts.path, parts.query, parts.fragment))


def stats_path(athlete_id: int) -> str:
    return f"{ROUTE_PREFIX}/athletes/{athlete_id}/stats"


def snapshot_path(athlete_id: int) -> str:
    return f"{ROUTE_PREFIX}/athletes/{athlete_id}/snapshot"


def webhook_callback_url(request_url: str, settings: Settings) -> str | None:
    """The callback Strava's push subscription points at: this app's public webhook route."""
    base = public_base(request_url, settings)
    return f"{base}{WEBHOOK_PATH}" if base else None

"""Pure OAuth pieces: Strava's base URLs and the scopes the app asks for, the authorize URL, granted
scopes, token-endpoint forms. The one place these constants live."""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import urlencode

API_BASE = "https://www.strava.com/api/v3"
OAUTH_BASE = "https://www.strava.com/oauth"
DEFAULT_SCOPES = ("read", "activity:read_all")  # the widest the app ever asks for
ACTIVITY_SCOPES = frozenset({"activity:read", "activity:read_all"})  # either lets it read activities
APPROVAL_PROMPTS = ("auto", "force")


def scopes_for(published_visibilities: frozenset[str]) -> tuple[str, ...]:
    """The narrowest scopes the privacy settings need: ``activity:read`` (activities visible to Everyone
    and Followers, privacy zones hidden) unless ``only_me`` activities may be published, which only
    ``activity:read_all`` lets the app read."""
    return ("read", "activity:read_all" if "only_me" in published_visibilities else "activity:read")


def build_authorize_url(
    oauth_base: str,
    client_id: str,
    redirect_uri: str,
    state: str,
    scopes: Sequence[str],
    approval_prompt: str = "auto",
) -> str:
    """The browser URL that asks the athlete to grant ``scopes`` (comma-separated on the wire)."""
    if approval_prompt not in APPROVAL_PROMPTS:
        raise ValueError(f"approval_prompt must be one of {APPROVAL_PROMPTS}")
    if not scopes:
        raise ValueError("at least one scope is required")
    query = urlencode(
        {
            "client_id": client_id,
            "redirect_uri": redirect_uri,
            "response_type": "code",
            "approval_prompt": approval_prompt,
            "scope": ",".join(scopes),
            "state": state,
        },
        safe=",:",
    )
    return f"{oauth_base.rstrip('/')}/authorize?{query}"


def granted_scopes(scope_param: str | None) -> frozenset[str]:
    """Scopes from the redirect's ``scope`` parameter (``"read,activity:read_all"``)."""
    if not scope_param:
        return frozenset()
    return frozenset(part.strip() for part in scope_param.split(",") if part.strip())


def code_exchange_form(client_id: str, client_secret: str, code: str) -> dict[str, str | int]:
    """Form body of the ``authorization_code`` grant."""
    return {
        "client_id": client_id,
        "client_secret": client_secret,
        "code": code,
        "grant_type": "authorization_code",
    }


def refresh_form(client_id: str, client_secret: str, refresh_token: str) -> dict[str, str | int]:
    """Form body of the ``refresh_token`` grant."""
    return {
        "client_id": client_id,
        "client_secret": client_secret,
        "refresh_token": refresh_token,
        "grant_type": "refresh_token",
    }

"""OAuth routes: authorize (the "user" approves at once), token, deauthorize and revoke."""

from __future__ import annotations

import base64
import binascii
import hmac
from collections.abc import Mapping
from urllib.parse import urlencode, urlsplit

from aiohttp import web

from strava_emulator import errors
from strava_emulator.config import EmulatorConfig
from strava_emulator.render import summary_athlete
from strava_emulator.state import STATE, EmulatorState
from strava_emulator.tokens import AccessToken, CodeInvalid, RefreshTokenInvalid

KNOWN_SCOPES = frozenset(
    {
        "read",
        "read_all",
        "profile:read_all",
        "profile:write",
        "activity:read",
        "activity:read_all",
        "activity:write",
    }
)
routes = web.RouteTableDef()


def redirect_allowed(redirect_uri: str, domains: tuple[str, ...]) -> bool:
    """Strava checks the host against the app's callback domain (subdomains allowed)."""
    parts = urlsplit(redirect_uri)
    host = (parts.hostname or "").lower()
    if parts.scheme not in ("http", "https") or not host:
        return False
    return any(host == domain or host.endswith("." + domain) for domain in domains)


def granted_scopes(requested: list[str], user_grants: frozenset[str] | None) -> list[str]:
    """What the "user" ticks: the requested scopes (or those of them in ``user_grants``), plus read."""
    chosen = [scope for scope in requested if user_grants is None or scope in user_grants]
    return ["read", *(scope for scope in dict.fromkeys(chosen) if scope != "read")]


def with_query(uri: str, params: Mapping[str, str]) -> str:
    return uri + ("&" if urlsplit(uri).query else "?") + urlencode(params, safe=",:")


@routes.get("/oauth/authorize")
@routes.get("/oauth/mobile/authorize")
async def authorize(request: web.Request) -> web.StreamResponse:
    """Validate the request like Strava, then redirect at once with a code (or a denial)."""
    state = request.app[STATE]
    query, config = request.query, state.config
    if query.get("client_id") != config.client_id:
        return web.json_response(errors.UNKNOWN_CLIENT, status=400)
    redirect_uri = query.get("redirect_uri", "")
    if not redirect_allowed(redirect_uri, config.callback_domains):
        return errors.bad_request("Application", "redirect_uri")
    if query.get("response_type") != "code":
        return errors.bad_request("Application", "response_type")
    requested = [item.strip() for item in query.get("scope", "").split(",") if item.strip()]
    if not requested or not set(requested) <= KNOWN_SCOPES:
        return errors.bad_request("Application", "scope")
    athlete_id = _chosen_athlete(state, query.get("athlete_id"))
    if athlete_id is None:
        return errors.bad_request("Athlete", "athlete_id")
    connected = state.tokens.connected_athletes()
    if (
        config.athlete_cap is not None
        and athlete_id not in connected
        and len(connected) >= config.athlete_cap
    ):
        state.counters.exchanges["athlete_cap"] += 1
        return errors.athlete_cap_page()  # as Strava: a page at authorize, never a code
    if config.deny:
        return _redirect(
            with_query(redirect_uri, {"state": query.get("state", ""), "error": "access_denied"})
        )
    scopes = granted_scopes(requested, config.grant_scopes)
    code = state.tokens.issue_code(athlete_id, frozenset(scopes), state.now(), config.code_ttl)
    params = {"state": query.get("state", ""), "code": code, "scope": ",".join(scopes)}
    return _redirect(with_query(redirect_uri, params))


def _redirect(location: str) -> web.Response:
    return web.Response(status=302, headers={"Location": location})


def _chosen_athlete(state: EmulatorState, raw: str | None) -> int | None:
    """The emulator-only ``athlete_id`` parameter; the first athlete when absent."""
    if raw is None:
        return next(iter(state.athletes))
    return int(raw) if raw.isdigit() and int(raw) in state.athletes else None


@routes.post("/oauth/token")
@routes.post("/api/v3/oauth/token")
async def token(request: web.Request) -> web.Response:
    """Both grants, form-encoded or in the query, with Strava's error bodies."""
    state = request.app[STATE]
    params = {**request.query, **(await _body_params(request))}
    client_error = _client_error(state.config, str(params.get("client_id", "")), params.get("client_secret"))
    if client_error is not None:
        return client_error
    grant_type = params.get("grant_type")
    if grant_type == "authorization_code":
        return _exchange(request, state, str(params.get("code", "")))
    if grant_type == "refresh_token":
        return _refresh(state, str(params.get("refresh_token", "")))
    return errors.bad_request("Application", "grant_type")


async def _body_params(request: web.Request) -> Mapping[str, object]:
    """Form fields, or a JSON object's fields (some clients send JSON)."""
    if request.content_type == "application/json":
        try:
            body = await request.json()
        except ValueError:
            return {}
        return {key: str(value) for key, value in body.items()} if isinstance(body, dict) else {}
    return await request.post()


def _client_error(config: EmulatorConfig, client_id: str, secret: object) -> web.Response | None:
    if client_id != config.client_id:
        return web.json_response(errors.UNKNOWN_CLIENT, status=400)
    if not isinstance(secret, str) or not hmac.compare_digest(secret, config.client_secret):
        return web.json_response(errors.WRONG_SECRET, status=401)
    return None


def _exchange(request: web.Request, state: EmulatorState, code: str) -> web.Response:
    now, config = state.now(), state.config
    try:
        grant = state.tokens.peek_code(code, now)
    except CodeInvalid:
        state.counters.exchanges["rejected"] += 1
        return web.json_response(errors.CODE_INVALID, status=400)
    issued = state.tokens.exchange_code(code, now, config.token_ttl, config.rotate)
    state.counters.exchanges["ok"] += 1
    origin = f"{request.scheme}://{request.host}"
    body = {**issued.response(now), "athlete": summary_athlete(state.athletes[grant.athlete_id], origin)}
    return web.json_response(body)


def _refresh(state: EmulatorState, refresh_token: str) -> web.Response:
    now, config = state.now(), state.config
    try:
        issued = state.tokens.refresh(
            refresh_token, now, config.token_ttl, config.refresh_margin(), config.rotate
        )
    except RefreshTokenInvalid:
        state.counters.refreshes["rejected"] += 1
        return web.json_response(errors.REFRESH_INVALID, status=400)
    state.counters.refreshes["new_access_token" if issued.new_access else "same_access_token"] += 1
    return web.json_response(issued.response(now))


def bearer_token(request: web.Request, form: Mapping[str, object] | None = None) -> str | None:
    """The access token from ``Authorization: Bearer`` or an ``access_token`` parameter."""
    scheme, _, value = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    raw = request.query.get("access_token") or (form or {}).get("access_token")
    return raw if isinstance(raw, str) and raw else None


@routes.post("/oauth/deauthorize")
async def deauthorize(request: web.Request) -> web.Response:
    """Kill all the athlete's tokens. Real Strava echoes the token; we mask it (no secrets in bodies)."""
    state = request.app[STATE]
    checked = state.tokens.check_access(bearer_token(request, await request.post()), state.now())
    if not isinstance(checked, AccessToken):
        state.counters.rejected_tokens[checked.value] += 1
        return web.json_response(errors.TOKEN_INVALID, status=401)
    state.tokens.revoke_athlete(checked.athlete_id)
    return web.json_response({"access_token": "[redacted]"})


@routes.post("/oauth/revoke")
async def revoke(request: web.Request) -> web.Response:
    """RFC 7009 style: Basic client credentials, form ``token`` (access or refresh)."""
    state = request.app[STATE]
    if not _basic_auth_ok(request.headers.get("Authorization", ""), state.config):
        return web.json_response(errors.BASIC_AUTH_INVALID, status=401)
    value = (await request.post()).get("token")
    athlete_id = state.tokens.athlete_of(value) if isinstance(value, str) else None
    if athlete_id is not None:
        state.tokens.revoke_athlete(athlete_id)
    return web.Response(status=200)


def _basic_auth_ok(header: str, config: EmulatorConfig) -> bool:
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic":
        return False
    try:
        client_id, _, secret = base64.b64decode(encoded.strip(), validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return False
    return client_id == config.client_id and hmac.compare_digest(secret, config.client_secret)

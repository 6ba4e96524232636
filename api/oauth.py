"""The one-time OAuth bootstrap: ``GET /api/strava/authorize`` (function key) and the callback."""

from __future__ import annotations

import logging
from datetime import datetime, timezone

import azure.durable_functions as df
import azure.functions as func

from api import urls
from api.responses import html_page, redirect
from orchestrations.starters import ensure_lifecycle, start_snapshot
from orchestrations.timing import iso
from services import Services, services
from settings import REQUIRED_SCOPES, VISIBILITIES, Settings
from storage import InvalidStateError, TokenRecord, TokenStatus
from strava.errors import (
    AthleteLimitError,
    ClientCredentialsError,
    ReauthorizationRequiredError,
    StravaError,
)

bp = df.Blueprint()
log = logging.getLogger(__name__)

ACTIVITY_SCOPES = frozenset({"activity:read", "activity:read_all"})
VISIBILITY_WORDS = {"everyone": "everyone", "followers_only": "your followers", "only_me": "only you"}


@bp.route(route="strava/authorize", methods=["GET"], auth_level=func.AuthLevel.FUNCTION)
async def strava_authorize(req: func.HttpRequest) -> func.HttpResponse:
    """Ask whether to publish, then send the browser to Strava with a single-use ``state``."""
    svc = services()
    if not svc.settings.strava_configured:
        return html_page(503, "Strava is not configured", ["Set STRAVA_CLIENT_ID and STRAVA_CLIENT_SECRET."])
    publish = req.params.get("publish")
    if publish not in ("yes", "no"):
        return _consent_page(req, svc, invalid=publish is not None)
    state = await svc.states.issue(_now(), svc.settings.state_ttl, {"publish": publish == "yes"})
    target = svc.strava.authorize_url(
        urls.callback_url(req.url, svc.settings), state, REQUIRED_SCOPES, approval_prompt="force"
    )
    return redirect(target)


def published_summary(settings: Settings) -> str:
    """What a published snapshot shows, in words, from the privacy settings in force."""
    visible = " or ".join(VISIBILITY_WORDS[v] for v in VISIBILITIES if v in settings.published_visibilities)
    maps = "with start and end points and map lines" if settings.include_locations else "without map data"
    return (
        "Publish: anyone can read your name, city, country and avatar; your ride, run and swim "
        "totals for the last four weeks, this year and all time; and your "
        f"{settings.snapshot_activity_count} most recent activities visible to {visible} (name, sport, "
        f"date, distance, time, elevation, speed, heart rate, power), {maps}."
    )


def _consent_page(req: func.HttpRequest, svc: Services, *, invalid: bool) -> func.HttpResponse:
    key = {"code": req.params["code"]} if "code" in req.params else {}
    return html_page(
        400 if invalid else 200,
        "Connect Strava",
        [
            "Strava's API agreement lets your data be shown to you; "
            "publishing it on your site is your choice.",
            published_summary(svc.settings),
            "Keep private: the same snapshot is only served to holders of the app's function key.",
        ],
        [
            (urls.authorize_url(req.url, publish="yes", **key), "Connect and publish my stats"),
            (urls.authorize_url(req.url, publish="no", **key), "Connect, but keep my stats private"),
        ],
    )


@bp.route(route="strava/callback", methods=["GET"], auth_level=func.AuthLevel.ANONYMOUS)
@bp.durable_client_input(client_name="client")
async def strava_callback(req: func.HttpRequest, client: df.DurableOrchestrationClient) -> func.HttpResponse:
    """Check the state, exchange the code, store the tokens, start the lifecycle and a first snapshot."""
    svc = services()
    try:
        consent = await svc.states.consume(req.params.get("state", ""), _now())
    except InvalidStateError as error:
        return _restart_page(req, 400, f"This authorization link cannot be used ({error.reason}).")
    if req.params.get("error"):
        return _restart_page(req, 403, "Strava access was not granted, so nothing was connected.")
    code = req.params.get("code", "")
    if not code:
        return _restart_page(req, 400, "Strava's answer carried no authorization code.")
    granted = frozenset(s for s in req.params.get("scope", "").split(",") if s)
    if not granted & ACTIVITY_SCOPES:
        return _restart_page(
            req,
            403,
            "Access to your activities was not granted. Keep 'View data about your activities' checked.",
        )
    try:
        grant = await svc.strava.exchange_code(code)
    except ReauthorizationRequiredError:
        return _restart_page(req, 400, "Strava refused the authorization code (expired or already used).")
    except ClientCredentialsError:
        return html_page(
            502, "Strava rejected this app", ["Check STRAVA_CLIENT_ID and STRAVA_CLIENT_SECRET."]
        )
    except AthleteLimitError:
        return html_page(
            403, "Too many athletes", ["This Strava app has reached its connected-athlete limit."]
        )
    except StravaError as error:
        log.warning("code exchange failed: %s", type(error).__name__)
        return _restart_page(req, 502, "Strava could not be reached. Please try again in a minute.")
    if grant.athlete is None:
        return _restart_page(req, 502, "Strava's answer did not name the athlete.")
    athlete = grant.athlete
    if not await _may_bind(svc, athlete.id):
        await _deauthorize_quietly(svc, grant.tokens.access_token)
        return html_page(403, "Not allowed", ["This app is bound to another Strava athlete."])
    await svc.tokens.replace(
        TokenRecord(
            athlete_id=athlete.id,
            access_token=grant.tokens.access_token,
            refresh_token=grant.tokens.refresh_token,
            expires_at=grant.tokens.expires_at,
            scopes=granted,
            status=TokenStatus.ACTIVE,
            publish_consent=bool(consent.get("publish", False)),
            updated_at=_now(),
        )
    )
    await svc.diagnostics.record(
        athlete.id,
        {
            "last_refresh_outcome": "authorized",
            "last_refresh_at": iso(_now()),
            "last_refresh_error": None,
        },
    )
    lifecycle = await ensure_lifecycle(client, athlete.id, wake_reason="reauthorized")
    await start_snapshot(client, athlete.id)
    log.info("athlete %s connected; token lifecycle %s", athlete.id, lifecycle)
    where = urls.stats_url if consent.get("publish") else urls.snapshot_url
    return html_page(
        200,
        "Strava connected",
        [
            f"Hello {athlete.firstname or 'athlete'} — your Strava account is connected.",
            "Tokens are kept fresh automatically and your first snapshot is being built now.",
            "Your stats will be served at:"
            if consent.get("publish")
            else "Your stats (function key needed):",
        ],
        [(where(req.url, athlete.id), where(req.url, athlete.id))],
    )


async def _may_bind(svc: Services, athlete_id: int) -> bool:
    """ALLOWED_ATHLETE_IDS if set; otherwise the first athlete to connect owns the app."""
    allowed = svc.settings.allowed_athletes
    if allowed:
        return athlete_id in allowed
    known = {record.athlete_id for record in await svc.tokens.list_athletes()}
    return not known or athlete_id in known


async def _deauthorize_quietly(svc: Services, access_token: str) -> None:
    try:
        await svc.strava.deauthorize(access_token)
    except StravaError as error:
        log.warning("could not deauthorize a refused athlete: %s", type(error).__name__)


def _restart_page(req: func.HttpRequest, status: int, message: str) -> func.HttpResponse:
    return html_page(
        status,
        "Strava was not connected",
        [message, "Start again from the authorize link (it needs the app's function key)."],
    )


def _now() -> datetime:
    return datetime.now(timezone.utc)

"""The one-time OAuth bootstrap: ``GET /api/strava/authorize`` (function key) and the callback.

The authorization is bound to the browser that starts it: ``authorize`` sets an HttpOnly,
SameSite=Lax cookie (Secure on https) whose hash the ``state`` row keeps, and the callback accepts
the state only with that cookie — someone else's unused state plus an attacker's own code is refused.
"""

from __future__ import annotations

import logging
import secrets
from datetime import datetime, timezone
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import azure.durable_functions as df
import azure.functions as func

from api import urls
from api.browser_binding import BINDING_COOKIE, binding_cookie, cookie_value
from api.responses import html_page, redirect, storage_failure_is_503
from services import services
from starters import ensure_lifecycle, start_snapshot
from storage import TokenRecord, TokenStatus
from strava.errors import (
    AthleteLimitError,
    BadResponseError,
    ClientCredentialsError,
    ReauthorizationRequiredError,
    StravaError,
)
from strava.oauth import ACTIVITY_SCOPES, granted_scopes
from timestamps import format_utc

if TYPE_CHECKING:
    from services import Services
    from settings import Settings
    from storage.oauth_states import StateData
    from strava.models import TokenGrant

log = logging.getLogger(__name__)

# Strava API Agreement, section 2 (as Strava words it); quoted, never paraphrased into a permission
STRAVA_DISPLAY_RULE = (
    "Strava Data provided by a specific user can only be displayed or disclosed in your Developer "
    "Application to that user."
)
VISIBILITY_WORDS = {"everyone": "everyone", "followers_only": "your followers", "only_me": "only you"}
STATE_REFUSALS = {
    "other_browser": "This authorization was started in another browser, or this browser did not keep "
    "its cookie. Start again from the authorize link, in the browser you approve with.",
}


@storage_failure_is_503(page=True)
async def strava_authorize(req: func.HttpRequest) -> func.HttpResponse:
    """Ask whether to publish, then send the browser to Strava with a single-use ``state`` bound to it."""
    svc = services()
    fix = svc.settings.strava_setup_fix
    if fix is not None:
        return html_page(503, "Strava is not configured", [fix])
    elsewhere = urls.on_callback_origin(req.url, svc.settings)
    if elsewhere is not None:
        return redirect(elsewhere)
    publish = req.params.get("publish")
    if publish not in ("yes", "no"):
        return _consent_page(req, svc, invalid=publish is not None)
    callback = urls.callback_url(req.url, svc.settings)
    if callback is None and urls.is_loopback(urlsplit(req.url).hostname):  # development, an unusable port
        return html_page(400, "Unusable address", ["Open this app at its own address and port, then retry."])
    if callback is None:
        return html_page(
            503,
            "The app's public address is not configured",
            [
                "Set PUBLIC_BASE_URL to the https address this app is reached at "
                "(on Azure, WEBSITE_HOSTNAME provides it)."
            ],
        )
    binding = secrets.token_urlsafe(32)
    state = await svc.states.issue(
        _now(), svc.settings.state_ttl, {"publish": publish == "yes"}, binding=binding
    )
    response = redirect(
        svc.strava.authorize_url(callback, state, svc.settings.oauth_scopes, approval_prompt="force")
    )
    response.headers["Set-Cookie"] = binding_cookie(
        binding, int(svc.settings.state_ttl.total_seconds()), secure=callback.startswith("https://")
    )
    return response


def published_summary(settings: Settings) -> str:
    """What a published snapshot shows, in words, from the privacy settings in force."""
    from settings import VISIBILITIES

    visible = " or ".join(VISIBILITY_WORDS[v] for v in VISIBILITIES if v in settings.published_visibilities)
    maps = (
        f"with route outlines that leave out {settings.maps.radius_m:g} m around each start and end"
        + (" and your privacy zones" if settings.maps.zones else "")
        if settings.maps
        else "without map data"
    )
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
            f"Strava's API Agreement says: \u201c{STRAVA_DISPLAY_RULE}\u201d It does not grant permission "
            "to publish your data. Publishing it on your site is your own decision, as the owner of this "
            "app and of the data; if you are unsure, keep it private.",
            published_summary(svc.settings),
            "Private (not published): the same snapshot is only served to holders of the app's function "
            "key, that is, to you.",
            f"Strava is asked for: {', '.join(svc.settings.oauth_scopes)}, the least these settings need.",
        ],
        [
            (urls.authorize_path(publish="no", **key), "Connect, private (not published)"),
            (urls.authorize_path(publish="yes", **key), "Connect and publish my stats"),
        ],
    )


@storage_failure_is_503(page=True)
async def strava_callback(req: func.HttpRequest, client: df.DurableOrchestrationClient) -> func.HttpResponse:
    """Check the state and its browser, exchange the code, store the tokens, start the lifecycle and a
    first snapshot. Each step answers with a page of its own when it cannot go on."""
    svc = services()
    consent = await _accept_state(req, svc)
    if isinstance(consent, func.HttpResponse):
        return _clearing_cookie(consent, req, svc)
    answer = _strava_answer(req)
    if isinstance(answer, func.HttpResponse):
        return _clearing_cookie(answer, req, svc)
    code, granted = answer
    grant = await _exchange(svc, code)
    if isinstance(grant, func.HttpResponse):
        return _clearing_cookie(grant, req, svc)
    refused = await _bind(svc, grant, granted, publish=bool(consent.get("publish", False)))
    if refused is not None:
        return _clearing_cookie(refused, req, svc)
    assert grant.athlete is not None  # checked by _exchange
    started = await start_work(svc, client, grant.athlete.id)
    page = started or _connected_page(req, svc, grant, bool(consent.get("publish")))
    return _clearing_cookie(page, req, svc)


async def start_work(
    svc: Services, client: df.DurableOrchestrationClient, athlete_id: int
) -> func.HttpResponse | None:
    """Step 5: record the authorization, start the token lifecycle and a first snapshot. The tokens
    are stored by now, so a failure here leaves the athlete connected: the page says so (the
    scheduled watchdog starts what did not start); None when all started."""
    facts = {
        "last_refresh_outcome": "authorized",
        "last_refresh_at": format_utc(_now()),
        "last_refresh_error": None,
    }
    try:
        await svc.diagnostics.record(athlete_id, facts)
        lifecycle = await ensure_lifecycle(client, athlete_id, wake="reauthorized")
        await start_snapshot(client, athlete_id)
    except Exception as error:  # any failure of the task hub or the table: the tokens are safe
        log.error("athlete %s connected, but its work did not start: %s", athlete_id, type(error).__name__)
        return html_page(
            200,
            "Strava connected",
            [
                "Your Strava account is connected.",
                "The first snapshot and the token refresh will start at the next scheduled run.",
            ],
        )
    log.info("athlete %s connected; token lifecycle %s", athlete_id, lifecycle)
    return None


async def _accept_state(req: func.HttpRequest, svc: Services) -> StateData | func.HttpResponse:
    """Step 1: the state must be known, fresh, unused, and come back to the browser it was issued to."""
    from storage.oauth_states import InvalidStateError

    binding = cookie_value(req.headers.get("Cookie"), BINDING_COOKIE)
    try:
        return await svc.states.consume(req.params.get("state", ""), _now(), binding)
    except InvalidStateError as error:
        reason = STATE_REFUSALS.get(error.reason, f"This authorization link cannot be used ({error.reason}).")
        return _restart_page(400, reason)


def _strava_answer(req: func.HttpRequest) -> tuple[str, frozenset[str]] | func.HttpResponse:
    """Step 2: Strava's redirect must carry a code and a scope that lets the app read activities."""
    if req.params.get("error"):
        return _restart_page(403, "Strava access was not granted, so nothing was connected.")
    code = req.params.get("code", "")
    if not code:
        return _restart_page(400, "Strava's answer carried no authorization code.")
    granted = granted_scopes(req.params.get("scope"))
    if not granted & ACTIVITY_SCOPES:
        return _restart_page(
            403, "Access to your activities was not granted. Keep 'View data about your activities' checked."
        )
    return code, granted


async def _exchange(svc: Services, code: str) -> TokenGrant | func.HttpResponse:
    """Step 3: trade the code for tokens (a code works once, so a lost answer means starting again)."""
    try:
        grant = await svc.strava.exchange_code(code)
    except ReauthorizationRequiredError:
        return _restart_page(400, "Strava refused the authorization code (expired or already used).")
    except ClientCredentialsError:
        return html_page(
            502, "Strava rejected this app", ["Check STRAVA_CLIENT_ID and STRAVA_CLIENT_SECRET."]
        )
    except AthleteLimitError:
        return html_page(
            403, "Too many athletes", ["This Strava app has reached its connected-athlete limit."]
        )
    except BadResponseError as error:
        log.warning("code exchange answer unreadable: %s", type(error).__name__)
        return _restart_page(502, "Strava's answer was cut off or unreadable; the code cannot be used twice.")
    except StravaError as error:
        log.warning("code exchange failed: %s", type(error).__name__)
        return _restart_page(502, "Strava could not be reached. Please try again in a minute.")
    if grant.athlete is None:
        return _restart_page(502, "Strava's answer did not name the athlete.")
    return grant


async def _bind(
    svc: Services, grant: TokenGrant, granted: frozenset[str], *, publish: bool
) -> func.HttpResponse | None:
    """Step 4: store the tokens if this athlete may own the app; a refused one is deauthorized."""
    assert grant.athlete is not None
    athlete_id = grant.athlete.id
    if not await _may_bind(svc, athlete_id):
        await _deauthorize_quietly(svc, grant.tokens.access_token)
        return html_page(403, "Not allowed", ["This app is bound to another Strava athlete."])
    await svc.tokens.replace(
        TokenRecord(
            athlete_id=athlete_id,
            access_token=grant.tokens.access_token,
            refresh_token=grant.tokens.refresh_token,
            expires_at=grant.tokens.expires_at,
            scopes=granted,
            status=TokenStatus.ACTIVE,
            publish_consent=publish,
            updated_at=_now(),
        )
    )
    from read_cache import invalidate_public_reads

    invalidate_public_reads(athlete_id)  # consent, status and the default athlete may have changed
    return None


def _connected_page(
    req: func.HttpRequest, svc: Services, grant: TokenGrant, publish: bool
) -> func.HttpResponse:
    """Step 6: where the stats will be served."""
    assert grant.athlete is not None
    path = urls.stats_path(grant.athlete.id) if publish else urls.snapshot_path(grant.athlete.id)
    where = urls.absolute(req.url, svc.settings, path)
    return html_page(
        200,
        "Strava connected",
        [
            f"Hello {grant.athlete.firstname or 'athlete'} — your Strava account is connected.",
            "Tokens are kept fresh automatically and your first snapshot is being built now.",
            "Your stats will be served at:" if publish else "Your stats (function key needed):",
        ],
        [(where, where)],
    )


async def _may_bind(svc: Services, athlete_id: int) -> bool:
    """ALLOWED_ATHLETE_IDS if set; otherwise the first athlete to connect owns the app, claimed with
    a conditional insert (two callbacks at once bind exactly one). Tokens stored before the claim
    existed name the owner: the first of them claims it."""
    allowed = svc.settings.allowed_athletes
    if allowed:
        return athlete_id in allowed
    known = [record.athlete_id for record in await svc.tokens.list_athletes()]
    if athlete_id in known:
        return True
    return await svc.tokens.claim_owner(known[0] if known else athlete_id) == athlete_id


async def _deauthorize_quietly(svc: Services, access_token: str) -> None:
    try:
        await svc.strava.deauthorize(access_token)
    except StravaError as error:
        log.warning("could not deauthorize a refused athlete: %s", type(error).__name__)


def _clearing_cookie(response: func.HttpResponse, req: func.HttpRequest, svc: Services) -> func.HttpResponse:
    """The binding cookie has done its job once the state is consumed."""
    callback = urls.callback_url(req.url, svc.settings) or ""
    response.headers["Set-Cookie"] = binding_cookie("", 0, secure=callback.startswith("https://"))
    return response


def _restart_page(status: int, message: str) -> func.HttpResponse:
    return html_page(
        status,
        "Strava was not connected",
        [message, "Start again from the authorize link (it needs the app's function key)."],
    )


def _now() -> datetime:
    return datetime.now(timezone.utc)

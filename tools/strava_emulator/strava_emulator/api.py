"""The ``/api/v3`` data routes: athlete, activities, stats and one activity."""

from __future__ import annotations

from aiohttp import web

from strava_emulator import errors
from strava_emulator.model import Activity, Athlete
from strava_emulator.oauth import bearer_token
from strava_emulator.render import detailed_activity, detailed_athlete, summary_activity, summary_athlete
from strava_emulator.state import STATE
from strava_emulator.stats import athlete_stats
from strava_emulator.tokens import AccessToken

routes = web.RouteTableDef()
DEFAULT_PER_PAGE = 30
MAX_PER_PAGE = 200
LARGEST_EPOCH_SECONDS = 10**11  # larger values are milliseconds: Strava says "future"


class Refusal(Exception):
    """A request the route must answer with ``response`` instead of data."""

    def __init__(self, response: web.Response) -> None:
        super().__init__(response.status)
        self.response = response


def authenticate(request: web.Request) -> tuple[AccessToken, Athlete]:
    """The caller's live token and athlete, or a ``Refusal`` (401 bad token, 403 app inactive)."""
    state = request.app[STATE]
    checked = state.tokens.check_access(bearer_token(request), state.now())
    if not isinstance(checked, AccessToken):
        state.counters.rejected_tokens[checked.value] += 1
        raise Refusal(web.json_response(errors.TOKEN_INVALID, status=401))
    if state.config.app_inactive:
        raise Refusal(web.json_response(errors.APP_INACTIVE, status=403))
    return checked, state.athletes[checked.athlete_id]


def require_activity_scope(token: AccessToken) -> None:
    if not token.scopes & {"activity:read", "activity:read_all"}:
        raise Refusal(web.json_response(errors.scope_missing("activity:read"), status=401))


def visible(activity: Activity, token: AccessToken, now: float) -> bool:
    """Only You activities need ``activity:read_all``; nothing from the future shows."""
    if activity.start > now:
        return False
    return activity.visibility != "only_me" or "activity:read_all" in token.scopes


def origin(request: web.Request) -> str:
    return f"{request.scheme}://{request.host}"


@routes.get("/api/v3/athlete")
async def get_athlete(request: web.Request) -> web.Response:
    try:
        token, athlete = authenticate(request)
    except Refusal as refusal:
        return refusal.response
    if "profile:read_all" in token.scopes:
        return web.json_response(detailed_athlete(athlete, origin(request)))
    return web.json_response(summary_athlete(athlete, origin(request)))


@routes.get("/api/v3/athlete/activities")
async def list_activities(request: web.Request) -> web.Response:
    """Newest first (with only ``after``, oldest first if ``after_order`` says so: Strava does not
    document it); ``before``/``after`` are exclusive epoch seconds; full pages, then ``[]``."""
    try:
        token, athlete = authenticate(request)
        require_activity_scope(token)
        before = epoch_param(request, "before")
        after = epoch_param(request, "after")
        page = max(1, int_param(request, "page", 1))
        per_page = min(MAX_PER_PAGE, max(1, int_param(request, "per_page", DEFAULT_PER_PAGE)))
    except Refusal as refusal:
        return refusal.response
    now = request.app[STATE].now()
    chosen = [
        item
        for item in athlete.activities
        if visible(item, token, now)
        and (before is None or item.start < before)
        and (after is None or item.start > after)
    ]
    oldest_first = (
        after is not None and before is None and request.app[STATE].config.after_order == "oldest_first"
    )
    chosen.sort(key=lambda item: item.start, reverse=not oldest_first)
    window = chosen[(page - 1) * per_page : page * per_page]
    return web.json_response([summary_activity(item) for item in window])


def epoch_param(request: web.Request, name: str) -> int | None:
    raw = request.query.get(name)
    if raw is None or raw == "":
        return None
    value = int_param(request, name, 0)
    if value >= LARGEST_EPOCH_SECONDS:
        raise Refusal(errors.bad_request("Application", name, "future"))
    return value


def int_param(request: web.Request, name: str, default: int) -> int:
    raw = request.query.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise Refusal(errors.bad_request("Application", name)) from None


@routes.get(r"/api/v3/athletes/{athlete_id:\d+}/stats")
async def get_stats(request: web.Request) -> web.Response:
    """Only the authenticated athlete's own stats; another id gets a 403 Fault."""
    try:
        _, athlete = authenticate(request)
    except Refusal as refusal:
        return refusal.response
    if int(request.match_info["athlete_id"]) != athlete.id:
        return web.json_response(errors.OTHER_ATHLETE, status=403)
    return web.json_response(athlete_stats(athlete.activities, request.app[STATE].now()))


@routes.get(r"/api/v3/activities/{activity_id:\d+}")
async def get_activity(request: web.Request) -> web.Response:
    """One of the caller's own activities (detail view)."""
    try:
        token, athlete = authenticate(request)
        require_activity_scope(token)
    except Refusal as refusal:
        return refusal.response
    activity = athlete.activity(int(request.match_info["activity_id"]))
    if activity is None or not visible(activity, token, request.app[STATE].now()):
        return web.json_response(errors.NOT_FOUND, status=404)
    return web.json_response(detailed_activity(activity))

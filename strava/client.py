"""``StravaClient``: the typed facade over the transport (one method per Strava call used)."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field

import aiohttp

from strava.errors import BadResponseError
from strava.models import Athlete, AthleteStats, SummaryActivity, TokenGrant, TokenSet
from strava.oauth import (
    API_BASE,
    DEFAULT_SCOPES,
    OAUTH_BASE,
    build_authorize_url,
    code_exchange_form,
    refresh_form,
)
from strava.push import PushSubscription
from strava.ratelimits import RateLimitUsage
from strava.transport import Clock, Params, StravaTransport, utc_now
from timestamps import parse_utc

MAX_PER_PAGE = 200
LARGEST_EPOCH_SECONDS = 10**11  # larger values are milliseconds, which Strava rejects
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ActivityPage:
    """One page of ``GET /athlete/activities``: the readable activities, how many items Strava sent,
    and the epoch second of the oldest start on the page (``None`` for an empty page)."""

    activities: list[SummaryActivity]
    size: int
    oldest_start: int | None

    @classmethod
    def from_json(cls, payload: object) -> ActivityPage:
        """Per item: an unreadable activity is logged by id (never its content) and left out; the
        others are kept. A page whose items carry no readable start at all is refused."""
        if not isinstance(payload, list):
            raise BadResponseError("GET /athlete/activities: expected an array")
        activities: list[SummaryActivity] = []
        for item in payload:
            try:
                activities.append(SummaryActivity.from_json(item))
            except BadResponseError as error:  # the message names the field, never its value
                log.warning("skipped unreadable activity %s: %s", _item_id(item), error)
        starts = [start for start in map(_item_start, payload) if start is not None]
        if payload and not starts:
            raise BadResponseError("GET /athlete/activities: no item has a readable start_date")
        return cls(activities, len(payload), min(starts) if starts else None)


@dataclass(frozen=True)
class StravaConfig:
    """Application credentials and endpoints; API and OAuth bases are separate (the API host moves)."""

    client_id: str
    client_secret: str = field(repr=False)
    api_base: str = API_BASE
    oauth_base: str = OAUTH_BASE
    timeout_s: float = 15.0


class StravaClient:
    """Async Strava client; the aiohttp session is owned by the caller and reused."""

    def __init__(
        self, config: StravaConfig, session: aiohttp.ClientSession, *, clock: Clock = utc_now
    ) -> None:
        self._config = config
        self._api = config.api_base.rstrip("/")
        self._oauth = config.oauth_base.rstrip("/")
        self._transport = StravaTransport(session, config.timeout_s, clock)

    @property
    def last_rate_limit(self) -> RateLimitUsage | None:
        """Usage from the latest response that carried rate-limit headers."""
        return self._transport.last_rate_limit

    def authorize_url(
        self,
        redirect_uri: str,
        state: str,
        scopes: Sequence[str] = DEFAULT_SCOPES,
        approval_prompt: str = "auto",
    ) -> str:
        """Where to send the athlete's browser to grant access."""
        return build_authorize_url(
            self._oauth, self._config.client_id, redirect_uri, state, scopes, approval_prompt
        )

    async def exchange_code(self, code: str) -> TokenGrant:
        """Trade an authorization code for tokens (scopes stay empty: read them from the redirect)."""
        form = code_exchange_form(self._config.client_id, self._config.client_secret, code)
        payload = await self._token_call(form, secrets=(code,))
        return TokenGrant.from_json(payload)

    async def refresh(self, refresh_token: str) -> TokenSet:
        """A fresh (or the still-valid) token pair; always persist the returned refresh token."""
        form = refresh_form(self._config.client_id, self._config.client_secret, refresh_token)
        payload = await self._token_call(form, secrets=(refresh_token,))
        return TokenSet.from_json(payload)

    async def deauthorize(self, access_token: str) -> None:
        """Revoke all of this app's tokens for the athlete."""
        await self._transport.request("POST", f"{self._oauth}/deauthorize", bearer=access_token)

    async def get_athlete(self, access_token: str) -> Athlete:
        """The authenticated athlete."""
        payload = await self._transport.request("GET", f"{self._api}/athlete", bearer=access_token)
        return Athlete.from_json(payload)

    async def list_activities(
        self,
        access_token: str,
        *,
        page: int = 1,
        per_page: int = 30,
        after: int | None = None,
        before: int | None = None,
    ) -> list[SummaryActivity]:
        """One page of the athlete's readable activities (a short page is not necessarily the last)."""
        return (
            await self.activity_page(access_token, page=page, per_page=per_page, after=after, before=before)
        ).activities

    async def activity_page(
        self,
        access_token: str,
        *,
        page: int = 1,
        per_page: int = 30,
        after: int | None = None,
        before: int | None = None,
    ) -> ActivityPage:
        """One page of the athlete's activities, read per item (see :class:`ActivityPage`)."""
        if page < 1 or not 1 <= per_page <= MAX_PER_PAGE:
            raise ValueError(f"page must be >= 1 and per_page within 1..{MAX_PER_PAGE}")
        params: dict[str, str | int] = {"page": page, "per_page": per_page}
        params.update(_epoch_params(after=after, before=before))
        payload = await self._transport.request(
            "GET", f"{self._api}/athlete/activities", bearer=access_token, params=params
        )
        return ActivityPage.from_json(payload)

    async def get_activity(self, access_token: str, activity_id: int) -> SummaryActivity:
        """One of the athlete's activities (the detail view, read for its summary fields)."""
        url = f"{self._api}/activities/{int(activity_id)}"
        payload = await self._transport.request("GET", url, bearer=access_token)
        return SummaryActivity.from_json(payload)

    async def get_stats(self, access_token: str, athlete_id: int) -> AthleteStats:
        """Totals of the authenticated athlete (``athlete_id`` must be theirs)."""
        url = f"{self._api}/athletes/{int(athlete_id)}/stats"
        payload = await self._transport.request("GET", url, bearer=access_token)
        return AthleteStats.from_json(payload)

    async def create_push_subscription(self, callback_url: str, verify_token: str) -> PushSubscription:
        """Create the app's subscription; Strava calls ``callback_url`` to validate it before answering."""
        form = {**self._app_credentials(), "callback_url": callback_url, "verify_token": verify_token}
        payload = await self._transport.request(
            "POST",
            f"{self._api}/push_subscriptions",
            form=form,
            secrets=(self._config.client_secret, verify_token),
        )
        return PushSubscription.from_json(payload)

    async def list_push_subscriptions(self) -> list[PushSubscription]:
        """The app's subscription (Strava allows one), or an empty list."""
        payload = await self._transport.request(
            "GET",
            f"{self._api}/push_subscriptions",
            params=self._app_credentials(),
            secrets=(self._config.client_secret,),
        )
        if not isinstance(payload, list):
            raise BadResponseError("GET /push_subscriptions: expected an array")
        return [PushSubscription.from_json(item) for item in payload]

    async def delete_push_subscription(self, subscription_id: int) -> None:
        """Delete the subscription (204); an unknown id is ``NotFoundError``."""
        await self._transport.request(
            "DELETE",
            f"{self._api}/push_subscriptions/{int(subscription_id)}",
            params=self._app_credentials(),
            secrets=(self._config.client_secret,),
        )

    def _app_credentials(self) -> dict[str, str]:
        return {"client_id": self._config.client_id, "client_secret": self._config.client_secret}

    async def _token_call(self, form: Params, secrets: Sequence[str]) -> object:
        return await self._transport.request(
            "POST",
            f"{self._oauth}/token",
            form=form,
            secrets=(self._config.client_secret, *secrets),
        )


def _epoch_params(**bounds: int | None) -> Params:
    """``after``/``before`` as integer epoch seconds (milliseconds are refused by Strava)."""
    params: dict[str, str | int] = {}
    for name, value in bounds.items():
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int):
            raise TypeError(f"{name} must be an int of epoch seconds")
        if value >= LARGEST_EPOCH_SECONDS:
            raise ValueError(f"{name} looks like milliseconds; Strava wants epoch seconds")
        params[name] = value
    return params


def _item_id(item: object) -> str:
    """An activity's id for a log line: an integer (or digit string) id, else a placeholder."""
    found = item.get("id") if isinstance(item, dict) else None
    if isinstance(found, int) and not isinstance(found, bool):
        return str(found)
    return found if isinstance(found, str) and found.isdigit() and len(found) < 20 else "(no readable id)"


def _item_start(item: object) -> int | None:
    """The epoch second an item started, if it says so readably (paging needs it even for an item
    that is otherwise unreadable)."""
    text = item.get("start_date") if isinstance(item, dict) else None
    try:
        return int(parse_utc(text, require_zone=True).timestamp()) if isinstance(text, str) else None
    except ValueError:
        return None

"""Frozen models of the Strava responses the app keeps: tokens, athlete, stats.

``from_json`` reads Strava's wire shape (see ``strava.json_fields`` for how lenient each field is).
Token values stay out of ``repr`` and error messages.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from strava.activity import SummaryActivity
from strava.json_fields import JsonObject

__all__ = [
    "ActivityTotals",
    "Athlete",
    "AthleteStats",
    "SummaryActivity",
    "TokenGrant",
    "TokenSet",
]


@dataclass(frozen=True)
class TokenSet:
    """An access/refresh token pair; ``expires_at`` is epoch seconds."""

    access_token: str = field(repr=False)
    refresh_token: str = field(repr=False)
    expires_at: int
    expires_in: int | None = None
    token_type: str = "Bearer"  # noqa: S105 (a scheme name, not a secret)

    @classmethod
    def from_json(cls, data: object) -> TokenSet:
        obj = JsonObject(data, "TokenSet")
        token_type = obj.opt_text("token_type")
        return cls(
            access_token=obj.secret("access_token"),
            refresh_token=obj.secret("refresh_token"),
            expires_at=obj.whole("expires_at"),
            expires_in=obj.opt_whole("expires_in"),
            token_type=token_type or "Bearer",
        )


@dataclass(frozen=True)
class Athlete:
    """The authenticated athlete (summary or detailed view)."""

    id: int
    username: str | None = None
    firstname: str | None = None
    lastname: str | None = None
    city: str | None = None
    state: str | None = None
    country: str | None = None
    sex: str | None = None
    profile_url: str | None = None
    profile_medium_url: str | None = None
    created_at: datetime | None = None
    measurement_preference: str | None = None
    follower_count: int | None = None
    friend_count: int | None = None

    @classmethod
    def from_json(cls, data: object) -> Athlete:
        obj = JsonObject(data, "Athlete")
        return cls(
            id=obj.identifier("id"),
            username=obj.opt_text("username"),
            firstname=obj.opt_text("firstname"),
            lastname=obj.opt_text("lastname"),
            city=obj.opt_text("city"),
            state=obj.opt_text("state"),
            country=obj.opt_text("country"),
            sex=obj.opt_text("sex"),
            profile_url=obj.url("profile"),
            profile_medium_url=obj.url("profile_medium"),
            created_at=obj.opt_utc_time("created_at"),
            measurement_preference=obj.opt_text("measurement_preference"),
            follower_count=obj.opt_whole("follower_count"),
            friend_count=obj.opt_whole("friend_count"),
        )


@dataclass(frozen=True)
class TokenGrant:
    """The result of a code exchange. ``scopes`` is empty unless the caller fills it from the redirect
    (Strava names the granted scopes there, not in the token response)."""

    tokens: TokenSet
    athlete: Athlete | None = None
    scopes: frozenset[str] = frozenset()

    @classmethod
    def from_json(cls, data: object) -> TokenGrant:
        """``POST /oauth/token`` with a code: the token fields and, usually, a summary athlete."""
        athlete = JsonObject(data, "TokenGrant").get("athlete")
        return cls(
            tokens=TokenSet.from_json(data),
            athlete=Athlete.from_json(athlete) if athlete is not None else None,
        )


@dataclass(frozen=True)
class ActivityTotals:
    """Totals of one sport over one period (meters, seconds)."""

    count: int
    distance: float
    moving_time: int
    elapsed_time: int
    elevation_gain: float
    achievement_count: int | None = None

    @classmethod
    def from_json(cls, data: object, path: str = "ActivityTotals") -> ActivityTotals:
        """Absent or null totals (a sport never done: no swim totals) and absent fields are zero."""
        if data is None:
            return cls(0, 0.0, 0, 0, 0.0)
        obj = JsonObject(data, path)
        return cls(
            count=obj.opt_whole("count") or 0,
            distance=obj.opt_number("distance") or 0.0,
            moving_time=obj.opt_whole("moving_time") or 0,
            elapsed_time=obj.opt_whole("elapsed_time") or 0,
            elevation_gain=obj.opt_number("elevation_gain") or 0.0,
            achievement_count=obj.opt_whole("achievement_count"),
        )


_TOTALS = tuple(
    f"{period}_{sport}_totals" for period in ("recent", "ytd", "all") for sport in ("ride", "run", "swim")
)


@dataclass(frozen=True)
class AthleteStats:
    """``GET /athletes/{id}/stats`` (Everyone-visibility activities only)."""

    recent_ride_totals: ActivityTotals
    recent_run_totals: ActivityTotals
    recent_swim_totals: ActivityTotals
    ytd_ride_totals: ActivityTotals
    ytd_run_totals: ActivityTotals
    ytd_swim_totals: ActivityTotals
    all_ride_totals: ActivityTotals
    all_run_totals: ActivityTotals
    all_swim_totals: ActivityTotals
    biggest_ride_distance: float | None = None
    biggest_climb_elevation_gain: float | None = None

    @classmethod
    def from_json(cls, data: object) -> AthleteStats:
        obj = JsonObject(data, "AthleteStats")
        totals = {name: ActivityTotals.from_json(obj.get(name), f"AthleteStats.{name}") for name in _TOTALS}
        return cls(
            **totals,
            biggest_ride_distance=obj.opt_number("biggest_ride_distance"),
            biggest_climb_elevation_gain=obj.opt_number("biggest_climb_elevation_gain"),
        )

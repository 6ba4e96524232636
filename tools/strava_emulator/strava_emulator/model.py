"""The emulator's records: synthetic athletes, their gear and their activities."""

from __future__ import annotations

from dataclasses import dataclass, field

RIDE_TYPES = frozenset(
    {"Ride", "VirtualRide", "EBikeRide", "MountainBikeRide", "GravelRide", "EMountainBikeRide"}
)
RUN_TYPES = frozenset({"Run", "TrailRun", "VirtualRun"})
SWIM_TYPES = frozenset({"Swim"})
VISIBILITIES = ("everyone", "followers_only", "only_me")


@dataclass(frozen=True)
class Gear:
    id: str  # "b…" bike, "g…" shoe
    name: str
    primary: bool


@dataclass(frozen=True)
class Place:
    city: str
    state: str
    country: str
    lat: float
    lng: float
    timezone: str  # Strava's label, e.g. "(GMT-05:00) America/New_York"
    standard_offset: int  # seconds east of UTC, without daylight saving
    northern_dst: bool


@dataclass(frozen=True)
class Activity:
    id: int
    athlete_id: int
    name: str
    sport_type: str
    start: int  # epoch seconds, UTC
    utc_offset: int
    timezone: str
    distance: float
    moving_time: int
    elapsed_time: int
    elevation_gain: float
    visibility: str
    start_latlng: tuple[float, float] | None
    end_latlng: tuple[float, float] | None
    summary_polyline: str
    gear_id: str | None
    heart_rate: tuple[float, int] | None  # (average, max)
    watts: tuple[int, int, int] | None  # (average, max, weighted average)
    achievement_count: int
    kudos_count: int
    pr_count: int
    commute: bool
    trainer: bool

    @property
    def end(self) -> int:
        return self.start + self.elapsed_time


@dataclass
class Athlete:
    id: int
    username: str
    firstname: str
    lastname: str
    sex: str | None
    place: Place
    has_photo: bool
    premium: bool
    created_at: int
    weight: float
    ftp: int | None
    athlete_type: int  # 0 cyclist, 1 runner
    measurement_preference: str
    follower_count: int
    friend_count: int
    bikes: list[Gear] = field(default_factory=list)
    shoes: list[Gear] = field(default_factory=list)
    activities: list[Activity] = field(default_factory=list)  # oldest first

    def activity(self, activity_id: int) -> Activity | None:
        return next((item for item in self.activities if item.id == activity_id), None)

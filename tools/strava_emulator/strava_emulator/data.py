"""Seeded synthetic athletes with about three years of realistic activities."""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import datetime, timezone

from strava_emulator.model import Activity, Athlete, Gear, Place
from strava_emulator.polyline import encode_polyline

DAY = 86400
HISTORY_DAYS = 3 * 365

PLACES = (
    Place(
        "Boulder", "Colorado", "United States", 40.015, -105.27, "(GMT-07:00) America/Denver", -25200, True
    ),
    Place("Girona", "Catalonia", "Spain", 41.98, 2.82, "(GMT+01:00) Europe/Madrid", 3600, True),
    Place(
        "Boston",
        "Massachusetts",
        "United States",
        42.36,
        -71.06,
        "(GMT-05:00) America/New_York",
        -18000,
        True,
    ),
    Place("Nairobi", "Nairobi County", "Kenya", -1.29, 36.82, "(GMT+03:00) Africa/Nairobi", 10800, False),
    Place("Munich", "Bavaria", "Germany", 48.14, 11.58, "(GMT+01:00) Europe/Berlin", 3600, True),
    Place("Kyoto", "Kyoto", "Japan", 35.01, 135.77, "(GMT+09:00) Asia/Tokyo", 32400, False),
)
FIRST_NAMES = (
    "Ana",
    "Ben",
    "Chiara",
    "Dmitri",
    "Emeka",
    "Fiona",
    "Hiro",
    "Ines",
    "Jonas",
    "Kira",
    "Luis",
    "Maya",
)
LAST_NAMES = (
    "Okafor",
    "Lindqvist",
    "Moreau",
    "Tanaka",
    "Schmidt",
    "Rossi",
    "Walsh",
    "Kimani",
    "Novak",
    "Silva",
)
BIKES = ("Canyon Endurace", "Specialized Tarmac", "Trek Checkpoint", "Wahoo KICKR Bike", "Cube Stereo")
SHOES = ("Hoka Clifton 9", "Nike Pegasus 40", "Salomon Speedcross 6", "Brooks Ghost 15", "Saucony Endorphin")


@dataclass(frozen=True)
class SportProfile:
    weight: int  # relative frequency
    speed: tuple[float, float]  # m/s
    minutes: tuple[int, int]
    climb_per_km: tuple[float, float]  # metres of climbing per km
    outdoor: bool  # has a GPS track
    gear: str | None  # "bike", "shoe" or None
    label: str  # word used in default names


SPORTS = {
    "Run": SportProfile(30, (2.6, 3.7), (20, 100), (2, 18), True, "shoe", "Run"),
    "TrailRun": SportProfile(4, (1.9, 3.0), (40, 150), (20, 60), True, "shoe", "Trail Run"),
    "Ride": SportProfile(22, (6.0, 9.5), (45, 240), (5, 15), True, "bike", "Ride"),
    "VirtualRide": SportProfile(8, (7.0, 10.0), (30, 90), (4, 12), False, "bike", "Virtual Ride"),
    "EBikeRide": SportProfile(2, (5.0, 8.0), (20, 80), (3, 10), True, "bike", "E-Bike Ride"),
    "Swim": SportProfile(8, (0.6, 1.0), (25, 60), (0, 0), False, None, "Swim"),
    "Walk": SportProfile(12, (1.2, 1.6), (20, 90), (2, 10), True, "shoe", "Walk"),
    "Hike": SportProfile(6, (0.9, 1.4), (60, 300), (30, 100), True, "shoe", "Hike"),
    "WeightTraining": SportProfile(4, (0.0, 0.0), (30, 75), (0, 0), False, None, "Weight Training"),
    "Yoga": SportProfile(2, (0.0, 0.0), (20, 60), (0, 0), False, None, "Yoga"),
}


def generate_athletes(
    seed: int, count: int, activities_each: int, now: float, history_days: int = HISTORY_DAYS
) -> list[Athlete]:
    """``count`` athletes with ``activities_each`` activities over the ``history_days`` days before the
    UTC day of ``now``.

    The same seed and UTC day always give the same data.
    """
    rng = random.Random(seed)
    anchor = int(now) - int(now) % DAY
    athletes = [_athlete(rng, index, anchor) for index in range(count)]
    drafts = [
        (start, athlete, sport)
        for athlete in athletes
        for start, sport in _schedule(rng, activities_each, anchor, athlete.place, history_days)
    ]
    next_id = rng.randint(9_000_000_000, 9_500_000_000)
    for start, athlete, sport in sorted(drafts, key=lambda draft: (draft[0], draft[1].id)):
        next_id += rng.randint(50_000, 5_000_000)
        athlete.activities.append(_activity(rng, next_id, athlete, sport, start))
    return athletes


def _athlete(rng: random.Random, index: int, anchor: int) -> Athlete:
    firstname, lastname = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    athlete_type = rng.randint(0, 1)
    return Athlete(
        id=rng.randint(10_000_000, 150_000_000),
        username=f"{firstname}{lastname}{rng.randint(1, 99)}".lower() if rng.random() < 0.7 else "",
        firstname=firstname,
        lastname=lastname,
        sex=rng.choice(("M", "F", None)),
        place=PLACES[(index + rng.randint(0, len(PLACES) - 1)) % len(PLACES)],
        has_photo=index == 0 or (index != 1 and rng.random() < 0.5),  # athlete 2 never has one
        premium=rng.random() < 0.5,
        created_at=anchor - rng.randint(HISTORY_DAYS + 30, 12 * 365) * DAY,
        weight=round(rng.uniform(52, 90), 1),
        ftp=rng.randint(180, 320) if athlete_type == 0 else None,
        athlete_type=athlete_type,
        measurement_preference=rng.choice(("meters", "feet")),
        follower_count=rng.randint(0, 400),
        friend_count=rng.randint(0, 300),
        bikes=[_gear(rng, "b", BIKES, number == 0) for number in range(rng.randint(1, 2))],
        shoes=[_gear(rng, "g", SHOES, number == 0) for number in range(rng.randint(1, 3))],
    )


def _gear(rng: random.Random, prefix: str, names: tuple[str, ...], primary: bool) -> Gear:
    return Gear(f"{prefix}{rng.randint(1_000_000, 30_000_000)}", rng.choice(names), primary)


def _schedule(rng: random.Random, count: int, anchor: int, place: Place, days: int) -> list[tuple[int, str]]:
    """Start times (UTC) and sport types, spread over the last ``days`` days."""
    names = list(SPORTS)
    weights = [SPORTS[name].weight for name in names]
    plan: list[tuple[int, str]] = []
    for _ in range(count):
        day = anchor - rng.randint(1, days) * DAY
        local_seconds = rng.randint(6 * 3600, 19 * 3600)
        start = day + local_seconds - utc_offset(place, day)
        plan.append((start, rng.choices(names, weights)[0]))
    return plan


def utc_offset(place: Place, when: int) -> int:
    """The place's offset at ``when``, with a rough April-October daylight saving rule."""
    month = datetime.fromtimestamp(when, timezone.utc).month
    return place.standard_offset + (3600 if place.northern_dst and 4 <= month <= 10 else 0)


def _activity(rng: random.Random, activity_id: int, athlete: Athlete, sport: str, start: int) -> Activity:
    profile = SPORTS[sport]
    moving = rng.randint(profile.minutes[0] * 60, profile.minutes[1] * 60)
    distance = round(moving * rng.uniform(*profile.speed), 1)
    climb = round(distance / 1000 * rng.uniform(*profile.climb_per_km), 1)
    track = _track(rng, activity_id, athlete, distance) if profile.outdoor else []
    offset = utc_offset(athlete.place, start)
    return Activity(
        id=activity_id,
        athlete_id=athlete.id,
        name=_name(rng, profile.label, start + offset),
        sport_type=sport,
        start=start,
        utc_offset=offset,
        timezone=athlete.place.timezone,
        distance=distance,
        moving_time=moving,
        elapsed_time=moving + rng.randint(0, moving // 5),
        elevation_gain=climb,
        visibility=rng.choices(("everyone", "followers_only", "only_me"), (85, 10, 5))[0],
        start_latlng=track[0] if track else None,
        end_latlng=track[-1] if track else None,
        summary_polyline=encode_polyline(track),
        gear_id=_gear_for(rng, athlete, profile.gear),
        heart_rate=_heart_rate(rng) if rng.random() < 0.7 else None,
        watts=_watts(rng) if profile.gear == "bike" and rng.random() < 0.5 else None,
        achievement_count=rng.choice((0, 0, 0, 1, 2, 5)),
        kudos_count=rng.randint(0, 30),
        pr_count=rng.choice((0, 0, 0, 1, 2)),
        commute=sport in ("Ride", "EBikeRide") and rng.random() < 0.15,
        trainer=sport == "VirtualRide",
    )


def _name(rng: random.Random, label: str, local_time: int) -> str:
    if rng.random() < 0.15:
        return rng.choice(("Recovery spin", "Long one", "Intervals 6x800", "Easy day", "Race day!"))
    hour = datetime.fromtimestamp(local_time, timezone.utc).hour
    part = "Morning" if hour < 11 else "Lunch" if hour < 14 else "Afternoon" if hour < 17 else "Evening"
    return f"{part} {label}"


TRACK_POINTS = 96
LOOP_SHARE = 3  # of every 5 outdoor activities loop from home; the others go point to point


def home(athlete: Athlete) -> tuple[float, float]:
    """Where the athlete's loops start and end: a fixed spot a few km from the city centre."""
    return (
        round(athlete.place.lat + (athlete.id % 977 / 977 - 0.5) * 0.06, 6),
        round(athlete.place.lng + (athlete.id % 991 / 991 - 0.5) * 0.06, 6),
    )


def _track(
    rng: random.Random, activity_id: int, athlete: Athlete, distance: float
) -> list[tuple[float, float]]:
    """About ``distance`` metres of GPS track: a loop that leaves from and returns to the athlete's
    home, or a wandering line from near the city to elsewhere (``activity_id`` decides which)."""
    offset = (rng.uniform(-0.04, 0.04), rng.uniform(-0.04, 0.04))
    turns = [rng.uniform(-0.6, 0.6) for _ in range(24)]
    if activity_id % 5 < LOOP_SHARE:
        return _loop(home(athlete), distance, offset[0] / 0.04 * math.pi, turns)
    place = athlete.place
    return _line((place.lat + offset[0], place.lng + offset[1]), distance, offset[1] / 0.04 * math.pi, turns)


def _loop(
    start: tuple[float, float], distance: float, heading: float, wobble: list[float]
) -> list[tuple[float, float]]:
    """A closed, wobbly ring through ``start`` whose centre lies towards ``heading``."""
    radius = distance / (2 * math.pi) / 111_000  # degrees of latitude
    lat_scale = max(math.cos(math.radians(start[0])), 0.2)

    def ring(angle: float) -> float:  # the radius at ``angle``, periodic so the ring closes at ``start``
        position = angle / (2 * math.pi) * len(wobble)
        low = int(position) % len(wobble)
        share = position - int(position)
        return radius * (1 + 0.4 * ((1 - share) * wobble[low] + share * wobble[(low + 1) % len(wobble)]))

    first = ring(0)
    centre = (start[0] + first * math.cos(heading), start[1] + first * math.sin(heading) / lat_scale)
    points = []
    for index in range(TRACK_POINTS + 1):
        angle = 2 * math.pi * index / TRACK_POINTS
        r = ring(angle)
        direction = heading + math.pi + angle
        points.append((centre[0] + r * math.cos(direction), centre[1] + r * math.sin(direction) / lat_scale))
    points[0] = points[-1] = start
    return [(round(lat, 6), round(lng, 6)) for lat, lng in points]


def _line(
    start: tuple[float, float], distance: float, heading: float, turns: list[float]
) -> list[tuple[float, float]]:
    """A wandering line from ``start``: one turn every few points."""
    lat, lng = start
    step = distance / TRACK_POINTS / 111_000
    points = [(round(lat, 6), round(lng, 6))]
    for index in range(TRACK_POINTS):
        heading += turns[index * len(turns) // TRACK_POINTS] / (TRACK_POINTS // len(turns))
        lat += step * math.cos(heading)
        lng += step * math.sin(heading) / max(math.cos(math.radians(lat)), 0.2)
        points.append((round(lat, 6), round(lng, 6)))
    return points


def _gear_for(rng: random.Random, athlete: Athlete, kind: str | None) -> str | None:
    options = athlete.bikes if kind == "bike" else athlete.shoes if kind == "shoe" else []
    return rng.choice(options).id if options and rng.random() < 0.9 else None


def _heart_rate(rng: random.Random) -> tuple[float, int]:
    average = round(rng.uniform(110, 165), 1)
    return average, int(average + rng.randint(10, 30))


def _watts(rng: random.Random) -> tuple[int, int, int]:
    average = rng.randint(120, 260)
    return average, average + rng.randint(200, 700), average + rng.randint(5, 30)

"""Sport types and the families a ``sports=`` filter names: one table for the card, the widget (which
mirrors it in ``card/widget.js``), the history and the totals. Pure.

A filter item is a family (``run``) or a Strava ``sport_type`` (``TrailRun``), case-insensitive; a
name that is both is the family.
Strava's own ``stats.totals`` come in three groups only; ``run``, ``ride`` and ``swim`` are those
groups' sport types (Strava does not document them; these are the ones it is observed to count).
"""

from __future__ import annotations

from collections.abc import Iterable

# Strava's documented sport_type values (the API's SportType enum); new ones need a line here.
SPORT_TYPES = (
    "AlpineSki", "BackcountrySki", "Badminton", "Canoeing", "Crossfit", "EBikeRide", "Elliptical",
    "EMountainBikeRide", "Golf", "GravelRide", "Handcycle", "HighIntensityIntervalTraining", "Hike",
    "IceSkate", "InlineSkate", "Kayaking", "Kitesurf", "MountainBikeRide", "NordicSki", "Pickleball",
    "Pilates", "Racquetball", "Ride", "RockClimbing", "RollerSki", "Rowing", "Run", "Sail", "Skateboard",
    "Snowboard", "Snowshoe", "Soccer", "Squash", "StairStepper", "StandUpPaddling", "Surfing", "Swim",
    "TableTennis", "Tennis", "TrailRun", "Velomobile", "VirtualRide", "VirtualRow", "VirtualRun", "Walk",
    "WeightTraining", "Wheelchair", "Windsurf", "Workout", "Yoga",
)  # fmt: skip
FAMILIES: dict[str, tuple[str, ...]] = {
    "run": ("Run", "TrailRun", "VirtualRun"),
    "walk": ("Walk", "Hike"),
    "ride": ("Ride", "VirtualRide", "EBikeRide", "MountainBikeRide", "GravelRide", "EMountainBikeRide"),
    "swim": ("Swim",),
    "ski": ("AlpineSki", "BackcountrySki", "NordicSki", "RollerSki", "Snowboard"),
    "paddle": ("Canoeing", "Kayaking", "Rowing", "StandUpPaddling", "VirtualRow"),
    "workout": (
        "Workout", "WeightTraining", "Crossfit", "HighIntensityIntervalTraining", "Yoga", "Pilates",
        "Elliptical", "StairStepper",
    ),
}  # fmt: skip
STRAVA_TOTALS = ("run", "ride", "swim")  # the families Strava's stats.totals count
# a name that is both (run, walk, ride, swim, workout) is the family, which holds that sport type
_BY_NAME = {name.lower(): name for name in (*SPORT_TYPES, *FAMILIES)}


def canonical(item: str) -> str | None:
    """``"trailrun"`` -> ``"TrailRun"``, ``"RUN"`` -> ``"run"``; ``None`` for an unknown name."""
    return _BY_NAME.get(item.strip().lower())


def members(item: str) -> tuple[str, ...]:
    """The sport types a canonical filter item stands for."""
    return FAMILIES.get(item, (item,))


def matches(sport_type: object, items: Iterable[str]) -> bool:
    """Whether an activity's ``sport_type`` is one of the filter's."""
    return any(sport_type in members(item) for item in items)


def family_of(sport_type: object) -> str:
    """The family of a sport type (``"other"`` when it has none): what decides pace or speed."""
    return next((family for family, types in FAMILIES.items() if sport_type in types), "other")


def label(item: str) -> str:
    """A column title: ``Run`` for the family, ``TrailRun`` for the sport type."""
    return item.capitalize() if item in FAMILIES else item

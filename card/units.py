"""Numbers as people read them: distance, duration, pace or speed per sport, in metric or imperial.

The widget (``card/widget.js``) formats the same way; keep the two in step. Both round halves up, as
JavaScript's ``Math.round``, ``toFixed`` and ``toLocaleString`` do (Python's ``round`` and ``format``
round halves to even).
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from enum import Enum

from history.sports import family_of

METRES_PER_MILE = 1609.344
METRES_PER_YARD = 0.9144

NOUNS = {"run": "run", "walk": "walk", "ride": "ride", "swim": "swim"}


class Units(Enum):
    METRIC = "metric"
    IMPERIAL = "imperial"


def sport_family(sport_type: object) -> str:
    """The family (``history.sports``) of a sport type, ``other`` without one: what decides between
    pace and speed."""
    return family_of(sport_type)


def half_up(value: float, decimals: int = 0) -> Decimal:
    """``value`` rounded to ``decimals`` places, halves away from zero (``2.5`` -> ``3``), on the exact
    binary value as JavaScript rounds it (``1.005`` is just below the half, so it gives ``1.00``)."""
    return Decimal(value).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)


def grouped(value: float, decimals: int = 0) -> str:
    return f"{half_up(value, decimals):,.{decimals}f}"


def distance(metres: float, units: Units, family: str = "run") -> str:
    """``12.3 km`` / ``1,234 km`` / ``7.6 mi``; swims under 10 km in metres or yards."""
    if family == "swim" and metres < 10_000:
        if units is Units.METRIC:
            return f"{grouped(metres)} m"
        return f"{grouped(metres / METRES_PER_YARD)} yd"
    value, unit = (metres / 1000, "km") if units is Units.METRIC else (metres / METRES_PER_MILE, "mi")
    return f"{grouped(value, 1 if value < 100 else 0)} {unit}"


def clock(seconds: float) -> str:
    """``58:47`` or ``1:02:03``: the duration of one activity."""
    total = int(half_up(seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def hours_minutes(seconds: float) -> str:
    """``123h 45m``: a total time."""
    minutes = int(half_up(seconds / 60))
    hours, minutes = divmod(minutes, 60)
    return f"{grouped(hours)}h {minutes}m" if hours else f"{minutes}m"


def pace_or_speed(metres: float, seconds: float, units: Units, family: str) -> str | None:
    """Runs and walks: ``5:12 /km``; swims: ``1:55 /100m``; rides: ``31.1 km/h``; else ``None``."""
    if metres <= 0 or seconds <= 0 or family not in NOUNS:
        return None
    if family == "ride":
        per_hour = metres / seconds * 3600
        if units is Units.METRIC:
            return f"{half_up(per_hour / 1000, 1)} km/h"
        return f"{half_up(per_hour / METRES_PER_MILE, 1)} mph"
    if family == "swim":
        step, unit = (100, "/100m") if units is Units.METRIC else (100 * METRES_PER_YARD, "/100yd")
    else:
        step, unit = (1000, "/km") if units is Units.METRIC else (METRES_PER_MILE, "/mi")
    return f"{clock(seconds / metres * step)} {unit}"


def count(number: int, family: str) -> str:
    """``12 runs``, ``1 ride``, ``3 swims``, ``2 walks``, else ``5 activities``."""
    noun = NOUNS.get(family, "activity")
    plural = "activities" if noun == "activity" else f"{noun}s"
    return f"{grouped(number)} {noun if number == 1 else plural}"

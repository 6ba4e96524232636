"""Helpers of the embed tests: the numbers a card or widget shows, checked against the snapshot's."""

from __future__ import annotations

import re
from typing import Any

from card.units import METRES_PER_MILE

HOSTILE_FIRST = "<script>alert(1)</script>"
HOSTILE_LAST = '"><img src=x onerror=alert(1)>'
HOSTILE_ACTIVITY = '"><img src=x onerror=alert(1)><script>alert(2)</script>'
PERIODS = ("ytd", "all", "recent")
UNIT_METRES = {"km": 1000.0, "mi": METRES_PER_MILE, "m": 1.0, "yd": 0.9144}


def shown_number(text: str) -> tuple[float, str]:
    """``"1,235 km"`` -> ``(1235.0, "km")``."""
    match = re.fullmatch(r"([\d,]+(?:\.\d+)?) (km|mi|m|yd)", text)
    assert match, f"not a distance: {text!r}"
    return float(match.group(1).replace(",", "")), match.group(2)


def assert_shows_totals(shown: dict[str, str], snapshot: dict[str, Any], sports: tuple[str, ...]) -> int:
    """Every ``<period>-<sport>-distance`` and ``-detail`` shown matches the snapshot; returns how many."""
    checked = 0
    for period in PERIODS:
        for sport in sports:
            key = f"{period}-{sport}"
            if f"{key}-distance" not in shown:
                continue
            totals = snapshot["stats"]["totals"][period][sport]
            value, unit = shown_number(shown[f"{key}-distance"])
            step = UNIT_METRES[unit] * (0.1 if "." in shown[f"{key}-distance"] else 1.0)
            assert abs(value * UNIT_METRES[unit] - totals["distance_m"]) <= step / 2 + 1e-6, key
            count = int(shown[f"{key}-detail"].split(" ")[0].replace(",", ""))
            assert count == totals["count"], (key, shown[f"{key}-detail"])
            checked += 1
    return checked

"""The optional blocks from the activity history: a heatmap (``history.daily`` or ``history.days``)
and ``goals``.

Both draw nothing when the snapshot lacks the field (older snapshots, history not synced yet).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from card import units as fmt
from card.fields import number
from card.svg import add, clean
from card.theme import PAD, WIDTH, Theme
from card.units import Units, sport_family

CELL = 7
STEP = 8.5
MAX_GOALS = 4


def section_title(body: ET.Element, title: str, baseline: float, theme: Theme, x: float = PAD) -> ET.Element:
    """A small upper-case title: a block's (at the left margin) or a column's."""
    return add(
        body,
        "text",
        title,
        x=x,
        y=baseline,
        font_size=11,
        font_weight="bold",
        fill=theme.muted,
        letter_spacing=1,
    )


def draw_heatmap(body: ET.Element, y: int, days: Mapping[date, float], year: int | None, theme: Theme) -> int:
    """Weeks by 7 days (Monday on top), shaded by moving time in quartiles of the active days: the
    last 365 days, or the calendar year ``year`` (January to December)."""
    if not days:
        return y
    first = min(days)
    first_monday = date.fromordinal(first.toordinal() - first.weekday())
    active = sorted(seconds for seconds in days.values() if seconds > 0)
    levels = [active[len(active) * q // 4] for q in (1, 2, 3)] if active else []
    section_title(body, str(year) if year else "LAST 365 DAYS", y + 16, theme)
    add(
        body,
        "text",
        f"{len(active)} active {'day' if len(active) == 1 else 'days'}",
        id="heatmap-active-days",
        x=WIDTH - PAD,
        y=y + 16,
        font_size=11,
        fill=theme.muted,
        text_anchor="end",
    )
    grid = add(body, "g", id="heatmap")
    top = y + 24
    for day, seconds in sorted(days.items()):
        offset = (day - first_monday).days
        level = 0 if seconds <= 0 else 1 + sum(1 for threshold in levels if seconds > threshold)
        add(
            grid,
            "rect",
            x=PAD + (offset // 7) * STEP,
            y=top + (offset % 7) * STEP,
            width=CELL,
            height=CELL,
            rx=1.5,
            fill=theme.heat[min(level, 4)],
        )
    return top + round(7 * STEP) + 6


def draw_goals(body: ET.Element, y: int, goals: Sequence[Any], units: Units, theme: Theme) -> int:
    """One progress bar per goal: ``Run · 2026   812 / 1,000 km (81%)``."""
    shown = [goal for goal in goals if isinstance(goal, Mapping)][:MAX_GOALS]
    if not shown:
        return y
    section_title(body, "GOALS", y + 16, theme)
    y += 22
    for index, goal in enumerate(shown):
        sport = clean(str(goal.get("sport_type") or ""), 24)
        family = sport_family(sport)
        target, done = number(goal.get("target_m")), number(goal.get("done_m"))
        fraction = min(max(done / target if target > 0 else 0.0, 0.0), 1.0)
        label = " · ".join(part for part in (sport, clean(str(goal.get("period") or ""), 16)) if part)
        progress = f"{fmt.distance(done, units, family)} / {fmt.distance(target, units, family)}"
        add(body, "text", label, x=PAD, y=y + 12, font_size=12, fill=theme.text)
        add(
            body,
            "text",
            f"{progress} ({round(fraction * 100)}%)",
            id=f"goal-{index}",
            x=WIDTH - PAD,
            y=y + 12,
            font_size=12,
            fill=theme.muted,
            text_anchor="end",
        )
        add(body, "rect", x=PAD, y=y + 18, width=WIDTH - 2 * PAD, height=6, rx=3, fill=theme.heat[0])
        if fraction > 0:
            add(
                body,
                "rect",
                x=PAD,
                y=y + 18,
                width=(WIDTH - 2 * PAD) * fraction,
                height=6,
                rx=3,
                fill=theme.brand,
            )
        y += 32
    return y

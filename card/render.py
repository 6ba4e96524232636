"""The card itself: a snapshot document and options in, SVG 1.1 bytes out (pure, deterministic).

Drawn from the snapshot only: the athlete's name and place, Strava's totals per period and sport, the
latest activity, optionally the heatmap, ``goals`` and the latest route's ``map``, and the Strava
attribution ("Powered by Strava", "View on Strava" in Strava orange, per Strava's brand guidelines).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence
from typing import Any

from card import units as fmt
from card.blocks import draw_goals, draw_heatmap, section_title
from card.fields import local_date, mapping, number, sequence
from card.options import CardOptions
from card.periods import heatmap_days, history_totals, item_totals
from card.route import draw_map
from card.svg import add, clean, link, root, serialize
from card.theme import PAD, WIDTH, Theme, apply_auto_theme, theme_named
from card.units import Units, sport_family
from history.sports import FAMILIES, STRAVA_TOTALS, label, matches

LABEL_COLUMN = 130
PERIOD_LABELS = {"ytd": "This year", "all": "All time", "recent": "Last 4 weeks"}
STRAVA = "https://www.strava.com"

Document = Mapping[str, Any]


def render_card(snapshot: Document, options: CardOptions) -> bytes:
    """The SVG card of a public snapshot document."""
    theme = theme_named(options.theme)
    athlete = mapping(snapshot.get("athlete"))
    units = options.units or preferred_units(athlete)
    sports = options.sports or main_sports(snapshot)
    name = clean(athlete_name(athlete), 40)
    body = ET.Element("g")
    y = header(body, athlete, name, theme)
    periods = [block for block in options.show if block in PERIOD_LABELS]
    if periods:
        y = _totals(body, y, snapshot, periods, sports, units, theme)
    for block in options.show:
        if block == "latest":
            y = _latest(body, y, snapshot, options.sports, units, theme)
        elif block == "heatmap":
            days = heatmap_days(mapping(snapshot.get("history")), options.sports, options.year)
            y = draw_heatmap(body, y, days, options.year, theme)
        elif block == "goals":
            y = draw_goals(body, y, sequence(snapshot.get("goals")), units, theme)
        elif block == "map":
            y = draw_map(body, y, snapshot, options.sports, theme)
    y = footer(body, y, snapshot, theme)
    return framed(body, y, f"{name}: Strava stats" if name else "Strava stats", options.theme)


def framed(body: ET.Element, height: int, title: str, theme_name: str) -> bytes:
    """``body`` (drawn in :func:`theme_named`'s colours) on the card's rounded frame, as SVG bytes;
    ``auto`` gets its light colours and dark rule here."""
    theme = theme_named(theme_name)
    svg = root(WIDTH, height, title)
    add(
        svg,
        "rect",
        x=0.5,
        y=0.5,
        rx=8,
        width=WIDTH - 1,
        height=height - 1,
        fill=theme.background,
        stroke=theme.border,
    )
    svg.append(body)
    if theme_name == "auto":
        apply_auto_theme(svg)
    return serialize(svg)


def athlete_name(athlete: Mapping[str, Any]) -> str:
    parts = [athlete.get("firstname"), athlete.get("lastname")]
    name = " ".join(str(part) for part in parts if isinstance(part, str) and part.strip())
    return name or str(athlete.get("username") or "")


def main_sports(snapshot: Document) -> tuple[str, ...]:
    """Strava's sport groups with all-time activities, most time first; run and ride when none."""
    all_time = mapping(mapping(mapping(snapshot.get("stats")).get("totals")).get("all"))
    active = [sport for sport in STRAVA_TOTALS if number(mapping(all_time.get(sport)).get("count")) > 0]
    ranked = sorted(active, key=lambda sport: -number(mapping(all_time.get(sport)).get("moving_time_s")))
    return tuple(ranked) or ("run", "ride")


def preferred_units(athlete: Mapping[str, Any]) -> Units:
    """The units the athlete chose on Strava."""
    return Units.IMPERIAL if athlete.get("measurement_preference") == "feet" else Units.METRIC


def header(body: ET.Element, athlete: Mapping[str, Any], name: str, theme: Theme) -> int:
    """The athlete's name and place at the top; the y below them."""
    add(
        body,
        "text",
        name or "Strava athlete",
        id="athlete-name",
        x=PAD,
        y=PAD + 18,
        font_size=18,
        font_weight="bold",
        fill=theme.text,
    )
    place = ", ".join(str(athlete[key]) for key in ("city", "country") if isinstance(athlete.get(key), str))
    if clean(place):
        add(
            body,
            "text",
            clean(place, 60),
            id="athlete-place",
            x=PAD,
            y=PAD + 36,
            font_size=12,
            fill=theme.muted,
        )
        return PAD + 50
    return PAD + 32


def _totals(
    body: ET.Element,
    y: int,
    snapshot: Document,
    periods: Sequence[str],
    sports: Sequence[str],
    units: Units,
    theme: Theme,
) -> int:
    history = history_totals(snapshot)
    shown = sports[:3]  # three columns fit the card
    column = (WIDTH - LABEL_COLUMN - PAD) / len(shown)
    for index, sport in enumerate(shown):
        section_title(body, clean(label(sport), 14).upper(), y + 12, theme, x=LABEL_COLUMN + index * column)
    y += 20
    for period in periods:
        add(body, "text", PERIOD_LABELS[period], x=PAD, y=y + 17, font_size=12, fill=theme.muted)
        for index, sport in enumerate(shown):
            item = item_totals(snapshot, period, sport, history)
            x = LABEL_COLUMN + index * column
            metres, seconds = item["distance_m"], item["moving_time_s"]
            family = sport if sport in FAMILIES else sport_family(sport)
            add(
                body,
                "text",
                fmt.distance(metres, units, family),
                id=f"{period}-{sport}-distance",
                x=x,
                y=y + 17,
                font_size=16,
                font_weight="bold",
                fill=theme.text,
            )
            noun = sport if sport in FAMILIES else "other"  # "12 walks", but "3 activities" of Hike
            detail = f"{fmt.count(item['count'], noun)} · {fmt.hours_minutes(seconds)}"
            add(
                body,
                "text",
                detail,
                id=f"{period}-{sport}-detail",
                x=x,
                y=y + 32,
                font_size=11,
                fill=theme.muted,
            )
        y += 44
    return y


def _latest(
    body: ET.Element, y: int, snapshot: Document, sports: Sequence[str] | None, units: Units, theme: Theme
) -> int:
    activities = [mapping(item) for item in sequence(snapshot.get("recent_activities"))]
    if sports is not None:
        activities = [a for a in activities if matches(a.get("sport_type"), sports)]
    if not activities:
        return y
    latest = activities[0]
    sport = str(latest.get("sport_type") or "")
    family = sport_family(sport)
    metres, seconds = number(latest.get("distance_m")), number(latest.get("moving_time_s"))
    facts = [
        sport,
        fmt.distance(metres, units, family) if metres > 0 else None,
        fmt.clock(seconds),
        fmt.pace_or_speed(metres, seconds, units, family),
        str(latest.get("start_date_local") or "")[:10],  # the activity's own local date
    ]
    add(body, "line", x1=PAD, x2=WIDTH - PAD, y1=y + 4, y2=y + 4, stroke=theme.border)
    section_title(body, "LATEST", y + 22, theme)
    add(
        body,
        "text",
        clean(str(latest.get("name") or ""), 52),
        id="latest-name",
        x=PAD,
        y=y + 40,
        font_size=14,
        font_weight="bold",
        fill=theme.text,
    )
    add(
        body,
        "text",
        " · ".join(fact for fact in facts if fact),
        id="latest-detail",
        x=PAD,
        y=y + 57,
        font_size=12,
        fill=theme.muted,
    )
    activity_id = latest.get("id")
    if isinstance(activity_id, int) and not isinstance(activity_id, bool) and activity_id > 0:
        anchor = link(body, f"{STRAVA}/activities/{activity_id}")
        add(
            anchor,
            "text",
            "View on Strava",
            x=WIDTH - PAD,
            y=y + 22,
            font_size=11,
            font_weight="bold",
            fill=theme.brand,
            text_anchor="end",
            text_decoration="underline",
        )
    return y + 68


def footer(body: ET.Element, y: int, snapshot: Document, theme: Theme) -> int:
    """The Updated date (the athlete's local date) and Strava's attribution; the y below them."""
    y += 6
    add(body, "line", x1=PAD, x2=WIDTH - PAD, y1=y, y2=y, stroke=theme.border)
    generated = local_date(snapshot, snapshot.get("generated_at"))
    if generated:
        add(body, "text", f"Updated {generated}", x=PAD, y=y + 20, font_size=10, fill=theme.muted)
    anchor = link(body, STRAVA)
    add(
        anchor,
        "text",
        "Powered by Strava",
        id="attribution",
        x=WIDTH - PAD,
        y=y + 20,
        font_size=11,
        font_weight="bold",
        fill=theme.attribution,
        text_anchor="end",
    )
    return y + 32

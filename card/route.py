"""Route outlines in SVG: the card's ``map`` block (the latest activity's route) and the poster's cells.

Drawn from the snapshot's ``route`` fields only (already trimmed and simplified when stored): a line
on the card's own background, no base map, no tiles, nothing fetched. Path data is built from numbers,
so no snapshot text becomes markup.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence
from typing import Any

from card.blocks import section_title
from card.fields import mapping, sequence
from card.svg import add, clean
from card.theme import PAD, WIDTH, Theme
from history.sports import matches
from maps import route_points
from maps.projection import Box, fit, path_data

MAP_HEIGHT = 170


def outline(parent: ET.Element, route: Any, box: Box, theme: Theme, stroke_width: float) -> bool:
    """Draw ``route`` (the snapshot's encoded parts) fitted into ``box``; ``False`` if it has none."""
    data = path_data(fit(route_points(sequence(route)), box))
    if not data:
        return False
    add(
        parent,
        "path",
        d=data,
        fill="none",
        stroke=theme.brand,
        stroke_width=stroke_width,
        stroke_linecap="round",
        stroke_linejoin="round",
    )
    return True


def latest_with_route(activities: Sequence[Any], sports: Sequence[str] | None) -> Mapping[str, Any] | None:
    """The newest activity (of the ``sports=`` filter's families and sport types, if given) that has a
    route."""
    for item in (mapping(a) for a in activities):
        if sports is not None and not matches(item.get("sport_type"), sports):
            continue
        if route_points(sequence(item.get("route"))):
            return item
    return None


def draw_map(
    body: ET.Element, y: int, snapshot: Mapping[str, Any], sports: Sequence[str] | None, theme: Theme
) -> int:
    """The ``map`` block: the latest route, with its name and date; nothing without one."""
    latest = latest_with_route(sequence(snapshot.get("recent_activities")), sports)
    if latest is None:
        return y
    add(body, "line", x1=PAD, x2=WIDTH - PAD, y1=y + 4, y2=y + 4, stroke=theme.border)
    section_title(body, "ROUTE", y + 22, theme)
    caption = " · ".join(
        part
        for part in (clean(str(latest.get("name") or ""), 44), str(latest.get("start_date_local") or "")[:10])
        if part
    )
    add(
        body,
        "text",
        caption,
        id="map-caption",
        x=WIDTH - PAD,
        y=y + 22,
        font_size=11,
        fill=theme.muted,
        text_anchor="end",
    )
    top = y + 32
    add(body, "rect", x=PAD, y=top, width=WIDTH - 2 * PAD, height=MAP_HEIGHT, rx=6, fill=theme.heat[0])
    group = add(body, "g", id="map")
    outline(
        group, latest.get("route"), Box(PAD + 12, top + 12, WIDTH - 2 * PAD - 24, MAP_HEIGHT - 24), theme, 2.5
    )
    return top + MAP_HEIGHT + 6

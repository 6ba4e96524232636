"""The routes poster (``/api/routes.svg``): every route of one year as small multiples in a grid, oldest
first, under the year's totals. Pure: the snapshot's ``routes`` section and options in, SVG bytes out.

Options are the card's ``theme``, ``units`` and ``sports`` (validated by the card's parser) and
``year`` (four digits; the caller's current year when absent).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from card import units as fmt
from card.fields import mapping, number, sequence
from card.options import CardOptions, InvalidOptionError, parse_card_options
from card.render import _footer, _header, _preferred_units, athlete_name
from card.route import outline
from card.svg import add, clean, root, serialize
from card.theme import PAD, WIDTH, theme_named
from card.units import sport_family
from maps.projection import Box

FIRST_YEAR = 1970
CELL_GAP = 6
CARD_OPTIONS = ("theme", "units", "sports")


@dataclass(frozen=True)
class PosterOptions:
    card: CardOptions
    year: int

    def canonical(self) -> str:
        return f"{self.card.canonical()};year={self.year}"


def parse_poster_options(query: Mapping[str, str], this_year: int) -> PosterOptions:
    """Options from the query string; ``year`` defaults to ``this_year`` and may not pass the next."""
    card = parse_card_options({name: query[name] for name in CARD_OPTIONS if name in query})
    raw = query.get("year")
    if raw is None:
        return PosterOptions(card, this_year)
    text = raw.strip()
    if (
        not (len(text) == 4 and text.isascii() and text.isdigit())
        or not FIRST_YEAR <= int(text) <= this_year + 1
    ):
        raise InvalidOptionError(
            f"year must be a year from {FIRST_YEAR} to {this_year + 1}, like {this_year}."
        )
    return PosterOptions(card, int(text))


def render_poster(snapshot: Mapping[str, Any], options: PosterOptions) -> bytes:
    """The poster of ``options.year``'s routes (of ``options.card.sports``' families, if given)."""
    theme = theme_named(options.card.theme)
    athlete = mapping(snapshot.get("athlete"))
    units = options.card.units or _preferred_units(athlete)
    sports = options.card.sports
    year = str(options.year)
    routes = [
        mapping(item)
        for item in sequence(snapshot.get("routes"))
        if str(mapping(item).get("start_date_local") or "")[:4] == year
        and (sports is None or sport_family(str(mapping(item).get("sport_type"))) in sports)
    ]
    routes.sort(key=lambda item: (str(item.get("start_date_local")), number(item.get("id"))))
    name = clean(athlete_name(athlete), 40)
    body = ET.Element("g")
    y = _header(body, athlete, name, theme)
    metres = sum(number(item.get("distance_m")) for item in routes)
    seconds = sum(number(item.get("moving_time_s")) for item in routes)
    family = sport_family_of(routes)
    add(
        body,
        "text",
        f"{year} ROUTES",
        x=PAD,
        y=y + 14,
        font_size=11,
        font_weight="bold",
        fill=theme.muted,
        letter_spacing=1,
    )
    facts = (fmt.count(len(routes), family), fmt.distance(metres, units, family), fmt.hours_minutes(seconds))
    totals = " · ".join(facts)
    add(
        body,
        "text",
        totals,
        id="poster-totals",
        x=WIDTH - PAD,
        y=y + 14,
        font_size=12,
        font_weight="bold",
        fill=theme.text,
        text_anchor="end",
    )
    y += 24
    if routes:
        y = _grid(body, y, routes, theme)
    else:
        add(
            body,
            "text",
            f"No routes in {year}.",
            id="poster-empty",
            x=PAD,
            y=y + 20,
            font_size=12,
            fill=theme.muted,
        )
        y += 30
    y = _footer(body, y, snapshot, theme)
    svg = root(WIDTH, y, f"{name}: routes of {year}" if name else f"Routes of {year}")
    add(
        svg,
        "rect",
        x=0.5,
        y=0.5,
        rx=8,
        width=WIDTH - 1,
        height=y - 1,
        fill=theme.background,
        stroke=theme.border,
    )
    svg.append(body)
    return serialize(svg)


def sport_family_of(routes: list[Mapping[str, Any]]) -> str:
    """The one family of all ``routes``, else ``other`` (so totals read "activities")."""
    families = {sport_family(str(item.get("sport_type"))) for item in routes}
    return families.pop() if len(families) == 1 else "other"


def _grid(body: ET.Element, y: int, routes: list[Mapping[str, Any]], theme: Any) -> int:
    columns = 4 if len(routes) <= 12 else 6 if len(routes) <= 48 else 10
    cell = (WIDTH - 2 * PAD - (columns - 1) * CELL_GAP) / columns
    grid = add(body, "g", id="poster")
    for index, item in enumerate(routes):
        row, column = divmod(index, columns)
        x, top = PAD + column * (cell + CELL_GAP), y + 6 + row * (cell + CELL_GAP)
        group = add(grid, "g")
        ET.SubElement(group, "title").text = clean(
            f"{str(item.get('start_date_local') or '')[:10]} · {item.get('sport_type') or ''}", 60
        )
        add(group, "rect", x=x, y=top, width=cell, height=cell, rx=4, fill=theme.heat[0])
        outline(
            group,
            item.get("route"),
            Box(x + 4, top + 4, cell - 8, cell - 8),
            theme,
            1.4 if columns < 10 else 1.0,
        )
    rows = -(-len(routes) // columns)
    return round(y + 6 + rows * (cell + CELL_GAP))

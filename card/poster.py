"""The routes poster (``/api/routes.svg``): every route of one year as small multiples in a grid, oldest
first, under the year's totals. Pure: the snapshot's ``routes`` section and options in, SVG bytes out.

Options are the card's ``theme`` (``auto`` included), ``units``, ``sports`` (families and sport types)
and ``year``, validated by the card's parser. Without ``year`` the poster shows the athlete's current
year: the local year of the snapshot's ``generated_at`` (the card's Updated date), so the picture
follows the snapshot and its ETag.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from card import units as fmt
from card.fields import local_date, mapping, number, sequence
from card.options import CardOptions, parse_card_options, parse_year
from card.render import athlete_name, footer, framed, header, preferred_units
from card.route import outline
from card.svg import add, clean
from card.theme import PAD, WIDTH, Theme, theme_named
from card.units import sport_family
from history.sports import matches
from maps.projection import Box

CELL_GAP = 6
CARD_OPTIONS = ("theme", "units", "sports")


@dataclass(frozen=True)
class PosterOptions:
    """The card's ``theme``, ``units`` and ``sports``; ``year`` of ``None``: the athlete's current year."""

    card: CardOptions
    year: int | None = None

    def canonical(self) -> str:
        return f"{self.card.canonical()};year={self.year or 'current'}"


def parse_poster_options(query: Mapping[str, str]) -> PosterOptions:
    """Options from the query string, by the card's rules (``show`` is the card's, and ignored)."""
    card = parse_card_options({name: query[name] for name in CARD_OPTIONS if name in query})
    return PosterOptions(card, parse_year(query.get("year")))


def current_year(snapshot: Mapping[str, Any]) -> int | None:
    """The athlete's local year when the snapshot was made, else the newest route's."""
    generated = local_date(snapshot, snapshot.get("generated_at"))
    if generated:
        return int(generated[:4])
    years = [str(mapping(route).get("start_date_local"))[:4] for route in sequence(snapshot.get("routes"))]
    return max((int(year) for year in years if year.isascii() and year.isdigit()), default=None)


def render_poster(snapshot: Mapping[str, Any], options: PosterOptions) -> bytes:
    """The poster of ``options.year``'s routes (of the ``sports=`` filter's, if given), by local dates."""
    theme = theme_named(options.card.theme)
    athlete = mapping(snapshot.get("athlete"))
    units = options.card.units or preferred_units(athlete)
    sports = options.card.sports
    year = str(options.year or current_year(snapshot) or "")
    routes = [
        mapping(item)
        for item in sequence(snapshot.get("routes"))
        if year
        and str(mapping(item).get("start_date_local") or "")[:4] == year
        and (sports is None or matches(mapping(item).get("sport_type"), sports))
    ]
    routes.sort(key=lambda item: (str(item.get("start_date_local")), number(item.get("id"))))
    name = clean(athlete_name(athlete), 40)
    body = ET.Element("g")
    y = header(body, athlete, name, theme)
    metres = sum(number(item.get("distance_m")) for item in routes)
    seconds = sum(number(item.get("moving_time_s")) for item in routes)
    family = sport_family_of(routes)
    add(
        body,
        "text",
        f"{year} ROUTES".strip(),
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
            f"No routes in {year}." if year else "No routes.",
            id="poster-empty",
            x=PAD,
            y=y + 20,
            font_size=12,
            fill=theme.muted,
        )
        y += 30
    y = footer(body, y, snapshot, theme)
    title = f"routes of {year}" if year else "routes"
    return framed(body, y, f"{name}: {title}" if name else title.capitalize(), options.card.theme)


def sport_family_of(routes: list[Mapping[str, Any]]) -> str:
    """The one family of all ``routes``, else ``other`` (so totals read "activities")."""
    families = {sport_family(str(item.get("sport_type"))) for item in routes}
    return families.pop() if len(families) == 1 else "other"


def _grid(body: ET.Element, y: int, routes: list[Mapping[str, Any]], theme: Theme) -> int:
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

"""The card's query options: ``theme``, ``units``, ``sports``, ``show`` and ``year``, validated and
canonical."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from card.units import Units
from history.sports import FAMILIES, canonical

THEMES = ("light", "dark", "auto")  # auto: light, dark where the viewer prefers it (prefers-color-scheme)
BLOCKS = ("ytd", "all", "recent", "latest", "heatmap", "goals", "map")
DEFAULT_BLOCKS = ("ytd", "all", "latest")
YEARS = (2000, 2100)  # Strava began in 2009; anything outside is a typo
SPORTS_HELP = (
    f"sports is a comma list of families ({', '.join(FAMILIES)}) or Strava sport types (TrailRun, …)."
)


class InvalidOptionError(ValueError):
    """A query option the card does not know how to honour; the message says what is allowed."""


@dataclass(frozen=True)
class CardOptions:
    """What to draw; ``units`` or ``sports`` of ``None``: the athlete's preference, their main sports;
    ``year``: the heatmap's calendar year (``None``: the last 365 days)."""

    theme: str = "light"
    units: Units | None = None
    sports: tuple[str, ...] | None = None
    show: tuple[str, ...] = DEFAULT_BLOCKS
    year: int | None = None

    def canonical(self) -> str:
        """A stable text of the options, part of the card's ETag."""
        units = self.units.value if self.units else "auto"
        sports = ",".join(self.sports) if self.sports else "auto"
        year = f";year={self.year}" if self.year else ""
        return f"theme={self.theme};units={units};sports={sports};show={','.join(self.show)}{year}"


def parse_card_options(query: Mapping[str, str]) -> CardOptions:
    """Options from the query string; unknown parameters (cache busters) are ignored."""
    theme = _choice(query, "theme", THEMES) or "light"
    units = _choice(query, "units", tuple(item.value for item in Units))
    show = _items(query, "show")
    unknown = [item for item in show or () if item not in BLOCKS]
    if show is not None and (unknown or not show):
        raise InvalidOptionError(f"show is a comma list of: {', '.join(BLOCKS)}.")
    year = parse_year(query.get("year"))
    blocks = show or DEFAULT_BLOCKS
    if year is not None and "heatmap" not in blocks:
        blocks = (*blocks, "heatmap")  # year= asks for that year's heatmap
    return CardOptions(
        theme=theme,
        units=Units(units) if units else None,
        sports=parse_sports(query.get("sports")),
        show=blocks,
        year=year,
    )


def parse_sports(raw: str | None) -> tuple[str, ...] | None:
    """``"run,trailrun"`` -> ``("run", "TrailRun")``: families and sport types, case-insensitive."""
    if raw is None:
        return None
    items = [item.strip() for item in raw.split(",") if item.strip()]
    known = [canonical(item) for item in items]
    if not items or None in known:
        raise InvalidOptionError(SPORTS_HELP)
    return tuple(dict.fromkeys(item for item in known if item))


def parse_year(raw: str | None) -> int | None:
    """``year=``: a calendar year of four ASCII digits in :data:`YEARS`; ``None`` when absent."""
    if raw is None:
        return None
    text = raw.strip()
    if not (text.isascii() and text.isdigit() and YEARS[0] <= int(text) <= YEARS[1]):
        raise InvalidOptionError(f"year is a calendar year ({YEARS[0]}-{YEARS[1]}), e.g. year=2025.")
    return int(text)


def _choice(query: Mapping[str, str], name: str, allowed: tuple[str, ...]) -> str | None:
    raw = query.get(name)
    if raw is None:
        return None
    value = raw.strip().lower()
    if value not in allowed:
        raise InvalidOptionError(f"{name} must be one of: {', '.join(allowed)}.")
    return value


def _items(query: Mapping[str, str], name: str) -> tuple[str, ...] | None:
    raw = query.get(name)
    if raw is None:
        return None
    return tuple(dict.fromkeys(item.strip().lower() for item in raw.split(",") if item.strip()))

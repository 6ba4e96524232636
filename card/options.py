"""The card's query options: ``theme``, ``units``, ``sports`` and ``show``, validated and canonical."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from card.units import Units

THEMES = ("light", "dark")
SPORTS = ("run", "ride", "swim")  # the sport groups of Strava's totals
BLOCKS = ("ytd", "all", "recent", "latest", "heatmap", "goals", "map")
DEFAULT_BLOCKS = ("ytd", "all", "latest")


class InvalidOptionError(ValueError):
    """A query option the card does not know how to honour; the message says what is allowed."""


@dataclass(frozen=True)
class CardOptions:
    """What to draw; ``units`` or ``sports`` of ``None``: the athlete's preference, their main sports."""

    theme: str = "light"
    units: Units | None = None
    sports: tuple[str, ...] | None = None
    show: tuple[str, ...] = DEFAULT_BLOCKS

    def canonical(self) -> str:
        """A stable text of the options, part of the card's ETag."""
        units = self.units.value if self.units else "auto"
        sports = ",".join(self.sports) if self.sports else "auto"
        return f"theme={self.theme};units={units};sports={sports};show={','.join(self.show)}"


def parse_card_options(query: Mapping[str, str]) -> CardOptions:
    """Options from the query string; unknown parameters (cache busters) are ignored."""
    theme = _choice(query, "theme", THEMES) or "light"
    units = _choice(query, "units", tuple(item.value for item in Units))
    return CardOptions(
        theme=theme,
        units=Units(units) if units else None,
        sports=_items(query, "sports", SPORTS),
        show=_items(query, "show", BLOCKS) or DEFAULT_BLOCKS,
    )


def _choice(query: Mapping[str, str], name: str, allowed: tuple[str, ...]) -> str | None:
    raw = query.get(name)
    if raw is None:
        return None
    value = raw.strip().lower()
    if value not in allowed:
        raise InvalidOptionError(f"{name} must be one of: {', '.join(allowed)}.")
    return value


def _items(query: Mapping[str, str], name: str, allowed: tuple[str, ...]) -> tuple[str, ...] | None:
    raw = query.get(name)
    if raw is None:
        return None
    items = [item.strip().lower() for item in raw.split(",") if item.strip()]
    unknown = [item for item in items if item not in allowed]
    if unknown or not items:
        raise InvalidOptionError(f"{name} is a comma list of: {', '.join(allowed)}.")
    return tuple(dict.fromkeys(items))

"""The card's size and its colour themes: light, dark, and auto (light, dark where the viewer prefers
it: a ``prefers-color-scheme`` rule in the SVG). Strava orange is its guidelines' brand colour (#FC5200).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import astuple, dataclass, fields

STRAVA_ORANGE = "#fc5200"
WIDTH = 500
PAD = 20


@dataclass(frozen=True)
class Theme:
    background: str
    border: str
    text: str
    muted: str
    brand: str  # "View on Strava" links and progress
    attribution: str  # "Powered by Strava": orange on light, white on dark (the brand pack's variants)
    heat: tuple[str, str, str, str, str]  # no activity, then four levels


THEMES = {
    "light": Theme(
        background="#ffffff",
        border="#e4e2dd",
        text="#242428",
        muted="#6d6d78",
        brand=STRAVA_ORANGE,
        attribution=STRAVA_ORANGE,
        heat=("#ebebef", "#fed7c3", "#fdae86", "#fc7f40", STRAVA_ORANGE),
    ),
    "dark": Theme(
        background="#1b1b1f",
        border="#34343b",
        text="#f2f2f4",
        muted="#a3a3ad",
        brand=STRAVA_ORANGE,
        attribution="#ffffff",
        heat=("#2a2a31", "#5c2a14", "#93390f", "#c9460a", STRAVA_ORANGE),
    ),
}


# auto draws with role names; apply_auto_theme turns them into the light colours and a dark rule
AUTO = Theme(
    background="@background",
    border="@border",
    text="@text",
    muted="@muted",
    brand="@brand",
    attribution="@attribution",
    heat=("@heat0", "@heat1", "@heat2", "@heat3", "@heat4"),
)
PAINTS = ("fill", "stroke")


def theme_named(name: str) -> Theme:
    return AUTO if name == "auto" else THEMES[name]


def apply_auto_theme(svg: ET.Element) -> None:
    """Replace the role names :data:`AUTO` drew with the light theme's colours, give each painted
    element a class per role, and add the dark colours under ``@media (prefers-color-scheme: dark)``
    (a rule beats a presentation attribute)."""
    light, dark = _palette(THEMES["light"]), _palette(THEMES["dark"])
    used: set[tuple[str, str]] = set()
    for element in svg.iter():
        classes = []
        for paint in PAINTS:
            value = element.get(paint, "")
            if value.startswith("@"):
                role = value[1:]
                element.set(paint, light[role])
                classes.append(f"{paint[0]}-{role}")
                used.add((paint, role))
        if classes:
            element.set("class", " ".join(classes))
    rules = "".join(f".{paint[0]}-{role}{{{paint}:{dark[role]}}}" for paint, role in sorted(used))
    style = ET.Element("style")
    style.text = f"@media (prefers-color-scheme: dark){{{rules}}}"
    svg.insert(1, style)  # after the title


def _palette(theme: Theme) -> dict[str, str]:
    *colours, heat = astuple(theme)
    names = [field.name for field in fields(Theme) if field.name != "heat"]
    return {
        **dict(zip(names, colours, strict=True)),
        **{f"heat{level}": value for level, value in enumerate(heat)},
    }

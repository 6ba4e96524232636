"""The card's size and its two colour themes; Strava orange is its guidelines' brand colour (#FC5200)."""

from __future__ import annotations

from dataclasses import dataclass

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


def theme_named(name: str) -> Theme:
    return THEMES[name]

"""The card's ``map`` block and the routes poster: outlines of the snapshot's routes, nothing else."""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET
from typing import Any

import pytest

from card import CardOptions, InvalidOptionError, parse_card_options, render_card
from card.poster import parse_poster_options, render_poster
from maps import encode_polyline
from tests.card.documents import SCRIPT, snapshot
from tests.card.test_render import ATTRIBUTES, SVG, parse, texts

ELEMENTS = {"svg", "title", "g", "rect", "line", "text", "a", "path"}
PATH_ATTRIBUTES = {"d", "stroke-width", "stroke-linecap", "stroke-linejoin"}


def loop(lat: float, lng: float, radius: float = 0.01, count: int = 40) -> list[str]:
    angles = [2 * math.pi * i / count for i in range(count + 1)]
    return [encode_polyline([(lat + radius * math.cos(a), lng + radius * math.sin(a)) for a in angles])]


def with_routes() -> dict[str, Any]:
    document = snapshot()
    ride, run = document["recent_activities"]
    ride["route"] = loop(47.0, 8.0)
    run["route"] = loop(47.1, 8.1)
    document["routes"] = [
        {
            "id": 100 + n,
            "sport_type": "Run" if n % 2 else "Ride",
            "start_date_local": f"{2025 + n % 2}-0{1 + n % 9}-1{n % 10}T08:00:00",
            "distance_m": 10_000.0,
            "moving_time_s": 3000,
            "route": loop(47 + n / 100, 8.0),
        }
        for n in range(20)
    ]
    return document


def checked(svg: bytes) -> ET.Element:
    root = parse(svg)
    for node in root.iter():
        assert node.tag.removeprefix(SVG) in ELEMENTS, node.tag
        assert set(node.attrib) <= ATTRIBUTES | PATH_ATTRIBUTES, node.attrib
    return root


def test_show_map_draws_the_latest_route_as_one_path_on_the_card():
    root = checked(render_card(with_routes(), parse_card_options({"show": "latest,map", "theme": "dark"})))
    paths = list(root.iter(f"{SVG}path"))
    assert len(paths) == 1 and paths[0].get("stroke") == "#fc5200" and paths[0].get("fill") == "none"
    assert texts(root)["map-caption"] == "Evening Ride · 2026-11-16"
    assert all(not node.get("href") for node in root.iter())  # no tile, no image, nothing fetched
    runs = checked(render_card(with_routes(), parse_card_options({"show": "map", "sports": "run"})))
    assert texts(runs)["map-caption"] == "Morning Run · 2026-11-15"  # the sports filter holds


def test_no_route_no_map_block_and_garbage_routes_do_not_break_the_card():
    plain = checked(render_card(snapshot(), CardOptions(show=("map",))))
    assert not list(plain.iter(f"{SVG}path")) and "map-caption" not in texts(plain)
    document = with_routes()
    document["recent_activities"][0]["route"] = ["<script>", 5, None, "???"]  # no valid part: skipped
    document["recent_activities"][1]["route"] = SCRIPT
    svg = render_card(document, CardOptions(show=("map",)))
    assert b"<script" not in svg and not list(checked(svg).iter(f"{SVG}path"))


def test_poster_draws_the_years_routes_in_date_order_with_totals():
    root = checked(render_poster(with_routes(), parse_poster_options({"year": "2026"}, 2026)))
    cells = [g for g in root.iter(f"{SVG}g") if g.find(f"{SVG}path") is not None]
    assert len(cells) == 10
    dates = [str(g.findtext(f"{SVG}title")) for g in cells]
    assert dates == sorted(dates) and all(str(d).startswith("2026-") for d in dates)
    assert texts(root)["poster-totals"] == "10 runs · 100 km · 8h 20m"
    rides = checked(
        render_poster(with_routes(), parse_poster_options({"year": "2025", "sports": "ride"}, 2026))
    )
    assert texts(rides)["poster-totals"].startswith("10 rides")
    empty = checked(render_poster(with_routes(), parse_poster_options({}, 2027)))
    assert texts(empty)["poster-empty"] == "No routes in 2027." and "routes of 2027" in str(
        empty.findtext(f"{SVG}title")
    )


@pytest.mark.parametrize(
    "query",
    [
        {"year": "26"},
        {"year": "\uff12\uff10\uff12\uff16"},
        {"year": "2028"},
        {"year": "1969"},
        {"year": "<svg>"},
        {"theme": "x"},
    ],
)
def test_poster_options_are_validated(query: dict[str, str]):
    with pytest.raises(InvalidOptionError) as caught:
        parse_poster_options(query, 2026)
    assert "<" not in str(caught.value)


def test_poster_canonical_names_the_year_so_etags_differ():
    assert (
        parse_poster_options({}, 2026).canonical() != parse_poster_options({"year": "2025"}, 2026).canonical()
    )
    assert parse_poster_options({"show": "whatever"}, 2026).card == CardOptions()  # show is the card's

"""The card's ``map`` block and the routes poster: outlines of the snapshot's routes, nothing else."""

from __future__ import annotations

import json
import math
import xml.etree.ElementTree as ET
from typing import Any

import azure.functions as func
import pytest

from api import embeds
from card import CardOptions, InvalidOptionError, parse_card_options, render_card
from card.poster import parse_poster_options, render_poster
from maps import encode_polyline
from storage.errors import StorageError
from tests.card.documents import SCRIPT, snapshot
from tests.card.test_render import ATTRIBUTES, SVG, parse, texts

ELEMENTS = {"svg", "title", "style", "g", "rect", "line", "text", "a", "path"}
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


def test_show_map_follows_families_sport_types_and_theme_auto():
    document = with_routes()
    document["recent_activities"][1]["sport_type"] = "TrailRun"
    for sports in ("run", "trailrun", "TrailRun,walk"):  # the family holds TrailRun; the sport type too
        card = checked(render_card(document, parse_card_options({"show": "map", "sports": sports})))
        assert texts(card)["map-caption"] == "Morning Run · 2026-11-15", sports
    assert "map-caption" not in texts(render_card_root(document, show="map", sports="VirtualRun"))
    auto = checked(render_card(document, parse_card_options({"show": "map", "theme": "auto"})))
    [path] = auto.iter(f"{SVG}path")
    assert path.get("stroke") == "#fc5200" and "s-brand" in str(path.get("class"))
    [style] = auto.iter(f"{SVG}style")
    assert (style.text or "").startswith("@media (prefers-color-scheme: dark){")


def render_card_root(document: dict[str, Any], **query: str) -> ET.Element:
    return checked(render_card(document, parse_card_options(query)))


def test_no_route_no_map_block_and_garbage_routes_do_not_break_the_card():
    plain = checked(render_card(snapshot(), CardOptions(show=("map",))))
    assert not list(plain.iter(f"{SVG}path")) and "map-caption" not in texts(plain)
    document = with_routes()
    document["recent_activities"][0]["route"] = ["<script>", 5, None, "???"]  # no valid part: skipped
    document["recent_activities"][1]["route"] = SCRIPT
    svg = render_card(document, CardOptions(show=("map",)))
    assert b"<script" not in svg and not list(checked(svg).iter(f"{SVG}path"))


def test_poster_draws_the_years_routes_in_date_order_with_totals():
    root = checked(render_poster(with_routes(), parse_poster_options({"year": "2026"})))
    cells = [g for g in root.iter(f"{SVG}g") if g.find(f"{SVG}path") is not None]
    assert len(cells) == 10
    dates = [str(g.findtext(f"{SVG}title")) for g in cells]
    assert dates == sorted(dates) and all(str(d).startswith("2026-") for d in dates)
    assert texts(root)["poster-totals"] == "10 runs · 100 km · 8h 20m"
    rides = checked(render_poster(with_routes(), parse_poster_options({"year": "2025", "sports": "ride"})))
    assert texts(rides)["poster-totals"].startswith("10 rides")
    empty = checked(render_poster(with_routes(), parse_poster_options({"year": "2027"})))
    assert texts(empty)["poster-empty"] == "No routes in 2027." and "routes of 2027" in str(
        empty.findtext(f"{SVG}title")
    )


def test_poster_year_defaults_to_the_athletes_local_year_of_the_snapshot():
    document = with_routes()  # generated 2026-11-24T21:38:05Z; the newest activity is at UTC+3
    assert "routes of 2026" in str(
        checked(render_poster(document, parse_poster_options({}))).findtext(f"{SVG}title")
    )
    document["generated_at"] = "2025-12-31T22:30:00Z"  # already 2026 in Nairobi
    assert "routes of 2026" in str(
        checked(render_poster(document, parse_poster_options({}))).findtext(f"{SVG}title")
    )
    document["recent_activities"] = []  # no offset known: UTC
    assert "routes of 2025" in str(
        checked(render_poster(document, parse_poster_options({}))).findtext(f"{SVG}title")
    )
    del document["generated_at"]  # no snapshot time: the newest route's year
    assert "routes of 2026" in str(
        checked(render_poster(document, parse_poster_options({}))).findtext(f"{SVG}title")
    )


def test_poster_follows_families_sport_types_and_theme_auto():
    document = with_routes()
    document["routes"][1]["sport_type"] = "TrailRun"
    document["routes"][3]["sport_type"] = "Walk"
    runs = checked(render_poster(document, parse_poster_options({"year": "2026", "sports": "run"})))
    assert texts(runs)["poster-totals"].startswith("9 runs")  # Run and TrailRun; not the walk
    trail = checked(render_poster(document, parse_poster_options({"year": "2026", "sports": "TRAILRUN"})))
    assert texts(trail)["poster-totals"].startswith("1 run ")
    feet = checked(render_poster(document, parse_poster_options({"year": "2026", "sports": "run,walk"})))
    assert texts(feet)["poster-totals"].startswith("10 activities")  # two families: activities
    auto = checked(render_poster(document, parse_poster_options({"year": "2026", "theme": "auto"})))
    [style] = auto.iter(f"{SVG}style")
    assert ".f-background{fill:#1b1b1f}" in (style.text or "")
    assert all(not str(node.get("fill", "")).startswith("@") for node in auto.iter())


@pytest.mark.parametrize(
    "query",
    [
        {"year": "26"},
        {"year": "\uff12\uff10\uff12\uff16"},
        {"year": "2101"},
        {"year": "1999"},
        {"year": "2026.0"},
        {"sports": "chess"},
        {"year": "<svg>"},
        {"theme": "x"},
    ],
)
def test_poster_options_are_validated(query: dict[str, str]):
    with pytest.raises(InvalidOptionError) as caught:
        parse_poster_options(query)
    assert "<" not in str(caught.value)


def test_poster_canonical_names_the_year_so_etags_differ():
    assert parse_poster_options({}).canonical() != parse_poster_options({"year": "2025"}).canonical()
    assert parse_poster_options({"show": "whatever"}).card == CardOptions()  # show is the card's


@pytest.mark.parametrize(
    ("handler", "serve"),
    [("default_routes", "serve_default"), ("athlete_routes", "serve_route_athlete")],
)
async def test_the_poster_routes_answer_a_storage_failure_with_503_as_the_card_does(
    monkeypatch: pytest.MonkeyPatch, handler: str, serve: str
):
    async def failing(*_: object) -> object:
        raise StorageError("table gone", status=503)

    monkeypatch.setattr(embeds, "services", lambda: None)
    monkeypatch.setattr(embeds, serve, failing)
    request = func.HttpRequest("GET", "http://127.0.0.1/api/routes.svg", body=b"", params={"year": "2026"})
    for name in (handler, handler.replace("routes", "card")):
        response = await getattr(embeds, name)(request)
        assert response.status_code == 503 and int(response.headers["Retry-After"]) > 0, name
        assert json.loads(response.get_body())["error"] == "storage_unavailable"

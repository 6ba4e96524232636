"""The SVG card: well-formed SVG 1.1, hostile text stays text, numbers and blocks from the snapshot."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from card import CardOptions, parse_card_options, render_card
from card.units import Units
from tests.card.documents import IMG, SCRIPT, hostile, snapshot, with_history

SVG = "{http://www.w3.org/2000/svg}"
XLINK_HREF = "{http://www.w3.org/1999/xlink}href"
# What the renderer may emit: a small subset of SVG 1.1 (elements and their presentation attributes).
ELEMENTS = {"svg", "title", "style", "g", "rect", "line", "text", "a"}
ATTRIBUTES = {
    "version", "width", "height", "viewBox", "font-family", "x", "y", "x1", "x2", "y1", "y2", "rx",
    "fill", "stroke", "id", "font-size", "font-weight", "letter-spacing", "text-anchor",
    "text-decoration", "target", "class", XLINK_HREF,
}  # fmt: skip


def parse(svg: bytes) -> ET.Element:
    assert svg.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
    return ET.fromstring(svg)  # noqa: S314 - our own output


def texts(root: ET.Element) -> dict[str, str]:
    return {node.get("id", ""): node.text or "" for node in root.iter(f"{SVG}text") if node.get("id")}


def render(document: dict[str, object], **query: str) -> ET.Element:
    return parse(render_card(document, parse_card_options(query)))


@pytest.mark.parametrize("theme", ["dark", "auto"])
def test_valid_svg_11_of_known_elements_and_attributes_only(theme):
    root = render(with_history(), show="ytd,all,recent,latest,heatmap,goals", theme=theme)
    assert root.tag == f"{SVG}svg"
    assert root.get("version") == "1.1"
    assert root.get("viewBox") == f"0 0 {root.get('width')} {root.get('height')}"
    for node in root.iter():
        assert node.tag.removeprefix(SVG) in ELEMENTS, node.tag
        assert set(node.attrib) <= ATTRIBUTES, node.attrib
    hrefs = {node.get(XLINK_HREF) for node in root.iter(f"{SVG}a")}
    assert hrefs == {"https://www.strava.com", "https://www.strava.com/activities/12249465423"}


def test_hostile_text_is_text():
    svg = render_card(hostile(), CardOptions(show=("ytd", "latest")))
    assert b"<script" not in svg
    assert b"<img" not in svg
    assert b"\x00" not in svg
    assert b"\x1b" not in svg
    root = parse(svg)
    found = texts(root)
    assert found["athlete-name"] == f"{SCRIPT} {IMG}"[:39].rstrip() + "…"
    assert found["latest-name"] == (IMG + SCRIPT)[:51].rstrip() + "…"
    assert found["athlete-place"] == f"{IMG}, [31m"
    assert root.find(f"{SVG}title").text.startswith(SCRIPT)  # type: ignore[union-attr]
    assert {node.tag.removeprefix(SVG) for node in root.iter()} <= ELEMENTS


def test_totals_and_latest_from_the_snapshot():
    found = texts(render(snapshot(), show="ytd,all,recent,latest"))
    assert found["ytd-run-distance"] == "1,235 km"
    assert found["ytd-run-detail"] == "120 runs · 116h 40m"
    assert found["all-ride-distance"] == "7,000 km"
    assert found["recent-ride-distance"] == "88.1 km"
    assert "ytd-swim-distance" not in found  # no all-time swims: not a main sport
    assert found["latest-name"] == "Evening Ride"
    assert found["latest-detail"] == "Ride · 30.4 km · 58:47 · 31.1 km/h · 2026-11-16"
    assert found["attribution"] == "Powered by Strava"


def test_sports_units_and_order_of_blocks():
    found = texts(render(snapshot(), sports="swim,run", units="imperial", show="latest,ytd"))
    assert found["ytd-swim-distance"] == "4,921 yd"
    assert found["ytd-run-distance"] == "767 mi"
    assert found["latest-name"] == "Morning Run"  # the latest of the chosen sports
    assert found["latest-detail"] == "Run · 6.2 mi · 50:00 · 8:03 /mi · 2026-11-15"
    assert "all-run-distance" not in found


def test_imperial_by_the_athletes_preference():
    document = snapshot()
    document["athlete"]["measurement_preference"] = "feet"
    assert texts(render(document))["ytd-run-distance"] == "767 mi"


def test_heatmap_and_goals_only_when_the_snapshot_has_them():
    root = render(with_history(), show="heatmap,goals")
    [heatmap] = [node for node in root.iter(f"{SVG}g") if node.get("id") == "heatmap"]
    cells = list(heatmap)
    assert len(cells) == 365
    assert len({cell.get("fill") for cell in cells}) == 5  # none, then four levels
    assert min(float(cell.get("x") or 0) for cell in cells) == 20  # the oldest week at the left
    found = texts(root)
    assert found["heatmap-active-days"] == "122 active days"
    assert found["goal-0"] == "812 km / 1,000 km (81%)"
    assert found["goal-1"] == "0.0 km / 0.0 km (0%)"  # a zero target, and a hostile sport stays text
    labels = [node.text or "" for node in root.iter(f"{SVG}text")]
    assert any(label.startswith("<script>alert(1)</scrip") and '· "><img' in label for label in labels)
    plain = render(snapshot(), show="heatmap,goals")
    assert not [node for node in plain.iter(f"{SVG}g") if node.get("id") == "heatmap"]
    assert not any(key.startswith("goal") for key in texts(plain))


@pytest.mark.parametrize(
    "document",
    [{}, {"athlete": None, "stats": None, "recent_activities": None, "history": None, "goals": [None]}],
)
def test_empty_or_null_fields_render(document):
    found = texts(render(document, show="ytd,all,recent,latest,heatmap,goals"))
    assert found["athlete-name"] == "Strava athlete"
    assert found["ytd-run-distance"] == "0.0 km"


def test_an_activity_of_nulls_renders():
    document = snapshot(recent_activities=[{"id": True, "name": None, "distance_m": float("nan")}])
    root = render(document, show="latest")
    assert texts(root)["latest-detail"] == "0:00"
    assert {node.get(XLINK_HREF) for node in root.iter(f"{SVG}a")} == {"https://www.strava.com"}


def test_themes_differ_and_attribution_follows_the_brand_variants():
    light = render(snapshot(), theme="light")
    dark = render(snapshot(), theme="dark")
    attribution = {
        root: next(n for n in root.iter(f"{SVG}text") if n.get("id") == "attribution")
        for root in (light, dark)
    }
    assert attribution[light].get("fill") == "#fc5200"
    assert attribution[dark].get("fill") == "#ffffff"
    assert light.find(f"{SVG}rect").get("fill") != dark.find(f"{SVG}rect").get("fill")  # type: ignore[union-attr]


def test_units_enum_in_options():
    assert parse_card_options({"units": "Metric"}).units is Units.METRIC


def heat(root: ET.Element) -> tuple[str, list[ET.Element], dict[str, str]]:
    [grid] = [node for node in root.iter(f"{SVG}g") if node.get("id") == "heatmap"]
    cells = list(grid)
    found = texts(root)
    return found["heatmap-active-days"], cells, found


def test_heatmap_follows_the_sports_filter():
    walks, cells, _ = heat(render(with_history(), show="heatmap", sports="walk"))
    runs, _, _ = heat(render(with_history(), show="heatmap", sports="run"))
    both, _, _ = heat(render(with_history(), show="heatmap", sports="run,walk"))
    assert (walks, runs, both) == ("61 active days", "61 active days", "122 active days")
    assert len(cells) == 365
    assert len(heat(render(with_history(), show="heatmap", sports="Hike"))[1]) == 365
    assert heat(render(with_history(), show="heatmap", sports="Hike"))[0] == "0 active days"


def test_a_calendar_year_heatmap():
    active, cells, _ = heat(render(with_history(), year="2025"))
    assert active == "52 active days"  # a Hike every Sunday of 2025
    assert len(cells) == 365
    xs = sorted({float(cell.get("x") or 0) for cell in cells})
    assert len(xs) == 53 and xs[-1] + 7 <= 480  # January 1 (a Wednesday) to December 31
    ys = {float(cell.get("y") or 0) for cell in cells}
    assert len(ys) == 7
    titles = [node.text for node in render(with_history(), year="2025").iter(f"{SVG}text")]
    assert "2025" in titles and "LAST 365 DAYS" not in titles
    assert heat(render(with_history(), year="2025", sports="run"))[0] == "0 active days"
    leap, cells, _ = heat(render(with_history(), year="2024"))
    assert (leap, len(cells)) == ("0 active days", 366)
    plain = render(snapshot(), year="2025")  # no history: no heatmap, no error
    assert not [node for node in plain.iter(f"{SVG}g") if node.get("id") == "heatmap"]


def test_families_beyond_stravas_totals_come_from_the_history():
    found = texts(render(with_history(), sports="walk,run", show="ytd,all,recent,latest"))
    walks_2026 = [
        c for c in with_history()["history"]["daily"] if "Walk" in c["sports"] and c["date"] >= "2026"
    ]
    assert found["ytd-walk-detail"].startswith(f"{len(walks_2026)} walks · ")
    assert found["ytd-walk-distance"] == f"{5 * len(walks_2026):,} km"
    assert found["ytd-run-distance"] == "1,235 km"  # Strava's own run totals
    assert found["recent-walk-detail"].startswith("5 walks")  # 28 days: every sixth day
    assert found["latest-name"] == "Evening Walk"  # the newest run or walk
    run_only = texts(render(with_history(), sports="run", show="latest"))
    assert run_only["latest-name"] == "Morning Run"  # a walk is not a run (as in Strava's totals)
    hikes = texts(render(with_history(), sports="hike", show="all"))
    assert hikes["all-Hike-distance"] == "520 km"
    assert hikes["all-Hike-detail"] == "52 activities · 104h 0m"


def test_updated_is_the_athletes_local_date():
    document = snapshot(generated_at="2026-11-24T21:38:05Z")  # newest activity: UTC+3 (Nairobi)
    labels = [node.text or "" for node in render(document).iter(f"{SVG}text")]
    assert "Updated 2026-11-25" in labels
    document["recent_activities"] = []
    labels = [node.text or "" for node in render(document).iter(f"{SVG}text")]
    assert "Updated 2026-11-24" in labels  # no offset known: UTC


def test_auto_theme_is_light_with_a_dark_rule_for_the_viewer():
    light, auto = render(snapshot(), theme="light"), render(snapshot(), theme="auto")
    paints = [(n.tag, n.get("fill"), n.get("stroke")) for n in light.iter()]
    assert [(n.tag, n.get("fill"), n.get("stroke")) for n in auto.iter() if n.tag != f"{SVG}style"] == paints
    [style] = list(auto.iter(f"{SVG}style"))
    assert (style.text or "").startswith("@media (prefers-color-scheme: dark){")
    assert ".f-background{fill:#1b1b1f}" in (style.text or "")
    assert ".f-attribution{fill:#ffffff}" in (style.text or "")
    assert not list(light.iter(f"{SVG}style"))

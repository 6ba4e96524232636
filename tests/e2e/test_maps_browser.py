"""Route outlines in headless Chromium: the card's map, the poster and the widget's map block draw the
snapshot's routes, follow the theme and request nothing but themselves. Screenshots in tmp_path."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from maps import route_points
from tests.e2e.browser import chromium, require_chromium
from tests.e2e.embeds import Pages, doc_snippets, for_app, owner_site, site_page

pytestmark = pytest.mark.e2e
BOXES = """(selector) => [...document.querySelectorAll(selector)].map((node) => {
  const box = node.getBBox(); return [box.width, box.height, getComputedStyle(node).stroke]; })"""
PAGE = '<!doctype html><meta charset="utf-8"><body style="margin:20px;background:#f4f4f6"></body>'
IMAGES = """(sources) => Promise.all(sources.map((src) => new Promise((resolve) => {
  const image = document.createElement("img"); image.onload = () => resolve(image.naturalWidth);
  image.onerror = () => resolve(0); image.src = src; image.style.display = "block";
  document.body.append(image); })))"""
WIDGET = """(src) => new Promise((resolve, reject) => {
  const widget = document.createElement("strava-stats");
  widget.setAttribute("theme", "dark"); widget.setAttribute("blocks", "latest,map");
  document.body.append(widget);
  setTimeout(() => reject(new Error("the widget drew no map")), 15000);
  widget.setAttribute("src", src);
  const script = document.createElement("script");
  script.type = "module"; script.src = "/api/widget.js"; document.head.append(script);
  const poll = () => {
    const path = widget.shadowRoot?.querySelector("[data-field=map-route]");
    if (path) resolve([path.getAttribute("d"), path.getBBox().width, path.getBBox().height,
      widget.shadowRoot.querySelector("[data-field=map-caption]").textContent]);
    else requestAnimationFrame(poll);
  };
  poll();
})"""


async def test_card_map_poster_and_widget_draw_the_routes(launch_app, tmp_path: Path):
    require_chromium()
    app = launch_app(SNAPSHOT_MAPS="outline")
    athlete_id = app.athlete_ids()[0]
    await app.connect()
    await app.wait_for_history(athlete_id)
    _, body = await app.wait_for("/api/stats")
    snapshot: dict[str, Any] = json.loads(body)
    latest = next(item for item in snapshot["recent_activities"] if item.get("route"))
    year = snapshot["routes"][0]["start_date_local"][:4]
    in_year = [item for item in snapshot["routes"] if item["start_date_local"].startswith(year)]
    requested: list[str] = []
    async with chromium() as browser:
        page = await browser.new_page(viewport={"width": 540, "height": 900})
        page.on("request", lambda request: requested.append(request.url))

        await page.goto(f"{app.url}/api/card.svg?show=latest,map&theme=dark")
        [(width, height, stroke)] = await page.evaluate(BOXES, "path")
        assert width > 100 or height > 100  # fitted to the map box, not a dot
        assert stroke == "rgb(252, 82, 0)"  # Strava orange on the dark card

        await page.goto(f"{app.url}/api/routes.svg?year={year}")
        cells = await page.evaluate(BOXES, "#poster path")
        assert len(cells) == len(in_year) > 10
        assert all(0 < max(w, h) <= 80 for w, h, _ in cells)  # each in its own small cell

        # a page of the app's origin (the stats are then same-origin), served by the browser itself
        await page.route(
            f"{app.url}/maps.html", lambda route: route.fulfill(body=PAGE, content_type="text/html")
        )
        await page.goto(f"{app.url}/maps.html")
        # as a site embeds them (a screenshot of the bare SVG documents would need their CSP lifted)
        loaded = await page.evaluate(
            IMAGES, ["/api/card.svg?show=latest,map&theme=dark", f"/api/routes.svg?year={year}"]
        )
        assert all(width == 500 for width in loaded), loaded
        await page.screenshot(path=tmp_path / "card-map-and-poster.png", full_page=True)
        d, width, height, caption = await page.evaluate(WIDGET, f"{app.url}/api/stats")
        assert d.count("M") == len(latest["route"])
        assert d.count("L") + d.count("M") == sum(len(part) for part in route_points(latest["route"]))
        assert max(width, height) > 100
        assert caption.startswith(latest["name"])
        await page.screenshot(path=tmp_path / "widget-map.png", full_page=True)
    assert requested and all(url.startswith(app.url) for url in requested), (
        requested
    )  # no tiles, no third party


AUTO_WIDGET = """() => new Promise((resolve) => {
  const poll = () => {
    const widget = document.querySelector("strava-stats");
    const path = widget?.shadowRoot?.querySelector("[data-field=map-route]");
    if (!path) return requestAnimationFrame(poll);
    resolve([path.getAttribute("d"), getComputedStyle(path).stroke,
      getComputedStyle(path.closest("svg")).backgroundColor,
      widget.shadowRoot.querySelector("[data-field=map-caption]").textContent,
      [...document.images].map((image) => image.naturalWidth), window.violations]);
  };
  poll();
})"""
FILLS = """() => [getComputedStyle(document.querySelector("rect")).fill,
  getComputedStyle(document.querySelector("path")).stroke]"""


async def test_maps_under_a_strict_csp_and_the_viewers_dark_mode(launch_app, tmp_path: Path):
    """The widget's map block (from the light widget.json) keeps its constructed stylesheet under the
    docs' strict Content-Security-Policy; card and poster with theme=auto turn dark for a dark viewer."""
    require_chromium()
    pages: Pages = {}
    with owner_site(pages) as site:
        app = launch_app(SNAPSHOT_MAPS="outline", CORS_ALLOWED_ORIGINS=site)
        athlete_id = app.athlete_ids()[0]
        await app.connect()
        await app.wait_for_history(athlete_id)
        _, body = await app.wait_for("/api/widget.json")
        light: dict[str, Any] = json.loads(body)
        latest = next(item for item in light["recent_activities"] if item.get("route"))
        [policy] = doc_snippets("text")
        name, _, value = for_app(policy, app.url, athlete_id).strip().partition(": ")
        year = latest["start_date_local"][:4]
        pages["/"] = (
            site_page(
                f'<script type="module" src="{app.url}/api/widget.js"></script>'
                f'<strava-stats src="{app.url}/api/widget.json" blocks="latest,map" theme="auto">'
                "</strava-stats>"
                f'<img src="{app.url}/api/card.svg?show=map&amp;theme=auto" alt="card">'
                f'<img src="{app.url}/api/routes.svg?year={year}&amp;theme=auto" alt="poster">'
            ),
            {name: value},
        )
        async with chromium() as browser:
            context = await browser.new_context(color_scheme="dark", viewport={"width": 540, "height": 900})
            page = await context.new_page()
            await page.add_init_script(
                """window.violations = [];
                document.addEventListener("securitypolicyviolation",
                  (event) => window.violations.push(`${event.violatedDirective} ${event.blockedURI}`));"""
            )
            await page.goto(f"{site}/")
            d, stroke, background, caption, widths, violations = await page.evaluate(AUTO_WIDGET)
            await page.screenshot(path=tmp_path / "maps-strict-csp-dark.png", full_page=True)
            assert violations == []
            assert d.count("M") == len(latest["route"]) and caption.startswith(latest["name"])
            assert (stroke, background) == ("rgb(252, 82, 0)", "rgb(42, 42, 49)")  # styled, dark map box
            assert widths == [500, 500]
            for path in ("/api/card.svg?show=map&theme=auto", f"/api/routes.svg?year={year}&theme=auto"):
                await page.goto(f"{app.url}{path}")
                assert await page.evaluate(FILLS) == ["rgb(27, 27, 31)", "rgb(252, 82, 0)"], path
            await context.close()

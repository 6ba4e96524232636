"""The example site in headless Chromium, from an origin of its own: the widget shows the snapshot's
numbers, hostile names stay text (no dialog, no injected element), the SVG card renders, quiet
messages for 404 and network errors, and the widget formats like the card. Screenshots in tmp_path."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from loopback.processes import free_port

from card.units import Units, clock, distance, hours_minutes, pace_or_speed, sport_family
from tests.e2e.browser import chromium, example_site, require_chromium
from tests.e2e.conftest import AppUnderTest
from tests.e2e.embeds import HOSTILE_ACTIVITY, HOSTILE_FIRST, HOSTILE_LAST, assert_shows_totals

pytestmark = pytest.mark.e2e
FIELDS = """(selector) => Object.fromEntries([...document.querySelector(selector).shadowRoot
  .querySelectorAll("[data-field]")].map((node) => [node.dataset.field, node.textContent]))"""
# elements that are neither the page's own images nor the widget's module script: injected markup
INJECTED = """() => [document, ...[...document.querySelectorAll("strava-stats")].map((w) => w.shadowRoot)]
  .flatMap((root) => [...root.querySelectorAll("img:not(#card):not(#card-dark), script")])
  .filter((node) => !node.src.endsWith("/api/widget.js")).length"""


async def hostile_snapshot(app: AppUnderTest) -> dict[str, Any]:
    """Connect an athlete with hostile names, then give their newest activity a hostile name."""
    athlete_id = app.athlete_ids()[0]
    app.emulator.edit_athlete(athlete_id, firstname=HOSTILE_FIRST, lastname=HOSTILE_LAST)
    await app.connect()
    await app.wait_for_history(athlete_id)  # the connection's backfill and its refresh are done
    _, body = await app.wait_for("/api/stats")
    app.emulator.edit_activity(json.loads(body)["recent_activities"][0]["id"], name=HOSTILE_ACTIVITY)
    status, _, body = await app.request("POST", f"/api/athletes/{athlete_id}/snapshot")
    assert status == 202
    _, run = await app.wait_for(json.loads(body)["statusQueryGetUri"], 200)
    assert json.loads(run)["output"]["outcome"] == "saved"
    _, body = await app.wait_for("/api/stats")
    snapshot: dict[str, Any] = json.loads(body)
    assert snapshot["recent_activities"][0]["name"] == HOSTILE_ACTIVITY
    return snapshot


def answer(status: int, error: str) -> Callable[[Any], Awaitable[None]]:
    """A route handler that answers as the app does for ``status``, with CORS for any origin."""

    async def fulfill(route: Any) -> None:
        body = {"error": error, "message": "…"}
        await route.fulfill(status=status, json=body, headers={"Access-Control-Allow-Origin": "*"})

    return fulfill


async def test_example_site_from_another_origin(launch_app, tmp_path: Path):
    require_chromium()
    site_port = free_port()
    app = launch_app(CORS_ALLOWED_ORIGINS=f"http://127.0.0.1:{site_port}")
    snapshot = await hostile_snapshot(app)
    with example_site(site_port, app.url) as site_url:
        async with chromium() as browser:
            page = await browser.new_page(viewport={"width": 1100, "height": 900})
            console: list[str] = []
            dialogs: list[str] = []
            page.on("console", lambda message: console.append(f"{message.type}: {message.text}"))
            page.on("pageerror", lambda error: console.append(f"pageerror: {error}"))

            async def dismiss(dialog: Any) -> None:
                dialogs.append(dialog.message)
                await dialog.dismiss()

            page.on("dialog", dismiss)
            await page.goto(site_url)
            await page.locator("#widget [data-field=latest-name]").wait_for()
            await page.locator("#widget-dark [data-field=latest-name]").wait_for()
            await page.wait_for_function(
                "[...document.images].every((img) => img.complete && img.naturalWidth > 0)"
            )
            await page.screenshot(path=tmp_path / "example-site.png", full_page=True)

            shown = await page.evaluate(FIELDS, "#widget")
            assert shown["athlete-name"] == f"{HOSTILE_FIRST} {HOSTILE_LAST}"
            assert shown["latest-name"] == HOSTILE_ACTIVITY
            assert shown["attribution"] == "Powered by Strava"
            assert assert_shows_totals(shown, snapshot, ("run", "ride", "swim")) >= 6
            dark = await page.evaluate(FIELDS, "#widget-dark")
            assert dark["ytd-run-distance"].endswith(" mi") or dark["ytd-ride-distance"].endswith(" mi")
            injected = await page.evaluate(INJECTED)
            assert injected == 0
            sizes = await page.evaluate("[...document.images].map((img) => [img.id, img.naturalWidth])")
            assert sizes == [["card", 500], ["card-dark", 500]]
            assert dialogs == []
            assert console == []

            # the card on its own: the hostile names are text nodes of the SVG document
            card = await browser.new_page()
            card.on("dialog", dismiss)
            await card.goto(f"{app.url}/api/card.svg")
            assert await card.locator("#athlete-name").text_content() == (
                f"{HOSTILE_FIRST} {HOSTILE_LAST}"[:39].rstrip() + "…"
            )
            assert await card.locator("#latest-name").text_content() == HOSTILE_ACTIVITY[:51].rstrip() + "…"
            await card.screenshot(path=tmp_path / "card.png")
            assert dialogs == []

            # quiet messages: an unknown athlete (the app's 404), the app's 403 and 410 error bodies
            # (answered by the browser, as this app has only one athlete), and an unreachable app
            for status, error in [(403, "not_published"), (410, "not_connected")]:
                await page.route(f"{app.url}/api/athletes/{status}/stats", answer(status, error))
            cases = {
                "missing": (f"{app.url}/api/athletes/12/stats", "No Strava stats here yet."),
                "forbidden": (f"{app.url}/api/athletes/403/stats", "These Strava stats are not published."),
                "lapsed": (
                    f"{app.url}/api/athletes/410/stats",
                    "These Strava stats are no longer published.",
                ),
                "offline": (f"http://127.0.0.1:{free_port()}/api/stats", "Strava stats could not be loaded."),
            }
            await page.evaluate(
                """(cases) => {
                  for (const [id, [src]] of Object.entries(cases)) {
                    const element = document.createElement("strava-stats");
                    element.id = id;
                    element.setAttribute("src", src);
                    document.body.append(element);
                  }
                }""",
                cases,
            )
            for name, (_, message) in cases.items():
                await page.locator(f"#{name} [role=status]").wait_for()
                assert await page.locator(f"#{name} [role=status]").text_content() == message
            await page.screenshot(path=tmp_path / "quiet-messages.png", full_page=True)
            assert dialogs == []


FORMAT_CASES = [
    (0, 0, "Run"),
    (10_000, 3_000, "Run"),
    (42_195, 10_800, "TrailRun"),
    (88_145.2, 11_681, "Ride"),
    (1_234_567.8, 420_000, "GravelRide"),
    (1_500, 1_725, "Swim"),
    (12_345, 15_000, "Swim"),
    (0, 3_600, "Yoga"),
    (2_000, 605, "Run"),  # halves: 5:02.5 /km
    (0, 5_430, "Run"),  # 90.5 minutes
    (250, 150, "Run"),  # 0.25 km, 2.5 minutes
    (1_250, 3_600, "Ride"),  # 1.25 km/h
]


async def test_widget_formats_like_the_card(launch_app):
    require_chromium()
    app = launch_app()
    async with chromium() as browser:
        page = await browser.new_page()
        await page.goto(f"{app.url}/api/widget.js")  # any page of the app's origin can import it
        got = await page.evaluate(
            """async ([url, cases]) => {
              const w = await import(url);
              return cases.flatMap(([m, s, sport]) => ["metric", "imperial"].map((units) => {
                const family = w.sportFamily(sport);
                return [w.formatDistance(m, units, family), w.formatClock(s), w.formatHoursMinutes(s),
                        w.formatPace(m, s, units, family)];
              }));
            }""",
            [f"{app.url}/api/widget.js", FORMAT_CASES],
        )
    expected = [
        [distance(m, units, sport_family(sport)), clock(s), hours_minutes(s),
         pace_or_speed(m, s, units, sport_family(sport))]
        for m, s, sport in FORMAT_CASES
        for units in (Units.METRIC, Units.IMPERIAL)
    ]  # fmt: skip
    assert got == expected


@pytest.mark.parametrize(("ci", "outcome"), [("", pytest.skip.Exception), ("true", pytest.fail.Exception)])
def test_without_chromium_skip_locally_fail_in_ci(monkeypatch, tmp_path, ci, outcome):
    import tests.e2e.browser as browser

    monkeypatch.setattr(browser, "CHROMIUM", tmp_path / "no-chromium")
    monkeypatch.setenv("CI", ci)
    with pytest.raises(outcome, match="apt-get install -y chromium"):
        browser.require_chromium()


async def test_a_site_that_may_not_read_the_stats_still_loads_the_widget(launch_app):
    require_chromium()
    site_port = free_port()
    app = launch_app()  # CORS_ALLOWED_ORIGINS names another site: the stats are not readable here
    with example_site(site_port, app.url) as site_url:
        async with chromium() as browser:
            page = await browser.new_page()
            await page.goto(site_url)
            status = page.locator("#widget [role=status]")
            await status.wait_for()  # the module loaded (it is served to any origin) and ran
            assert await status.text_content() == "Strava stats could not be loaded."


async def test_a_stale_answer_never_replaces_a_newer_one(launch_app):
    require_chromium()
    app = launch_app()
    async with chromium() as browser:
        page = await browser.new_page()
        await page.goto(f"{app.url}/api/widget.js")
        shown = await page.evaluate(
            """async (url) => {
              await import(url);
              // a fetch that answers when told, even after an abort: the first answer arrives late
              const answers = {};
              window.fetch = (request) => new Promise((resolve) => { answers[String(request)] = resolve; });
              const element = document.createElement("strava-stats");
              document.body.append(element);
              const shown = () => element.shadowRoot.querySelector("[data-field=athlete-name]")?.textContent;
              const status = () => element.shadowRoot.querySelector("[role=status]")?.textContent;
              const nextTask = () => new Promise((resolve) => setTimeout(resolve));
              const seen = [];
              for (const [stale, code] of [["missing", 404], ["broken", 500]]) {
                element.setAttribute("src", `${location.origin}/${stale}`);
                element.setAttribute("src", `${location.origin}/newer-${stale}`);
                answers[`${location.origin}/newer-${stale}`](
                  new Response(JSON.stringify({ athlete: { firstname: `Newer ${stale}` } }), { status: 200 }),
                );
                while (shown() !== `Newer ${stale}`) await nextTask();  // the newer answer is shown
                answers[`${location.origin}/${stale}`](new Response("{}", { status: code }));
                await nextTask();  // a non-OK answer is handled within microtasks
                seen.push(status() ?? shown());
              }
              return seen;
            }""",
            f"{app.url}/api/widget.js",
        )
    assert shown == ["Newer missing", "Newer broken"]

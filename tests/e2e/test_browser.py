"""The example site in headless Chromium, from an origin of its own: the widget shows the snapshot's
numbers, hostile names stay text (no dialog, no injected element), the SVG card renders, quiet
messages for 404 and network errors, and the widget formats like the card. Screenshots in tmp_path."""

from __future__ import annotations

import json
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from loopback.processes import free_port

from card.fields import local_date
from card.units import Units, clock, distance, hours_minutes, pace_or_speed, sport_family
from history.sports import FAMILIES, SPORT_TYPES, canonical
from tests.e2e.browser import chromium, example_site, require_chromium
from tests.e2e.conftest import AppUnderTest
from tests.e2e.embeds import (
    HOSTILE_ACTIVITY,
    HOSTILE_FIRST,
    HOSTILE_LAST,
    Pages,
    assert_shows_totals,
    doc_snippets,
    for_app,
    owner_site,
    site_page,
)
from tests.e2e.webhooks import VERIFY_TOKEN, subscribe

pytestmark = pytest.mark.e2e
# what the widget says instead of the numbers (docs/embedding.md lists the same)
MESSAGES = {
    "noSrc": 'Strava stats: set src to your app\'s stats URL, e.g. src="https://<your-app>/api/widget.json".',
    "noSnapshot": "No Strava stats here yet.",
    "unknownAthlete": "Strava stats: no such athlete at this app; check the athlete id in src.",
    "notFound": "Strava stats: nothing at src (404); check the URL (…/api/widget.json).",
    "forbidden": "These Strava stats are not published.",
    "gone": "These Strava stats are no longer published.",
    "unreachable": "Strava stats could not be reached: check src, and that the app's CORS_ALLOWED_ORIGINS "
    "lists this site.",
}
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


@pytest.mark.slow(15)
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

            # messages that say what to fix: no src, an unknown athlete, no snapshot yet (the app's 404
            # bodies), a path that is not the app's, the app's 403 and 410 (answered by the browser, as
            # this app has one published athlete), and an unreachable app
            for status, error in [(403, "not_published"), (410, "not_connected"), (404, "no_snapshot_yet")]:
                await page.route(f"{app.url}/api/athletes/{status}/widget.json", answer(status, error))

            async def static_host_404(route: Any) -> None:  # a host that answers CORS, not the app
                await route.fulfill(
                    status=404, body="Not Found", headers={"Access-Control-Allow-Origin": "*"}
                )

            await page.route(f"{app.url}/stats/widget.json", static_host_404)
            cases = {
                "no-src": ("", MESSAGES["noSrc"]),
                "not-http": ("ftp://example.com/stats", MESSAGES["noSrc"]),
                "unknown": (f"{app.url}/api/athletes/12/widget.json", MESSAGES["unknownAthlete"]),
                "not-yet": (f"{app.url}/api/athletes/404/widget.json", MESSAGES["noSnapshot"]),
                "wrong-path": (f"{app.url}/stats/widget.json", MESSAGES["notFound"]),
                # the app answers a path it does not have without CORS: to the page, unreachable
                "not-the-app's": (f"{app.url}/api/widgets.json", MESSAGES["unreachable"]),
                "forbidden": (f"{app.url}/api/athletes/403/widget.json", MESSAGES["forbidden"]),
                "lapsed": (f"{app.url}/api/athletes/410/widget.json", MESSAGES["gone"]),
                "offline": (f"http://127.0.0.1:{free_port()}/api/widget.json", MESSAGES["unreachable"]),
            }
            await page.evaluate(
                """(cases) => {
                  for (const [id, [src]] of Object.entries(cases)) {
                    const element = document.createElement("strava-stats");
                    element.id = id;
                    if (src) element.setAttribute("src", src);
                    document.body.append(element);
                  }
                }""",
                cases,
            )
            for name, (_, message) in cases.items():
                status = page.locator(f'[id="{name}"] [role=status]')
                await status.wait_for()
                assert await status.text_content() == message, name
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
    (5_000, 3_000, "Hike"),
    (5_000, 3_000, "Walk"),
    (5_000, 3_000, "Velomobile"),
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


async def test_the_widget_knows_the_same_sports_and_local_dates_as_the_card(launch_app):
    require_chromium()
    app = launch_app()
    names = ["run", "RUN", "trailrun", "Walk", "hike", "yoga", "EMountainBikeRide", "nope", " ski "]
    async with chromium() as browser:
        page = await browser.new_page()
        await page.goto(f"{app.url}/api/widget.js")
        got = await page.evaluate(
            """async ([url, names]) => {
              const w = await import(url);
              const doc = (local, utc) =>
                ({ recent_activities: [{ start_date_local: local, start_date: utc }] });
              return {
                families: w.FAMILIES, sportTypes: w.SPORT_TYPES, canonical: names.map(w.canonicalSport),
                dates: [
                  w.localDate(doc("2026-11-16T18:21:09", "2026-11-16T15:21:09Z"), "2026-11-24T21:38:05Z"),
                  w.localDate(doc("2026-11-16T05:00:00", "2026-11-16T15:00:00Z"), "2026-11-24T05:38:05Z"),
                  w.localDate({}, "2026-11-24T21:38:05Z"),
                  w.localDate({}, "not a date"),
                ],
              };
            }""",
            [f"{app.url}/api/widget.js", names],
        )
    assert got["families"] == {family: list(types) for family, types in FAMILIES.items()}
    assert got["sportTypes"] == list(SPORT_TYPES)
    assert got["canonical"] == [canonical(name) for name in names]
    document = {
        "recent_activities": [
            {"start_date_local": "2026-11-16T18:21:09", "start_date": "2026-11-16T15:21:09Z"}
        ]
    }
    west = {
        "recent_activities": [
            {"start_date_local": "2026-11-16T05:00:00", "start_date": "2026-11-16T15:00:00Z"}
        ]
    }
    assert (
        got["dates"]
        == [
            local_date(document, "2026-11-24T21:38:05Z"),
            local_date(west, "2026-11-24T05:38:05Z"),
            local_date({}, "2026-11-24T21:38:05Z"),
            "",
        ]
        == ["2026-11-25", "2026-11-23", "2026-11-24", ""]
    )


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
            assert await status.text_content() == MESSAGES["unreachable"]


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


# ---- the docs' snippets on an owner's own site (served by the browser itself, at SITE) ----

WIDTHS = [(320, 1), (375, 1), (375, 2), (768, 1), (1280, 1)]  # (CSS px, device pixel ratio)
SHOWN = """() => ({
  width: innerWidth,
  scroll: document.documentElement.scrollWidth,
  overflow: [...document.querySelectorAll("img, strava-stats")]
    .filter((node) => node.getBoundingClientRect().right > innerWidth + 0.5)
    .map((node) => node.outerHTML.slice(0, 80)),
  images: [...document.images]
    .map((img) => [img.complete, img.naturalWidth, Math.round(img.getBoundingClientRect().width)]),
  widgets: [...document.querySelectorAll("strava-stats")].map((w) => {
    const card = w.shadowRoot.querySelector(".card");
    const style = card && getComputedStyle(card);
    return {
      status: w.shadowRoot.querySelector("[role=status]")?.textContent ?? null,
      name: w.shadowRoot.querySelector("[data-field=athlete-name]")?.textContent ?? null,
      radius: style?.borderTopLeftRadius, border: style?.borderTopStyle, padding: style?.paddingTop,
    };
  }),
})"""
READY = """() => [...document.images].every((img) => img.complete)
  && [...document.querySelectorAll("strava-stats")].every((w) => w.shadowRoot?.querySelector(".card"))"""


async def wait_ready(page: Any) -> None:
    """Until every image has loaded and every widget drew its card; on a timeout, what the page shows."""
    try:
        await page.wait_for_function(READY, timeout=20_000)
    except Exception as error:
        raise AssertionError(await page.evaluate(SHOWN)) from error


async def published_app(
    launch_app: Callable[..., AppUnderTest], site: str, **settings: str
) -> tuple[AppUnderTest, int]:
    app = launch_app(CORS_ALLOWED_ORIGINS=site, **settings)
    await app.connect()
    athlete_id = app.athlete_ids()[0]
    await app.wait_for_history(athlete_id)
    await app.wait_for("/api/widget.json")
    return app, athlete_id


@pytest.mark.slow(25)
async def test_every_docs_snippet_fits_phones_and_desktops(launch_app, tmp_path: Path):
    require_chromium()
    pages: Pages = {}
    with owner_site(pages) as site:
        app, athlete_id = await published_app(launch_app, site)
        snippets = [for_app(snippet, app.url, athlete_id) for snippet in doc_snippets()]
        pages.update({f"/{index}": (site_page(snippet), {}) for index, snippet in enumerate(snippets)})
        await snippets_fit(site, snippets, tmp_path)


async def snippets_fit(site: str, snippets: list[str], tmp_path: Path) -> None:
    assert len(snippets) >= 7
    assert any("<picture>" in snippet for snippet in snippets)  # GitHub's dark mode
    assert any('<a href="https://www.strava.com/athletes/' in snippet for snippet in snippets)
    async with chromium() as browser:
        for width, scale in WIDTHS:
            context = await browser.new_context(
                viewport={"width": width, "height": 800}, device_scale_factor=scale
            )
            page = await context.new_page()
            errors: list[Any] = []
            page.on("pageerror", lambda error, errors=errors: errors.append(error))
            for index in range(len(snippets)):
                await page.goto(f"{site}/{index}")
                await wait_ready(page)
                shown = await page.evaluate(SHOWN)
                where = (index, width, scale, snippets[index][:60])
                assert shown["scroll"] <= shown["width"], where  # no sideways scrolling
                assert shown["overflow"] == [], where
                assert all(done and natural > 0 for done, natural, _ in shown["images"]), where
                for img_width in (w for _, _, w in shown["images"]):
                    assert img_width >= min(width - 40, 500) - 2, where  # as wide as it may be, not tiny
                for widget in shown["widgets"]:
                    assert widget["status"] is None and widget["name"], where
                    assert (widget["radius"], widget["border"]) == ("8px", "solid"), where
                await page.screenshot(
                    path=tmp_path / f"snippet-{index}-{width}px@{scale}x.png", full_page=True
                )
            assert errors == []
            await context.close()


async def test_the_widget_keeps_its_styling_under_a_strict_csp(launch_app, tmp_path: Path):
    require_chromium()
    pages: Pages = {}
    with owner_site(pages) as site:
        app, athlete_id = await published_app(launch_app, site)
        await strict_csp_page(site, pages, app.url, athlete_id, tmp_path)


async def strict_csp_page(site: str, pages: Pages, app_url: str, athlete_id: int, tmp_path: Path) -> None:
    [policy] = doc_snippets("text")
    name, _, value = for_app(policy, app_url, athlete_id).strip().partition(": ")
    assert name == "Content-Security-Policy" and "unsafe-inline" not in value
    widgets = [for_app(s, app_url, athlete_id) for s in doc_snippets() if "<strava-stats" in s]
    card = f'<img id="card" src="{app_url}/api/card.svg" alt="My Strava stats">'
    pages["/"] = (site_page("".join(widgets) + card), {name: value})
    async with chromium() as browser:
        page = await browser.new_page(viewport={"width": 600, "height": 900})
        await page.add_init_script(
            """window.violations = [];
            document.addEventListener("securitypolicyviolation",
              (event) => window.violations.push(`${event.violatedDirective} ${event.blockedURI}`));"""
        )
        await page.goto(f"{site}/")
        await wait_ready(page)
        shown = await page.evaluate(SHOWN)
        await page.screenshot(path=tmp_path / "strict-csp.png", full_page=True)
        assert await page.evaluate("window.violations") == []
        assert len(shown["widgets"]) == len(widgets) >= 3  # the docs' widgets, the map block's too
        for widget in shown["widgets"]:
            assert widget["name"] and widget["status"] is None
            assert (widget["radius"], widget["border"], widget["padding"]) == ("8px", "solid", "16px")
        assert shown["images"][0][:2] == [True, 500]
        # the policy does bite: an inline <style> in the same page is refused
        refused = await page.evaluate(
            """() => { const s = document.createElement("style"); s.textContent = "h1{color:red}";
                 document.head.append(s); return getComputedStyle(document.querySelector("h1")).color; }"""
        )
        assert refused != "rgb(255, 0, 0)"


async def test_many_widgets_fetch_each_src_once_and_read_the_light_document(launch_app):
    require_chromium()
    pages: Pages = {}
    with owner_site(pages) as site:
        app, athlete_id = await published_app(launch_app, site)
        fetched, shown = await widgets_of_one_page(site, pages, app.url, athlete_id)
    light = f"{app.url}/api/widget.json"
    assert all(widget["name"] for widget in shown["widgets"])
    assert sorted(fetched) == sorted(
        [f"{app.url}/api/widget.js", light, f"{app.url}/api/athletes/{athlete_id}/widget.json"]
    )


async def widgets_of_one_page(
    site: str, pages: Pages, app_url: str, athlete_id: int
) -> tuple[list[str], dict[str, Any]]:
    light = f"{app_url}/api/widget.json"
    body = (
        f'<script type="module" src="{app_url}/api/widget.js"></script>'
        f'<strava-stats src="{light}"></strava-stats>'
        f'<strava-stats src="{light}" theme="dark" sports="walk,run"></strava-stats>'
        f'<strava-stats src="{light}" blocks="recent"></strava-stats>'
        f'<strava-stats src="{app_url}/api/athletes/{athlete_id}/widget.json"></strava-stats>'
    )
    pages["/"] = (site_page(body), {})
    async with chromium() as browser:
        page = await browser.new_page()
        fetched: list[str] = []
        page.on("request", lambda request: fetched.append(request.url) if "/api/" in request.url else None)
        await page.goto(f"{site}/")
        await wait_ready(page)
        shown: dict[str, Any] = await page.evaluate(SHOWN)
    return fetched, shown


PIXEL = """async ([selector, x, y]) => {
  const img = document.querySelector(selector);
  await img.decode();
  const canvas = document.createElement("canvas");
  [canvas.width, canvas.height] = [img.naturalWidth, img.naturalHeight];
  const context = canvas.getContext("2d");
  context.drawImage(img, 0, 0);
  return [...context.getImageData(x, y, 1, 1).data.slice(0, 3)];
}"""


@pytest.mark.slow(12)
async def test_theme_auto_follows_the_visitors_dark_mode_in_an_image(launch_app, tmp_path: Path):
    require_chromium()
    pages: Pages = {}
    with owner_site(pages) as site:
        app, _ = await published_app(launch_app, site)
        images = "".join(
            f'<img id="{theme}" crossorigin="anonymous" src="{app.url}/api/card.svg?theme={theme}" alt="">'
            for theme in ("auto", "light", "dark")
        )
        pages["/"] = (site_page(images), {})
        seen = {}
        async with chromium() as browser:
            for scheme in ("light", "dark"):
                page = await browser.new_page(color_scheme=scheme)
                await page.goto(f"{site}/")
                await wait_ready(page)
                seen[scheme] = {
                    theme: await page.evaluate(PIXEL, [f"#{theme}", 10, 10])
                    for theme in ("auto", "light", "dark")
                }
                await page.screenshot(path=tmp_path / f"theme-auto-{scheme}.png", full_page=True)
                await page.close()
    assert seen["light"]["light"] == [255, 255, 255] and seen["light"]["dark"] == [0x1B, 0x1B, 0x1F]
    assert seen["light"]["auto"] == seen["light"]["light"]
    assert seen["dark"]["auto"] == seen["dark"]["dark"]  # the visitor prefers dark: the dark card


WIDGET_LATEST = """() => document.querySelector("strava-stats").shadowRoot
  .querySelector("[data-field=latest-name]")?.textContent"""


@pytest.mark.slow(55)
async def test_a_returning_visitor_sees_a_new_activity_within_90_s_with_the_default_settings(
    launch_app, tmp_path: Path
):
    """Default debounce, cache lifetime and revalidation: a visitor who keeps coming back sees an
    activity created on Strava on the widget and the card within 90 s."""
    require_chromium()
    pages: Pages = {}
    with owner_site(pages) as site:
        app, athlete_id = await published_app(launch_app, site, STRAVA_WEBHOOK_VERIFY_TOKEN=VERIFY_TOKEN)
        await subscribe(app)
        card = next(s for s in doc_snippets() if s.startswith("<img"))
        widget = next(s for s in doc_snippets() if "<strava-stats" in s)
        pages["/"] = (site_page(for_app(card + widget, app.url, athlete_id)), {})
        async with chromium() as browser:
            page = await browser.new_page()  # one visitor, one browser cache
            cards: list[bytes] = []  # the card as the page's image got it (network or HTTP cache)

            async def card_body(response: Any) -> None:
                if "/api/card.svg" in response.url and response.status == 200:
                    cards.append(await response.body())

            page.on("response", card_body)
            await page.goto(f"{site}/")
            await wait_ready(page)  # the first visit fills the visitor's cache
            name = "Fresh from Strava"
            created = time.monotonic()
            app.emulator.create_activity(athlete_id, name=name, sport_type="Run", distance=8000.0)
            deadline, visits, in_api = created + 90, 0, None
            while True:
                await page.goto(f"{site}/")  # the visitor comes back
                await wait_ready(page)
                visits += 1
                widget_shows = await page.evaluate(WIDGET_LATEST) == name
                card_shows = bool(cards) and f">{name}<".encode() in cards[-1]
                if in_api is None:
                    _, _, light = await app.request("GET", "/api/widget.json")
                    in_api = time.monotonic() - created if name in light else None
                if widget_shows and card_shows:
                    break
                assert time.monotonic() < deadline, (
                    f"not shown after 90 s: widget {widget_shows}, card {card_shows}"
                )
                await page.wait_for_timeout(1000)  # a visitor's next visit, a second later
            seen = time.monotonic() - created
            await page.screenshot(path=tmp_path / "fresh.png", full_page=True)
    print(f"new activity: in the API after {in_api:.1f} s, on the page after {seen:.1f} s ({visits} visits)")
    assert seen < 90

"""Helpers of the embed tests: the numbers a card or widget shows, checked against the snapshot's."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from loopback.processes import free_port

from card.units import METRES_PER_MILE

HOSTILE_FIRST = "<script>alert(1)</script>"
HOSTILE_LAST = '"><img src=x onerror=alert(1)>'
HOSTILE_ACTIVITY = '"><img src=x onerror=alert(1)><script>alert(2)</script>'
PERIODS = ("ytd", "all", "recent")
UNIT_METRES = {"km": 1000.0, "mi": METRES_PER_MILE, "m": 1.0, "yd": 0.9144}


def shown_number(text: str) -> tuple[float, str]:
    """``"1,235 km"`` -> ``(1235.0, "km")``."""
    match = re.fullmatch(r"([\d,]+(?:\.\d+)?) (km|mi|m|yd)", text)
    assert match, f"not a distance: {text!r}"
    return float(match.group(1).replace(",", "")), match.group(2)


def assert_shows_totals(shown: dict[str, str], snapshot: dict[str, Any], sports: tuple[str, ...]) -> int:
    """Every ``<period>-<sport>-distance`` and ``-detail`` shown matches the snapshot; returns how many."""
    checked = 0
    for period in PERIODS:
        for sport in sports:
            key = f"{period}-{sport}"
            if f"{key}-distance" not in shown:
                continue
            totals = snapshot["stats"]["totals"][period][sport]
            value, unit = shown_number(shown[f"{key}-distance"])
            step = UNIT_METRES[unit] * (0.1 if "." in shown[f"{key}-distance"] else 1.0)
            assert abs(value * UNIT_METRES[unit] - totals["distance_m"]) <= step / 2 + 1e-6, key
            count = int(shown[f"{key}-detail"].split(" ")[0].replace(",", ""))
            assert count == totals["count"], (key, shown[f"{key}-detail"])
            checked += 1
    return checked


DOCS = Path(__file__).resolve().parents[2] / "docs" / "embedding.md"
PLACEHOLDER_APP = "https://<your-app>.azurewebsites.net"
PLACEHOLDER_ATHLETE = "<athlete-id>"
Pages = dict[str, tuple[str, dict[str, str]]]  # path -> (HTML, extra headers)


def doc_snippets(language: str = "html") -> list[str]:
    """The fenced ``language`` blocks of docs/embedding.md, in order, as the docs show them."""
    return re.findall(rf"^```{language}\n(.*?)^```$", DOCS.read_text(encoding="utf-8"), re.M | re.S)


def for_app(snippet: str, app_url: str, athlete_id: int) -> str:
    """A snippet with the placeholders filled in, as a site owner pastes it."""
    return snippet.replace(PLACEHOLDER_APP, app_url).replace(PLACEHOLDER_ATHLETE, str(athlete_id))


def site_page(body: str, title: str = "My site") -> str:
    """A plain phone-ready page of a static site, with ``body``."""
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{title}</title></head>"
        f"<body><h1>{title}</h1>{body}</body></html>"
    )


@contextmanager
def owner_site(pages: Pages) -> Iterator[str]:
    """A static site of ``pages`` on a loopback origin of its own (Chromium lets only a loopback or
    secure page reach the loopback app); yields its base URL."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body, headers = pages.get(self.path, ("not found", {}))
            data = body.encode()
            self.send_response(200 if self.path in pages else 404)
            for name, value in {"Content-Type": "text/html; charset=utf-8", **headers}.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()

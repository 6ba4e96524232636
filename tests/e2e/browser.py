"""Headless Chromium for the browser tests: Debian's ``chromium`` driven by Playwright, never a browser
that Playwright downloads. Without it the tests skip, except under ``CI=true``, where they fail."""

from __future__ import annotations

import os
import threading
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path(os.environ.get("CHROMIUM_PATH") or "/usr/bin/chromium")  # Debian's; or another build
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
HOW_TO_ENABLE = (
    "browser tests need Debian's chromium and the playwright package: "
    "`apt-get update && apt-get install -y chromium`, then `make install` (.ci/run does both)"
)


def require_chromium() -> None:
    """Skip (fail under CI=true) when Chromium or Playwright is missing."""
    try:
        import playwright.async_api  # noqa: F401
    except ImportError:
        missing = True
    else:
        missing = not CHROMIUM.exists()
    if missing:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"CI=true: {HOW_TO_ENABLE}")
        pytest.skip(HOW_TO_ENABLE)


@asynccontextmanager
async def chromium() -> AsyncIterator[Any]:
    """A headless Chromium browser; no network traffic beyond what the pages ask of 127.0.0.1."""
    require_chromium()
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            yield browser
        finally:
            await browser.close()


@contextmanager
def example_site(port: int, api: str) -> Iterator[str]:
    """examples/site served by devstack's site server on its own origin; yields the page's URL."""
    from devstack.site import serve

    server = serve(port, api)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()

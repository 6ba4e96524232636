"""HTTP responses of the app: JSON for APIs, small HTML pages for the browser-facing OAuth flow."""

from __future__ import annotations

import functools
import html
import json
import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, ParamSpec

import azure.functions as func

from storage import StorageError

log = logging.getLogger(__name__)
P = ParamSpec("P")

JSON = "application/json"
NO_STORE = {"Cache-Control": "no-store"}
NOSNIFF = {"X-Content-Type-Options": "nosniff"}  # every answer: a browser never guesses another type
STORAGE_RETRY_AFTER_S = 5


def json_response(
    body: Any, status: int = 200, headers: Mapping[str, str] | None = None
) -> func.HttpResponse:
    return func.HttpResponse(
        json.dumps(body, ensure_ascii=False, separators=(",", ":")),
        status_code=status,
        headers={"Content-Type": f"{JSON}; charset=utf-8", **NOSNIFF, **(headers or {})},
    )


def error_response(
    status: int, error: str, message: str, headers: Mapping[str, str] | None = None
) -> func.HttpResponse:
    """A 4xx JSON error: ``{"error": "<code>", "message": "<what to do>"}``."""
    return json_response({"error": error, "message": message}, status, {**NO_STORE, **(headers or {})})


def html_page(
    status: int, title: str, paragraphs: list[str], links: list[tuple[str, str]] | None = None
) -> func.HttpResponse:
    """A minimal page for people in a browser; every text and link is escaped."""
    body = "".join(f"<p>{html.escape(text)}</p>" for text in paragraphs)
    body += "".join(
        f'<p><a href="{html.escape(href, quote=True)}">{html.escape(label)}</a></p>'
        for href, label in links or []
    )
    page = (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{html.escape(title)}</title>"
        "<style>body{font-family:system-ui,sans-serif;max-width:36rem;margin:3rem auto;padding:0 1rem;"
        "line-height:1.5}a{color:#fc4c02}</style></head>"
        f"<body><h1>{html.escape(title)}</h1>{body}</body></html>"
    )
    headers = {
        "Content-Type": "text/html; charset=utf-8",
        "Referrer-Policy": "no-referrer",
        **NOSNIFF,
        **NO_STORE,
    }
    return func.HttpResponse(page, status_code=status, headers=headers)


def redirect(location: str) -> func.HttpResponse:
    return func.HttpResponse(status_code=302, headers={"Location": location, **NO_STORE})


def storage_unavailable(page: bool = False) -> func.HttpResponse:
    """503 + Retry-After: Table Storage failed or did not answer in time (JSON, or a page)."""
    retry = {"Retry-After": str(STORAGE_RETRY_AFTER_S)}
    if page:
        response = html_page(503, "Try again shortly", ["This app's storage is unavailable right now."])
        response.headers.update(retry)
        return response
    message = "This app's storage is unavailable right now; try again after Retry-After seconds."
    return error_response(503, "storage_unavailable", message, retry)


def storage_failure_is_503(
    page: bool = False,
) -> Callable[[Callable[P, Awaitable[func.HttpResponse]]], Callable[P, Awaitable[func.HttpResponse]]]:
    """Decorate an HTTP handler (the body ``api/functions.py`` calls): a storage error it does not
    handle answers 503 + Retry-After (a page for browser routes), never a 500; the log names the
    error's type only."""

    def decorate(
        handler: Callable[P, Awaitable[func.HttpResponse]],
    ) -> Callable[P, Awaitable[func.HttpResponse]]:
        @functools.wraps(handler)  # keeps its name (the log) and signature
        async def guarded(*args: P.args, **kwargs: P.kwargs) -> func.HttpResponse:
            try:
                return await handler(*args, **kwargs)
            except StorageError as error:
                log.warning("%s: storage failed (%s); answered 503", handler.__name__, type(error).__name__)
                return storage_unavailable(page)

        return guarded

    return decorate

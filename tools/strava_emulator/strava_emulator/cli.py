"""Command line: ``python -m strava_emulator --port PORT [flags]`` (the flags: ``flags.py``)."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from aiohttp import web
from aiohttp.abc import AbstractAccessLogger
from aiohttp.web_request import BaseRequest
from aiohttp.web_response import StreamResponse

from strava_emulator.app import build_app
from strava_emulator.flags import config_from, parser


class PathOnlyAccessLogger(AbstractAccessLogger):
    """Logs method, path (never the query string, which may hold tokens), status and time."""

    def log(self, request: BaseRequest, response: StreamResponse, time: float) -> None:
        self.logger.info("%s %s -> %s (%.1f ms)", request.method, request.path, response.status, time * 1000)


def main(argv: Sequence[str] | None = None) -> None:
    args = parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    app = build_app(config_from(args))
    url = f"http://{args.host}:{args.port}"
    web.run_app(
        app,
        host=args.host,
        port=args.port,
        print=lambda _: print(f"strava-emulator listening on {url}", flush=True),
        access_log_class=PathOnlyAccessLogger,
    )

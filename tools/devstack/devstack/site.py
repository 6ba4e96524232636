"""`python -m devstack.site`: serve the example site (examples/site) on its own loopback origin.

The pages name the demo's default app, http://127.0.0.1:7071; with ``--api`` another one, so the demo
on other ports (and the browser tests) serve the same files unchanged on disk.
"""

from __future__ import annotations

import argparse
import functools
from collections.abc import Sequence
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from loopback.processes import LOOPBACK

from devstack.stack import PROJECT_ROOT

SITE_DIR = PROJECT_ROOT / "examples" / "site"
DEFAULT_API = "http://127.0.0.1:7071"


class SiteHandler(SimpleHTTPRequestHandler):
    """Static files of one folder; HTML pages get ``api`` in place of the default app URL."""

    def __init__(self, *args: object, api: str, directory: str) -> None:
        self.api = api
        super().__init__(*args, directory=directory)  # type: ignore[arg-type]

    def do_GET(self) -> None:
        path = Path(self.translate_path(self.path))
        if path.is_dir():
            path = path / "index.html"
        if path.suffix != ".html" or not path.is_file():
            super().do_GET()
            return
        body = path.read_text().replace(DEFAULT_API, self.api).encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        print(f"site: {format % args}", flush=True)


def serve(port: int, api: str, directory: Path = SITE_DIR) -> ThreadingHTTPServer:
    handler = functools.partial(SiteHandler, api=api.rstrip("/"), directory=str(directory))
    return ThreadingHTTPServer((LOOPBACK, port), handler)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m devstack.site", description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=8080, help="port on 127.0.0.1 (default %(default)s)")
    parser.add_argument("--api", default=DEFAULT_API, help="the app's base URL (default %(default)s)")
    parser.add_argument("--dir", type=Path, default=SITE_DIR, help="the folder to serve")
    args = parser.parse_args(argv)
    server = serve(args.port, args.api, args.dir)
    print(f"example site listening on http://{LOOPBACK}:{server.server_port}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()

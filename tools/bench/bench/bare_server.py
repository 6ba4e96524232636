"""``python -m bench.bare_server PORT RESPONSE.json``: a bare aiohttp server that answers every GET with
one recorded response (status, headers, body), the baseline the read-path benchmark compares with."""

from __future__ import annotations

import base64
import json
import sys
from pathlib import Path

from aiohttp import web


def main() -> None:
    port, recorded = int(sys.argv[1]), json.loads(Path(sys.argv[2]).read_text())
    body, headers = base64.b64decode(recorded["body"]), recorded["headers"]

    async def answer(_request: web.Request) -> web.Response:
        return web.Response(status=recorded["status"], body=body, headers=headers)

    app = web.Application()
    app.router.add_get("/{tail:.*}", answer)
    web.run_app(app, host="127.0.0.1", port=port, access_log=None, print=None)


if __name__ == "__main__":
    main()

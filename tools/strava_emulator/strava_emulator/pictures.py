"""Profile pictures served by the emulator, so demo pages never reach the internet."""

from __future__ import annotations

import struct
import zlib

from aiohttp import web

routes = web.RouteTableDef()


def solid_png(size: int, rgb: tuple[int, int, int]) -> bytes:
    """A ``size`` x ``size`` PNG of one colour."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    row = b"\x00" + bytes(rgb) * size
    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(row * size))
        + chunk(b"IEND", b"")
    )


@routes.get(r"/pictures/athletes/{athlete_id:\d+}/{size:large|medium}.png")
async def picture(request: web.Request) -> web.Response:
    athlete_id = int(request.match_info["athlete_id"])
    size = 124 if request.match_info["size"] == "large" else 62
    colour = (athlete_id % 200 + 30, athlete_id // 7 % 200 + 30, athlete_id // 49 % 200 + 30)
    return web.Response(body=solid_png(size, colour), content_type="image/png")

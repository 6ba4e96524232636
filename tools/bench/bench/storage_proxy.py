"""A TCP proxy in front of Azurite that counts the HTTP requests made to the app's tables."""

from __future__ import annotations

import asyncio
import threading
from collections import Counter
from contextlib import suppress

from loopback.processes import LOOPBACK


class StorageProxy:
    """Forwards ``port`` to Azurite's ``target`` port; ``counts[(method, table)]`` per request seen."""

    def __init__(self, port: int, target: int, table_prefix: str) -> None:
        self.port, self.target, self.prefix = port, target, table_prefix
        self.counts: Counter[tuple[str, str]] = Counter()
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, name="storage-proxy", daemon=True)

    def start(self) -> None:
        self._thread.start()
        self._ready.wait(10)

    def reads(self) -> int:
        return sum(n for (method, _table), n in self.counts.items() if method == "GET")

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        server = self._loop.run_until_complete(asyncio.start_server(self._serve, LOOPBACK, self.port))
        self._ready.set()
        with suppress(RuntimeError):
            self._loop.run_forever()
        server.close()

    async def _serve(self, client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        upstream_reader, upstream_writer = await asyncio.open_connection(LOOPBACK, self.target)
        await asyncio.gather(
            self._requests(client_reader, upstream_writer),
            self._pipe(upstream_reader, client_writer),
            return_exceptions=True,
        )
        client_writer.close()
        upstream_writer.close()

    async def _requests(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """Forward request by request (head, then Content-Length bytes of body), counting each."""
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            method, path = head.split(b" ", 2)[:2]
            table = (
                path.split(b"/")[2].split(b"(")[0].split(b"?")[0].decode() if path.count(b"/") >= 2 else ""
            )
            if table.lower().startswith(self.prefix.lower()):
                self.counts[(method.decode(), table)] += 1
            length = 0
            for line in head.split(b"\r\n")[1:]:
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value)
            writer.write(head + (await reader.readexactly(length) if length else b""))
            await writer.drain()

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
        writer.close()

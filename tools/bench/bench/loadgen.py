"""A small HTTP/1.1 load generator on raw asyncio streams (keep-alive, one request in flight per
connection), light enough that a 2-core machine measures the server rather than the client."""

from __future__ import annotations

import asyncio
import statistics
import time
from collections import Counter
from dataclasses import dataclass, field


def request_bytes(host: str, port: int, path: str, headers: dict[str, str]) -> bytes:
    lines = [
        f"GET {path} HTTP/1.1",
        f"Host: {host}:{port}",
        *(f"{k}: {v}" for k, v in headers.items()),
        "",
        "",
    ]
    return "\r\n".join(lines).encode()


class Connection:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    @classmethod
    async def open(cls, host: str, port: int) -> Connection:
        reader, writer = await asyncio.open_connection(host, port, limit=1 << 20)
        return cls(reader, writer)

    async def roundtrip(self, request: bytes) -> int:
        """Send one request, read the whole response; returns its status."""
        self.writer.write(request)
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head[9:12])
        length = 0
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
        if length:
            await self.reader.readexactly(length)
        return status

    def close(self) -> None:
        self.writer.close()


@dataclass
class Result:
    seconds: float
    latencies: list[float] = field(default_factory=list)  # seconds, from the scheduled send time
    statuses: Counter[int] = field(default_factory=Counter)

    @property
    def count(self) -> int:
        return len(self.latencies)

    @property
    def rate(self) -> float:
        return self.count / self.seconds

    def percentile(self, p: float) -> float:
        return statistics.quantiles(self.latencies, n=1000)[int(p * 10) - 1] if self.count > 1 else 0.0


async def closed_loop(host: str, port: int, request: bytes, connections: int, seconds: float) -> Result:
    """Throughput: ``connections`` clients, each sending its next request as soon as one is answered."""
    pool = [await Connection.open(host, port) for _ in range(connections)]
    started = time.perf_counter()
    deadline = started + seconds
    result = Result(seconds)

    async def client(connection: Connection) -> None:
        while (now := time.perf_counter()) < deadline:
            result.statuses[await connection.roundtrip(request)] += 1
            result.latencies.append(time.perf_counter() - now)

    await asyncio.gather(*(client(c) for c in pool))
    result.seconds = time.perf_counter() - started
    for connection in pool:
        connection.close()
    return result


async def open_loop(
    host: str, port: int, request: bytes, rate: float, seconds: float, connections: int = 64
) -> Result:
    """Latency at a fixed arrival rate: request i is due at ``i / rate``, whether or not earlier ones
    were answered, and its latency counts from that due time (no coordinated omission)."""
    idle: asyncio.Queue[Connection] = asyncio.Queue()
    for _ in range(connections):
        idle.put_nowait(await Connection.open(host, port))
    loop = asyncio.get_running_loop()
    result = Result(seconds)
    start = loop.time() + 0.05

    async def one(due: float) -> None:
        connection = await idle.get()
        result.statuses[await connection.roundtrip(request)] += 1
        result.latencies.append(loop.time() - due)
        idle.put_nowait(connection)

    tasks = []
    for i in range(int(rate * seconds)):
        due = start + i / rate
        if (delay := due - loop.time()) > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(due)))
    await asyncio.gather(*tasks)
    while not idle.empty():
        idle.get_nowait().close()
    return result

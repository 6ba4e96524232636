"""A cold public read while table storage is down: ``python -m bench.storage_outage``.

The app's own read path (``PublicReadCache.default_athlete``, what ``GET /api/stats`` asks first) runs
against two outages on loopback: a port that refuses connections, and a server that accepts and never
answers; on a new instance ("cold": its first call creates the table, a POST, which azure-core does not
retry after a transport error) and on one that has used the table before ("warm": a GET, retried). Each
storage policy of ``storage/retry.py`` is timed against the SDK's defaults (what the app used before it
configured them); the figure is how long the read takes to fail, so the endpoint can answer (the stale
copy, or 503). Medians of a few rounds.
"""

from __future__ import annotations

import asyncio
import socket
import statistics
import time
from contextlib import closing, suppress
from typing import Any

from loopback.azurite import azurite_connection_string as connection_string
from loopback.processes import LOOPBACK, free_port

from read_cache import PublicReadCache
from storage import SnapshotStore, StorageError, TableService, TokenStore
from storage.retry import INTERACTIVE_POLICY, STORAGE_POLICY, StoragePolicy

CAP_S = 30.0  # a read still waiting then is reported as "> 30 s"


async def silent_server() -> tuple[asyncio.Server, int]:
    """Accepts connections and never answers."""
    held: list[asyncio.StreamWriter] = []

    async def hold(_: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        held.append(writer)

    server = await asyncio.start_server(hold, LOOPBACK, 0)
    return server, server.sockets[0].getsockname()[1]


def refused_port() -> int:
    port = free_port()
    with closing(socket.socket()) as probe:
        assert probe.connect_ex((LOOPBACK, port)) != 0
    return port


class SdkDefaults(StoragePolicy):
    """No retry or timeout option passed: the SDK's own (10 retries, 3 on connection errors, backoff
    0.8 s, 300 s timeouts)."""

    def sdk_options(self) -> dict[str, Any]:
        return {}


SDK_DEFAULTS = SdkDefaults(
    attempts=4, backoff_s=0.8, max_backoff_s=120, connect_timeout_s=300, read_timeout_s=300
)


async def failed_read(port: int, policy: StoragePolicy, warm: bool) -> float:
    """Seconds until a public read fails (capped)."""
    tables = TableService.from_connection_string(connection_string(port), policy)
    if warm:  # the table was created before the outage: seed the service's cache, as its first use would
        for name in ("benchTokens", "benchSnapshots"):
            tables._tables[name] = tables._client.get_table_client(name)
    cache = PublicReadCache(TokenStore(tables, "benchTokens"), SnapshotStore(tables, "benchSnapshots"), 5)
    started = time.perf_counter()
    with suppress(StorageError, TimeoutError):
        await asyncio.wait_for(cache.default_athlete(), CAP_S)
    elapsed = time.perf_counter() - started
    current = asyncio.current_task()
    for task in asyncio.all_tasks():  # the read cache's refill the cap cut short, still waiting
        if task is not current:
            task.cancel()
    with suppress(Exception):
        await asyncio.wait_for(tables.close(), 5)
    return elapsed


async def run(rounds: int) -> None:
    # a read the cap cut short leaves the read cache's shared refill to fail later, unawaited: not news
    asyncio.get_running_loop().set_exception_handler(lambda loop, context: None)
    server, silent = await silent_server()
    outages = {"refused": refused_port(), "no answer": silent}
    policies: dict[str, StoragePolicy] = {
        "SDK defaults (before)": SDK_DEFAULTS,
        "STORAGE_POLICY": STORAGE_POLICY,
        "INTERACTIVE_POLICY (public reads)": INTERACTIVE_POLICY,
    }
    print(f"cold public read during a storage outage, median of {rounds} (capped at {CAP_S:.0f} s)")
    for outage, port in outages.items():
        for warm in (False, True):
            for label, policy in policies.items():
                slow = policy is SDK_DEFAULTS and outage == "no answer"  # each round takes the cap
                times = [await failed_read(port, policy, warm) for _ in range(1 if slow else rounds)]
                median = statistics.median(times)
                shown = f"> {CAP_S:.0f} s" if median >= CAP_S else f"{median:6.3f} s"
                bound = "" if policy is SDK_DEFAULTS else f"(bound {policy.give_up_after_s:.2f} s)"
                state = "warm" if warm else "cold"
                print(f"  {outage:<10} {state}  {label:<34} {shown}  {bound}")
    server.close()


def main(rounds: int = 3) -> None:
    asyncio.run(run(rounds))


if __name__ == "__main__":
    main()

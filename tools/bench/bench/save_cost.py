"""What one snapshot save costs in storage: calls and entities read and written, on a 5,000-activity
history in Azurite, for the save after a webhook (one new activity stored) and for an unchanged save.

``python -m bench.save_cost``. Counts, not timings: the storage calls are counted where the app makes
them (every method of ``storage.tables.CheckedTable``), so the figures do not depend on the machine.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import tempfile
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from loopback.azurite import azurite_connection_string, start_azurite
from loopback.processes import free_port

HISTORY = 5_000
SPORTS = ("Run", "Ride", "Swim", "Walk", "Hike", "Yoga")
T0 = datetime(2026, 12, 1, 18, 0, tzinfo=timezone.utc)


def public_activity(activity_id: int, start: datetime, rng: random.Random) -> dict[str, Any]:
    """An activity as the privacy filter publishes it (the store's shape)."""
    return {
        "id": activity_id,
        "name": f"Activity {activity_id}",
        "sport_type": rng.choice(SPORTS),
        "start_date": start.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "start_date_local": (start + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%S"),
        "timezone": "(GMT+01:00) Europe/Rome",
        "distance_m": round(rng.uniform(1_000, 80_000), 1),
        "moving_time_s": rng.randint(600, 14_400),
        "elapsed_time_s": rng.randint(600, 16_000),
        "elevation_gain_m": round(rng.uniform(0, 1_500), 1),
        "average_speed_mps": 3.1,
        "max_speed_mps": 6.2,
        "average_heartrate_bpm": None,
        "average_watts": None,
        "kudos_count": 3,
        "achievement_count": 0,
        "trainer": False,
        "commute": False,
        "visibility": "everyone",
        "url": f"https://www.strava.com/activities/{activity_id}",
    }


def document(generated_at: datetime) -> dict[str, Any]:
    return {
        "schema_version": 1,
        "generated_at": generated_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "athlete": {"id": 42, "firstname": "Bench"},
        "stats": {"totals": {}},
        "attribution": {"text": "Powered by Strava", "url": "https://www.strava.com"},
    }


class Count:
    """Storage calls and entities, per CheckedTable method, while counting is on."""

    def __init__(self) -> None:
        self.calls: Counter[str] = Counter()
        self.read = 0
        self.written = 0

    def line(self) -> str:
        calls = ", ".join(f"{name} {n}" for name, n in sorted(self.calls.items()))
        return (
            f"{sum(self.calls.values())} calls ({calls}); {self.read} entities read, {self.written} written"
        )


@contextmanager
def counting() -> Iterator[Count]:
    from storage.tables import CheckedTable

    count = Count()
    originals = {
        name: getattr(CheckedTable, name)
        for name in ("get", "query", "insert", "upsert", "update", "delete", "submit")
    }

    def wrap(name: str, method: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
        async def counted(self: Any, *args: Any, **kwargs: Any) -> Any:
            result = await method(self, *args, **kwargs)
            count.calls[name] += 1
            if name == "get":
                count.read += result is not None
            elif name == "query":
                count.read += len(result)
            elif name == "submit":
                count.written += len(args[0])
            else:
                count.written += 1
            return result

        return counted

    for name, method in originals.items():
        setattr(CheckedTable, name, wrap(name, method))
    try:
        yield count
    finally:
        for name, method in originals.items():
            setattr(CheckedTable, name, method)


def environment(connection: str, table_prefix: str = "bench") -> dict[str, str]:
    """The app's settings for a save against ``connection``."""
    return {
        "AzureWebJobsStorage": connection,
        "STRAVA_CLIENT_ID": "12345",
        "STRAVA_CLIENT_SECRET": "bench",
        "TABLE_PREFIX": table_prefix,
    }


async def measure() -> tuple[Count, Count, dict[str, Any]]:
    """Counts of the save after a webhook and of an unchanged save (the app's settings from the
    environment), and the saved document."""
    import services
    from activities.snapshots import save_snapshot as save

    svc = services.services()
    rng = random.Random(7)
    athlete = 42
    starts = sorted(T0 - timedelta(days=rng.uniform(1, 3_650)) for _ in range(HISTORY))
    history = [public_activity(1_000_000 + n, start, rng) for n, start in enumerate(starts)]
    await svc.activities.put(athlete, history, "scan-1")
    await save({"athlete_id": athlete, "snapshot": document(T0)})
    new = public_activity(9_000_000, T0 - timedelta(hours=2), rng)
    await svc.activities.put(athlete, [new], "scan-1")  # what the webhook's refresh stored
    with counting() as after_webhook:
        result = await save({"athlete_id": athlete, "snapshot": document(T0 + timedelta(minutes=1))})
    assert result["saved"], "the new activity must change the snapshot"
    with counting() as unchanged:
        result = await save({"athlete_id": athlete, "snapshot": document(T0 + timedelta(minutes=2))})
    assert not result["saved"], "nothing changed: the stored snapshot stays"
    stored = await svc.snapshots.load(athlete)
    assert stored is not None
    return after_webhook, unchanged, json.loads(stored.body)


async def measured() -> tuple[Count, Count, dict[str, Any]]:
    import services

    try:
        return await measure()
    finally:
        await services.services().close()


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="save-cost-") as scratch:
        port = free_port()
        azurite = start_azurite(port, Path(scratch), log_path=Path(scratch) / "azurite.log")
        try:
            os.environ.update(environment(azurite_connection_string(port)))
            after_webhook, unchanged, _ = asyncio.run(measured())
        finally:
            azurite.stop()
    print(f"snapshot save on a {HISTORY:,}-activity history (Azurite, storage calls counted in the app)")
    print(f"  after a webhook (1 new activity): {after_webhook.line()}")
    print(f"  unchanged: {unchanged.line()}")


if __name__ == "__main__":
    main()

"""Realistic, poorly compressible snapshot bodies: activity-like objects with random polylines."""

from __future__ import annotations

import json
import random

_POLYLINE_ALPHABET = "".join(chr(c) for c in range(63, 127) if chr(c) not in '"\\')


def activity(rng: random.Random, marker: str) -> dict[str, object]:
    return {
        "id": rng.randrange(10**9, 10**11),
        "marker": marker,
        "name": f"Morning ride {rng.randrange(1000)}",
        "sport_type": rng.choice(["Ride", "Run", "Walk", "Hike"]),
        "distance": round(rng.uniform(1000, 100_000), 1),
        "moving_time": rng.randrange(600, 20_000),
        "start_date": f"2024-{rng.randrange(1, 13):02d}-{rng.randrange(1, 29):02d}T07:12:00Z",
        "map": {"summary_polyline": "".join(rng.choices(_POLYLINE_ALPHABET, k=rng.randrange(300, 900)))},
    }


def snapshot_body(min_bytes: int, marker: str = "g0", seed: int = 0) -> bytes:
    """A JSON document of at least ``min_bytes`` whose every activity carries ``marker``."""
    rng = random.Random(seed)
    activities: list[dict[str, object]] = []
    size = 0
    while size < min_bytes:
        item = activity(rng, marker)
        activities.append(item)
        size += len(json.dumps(item)) + 1
    document = {"marker": marker, "athlete": {"id": 42}, "activities": activities}
    return json.dumps(document).encode()


def is_self_consistent(body: bytes) -> bool:
    """True if every activity carries the document's marker (no mix of two generations)."""
    document = json.loads(body)
    return all(a["marker"] == document["marker"] for a in document["activities"])

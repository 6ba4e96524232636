"""What maps cost the snapshot's build and the poster: ``python -m bench.maps_trim``.

One emulator athlete with 1,500 activities (their Strava list entries, polylines of ~97 points). Prints,
measured in one run: the privacy filter over every activity with ``SNAPSHOT_MAPS=outline`` against
``off`` (the trimming's share of a backfill's CPU), the save's ``routes`` section cold and warm (per
process) against the history aggregates it sits beside, and the poster of a year against the card.
Pure: no I/O.
"""

from __future__ import annotations

import json
import time
import timeit
from collections.abc import Callable
from datetime import datetime, timezone

from strava_emulator.data import generate_athletes
from strava_emulator.render import summary_activity

from card import CardOptions, render_card
from card.poster import parse_poster_options, render_poster
from history.section import history_fields
from maps import MapPolicy, map_key
from maps.section import poster_route, routes_section
from snapshot import PrivacyPolicy, public_activity
from strava.models import SummaryActivity

ACTIVITIES = 1500


def best(run: Callable[[], object], rounds: int = 3) -> float:
    return min(timeit.repeat(run, number=1, repeat=rounds))


def main() -> None:
    now = time.time()
    (athlete,) = generate_athletes(11, 1, ACTIVITIES, now)
    activities = [SummaryActivity.from_json(summary_activity(item)) for item in athlete.activities]
    off, outline = PrivacyPolicy(), PrivacyPolicy(maps=MapPolicy(key=map_key("bench")))
    filter_off = best(lambda: [public_activity(item, off) for item in activities])
    filter_on = best(lambda: [public_activity(item, outline) for item in activities])
    published = [item for item in (public_activity(a, outline) for a in activities) if item is not None]
    poster_route.cache_clear()
    cold = best(lambda: routes_section(published), rounds=1)
    warm = best(lambda: routes_section(published))
    generated = datetime.fromtimestamp(now, timezone.utc)
    history = best(lambda: history_fields(published, complete=True, synced_at=None, goals=(), now=generated))
    routes = routes_section(published)
    document = {"athlete": {"firstname": "A"}, "recent_activities": published[-30:], "routes": routes}
    year = routes[0]["start_date_local"][:4]
    poster = best(lambda: render_poster(document, parse_poster_options({"year": year})))
    card = best(lambda: render_card(document, CardOptions(show=("ytd", "latest", "map"))))
    size = len(json.dumps({"recent_activities": published[-30:], "routes": routes}).encode())
    print(f"maps ({len(activities)} activities, {len(routes)} routes in the snapshot, {size / 1024:.0f} KiB)")
    each = filter_on * 1e3 / len(activities)
    print(f"  privacy filter, outline / off: {filter_on / filter_off:.1f}x ({each:.2f} ms an activity)")
    print(f"  routes section cold / history aggregates: {cold / history:.1f}x ({cold * 1e3:.0f} ms)")
    print(f"  routes section warm / history aggregates: {warm / history:.2f}x ({warm * 1e3:.1f} ms)")
    print(f"  poster of {year} / card with map: {poster / card:.1f}x ({poster * 1e3:.1f} ms)")


if __name__ == "__main__":
    main()

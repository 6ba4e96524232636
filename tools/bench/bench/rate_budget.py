"""The shared rate budget over one day, simulated on a fake clock: ``python -m bench.rate_budget``.

10 athletes connect at 00:00 UTC, each with 5,000 activities to backfill (25 pages of 200 and the
closing empty page), a snapshot refresh every 2 hours (stats + one page; the first also fetches the
athlete) and 10 webhook events (one activity read each). Every call reserves through the app's own
budget (``rate_budget``) exactly as the orchestrations do, waits for the reset it names when
refused, and settles with the usage a fake Strava reports. Prints the peak of every window and the
hour each backfill completes. Pure: no I/O, no sleeping.
"""

from __future__ import annotations

import heapq
import itertools
import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from rate_budget import BudgetPolicy, BudgetState, Priority, reserve, settle
from strava.ratelimits import RateLimitUsage

DAY0 = datetime(2026, 12, 1, tzinfo=timezone.utc)
CALL_SECONDS = 0.6  # one Strava answer
STEP_SECONDS = 1.0  # orchestration overhead between a backfill's pages


@dataclass
class FakeStrava:
    """Counts calls per 15-minute window and UTC day in both buckets (every call here is a read)."""

    limits: tuple[int, int, int, int] = (200, 2000, 100, 1000)  # overall 15/day, read 15/day
    windows: Counter[tuple[str, int]] = field(default_factory=Counter)
    rejected: int = 0

    def call(self, now: datetime) -> RateLimitUsage:
        window, day = _window(now), _day(now)
        self.windows["15min", window] += 1
        self.windows["daily", day] += 1
        short, daily = self.windows["15min", window], self.windows["daily", day]
        if short > self.limits[2] or daily > self.limits[3]:
            self.rejected += 1
        overall, overall_day, read, read_day = self.limits
        return RateLimitUsage(overall, overall_day, short, daily, read, read_day, short, daily, now)

    def peaks(self) -> dict[str, int]:
        return {
            kind: max((n for (k, _), n in self.windows.items() if k == kind), default=0)
            for kind in ("15min", "daily")
        }


def _window(now: datetime) -> int:
    return int(now.timestamp()) // 900


def _day(now: datetime) -> int:
    return int(now.timestamp()) // 86400


@dataclass(frozen=True)
class Job:
    athlete: int
    kind: str  # "refresh", "backfill", "webhook"
    calls: int
    priority: Priority
    page: int = 0


@dataclass
class Result:
    peaks: dict[str, int]
    limits: tuple[int, int, int, int]
    rejected: int
    backfill_done: dict[int, datetime]
    waits: Counter[str]
    calls: Counter[str]


def simulate(
    athletes: int = 10,
    activities: int = 5000,
    refresh_every: timedelta = timedelta(hours=2),
    webhooks: int = 10,
    policy: BudgetPolicy | None = None,
    seed: int = 1,
) -> Result:
    policy = policy or BudgetPolicy()
    rng = random.Random(seed)
    strava = FakeStrava()
    state = BudgetState()
    pages = activities // 200 + 1  # the closing empty page
    queue: list[tuple[datetime, int, Job]] = []
    order = itertools.count()
    end = DAY0 + timedelta(days=1)
    for athlete in range(athletes):
        moment = DAY0
        first = True
        while moment < end:
            heapq.heappush(queue, (moment, next(order), Job(athlete, "refresh", 3 if first else 2, "normal")))
            moment, first = moment + refresh_every, False
        heapq.heappush(
            queue, (DAY0 + timedelta(seconds=5), next(order), Job(athlete, "backfill", 1, "low", 1))
        )
        for _ in range(webhooks):
            at = DAY0 + timedelta(seconds=rng.randint(0, 86399))
            heapq.heappush(queue, (at, next(order), Job(athlete, "webhook", 1, "high")))
    done: dict[int, datetime] = {}
    waits: Counter[str] = Counter()
    calls: Counter[str] = Counter()
    in_flight: list[tuple[datetime, int, int]] = []  # (answered at, order, calls)
    while queue and queue[0][0] < end:
        now, _, job = heapq.heappop(queue)
        while in_flight and in_flight[0][0] <= now:  # answers that arrived before this moment
            answered, _, count = heapq.heappop(in_flight)
            state = settle(state, count, strava.call(answered), answered)
        work = f"{job.kind} of athlete {job.athlete}"
        state, decision = reserve(state, job.calls, job.priority, work, now, policy)
        if not decision.granted:
            assert decision.until is not None
            waits[job.kind] += 1
            heapq.heappush(queue, (decision.until + timedelta(seconds=1), next(order), job))
            continue
        calls[job.kind] += job.calls
        answered = now + timedelta(seconds=CALL_SECONDS)
        for _ in range(job.calls):
            heapq.heappush(in_flight, (answered, next(order), 1))
        if job.kind == "backfill":
            if job.page < pages:
                next_page = Job(job.athlete, "backfill", 1, "low", job.page + 1)
                heapq.heappush(queue, (answered + timedelta(seconds=STEP_SECONDS), next(order), next_page))
            else:
                done[job.athlete] = answered
    for answered, _, count in sorted(in_flight):
        state = settle(state, count, strava.call(answered), answered)
    return Result(strava.peaks(), strava.limits, strava.rejected, done, waits, calls)


def main() -> None:
    result = simulate()
    _, _, read_15, read_day = result.limits
    print("Shared rate budget, simulated day: 10 athletes, 5,000-activity backfills, refresh every 2 h,")
    print("10 webhook events each (every call is a read: it counts in both buckets)")
    print(
        f"  peak 15-min window  {result.peaks['15min']:>4} of {read_15} read / 200 overall "
        f"({result.peaks['15min'] / read_15:.0%} of the read limit)"
    )
    print(
        f"  peak day            {result.peaks['daily']:>4} of {read_day} read / 2000 overall "
        f"({result.peaks['daily'] / read_day:.0%} of the read limit)"
    )
    print(f"  429s                {result.rejected}")
    print(f"  calls               {dict(result.calls)}; budget waits {dict(result.waits)}")
    for athlete, moment in sorted(result.backfill_done.items()):
        hours = (moment - DAY0).total_seconds() / 3600
        print(f"  athlete {athlete}: backfill complete at {moment:%H:%M} UTC (hour {hours:.2f})")


if __name__ == "__main__":
    main()

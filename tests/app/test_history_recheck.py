"""A finishing re-scan re-checks every stored activity it did not see before removing it (pure fakes)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from types import SimpleNamespace
from typing import Any

from activities.history_scan import confirmed_gone, recheck_sample, removable, scan_bound
from settings import Settings
from storage import TokenRecord, TokenStatus
from strava.errors import BadResponseError, NotFoundError, RateLimitedError, StravaUnavailableError
from strava.models import SummaryActivity
from tests.strava_client.samples import activity_json

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=timezone.utc)
SCAN = "2026-11-24T11:00:00Z"


@dataclass
class FakeStrava:
    answers: dict[int, Any]
    asked: list[int] = field(default_factory=list)
    last_rate_limit: None = None

    async def get_activity(self, _token: str, activity_id: int) -> SummaryActivity:
        self.asked.append(activity_id)
        answer = self.answers[activity_id]
        if isinstance(answer, Exception):
            raise answer
        return SummaryActivity.from_json(answer)


@dataclass
class FakeStores:
    granted: bool = True
    put: list[tuple[int, str]] = field(default_factory=list)
    reserved: list[int] = field(default_factory=list)

    async def get(self, athlete_id: int) -> TokenRecord:
        return TokenRecord(
            athlete_id, "a", "r", 2_000_000_000, frozenset({"read"}), TokenStatus.ACTIVE, True, NOW
        )

    async def change(self, change: Any) -> Any:
        _, decision = change(None)
        if not self.granted:
            return SimpleNamespace(granted=False)
        return decision

    async def put_activities(self, _athlete_id: int, items: list[dict[str, Any]], scan: str) -> None:
        self.put.extend((item["id"], scan) for item in items)


def services(strava: FakeStrava, stores: FakeStores) -> Any:
    settings = Settings.from_env({"AzureWebJobsStorage": "UseDevelopmentStorage=true"})
    return SimpleNamespace(
        settings=settings,
        tokens=stores,
        budget=stores,
        activities=SimpleNamespace(put=stores.put_activities),
        strava_for_one_call=lambda: strava,
    )


async def test_only_what_strava_says_is_gone_or_private_is_removed() -> None:
    strava = FakeStrava(
        {
            1: NotFoundError("gone", status=404),  # deleted on Strava
            2: activity_json(id=2, visibility="only_me", private=True),  # made private
            3: activity_json(id=3),  # still published: the scan missed it, keep it and mark it seen
            4: StravaUnavailableError("later", status=503),  # Strava could not say: keep
            5: BadResponseError("odd shape"),  # unreadable: keep
            6: activity_json(id=6, visibility=None),  # visibility unknown: not published any more
            7: RateLimitedError("later", status=429, retry_at=NOW, usage=None),  # stop asking
            8: NotFoundError("gone", status=404),
        }
    )
    stores = FakeStores()
    gone = await confirmed_gone(services(strava, stores), 42, [1, 2, 3, 4, 5, 6, 7, 8], SCAN)
    assert gone == [1, 2, 6]
    assert strava.asked == [1, 2, 3, 4, 5, 6, 7]  # after the 429, 8 waits for the next scan
    assert stores.put == [(3, SCAN)]


async def test_without_budget_nothing_is_asked_and_nothing_removed() -> None:
    strava = FakeStrava({1: NotFoundError("gone", status=404)})
    stores = FakeStores(granted=False)
    assert await confirmed_gone(services(strava, stores), 42, [1], SCAN) == []
    assert strava.asked == []


def test_a_scan_reads_activities_started_before_it_began() -> None:
    assert scan_bound(SCAN) == int(datetime(2026, 11, 24, 11, 0, tzinfo=timezone.utc).timestamp()) + 1


def test_a_scan_trusts_its_pages_only_when_every_rechecked_id_is_confirmed_gone() -> None:
    unseen = list(range(1, 501))
    sample = recheck_sample(unseen)
    assert len(sample) == 10 and sample[0] == 1 and sample[-1] > 450  # spread over the whole list
    assert removable(unseen, sample, sample) == unseen  # a bulk edit: the sample's reads, not 500
    assert removable(unseen, sample, sample[1:]) == sample[1:]  # one still there: only the confirmed go
    assert removable(unseen, sample, []) == []  # Strava could not say (budget, token, errors): nothing
    few = [7, 8]
    assert recheck_sample(few) == few and removable(few, few, [8]) == [8]

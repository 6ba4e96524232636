"""The history sync replayed through the SDK: one page per generation, budget waits, resume, finish."""

from datetime import datetime, timedelta, timezone

from orchestrations.contract import (
    RECORD_DIAGNOSTICS,
    REQUEST_TOKEN_REFRESH,
    START_SNAPSHOT_REFRESH,
    fetch_failed,
    fetched,
)
from orchestrations.failures import Failure
from orchestrations.functions import history_sync
from orchestrations.history_contract import (
    FINISH_HISTORY_SCAN,
    HISTORY_CURSOR,
    RESERVE_BUDGET,
    SYNC_HISTORY_PAGE,
    BudgetDecision,
    Cursor,
)
from tests.orchestrations.harness import Harness

T0 = datetime(2026, 11, 24, 12, 0, tzinfo=timezone.utc)
CURSOR: Cursor = {
    "athlete_id": 42,
    "mode": "backfill",
    "scan": "2026-11-24T11:00:00Z",
    "before": 1764000000,
    "page": 3,
}
GRANTED: BudgetDecision = {"granted": True, "until": None, "reason": ""}


def continued_with(step):
    [action] = [a for a in step.new if a["actionType"] == 4]  # ContinueAsNew
    return action["input"]


def test_a_new_scan_takes_its_cursor_from_storage_then_syncs_one_page_and_continues():
    harness = Harness(history_sync, {"athlete_id": 42, "mode": "backfill"}, T0)
    [cursor] = harness.run().new
    assert cursor["functionName"] == HISTORY_CURSOR
    assert '"scan": "2026-11-24T12:00:00Z"' in cursor["input"] and '"page": 1' in cursor["input"]
    [reserve] = harness.complete(cursor["id"], CURSOR).run().new  # storage says: resume at page 3
    assert reserve["functionName"] == RESERVE_BUDGET
    assert '"priority": "low"' in reserve["input"] and '"calls": 1' in reserve["input"]
    [page] = harness.complete(reserve["id"], GRANTED).run().new
    assert page["functionName"] == SYNC_HISTORY_PAGE and '"page": 3' in page["input"]
    step = harness.complete(page["id"], fetched({"count": 200})).run()
    assert '"page": 4' in continued_with(step)


def test_a_refused_budget_waits_for_the_reset_and_continues_with_the_same_page():
    harness = Harness(history_sync, {"athlete_id": 42, "mode": "backfill", "cursor": CURSOR}, T0)
    [reserve] = harness.run().new
    refused: BudgetDecision = {
        "granted": False,
        "until": "2026-11-24T12:15:00Z",
        "reason": "read 15min usage 50/100",
    }
    step = harness.complete(reserve["id"], refused).run()
    [timer] = step.new
    assert timer["fireAt"] == "2026-11-24T12:15:01.000000Z"
    assert step.custom_status["phase"] == "waiting_for_budget"
    assert step.custom_status["until"] == "2026-11-24T12:15:01Z"
    step = harness.at(T0 + timedelta(minutes=15, seconds=1)).fire(timer["id"], timer["fireAt"]).run()
    assert '"page": 3' in continued_with(step)


def test_the_empty_page_finishes_the_scan_and_publishes_it():
    harness = Harness(history_sync, {"athlete_id": 42, "mode": "rescan", "cursor": CURSOR}, T0)
    [reserve] = harness.run().new
    [page] = harness.complete(reserve["id"], GRANTED).run().new
    [finish] = harness.complete(page["id"], fetched({"count": 0})).run().new
    assert finish["functionName"] == FINISH_HISTORY_SCAN
    [record] = harness.complete(finish["id"], fetched({"removed": 2})).run().new
    assert record["functionName"] == RECORD_DIAGNOSTICS
    [start] = harness.complete(record["id"], None).run().new
    assert start["functionName"] == START_SNAPSHOT_REFRESH
    # the refresh that started this scan is still finishing: wait, then start one that sees it all
    [timer] = harness.complete(start["id"], {"outcome": "busy", "instance_id": "s"}).run().new
    assert timer["fireAt"] == "2026-11-24T12:00:05.000000Z"
    [again] = harness.at(T0 + timedelta(seconds=5)).fire(timer["id"], timer["fireAt"]).run().new
    assert again["functionName"] == START_SNAPSHOT_REFRESH
    step = harness.complete(again["id"], {"outcome": "started", "instance_id": "s"}).run()
    assert step.done and step.state["output"]["outcome"] == "complete"


def test_failures_back_off_refresh_the_token_or_pause_resumably():
    limited = fetch_failed(Failure("rate_limited", "429", "2026-11-24T12:15:00Z"))
    harness = Harness(history_sync, {"athlete_id": 42, "mode": "backfill", "cursor": CURSOR}, T0)
    [reserve] = harness.run().new
    [page] = harness.complete(reserve["id"], GRANTED).run().new
    [timer] = harness.complete(page["id"], limited).run().new
    assert timer["fireAt"] == "2026-11-24T12:15:01.000000Z"
    step = harness.at(T0 + timedelta(minutes=15, seconds=1)).fire(timer["id"], timer["fireAt"]).run()
    assert '"failures": 1' in continued_with(step) and '"page": 3' in continued_with(step)

    harness = Harness(history_sync, {"athlete_id": 42, "mode": "backfill", "cursor": CURSOR}, T0)
    [reserve] = harness.run().new
    [page] = harness.complete(reserve["id"], GRANTED).run().new
    [ask] = harness.complete(page["id"], fetch_failed(Failure("unauthorized", "401"))).run().new
    assert ask["functionName"] == REQUEST_TOKEN_REFRESH

    harness = Harness(history_sync, {"athlete_id": 42, "mode": "backfill", "cursor": CURSOR}, T0)
    [reserve] = harness.run().new
    [page] = harness.complete(reserve["id"], GRANTED).run().new
    inactive = fetch_failed(Failure("application_inactive", "403"))
    [record] = harness.complete(page["id"], inactive).run().new
    assert '"last_history_error": "application_inactive"' in record["input"]
    step = harness.complete(record["id"], None).run()
    assert step.done and step.state["output"]["outcome"] == "paused"


def test_a_rescan_refreshes_the_cached_profile_before_it_finishes():
    from orchestrations.contract import FETCH_ATHLETE

    rescan: Cursor = {**CURSOR, "mode": "rescan"}
    harness = Harness(history_sync, {"athlete_id": 42, "mode": "rescan", "cursor": rescan}, T0)
    [reserve] = harness.run().new
    [page] = harness.complete(reserve["id"], GRANTED).run().new
    [profile_budget] = harness.complete(page["id"], fetched({"count": 0})).run().new
    assert profile_budget["functionName"] == RESERVE_BUDGET and '"priority": "low"' in profile_budget["input"]
    [profile] = harness.complete(profile_budget["id"], GRANTED).run().new
    assert profile["functionName"] == FETCH_ATHLETE
    [finish] = harness.complete(profile["id"], fetched({"id": 42})).run().new
    assert finish["functionName"] == FINISH_HISTORY_SCAN


def test_waits_are_measured_from_when_the_page_failed_not_from_when_the_episode_began():
    """A page that failed after 60 s: the backoff, the refresh grace and a window wait already past all
    start from the orchestration's time after the page, so no timer is set in the past."""
    slow = T0 + timedelta(seconds=60)
    harness = Harness(history_sync, {"athlete_id": 42, "mode": "backfill", "cursor": CURSOR}, T0)
    [reserve] = harness.run().new
    [page] = harness.complete(reserve["id"], GRANTED).run().new
    unavailable = fetch_failed(Failure("unavailable", "503"))
    [timer] = harness.at(slow).complete(page["id"], unavailable).run().new
    assert timer["fireAt"] == "2026-11-24T12:01:30.000000Z"  # 60 s + the first 30 s backoff

    harness = Harness(history_sync, {"athlete_id": 42, "mode": "backfill", "cursor": CURSOR}, T0)
    [reserve] = harness.run().new
    [page] = harness.complete(reserve["id"], GRANTED).run().new
    passed = fetch_failed(Failure("rate_limited", "429", "2026-11-24T12:00:30Z"))  # reset while it ran
    [timer] = harness.at(slow).complete(page["id"], passed).run().new
    assert timer["fireAt"] == "2026-11-24T12:01:01.000000Z"

    harness = Harness(history_sync, {"athlete_id": 42, "mode": "backfill", "cursor": CURSOR}, T0)
    [reserve] = harness.run().new
    [page] = harness.complete(reserve["id"], GRANTED).run().new
    [ask] = harness.at(slow).complete(page["id"], fetch_failed(Failure("unauthorized", "401"))).run().new
    [timer] = harness.at(slow + timedelta(seconds=2)).complete(ask["id"], None).run().new
    assert timer["fireAt"] == "2026-11-24T12:01:12.000000Z"  # 10 s after the refresh was asked


def test_a_budget_answer_that_came_late_waits_from_its_own_time():
    harness = Harness(history_sync, {"athlete_id": 42, "mode": "backfill", "cursor": CURSOR}, T0)
    [reserve] = harness.run().new
    refused: BudgetDecision = {"granted": False, "until": "2026-11-24T12:00:10Z", "reason": "full"}
    [timer] = harness.at(T0 + timedelta(seconds=40)).complete(reserve["id"], refused).run().new
    assert timer["fireAt"] == "2026-11-24T12:00:41.000000Z"


def test_diagnostics_that_cannot_be_recorded_do_not_fail_or_hide_the_finished_scan():
    harness = Harness(history_sync, {"athlete_id": 42, "mode": "backfill", "cursor": CURSOR}, T0)
    [reserve] = harness.run().new
    [page] = harness.complete(reserve["id"], GRANTED).run().new
    [finish] = harness.complete(page["id"], fetched({"count": 0})).run().new
    later = T0 + timedelta(minutes=2)
    [record] = harness.at(later).complete(finish["id"], fetched({"removed": 0})).run().new
    assert record["functionName"] == RECORD_DIAGNOSTICS
    assert '"last_history_scan_at": "2026-11-24T12:02:00Z"' in record["input"]
    [start] = harness.fail_every_attempt(record["id"], RECORD_DIAGNOSTICS, 3).run().new
    assert start["functionName"] == START_SNAPSHOT_REFRESH
    step = harness.complete(start["id"], {"outcome": "started", "instance_id": "s"}).run()
    assert step.done and step.state["output"]["outcome"] == "complete"

    harness = Harness(history_sync, {"athlete_id": 42, "mode": "backfill", "cursor": CURSOR}, T0)
    [reserve] = harness.run().new
    [page] = harness.complete(reserve["id"], GRANTED).run().new
    [record] = harness.complete(page["id"], fetch_failed(Failure("application_inactive", "403"))).run().new
    step = harness.fail_every_attempt(record["id"], RECORD_DIAGNOSTICS, 3).run()
    assert step.done and step.state["output"]["outcome"] == "paused"


def test_pages_run_by_key_and_the_next_key_is_the_oldest_start_seen():
    from activities.history_scan import next_before

    assert next_before(1000, 900, full=True) == 901  # a full page: its oldest second is read again
    assert next_before(1000, 900, full=False) == 900  # all of it was on the page
    assert next_before(1000, 999, full=True) == 999  # the whole page is one second: move past it
    assert next_before(1000, None, full=False) == 1000  # an empty page: the scan is done


def test_the_next_generation_carries_the_page_key_from_the_page():
    harness = Harness(history_sync, {"athlete_id": 42, "mode": "backfill", "cursor": CURSOR}, T0)
    [reserve] = harness.run().new
    [page] = harness.complete(reserve["id"], GRANTED).run().new
    step = harness.complete(page["id"], fetched({"count": 200, "before": 1763000001})).run()
    assert '"before": 1763000001' in continued_with(step) and '"page": 4' in continued_with(step)

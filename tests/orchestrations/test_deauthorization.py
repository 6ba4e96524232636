"""Deauthorization replayed through the SDK: nothing is erased until Strava refuses the grant."""

from datetime import datetime, timedelta, timezone
from typing import Any

from orchestrations.contract import (
    CHECK_GRANT,
    DEAUTHORIZATION_EVENT,
    FORGET_ATHLETE_TOKENS,
    NOTE_UNVERIFIED_DEAUTHORIZATION,
    READ_TOKEN_STATE,
    REQUEST_TOKEN_REFRESH,
)
from orchestrations.deauthorization import CHECK_PAUSE, TOKEN_POLL
from orchestrations.functions import athlete_deauthorization
from orchestrations.history_contract import RESERVE_BUDGET
from tests.orchestrations.harness import Harness

T0 = datetime(2026, 12, 7, 12, 0, tzinfo=timezone.utc)
GRANTED: Any = {"granted": True, "until": None, "reason": ""}


def checked(verdict: str) -> tuple[Harness, Any]:
    harness = Harness(athlete_deauthorization, {"athlete_id": 42, "verify": True}, T0)
    [reserve] = harness.run().new
    assert reserve["functionName"] == RESERVE_BUDGET
    [check] = harness.complete(reserve["id"], GRANTED).run().new
    assert check["functionName"] == CHECK_GRANT
    answer: Any = {"grant": verdict, "expires_at": 1000}
    return harness, harness.complete(check["id"], answer).run()


def test_a_grant_strava_still_honours_erases_nothing_and_is_counted():
    harness, step = checked("granted")
    [note] = step.new
    assert note["functionName"] == NOTE_UNVERIFIED_DEAUTHORIZATION
    step = harness.complete(note["id"], None).run()
    assert step.custom_status["phase"] == "kept"
    timer = next(action for action in step.new if action["actionType"] == 5)
    assert timer["fireAt"] == (T0 + CHECK_PAUSE).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    step = harness.at(T0 + timedelta(seconds=5)).raise_event(DEAUTHORIZATION_EVENT, {}).run()
    assert not step.done  # another event: checked once, after the pause
    step = harness.at(T0 + CHECK_PAUSE).fire(timer["id"], timer["fireAt"]).run()
    [continued] = [action for action in step.new if action["actionType"] == 4]
    assert step.done and '"verify": true' in continued["input"]


def test_a_refused_access_token_is_confirmed_through_the_lifecycle_before_erasing():
    harness, step = checked("unauthorized")
    [refresh] = step.new
    assert refresh["functionName"] == REQUEST_TOKEN_REFRESH
    [poll] = harness.complete(refresh["id"], {"lifecycle": "woken"}).run().new
    [read] = harness.at(T0 + TOKEN_POLL).fire(poll["id"], poll["fireAt"]).run().new
    assert read["functionName"] == READ_TOKEN_STATE
    token: Any = {"status": "reauthorization_required", "expires_at": 1000, "refresh_margin_s": 60}
    token["refresh_requested_at"] = None
    [forget] = harness.complete(read["id"], token).run().new
    assert forget["functionName"] == FORGET_ATHLETE_TOKENS


def test_a_new_token_means_the_grant_holds():
    harness, step = checked("unauthorized")
    [refresh] = step.new
    [poll] = harness.complete(refresh["id"], {"lifecycle": "woken"}).run().new
    [read] = harness.at(T0 + TOKEN_POLL).fire(poll["id"], poll["fireAt"]).run().new
    token: Any = {
        "status": "active",
        "expires_at": 9000,
        "refresh_margin_s": 60,
        "refresh_requested_at": None,
    }
    [reserve] = harness.complete(read["id"], token).run().new
    [check] = harness.complete(reserve["id"], GRANTED).run().new
    [note] = harness.complete(check["id"], {"grant": "granted", "expires_at": 9000}).run().new
    assert note["functionName"] == NOTE_UNVERIFIED_DEAUTHORIZATION


def test_a_run_started_before_the_check_existed_erases_as_it_began_to():
    [forget] = Harness(athlete_deauthorization, {"athlete_id": 42}, T0).run().new
    assert forget["functionName"] == FORGET_ATHLETE_TOKENS

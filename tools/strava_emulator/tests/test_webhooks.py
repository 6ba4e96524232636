"""Push subscriptions and webhook events over real loopback HTTP, with a real callback server."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest
from loopback.processes import free_port
from strava_emulator.testing import RunningEmulator

from tests.receiver import Receiver

VERIFY = "verify-me"


@pytest.fixture
def emu(start_strava_emulator) -> RunningEmulator:
    started: RunningEmulator = start_strava_emulator("--athletes", "2", "--activities", "20")
    started.configure(webhook_retry_seconds=0)
    return started


def subscribed(emu: RunningEmulator, receiver: Receiver) -> int:
    status, body = emu.create_subscription(receiver.url, VERIFY)
    assert status == 201, body
    return int(body["id"])


def api_status(emu: RunningEmulator, path: str, token: str) -> int:
    headers = {"Authorization": f"Bearer {token}"}
    request = urllib.request.Request(emu.api_base + path, headers=headers)  # noqa: S310 - loopback
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return int(response.status)
    except urllib.error.HTTPError as error:
        return error.code


def test_create_validates_the_callback_then_view_and_delete(emu, receiver):
    status, body = emu.create_subscription(receiver.url, VERIFY)
    assert status == 201
    assert set(body) == {"id", "resource_state", "application_id", "callback_url", "created_at", "updated_at"}
    assert body["callback_url"] == receiver.url
    [validation] = receiver.validations
    assert validation["hub.mode"] == "subscribe"
    assert validation["hub.verify_token"] == VERIFY
    assert len(validation["hub.challenge"]) >= 16
    assert emu.subscriptions() == [body]
    assert emu.create_subscription(receiver.url, VERIFY) == (
        400,
        {
            "message": "Bad Request",
            "errors": [{"resource": "PushSubscription", "field": "", "code": "already exists"}],
        },
    )
    assert emu.delete_subscription(body["id"]) == 204
    assert emu.subscriptions() == []
    assert emu.delete_subscription(body["id"]) == 404
    assert emu.webhooks()["validations"] == {"ok": 1, "failed": 0}


@pytest.mark.parametrize("answer", ["wrong", "text"])
def test_a_callback_that_does_not_echo_the_challenge_as_json_is_not_verifiable(emu, receiver, answer):
    receiver.challenge = answer
    assert emu.create_subscription(receiver.url, VERIFY) == (
        400,
        {
            "message": "Bad Request",
            "errors": [{"resource": "PushSubscription", "field": "callback url", "code": "not verifiable"}],
        },
    )
    assert emu.subscriptions() == []
    assert emu.webhooks()["validations"] == {"ok": 0, "failed": 1}


def test_unreachable_callback_long_url_and_bad_credentials_are_refused(emu):
    nobody = f"http://127.0.0.1:{free_port()}/webhook"
    assert emu.create_subscription(nobody, VERIFY)[1]["errors"][0]["code"] == "not verifiable"
    assert emu.create_subscription("http://127.0.0.1/" + "x" * 250, VERIFY)[0] == 400
    emu.client_secret = "wrong"
    status, body = emu.create_subscription(nobody, VERIFY)
    assert (status, body["message"]) == (401, "Authorization Error")


def test_activity_edits_send_strava_shaped_events_and_change_the_ground_truth(emu, receiver):
    token = emu.connect()["access_token"]
    athlete_id = emu.athletes()[0]["id"]
    subscription_id = subscribed(emu, receiver)

    created = emu.create_activity(athlete_id, name="Lunch Run", sport_type="Run", distance=8000.0)
    assert (created["name"], created["distance"], created["visibility"]) == ("Lunch Run", 8000.0, "everyone")
    assert created["id"] in {item["id"] for item in emu.ground_truth(athlete_id)}
    assert api_status(emu, f"/activities/{created['id']}", token) == 200
    emu.update_activity(created["id"], name="Messy", visibility="only_me")
    emu.update_activity(created["id"], distance=8100.0)  # no title, type or privacy change: no event
    emu.update_activity(created["id"], sport_type="TrailRun", visibility="everyone")
    emu.delete_activity(created["id"])

    events = receiver.wait_for_events(4)
    assert all(event["subscription_id"] == subscription_id for event in events)
    assert all(event["owner_id"] == athlete_id for event in events)
    assert all(event["object_id"] == created["id"] for event in events)
    assert all(
        event["object_type"] == "activity" and isinstance(event["event_time"], int) for event in events
    )
    assert sorted(
        (event["aspect_type"], json.dumps(event["updates"], sort_keys=True)) for event in events
    ) == [
        ("create", "{}"),
        ("delete", "{}"),
        ("update", '{"private": "false", "type": "TrailRun"}'),
        ("update", '{"private": "true", "title": "Messy"}'),
    ]
    assert created["id"] not in {item["id"] for item in emu.ground_truth(athlete_id)}
    counters = emu.wait_for_webhooks(settled=4)
    assert (counters["events"], counters["delivered"], counters["attempts"]) == (4, 4, 4)


def test_ground_truth_shows_private_activities_the_api_hides_without_read_all(emu):
    athlete_id = emu.athletes()[0]["id"]
    token = emu.connect("read,activity:read")["access_token"]
    hidden = emu.create_activity(athlete_id, visibility="only_me", start_date="2026-01-02T03:04:05Z")
    assert hidden["start_date"] == "2026-01-02T03:04:05Z"
    assert hidden["id"] in {item["id"] for item in emu.ground_truth(athlete_id)}
    assert api_status(emu, f"/activities/{hidden['id']}", token) == 404


def test_athletes_who_never_authorized_the_app_send_no_events(emu, receiver):
    subscribed(emu, receiver)
    stranger = emu.athletes()[1]["id"]
    emu.create_activity(stranger)
    assert emu.deauthorize(stranger)["event_sent"] is False
    assert emu.webhooks()["events"] == 0


def test_deauthorize_kills_the_tokens_and_sends_the_athlete_event(emu, receiver):
    grant = emu.connect()
    athlete_id = grant["athlete"]["id"]
    subscription_id = subscribed(emu, receiver)
    assert emu.deauthorize(athlete_id) == {"athlete_id": athlete_id, "deauthorized": True, "event_sent": True}
    assert api_status(emu, "/athlete", grant["access_token"]) == 401
    [event] = receiver.wait_for_events(1)
    assert event == {
        "aspect_type": "update",
        "event_time": event["event_time"],
        "object_id": athlete_id,
        "object_type": "athlete",
        "owner_id": athlete_id,
        "subscription_id": subscription_id,
        "updates": {"authorized": "false"},
    }


def test_a_failed_delivery_is_tried_three_times_in_total(emu, receiver):
    emu.connect()
    athlete_id = emu.athletes()[0]["id"]
    subscribed(emu, receiver)
    receiver.failures = [500, 503]
    emu.create_activity(athlete_id)
    counters = emu.wait_for_webhooks(settled=1)
    assert (counters["attempts"], counters["retried"], counters["delivered"], counters["failed"]) == (
        3,
        2,
        1,
        0,
    )
    assert counters["outcomes"] == {"ok": 1, "bad_status": 2, "timeout": 0, "unreachable": 0}

    receiver.failures = [500, 500, 500]
    emu.create_activity(athlete_id)
    counters = emu.wait_for_webhooks(settled=2)
    assert (counters["attempts"], counters["delivered"], counters["failed"]) == (6, 1, 1)
    assert len(receiver.wait_for_events(6)) == 6


def test_an_answer_slower_than_two_seconds_counts_as_a_failure(emu, receiver):
    emu.connect()
    subscribed(emu, receiver)
    receiver.holds = 1
    emu.create_activity(emu.athletes()[0]["id"])
    counters = emu.wait_for_webhooks(settled=1)
    assert counters["outcomes"]["timeout"] == 1
    assert (counters["attempts"], counters["delivered"]) == (2, 1)


@pytest.mark.parametrize(
    "edit", [{"name": ""}, {"distance": -1}, {"visibility": "secret"}, {"start_date": "yesterday"}, {"x": 1}]
)
def test_a_bad_edit_is_refused_with_a_strava_fault(emu, edit):
    athlete_id = emu.athletes()[0]["id"]
    with pytest.raises(AssertionError, match="-> 400"):
        emu.create_activity(athlete_id, **edit)
    with pytest.raises(AssertionError, match="-> 404"):
        emu.update_activity(1, name="nobody's")


def test_bulk_edit_sends_one_update_event_per_changed_activity(emu, receiver):
    emu.connect()
    athlete_id = emu.athletes()[0]["id"]
    subscribed(emu, receiver)
    public = [item["id"] for item in emu.ground_truth(athlete_id) if item["visibility"] != "only_me"]
    newest = public[:5]
    assert emu.bulk_edit(athlete_id, ids=newest, visibility="only_me") == {"changed": 5, "events_sent": 5}
    events = receiver.wait_for_events(5)
    assert sorted(event["object_id"] for event in events) == sorted(newest)
    assert all(
        event["updates"] == {"private": "true"} and event["aspect_type"] == "update" for event in events
    )
    truth = {item["id"]: item["visibility"] for item in emu.ground_truth(athlete_id)}
    assert {truth[activity_id] for activity_id in newest} == {"only_me"}
    # already private: nothing changes that Strava reports, so no event
    assert emu.bulk_edit(athlete_id, ids=newest[:2], visibility="only_me") == {"changed": 2, "events_sent": 0}
    answer = emu.bulk_edit(athlete_id, visibility="everyone")  # every activity
    assert answer["changed"] == len(emu.ground_truth(athlete_id)) and answer["events_sent"] >= 5
    assert emu.bulk_edit(athlete_id, newest=1, name="Renamed")["events_sent"] == 1
    with pytest.raises(AssertionError, match="-> 400"):
        emu.bulk_edit(athlete_id, ids=["1"], visibility="only_me")


def test_deliver_posts_any_body_to_the_callback_once_and_returns_its_answer(emu, receiver):
    with pytest.raises(urllib.error.HTTPError, match="409"):
        emu.deliver({"object_type": "activity"})
    subscribed(emu, receiver)
    forged = {"aspect_type": "delete", "object_id": 1, "owner_id": 2, "subscription_id": "999"}
    answer = emu.deliver(forged)
    assert (answer["status"], answer["body"]) == (200, "{}")
    assert answer["elapsed_ms"] >= 0
    assert receiver.wait_for_events(1) == [forged]
    receiver.failures = [503]
    assert emu.deliver(forged)["status"] == 503  # once: no retries
    assert emu.webhooks()["attempts"] == 0  # not counted as Strava's deliveries

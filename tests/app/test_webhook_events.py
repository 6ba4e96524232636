"""Webhook events as Strava sends them, the handshake, and what the app refuses (pure logic)."""

import json
from datetime import timedelta

import azure.functions as func
import pytest

from api.urls import webhook_callback_url
from api.webhook import handshake
from api.webhook_events import MalformedEventError, parse_event
from settings import Settings, SettingsError

STRAVA_EXAMPLE = {
    "aspect_type": "update",
    "event_time": 1516126040,
    "object_id": 1360128428,
    "object_type": "activity",
    "owner_id": 134815,
    "subscription_id": 120475,
    "updates": {"title": "Messy"},
}


def body(**changes: object) -> bytes:
    return json.dumps({**STRAVA_EXAMPLE, **changes}).encode()


def test_strava_documented_event_parses_and_each_delivery_has_one_fingerprint():
    event = parse_event(body())
    assert (event.object_type, event.aspect_type, event.owner_id) == ("activity", "update", 134815)
    assert event.updates == {"title": "Messy"}
    assert not event.is_deauthorization
    assert parse_event(body()).fingerprint() == event.fingerprint()
    assert parse_event(body(event_time=1516126041)).fingerprint() != event.fingerprint()
    assert parse_event(body(updates={"title": "Tidy"})).fingerprint() != event.fingerprint()
    assert event.hint() == {"object_type": "activity", "aspect_type": "update", "object_id": 1360128428}


def test_ids_may_be_strings_of_digits_as_legacy_subscriptions_send_them():
    event = parse_event(body(subscription_id="120475", object_id="1360128428", owner_id="134815"))
    assert (event.subscription_id, event.object_id, event.owner_id) == (120475, 1360128428, 134815)
    assert event.fingerprint() == parse_event(body()).fingerprint()  # the same event either way


def test_brackets_inside_strings_do_not_count_as_nesting():
    assert parse_event(body(updates={"title": "[[[[{{{{" * 100})).updates["title"].startswith("[[[[")
    assert parse_event(body(updates={"title": 'a \\" [[[[[['})).updates["title"] == 'a \\" [[[[[['


def test_deauthorization_is_the_athlete_update_with_authorized_false():
    deauth = parse_event(
        body(object_type="athlete", object_id=134815, updates={"authorized": "false"}, aspect_type="update")
    )
    assert deauth.is_deauthorization
    assert parse_event(body(updates={"private": True})).updates == {"private": "true"}
    assert not parse_event(body(object_type="athlete", object_id=134815, updates={})).is_deauthorization


@pytest.mark.parametrize(
    ("raw", "names"),
    [
        (b"not json", "JSON"),
        (b"[1]", "object"),
        (body(object_type="segment"), "object_type"),
        (body(aspect_type="archive"), "aspect_type"),
        (body(object_id="1360128428x"), "object_id"),
        (body(object_id=" 1"), "object_id"),
        (body(object_id="-1"), "object_id"),
        (body(object_id="١٢"), "object_id"),  # Arabic-Indic digits: str.isdigit, not ASCII
        (body(subscription_id="0"), "subscription_id"),
        (body(subscription_id="9" * 20), "subscription_id"),
        (body(object_id=1.5), "object_id"),
        (b"[" * 5000 + b"]" * 5000, "nests"),
        (b'{"updates": ' + b'{"a": ' * 2000 + b"1" + b"}" * 2001, "nests"),
        (body(owner_id=True), "owner_id"),
        (body(subscription_id=0), "subscription_id"),
        (body(event_time=-1), "event_time"),
        (body(updates=["title"]), "updates"),
        (body(updates={"title": None}), "updates"),
        (body(object_type="athlete", object_id=1), "object_id"),
        (b" " * 20000, "larger"),
    ],
)
def test_malformed_events_name_the_field_without_echoing_it(raw, names):
    with pytest.raises(MalformedEventError, match=names) as caught:
        parse_event(raw)
    assert "1360128428" not in str(caught.value)


def request(**params: str) -> func.HttpRequest:
    return func.HttpRequest("GET", "http://127.0.0.1/api/strava/webhook", params=params, body=b"")


def test_handshake_echoes_only_a_subscribe_with_our_token():
    ok = handshake(
        request(**{"hub.mode": "subscribe", "hub.challenge": "15f7d1a9", "hub.verify_token": "t"}), "t"
    )
    assert (ok.status_code, json.loads(ok.get_body())) == (200, {"hub.challenge": "15f7d1a9"})
    for params, token in [
        ({"hub.mode": "subscribe", "hub.challenge": "x", "hub.verify_token": "T"}, "t"),
        ({"hub.mode": "subscribe", "hub.challenge": "x", "hub.verify_token": ""}, ""),
        ({"hub.mode": "subscribe", "hub.challenge": "", "hub.verify_token": "t"}, "t"),
        ({"hub.mode": "subscribe", "hub.challenge": "x" * 256, "hub.verify_token": "t"}, "t"),
        ({"hub.challenge": "x", "hub.verify_token": "t"}, "t"),
    ]:
        refused = handshake(request(**params), token)
        assert refused.status_code == 403
        assert json.loads(refused.get_body())["error"] == "verification_failed"


def settings(**values: str) -> Settings:
    return Settings.from_env({"AzureWebJobsStorage": "UseDevelopmentStorage=true", **values})


def test_webhook_settings_defaults_and_bounds():
    defaults = settings().webhooks
    assert (defaults.verify_token, defaults.debounce, defaults.max_delay) == (
        "",
        timedelta(seconds=30),
        timedelta(seconds=45),
    )
    assert "verify_token" not in repr(defaults)
    assert settings(WEBHOOK_DEBOUNCE_SECONDS="0").webhooks.debounce == timedelta(0)
    for bad in (
        {"WEBHOOK_DEBOUNCE_SECONDS": "601"},
        {"WEBHOOK_DEBOUNCE_SECONDS": "60", "WEBHOOK_MAX_DELAY_SECONDS": "59"},
        {"WEBHOOK_MAX_DELAY_SECONDS": "0"},
        {"PUBLIC_BASE_URL": "https://app.example/api"},
        {"PUBLIC_BASE_URL": "ftp://app.example"},
    ):
        with pytest.raises(SettingsError) as caught:
            settings(**bad)
        assert next(iter(bad)) in str(caught.value) or "WEBHOOK_MAX_DELAY_SECONDS" in str(caught.value)


def test_the_callback_url_never_comes_from_a_non_loopback_host_header():
    assert webhook_callback_url("https://evil.example/api/x", settings()) is None
    assert webhook_callback_url("http://127.0.0.1:7071/api/x", settings()) == (
        "http://127.0.0.1:7071/api/strava/webhook"
    )
    on_azure = settings(WEBSITE_HOSTNAME="func-abc.azurewebsites.net")
    assert webhook_callback_url("https://evil.example/", on_azure) == (
        "https://func-abc.azurewebsites.net/api/strava/webhook"
    )
    custom = settings(WEBSITE_HOSTNAME="func-abc.azurewebsites.net", PUBLIC_BASE_URL="https://stats.example/")
    assert webhook_callback_url("http://127.0.0.1/", custom) == "https://stats.example/api/strava/webhook"

"""Pure parts of the host: keys, settings files, schedules, response mapping."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import azure.functions as func
import pytest
from devhost.host import DevHost, HostOptions
from devhost.http_triggers import to_web_response
from devhost.keys import HostKeys, load_keys, supplied_key
from devhost.local_settings import (
    SettingsError,
    apply_local_settings,
    route_prefix,
    storage_connection_string,
    task_hub_name,
)
from devhost.timers import ScheduleError, parse_schedule, resolve_settings

UTC = timezone.utc


def test_key_levels() -> None:
    keys = HostKeys(master="m-key", function="f-key")
    assert keys.allows("ANONYMOUS", None)
    assert keys.allows("FUNCTION", "f-key")
    assert keys.allows("FUNCTION", "m-key")
    assert not keys.allows("FUNCTION", "wrong")
    assert not keys.allows("FUNCTION", None)
    assert keys.allows("ADMIN", "m-key")
    assert not keys.allows("ADMIN", "f-key")
    assert "m-key" not in repr(keys) and "f-key" not in repr(keys)


def test_keys_come_from_environment_or_are_generated() -> None:
    given = load_keys({"DEVHOST_MASTER_KEY": "m", "DEVHOST_FUNCTION_KEY": "f", "DEVHOST_DURABLE_KEY": "d"})
    assert (given.master, given.function, given.durable, given.generated) == ("m", "f", "d", ())
    made = load_keys({})
    assert made.generated == ("master", "function", "durable")
    assert len(made.master) >= 32 and len({made.master, made.function, made.durable}) == 3


def test_durable_system_key_opens_only_the_durable_webhooks() -> None:
    keys = HostKeys(master="m-key", function="f-key", durable="d-key")
    assert keys.opens_durable_webhooks("d-key") and keys.opens_durable_webhooks("m-key")
    assert not keys.opens_durable_webhooks("f-key") and not keys.opens_durable_webhooks(None)
    assert not keys.allows("FUNCTION", "d-key") and not keys.allows("ADMIN", "d-key")


def test_supplied_key_prefers_header() -> None:
    assert supplied_key({"code": "q"}, {"x-functions-key": "h"}) == "h"
    assert supplied_key({"code": "q"}, {}) == "q"
    assert supplied_key({}, {}) is None


def test_local_settings_never_override(tmp_path: Path) -> None:
    values = {"A": "from-file", "B": "from-file", "N": 5}
    (tmp_path / "local.settings.json").write_text(json.dumps({"Values": values}))
    environ = {"B": "from-env"}
    applied = apply_local_settings(tmp_path, environ)
    assert sorted(applied) == ["A", "N"]
    assert environ == {"A": "from-file", "B": "from-env", "N": "5"}


def test_missing_and_broken_settings_files(tmp_path: Path) -> None:
    assert apply_local_settings(tmp_path, {}) == []
    assert route_prefix(tmp_path) == "api"
    (tmp_path / "local.settings.json").write_text("{not json")
    with pytest.raises(SettingsError, match=r"local\.settings\.json"):
        apply_local_settings(tmp_path, {})


@pytest.mark.parametrize(("prefix", "expected"), [("", ""), ("/v1/", "v1"), ("api", "api")])
def test_route_prefix_from_host_json(tmp_path: Path, prefix: str, expected: str) -> None:
    (tmp_path / "host.json").write_text(json.dumps({"extensions": {"http": {"routePrefix": prefix}}}))
    assert route_prefix(tmp_path) == expected


def test_storage_connection_string() -> None:
    assert "127.0.0.1:10002" in storage_connection_string(
        {"AzureWebJobsStorage": "UseDevelopmentStorage=true"}
    )
    assert storage_connection_string({"AzureWebJobsStorage": "X=1"}) == "X=1"
    with pytest.raises(SettingsError, match="AzureWebJobsStorage"):
        storage_connection_string({})


START = datetime(2024, 1, 1, 0, 0, 0, 500000, tzinfo=UTC)  # a Monday


@pytest.mark.parametrize(
    ("schedule", "first", "second"),
    [
        ("* * * * * *", START.replace(second=1, microsecond=0), START.replace(second=2, microsecond=0)),
        ("*/15 * * * * *", START.replace(second=15, microsecond=0), START.replace(second=30, microsecond=0)),
        ("0 */5 * * * *", START.replace(minute=5, microsecond=0), START.replace(minute=10, microsecond=0)),
        ("30 9 * * Tue", datetime(2024, 1, 2, 9, 30, tzinfo=UTC), datetime(2024, 1, 9, 9, 30, tzinfo=UTC)),
        ("00:00:05", START + timedelta(seconds=5), START + timedelta(seconds=10)),
    ],
)
def test_schedule_occurrences(schedule: str, first: datetime, second: datetime) -> None:
    parsed = parse_schedule(schedule, {})
    assert parsed.next_after(START) == first
    assert parsed.next_after(first) == second


def test_schedule_setting_is_resolved() -> None:
    assert resolve_settings("%S%", {"S": "0 0 * * * *"}) == "0 0 * * * *"
    assert parse_schedule("%S%", {"S": "*/2 * * * * *"}).expression == "*/2 * * * * *"


@pytest.mark.parametrize(
    ("schedule", "reason"),
    [
        ("%MISSING%", "MISSING"),
        ("* * *", "6 fields"),
        ("61 * * * * *", "invalid NCRONTAB"),
        ("x * * * * *", "invalid NCRONTAB"),
        ("00:00:00", "positive"),
    ],
)
def test_invalid_schedules(schedule: str, reason: str) -> None:
    with pytest.raises(ScheduleError, match=reason):
        parse_schedule(schedule, {})


def test_explicit_content_type_wins_over_mimetype() -> None:
    response = to_web_response(func.HttpResponse("{}", headers={"Content-Type": "application/json"}))
    assert response.headers["Content-Type"] == "application/json"
    html = to_web_response(func.HttpResponse("<b>", status_code=203, mimetype="text/html"))
    assert (html.status, html.headers["Content-Type"]) == (203, "text/html; charset=utf-8")
    binary = to_web_response(func.HttpResponse(b"\x00", mimetype="application/octet-stream"))
    assert binary.headers["Content-Type"] == "application/octet-stream"
    text = to_web_response("plain")
    assert (text.status, text.text, text.content_type) == (200, "plain", "text/plain")
    not_modified = to_web_response(func.HttpResponse(status_code=304, mimetype=""))
    assert (not_modified.status, "Content-Type" in not_modified.headers) == (304, False)
    with pytest.raises(TypeError, match="dict"):
        to_web_response({"not": "supported"})


@pytest.mark.parametrize(
    ("host_json", "environ", "hub"),
    [
        (None, {}, "TestHubName"),  # the Durable extension's default
        ({"extensions": {"durableTask": {"maxConcurrentActivityFunctions": 4}}}, {}, "TestHubName"),
        ({"extensions": {"durableTask": {"hubName": "StravaSnapshot"}}}, {}, "StravaSnapshot"),
        ({"extensions": {"durableTask": {"hubName": "%HUB%"}}}, {"HUB": "FromSetting1"}, "FromSetting1"),
    ],
)
def test_task_hub_name_from_host_json(
    tmp_path: Path, host_json: dict[str, object] | None, environ: dict[str, str], hub: str
) -> None:
    if host_json is not None:
        (tmp_path / "host.json").write_text(json.dumps(host_json))
    assert task_hub_name(tmp_path, environ) == hub


@pytest.mark.parametrize("name", ["ab", "9lives", "has-dash", "%UNSET%", "x" * 46])
def test_a_task_hub_name_azure_refuses_fails_at_startup(tmp_path: Path, name: str) -> None:
    (tmp_path / "host.json").write_text(json.dumps({"extensions": {"durableTask": {"hubName": name}}}))
    with pytest.raises(SettingsError, match="hubName must be 3-45 letters and digits"):
        task_hub_name(tmp_path, {})


@pytest.mark.parametrize(("flag", "hub"), [(None, "StravaSnapshot"), ("FromTheFlag", "FromTheFlag")])
def test_the_host_uses_host_json_hub_unless_the_flag_names_one(
    tmp_path: Path, flag: str | None, hub: str
) -> None:
    (tmp_path / "function_app.py").write_text("import azure.functions as func\n\napp = func.FunctionApp()\n")
    (tmp_path / "host.json").write_text(
        json.dumps({"extensions": {"durableTask": {"hubName": "StravaSnapshot"}}})
    )
    host = DevHost(
        HostOptions(tmp_path, task_hub=flag), environ={"AzureWebJobsStorage": "UseDevelopmentStorage=true"}
    )
    host.prepare()
    assert host.task_hub == hub

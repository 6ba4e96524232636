"""``--testing``'s ``POST /_devhost/restart``: the app restarted in place with new settings and a new task
hub, nothing of the old one carried over; served to local programs only, and only with ``--testing``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from devhost.__main__ import parse_arguments
from devhost.testing import RunningDevhost

from tests.host.calls import Answer, call
from tests.polling import wait_until

JSON = {"Content-Type": "application/json"}


def restart(running: RunningDevhost, body: object, headers: dict[str, str] | None = None) -> Answer:
    return call("POST", f"{running.url}/_devhost/restart", json.dumps(body).encode(), headers or JSON)


def count_call(running: RunningDevhost, text: str) -> list[str]:
    answer = call("POST", f"{running.url}/api/calls", text.encode())
    assert answer.status == 200, answer.text
    calls: list[str] = answer.json()["calls"]
    return calls


def start_waiting(running: RunningDevhost) -> str:
    started = call("POST", f"{running.url}/api/start/waits", b"null", JSON)
    assert started.status == 202, started.text
    return str(started.json()["id"])


def instance(running: RunningDevhost, instance_id: str) -> Answer:
    return call("GET", f"{running.url}/runtime/webhooks/durabletask/instances/{instance_id}")


def status_becomes(running: RunningDevhost, instance_id: str, status: str) -> None:
    def reached() -> bool:
        return bool(instance(running, instance_id).json()["runtimeStatus"] == status)

    wait_until(reached, 30, f"{instance_id} {status}")


def test_restart_is_not_served_without_testing(basic_app: Path, start_devhost) -> None:
    running = start_devhost(basic_app)
    assert restart(running, {"settings": {}, "taskHub": "another"}).status == 404
    assert "restarted" not in running.log_text()


def test_testing_is_refused_off_loopback() -> None:
    with pytest.raises(SystemExit) as exited:
        parse_arguments(["--testing", "--host", "0.0.0.0", "--require-keys"])  # noqa: S104 - the refusal
    assert exited.value.code == 2


def test_a_restart_loads_the_app_afresh_with_new_settings_on_a_new_task_hub(
    basic_app: Path, start_devhost
) -> None:
    running = start_devhost(basic_app, env={"GREETING": "from-the-start"}, testing=True)
    assert count_call(running, "before") == ["before"]
    waiting = start_waiting(running)
    old_hub = running.task_hub
    status_becomes(running, waiting, "Running")  # it ran, and waits for its event

    running.reset({"OVERRIDDEN": "from-the-restart"})

    assert count_call(running, "after") == ["after"]  # module state is gone: the app was imported again
    setting = f"{running.url}/api/settings"
    assert call("GET", f"{setting}/OVERRIDDEN").json() == {"value": "from-the-restart"}
    # the start's settings are replaced (sent as null: unset), so local.settings.json's value shows again
    assert call("GET", f"{setting}/GREETING").json() == {"value": "from-local-settings"}
    assert instance(running, waiting).status == 404  # the old hub's instance is not in the new one
    assert "restarted on task hub" in running.log_path.read_text()  # before this test's part of the log
    assert "Traceback" not in running.log_text()

    running.reset({}, task_hub=old_hub)  # the old hub, untouched: its instance still waits, and finishes
    assert call("GET", f"{setting}/OVERRIDDEN").json() == {"value": "from-local-settings"}
    assert instance(running, waiting).json()["runtimeStatus"] == "Running"
    raised = call(
        "POST",
        f"{running.url}/runtime/webhooks/durabletask/instances/{waiting}/raiseEvent/approve",
        b"1",
        JSON,
    )
    assert raised.status == 202, raised.text
    status_becomes(running, waiting, "Completed")
    assert instance(running, waiting).json()["output"] == 1


def test_restart_refuses_pages_remote_shapes_and_bad_bodies(basic_app: Path, start_devhost) -> None:
    running = start_devhost(basic_app, testing=True)
    assert count_call(running, "kept") == ["kept"]
    good = {"settings": {}, "taskHub": "anotherhub"}
    assert restart(running, good, {**JSON, "Origin": f"{running.url}"}).status == 403
    assert restart(running, good, {**JSON, "Sec-Fetch-Site": "cross-site"}).status == 403
    assert restart(running, good, {"Content-Type": "text/plain"}).status == 415
    assert restart(running, {"settings": {"A": 1}, "taskHub": "anotherhub"}).status == 400
    assert restart(running, {"settings": {}, "taskHub": "no-dashes"}).status == 400
    assert restart(running, [1]).status == 400
    assert count_call(running, "still") == ["kept", "still"]  # none of those restarted anything


def test_a_restart_whose_settings_cannot_be_served_stops_devhost(basic_app: Path, start_devhost) -> None:
    running = start_devhost(basic_app, testing=True)
    answer = restart(running, {"settings": {"TICK_SCHEDULE": "not a schedule"}, "taskHub": "anotherhub"})
    assert answer.status == 500
    assert "NCRONTAB" in answer.json()["message"]
    assert running.process.child.wait(timeout=30) == 2
    assert "Traceback" not in running.log_text()

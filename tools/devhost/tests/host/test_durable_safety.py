"""A running devhost is at least as closed as Azure: a web page on another origin (or behind a DNS name
that points at loopback) cannot drive the durable API, with or without --require-keys; bad instance ids
are refused at once, with no traceback in the log and no Python type in the body."""

from __future__ import annotations

import builtins
import json
import re
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from devhost.testing import RunningDevhost, launch_devhost

from tests.host.calls import call
from tests.polling import wait_until

FUNCTION = "safety-function-key"
DURABLE = "safety-durable-key"
QUICK_S = 2.0  # the old path took ~5 s of storage retries before its 500
EVIL = {"Origin": "https://evil.example", "Content-Type": "text/plain"}
PYTHON_ERRORS = [name for name in dir(builtins) if name.endswith(("Error", "Exception"))]
NAMES_A_PYTHON_ERROR = re.compile(r"\b(" + "|".join(PYTHON_ERRORS) + r")\b")


@pytest.fixture(scope="module")
def plain(
    basic_app: Path, azurite: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningDevhost]:
    """One devhost without keys for the tests that start nothing."""
    running = launch_devhost(basic_app, connection_string=azurite, log_dir=tmp_path_factory.mktemp("plain"))
    yield running
    running.stop()


def _start_waiting(running: RunningDevhost) -> dict[str, str]:
    started = call("POST", f"{running.url}/api/start/waits?code={FUNCTION}", b"null")
    assert started.status == 202, started.text
    links: dict[str, str] = started.json()
    wait_until(lambda: _status(links) == "Running", 20, "the instance to run")
    return links


def _status(links: dict[str, str]) -> str:
    return str(call("GET", links["statusQueryGetUri"]).json()["runtimeStatus"])


@pytest.mark.parametrize("require_keys", [False, True])
def test_a_web_page_cannot_drive_the_durable_api(basic_app: Path, start_devhost, require_keys: bool) -> None:
    env = {"DEVHOST_FUNCTION_KEY": FUNCTION, "DEVHOST_DURABLE_KEY": DURABLE}
    running = start_devhost(basic_app, env=env, require_keys=require_keys)
    links = _start_waiting(running)
    suspend = links["suspendPostUri"].replace("{text}", "pwned")
    refused = call("POST", suspend, b"x", EVIL)
    assert refused.status == 403, refused.text
    assert _status(links) == "Running"
    webhooks = f"{running.url}/runtime/webhooks/durabletask"
    code = f"?code={DURABLE}" if require_keys else ""
    attempts = [
        ("POST", links["terminatePostUri"].replace("{text}", "x"), EVIL),
        ("DELETE", links["purgeHistoryDeleteUri"], EVIL),
        ("GET", f"{webhooks}/instances/{code}", EVIL),
        ("POST", f"{webhooks}/orchestrators/waits{code}", {"Origin": "null", "Content-Type": "text/plain"}),
        ("POST", suspend, {"Sec-Fetch-Site": "cross-site", "Content-Type": "text/plain"}),
        ("POST", suspend, {"Host": f"rebound.example:{running.url.rsplit(':', 1)[1]}"}),
    ]
    for method, url, headers in attempts:
        answer = call(method, url, b"x", headers)
        assert answer.status == 403, (method, url, headers, answer.text)
    assert _status(links) == "Running"
    # The SDK's old, fixed RPC path is not served; the real one is a per-process secret.
    assert call("GET", f"{running.url}/durabletask/instances/").status == 404
    assert call("POST", f"{running.url}/durabletask/instances/{links['id']}/suspend").status == 404
    # The app's own pages (same origin) and plain clients still work.
    send = links["sendEventPostUri"].replace("{eventName}", "approve")
    own = {"Origin": running.url, "Content-Type": "application/json"}
    assert call("POST", send, b'"yes"', own).status == 202
    wait_until(lambda: _status(links) == "Completed", 20, "the instance to complete")


@pytest.mark.parametrize(
    "instance_id", ["a%2Fb", "a%5Cb", "a%0Ab", "bell%07", "%7F", "%40entity", "x" * 300, "%C2%85"]
)
def test_bad_instance_ids_are_400_at_once(plain: RunningDevhost, instance_id: str) -> None:
    running = plain
    base = f"{running.url}/runtime/webhooks/durabletask"
    json_type = {"Content-Type": "application/json"}
    for method, path in (
        ("GET", f"instances/{instance_id}"),
        ("DELETE", f"instances/{instance_id}"),
        ("POST", f"instances/{instance_id}/terminate?reason=x"),
        ("POST", f"instances/{instance_id}/raiseEvent/go"),
        ("POST", f"orchestrators/waits/{instance_id}"),
    ):
        started = time.monotonic()
        answer = call(method, f"{base}/{path}", b"1", json_type)
        assert time.monotonic() - started < QUICK_S, (method, path)
        assert answer.status in (400, 404), (method, path, answer.status, answer.text)
        if answer.status == 400:
            assert "Instance ID" in answer.json()["Message"]
        assert not NAMES_A_PYTHON_ERROR.search(answer.text), answer.text
    assert "Traceback" not in running.log_text()


def test_error_bodies_name_no_python_exception(plain: RunningDevhost) -> None:
    running = plain
    base = f"{running.url}/runtime/webhooks/durabletask"
    json_type = {"Content-Type": "application/json"}
    for method, path, body in (
        ("POST", "orchestrators/waits", b"{not json"),
        ("POST", "orchestrators/no_such_orchestrator", b""),
        ("GET", "instances/?runtimeStatus=Sleeping", None),
        ("GET", "instances/?createdTimeFrom=yesterday", None),
        ("DELETE", "instances/?createdTimeFrom=2024-13-45", None),
        ("POST", "orchestrators/waits?timeout=nan&pollingInterval=1", b""),
        ("POST", "instances/nobody/raiseEvent/go", b"{broken"),
    ):
        answer = call(method, f"{base}/{path}", body, json_type)
        assert answer.status == 400, (path, answer.status, answer.text)
        message = answer.json()["Message"]
        assert message and not NAMES_A_PYTHON_ERROR.search(answer.text), answer.text
    assert "Traceback" not in running.log_text()
    assert json.loads(call("GET", f"{base}/instances/").text) == []  # nothing was started


@pytest.mark.parametrize(("setting", "second_start"), [(None, 409), ("AnyState", 202)])
def test_host_json_decides_whether_a_start_replaces_a_running_instance(
    basic_app: Path, start_devhost, tmp_path: Path, setting: str | None, second_start: int
) -> None:
    app = tmp_path / "app"
    shutil.copytree(basic_app, app)
    durable = {} if setting is None else {"overridableExistingInstanceStates": setting}
    (app / "host.json").write_text(json.dumps({"version": "2.0", "extensions": {"durableTask": durable}}))
    running = start_devhost(app)
    start = f"{running.url}/runtime/webhooks/durabletask/orchestrators/waits/singleton"
    links = call("POST", start, b'"first"', {"Content-Type": "application/json"}).json()
    wait_until(lambda: _status(links) == "Running", 20, "the first instance to run")
    again = call("POST", start, b'"second"', {"Content-Type": "application/json"})
    assert again.status == second_start, again.text
    if second_start == 409:
        assert again.json() == {
            "Message": "An Orchestration instance with the status Running already exists."
        }
    shown = call("GET", links["statusQueryGetUri"]).json()
    assert shown["input"] == ("first" if second_start == 409 else "second")

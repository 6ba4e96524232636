"""--require-keys: function, master and anonymous levels over real HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from devhost.testing import RunningDevhost, launch_devhost

from tests.host.calls import call

MASTER = "master-key-for-tests"
FUNCTION = "function-key-for-tests"


@pytest.fixture(scope="module")
def host(basic_app: Path, azurite: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningDevhost]:
    running = launch_devhost(
        basic_app,
        connection_string=azurite,
        log_dir=tmp_path_factory.mktemp("devhost-keys"),
        env={"DEVHOST_MASTER_KEY": MASTER, "DEVHOST_FUNCTION_KEY": FUNCTION},
        require_keys=True,
    )
    yield running
    running.stop()


@pytest.mark.parametrize(
    ("path", "headers", "status"),
    [
        ("/api/users/me", {}, 401),
        ("/api/users/me?code=wrong", {}, 401),
        (f"/api/users/me?code={FUNCTION}", {}, 200),
        ("/api/users/me", {"x-functions-key": FUNCTION}, 200),
        (f"/api/users/me?code={MASTER}", {}, 200),
        ("/api/open", {}, 200),
        (f"/api/admin-only?code={FUNCTION}", {}, 401),
        (f"/api/admin-only?code={MASTER}", {}, 200),
        ("/runtime/webhooks/durabletask/instances/nope", {}, 401),
        (f"/runtime/webhooks/durabletask/instances/nope?code={FUNCTION}", {}, 401),
        ("/admin/host/status", {}, 401),
        ("/admin/host/status", {"x-functions-key": MASTER}, 200),
    ],
)
def test_key_levels(host: RunningDevhost, path: str, headers: dict[str, str], status: int) -> None:
    answer = call("GET", f"{host.url}{path}", headers=headers)
    assert answer.status == status
    if status == 401:
        assert answer.json()["error"] == "unauthorized"


def test_keys_from_the_environment_are_not_printed(host: RunningDevhost) -> None:
    log = host.log_text()
    assert "Keys: enforced" in log
    assert MASTER not in log and FUNCTION not in log


def test_generated_keys_are_printed_once_and_work(basic_app: Path, start_devhost) -> None:
    running = start_devhost(basic_app, require_keys=True)
    log = running.log_text()
    master = log.split("master key (generated): ")[1].split()[0]
    function = log.split("function key (generated): ")[1].split()[0]
    assert log.count(master) == 1
    assert call("GET", f"{running.url}/api/users/me?code={function}").status == 200
    assert call("GET", f"{running.url}/api/admin-only?code={master}").status == 200
    assert call("GET", f"{running.url}/api/admin-only?code={function}").status == 401

"""The shared devhost (``launch_app``): the restart between two tests leaves nothing of the first behind
— not its running orchestrations, not its tables or owner, not what the app held in memory."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest
from azure.data.tables.aio import TableServiceClient
from devhost.testing import RunningDevhost

from orchestrations.contract import lifecycle_instance_id
from tests.e2e.conftest import AppUnderTest, app_settings_for

pytestmark = pytest.mark.e2e


async def test_a_restart_between_tests_leaves_nothing_of_the_first_behind(
    launch_app: Callable[..., AppUnderTest],
    shared_devhost: Callable[..., RunningDevhost],
    app_dir: Path,
    azurite: str,
) -> None:
    app = launch_app()
    first, second = app.athlete_ids()[:2]
    status, _, _ = await app.connect(athlete_id=first)
    assert status == 200
    await app.wait_for("/api/stats")
    lifecycle = f"/runtime/webhooks/durabletask/instances/{lifecycle_instance_id(first)}"
    found, _, run = await app.request("GET", lifecycle)
    assert found == 202 and json.loads(run)["runtimeStatus"] == "Running", run  # 202: not finished

    # the stored snapshot goes; this process still answers from its read cache
    async with TableServiceClient.from_connection_string(azurite) as tables:
        await tables.delete_table(f"{app.table_prefix}Snapshots")
    got, _, body = await app.request("GET", "/api/stats")
    assert got == 200 and json.loads(body)["athlete"]["id"] == first, body[:300]

    # what the next test gets: the same devhost restarted with the same settings, the same tables
    env = {**app_settings_for(app.emulator, app.table_prefix), "CORS_ALLOWED_ORIGINS": "https://site.example"}
    host = shared_devhost(app_dir, env)
    assert host is app.host
    got, _, body = await app.request("GET", "/api/stats")
    assert (got, json.loads(body)["error"]) == (404, "no_snapshot_yet"), body[:300]  # the cache went too
    found, _, _ = await app.request("GET", lifecycle)
    assert found == 404  # the first test's eternal orchestration is not on the new task hub

    # and with a table prefix of its own, another athlete may connect first and own the app
    shared_devhost(app_dir, {**env, "TABLE_PREFIX": "t" + uuid.uuid4().hex[:12]})
    got, _, body = await app.request("GET", "/api/stats")
    assert (got, json.loads(body)["error"]) == (404, "no_default_athlete"), body[:300]
    status, page, _ = await app.connect(athlete_id=second)
    assert status == 200 and "Strava connected" in page, page[:300]
    _, stats = await app.wait_for("/api/stats")
    assert json.loads(stats)["athlete"]["id"] == second

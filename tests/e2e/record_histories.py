"""Record the orchestration histories the replay test (tests/orchestrations/test_replay.py) checks every
change against: ``make record-histories`` (``pytest tests/e2e/record_histories.py``; not collected by
``make test``, whose file pattern is ``test_*.py``).

The real app runs in devhost with Azurite and the Strava emulator; one athlete connects (token
lifecycle, history sync, snapshot), webhook events arrive (debouncer, activity events), then Strava
deauthorizes the app (deauthorization). Each instance's current execution is read from devhost's store
as it stands: the lifecycle still running, waiting on its timer, as every deploy meets it. The fixtures
are rewritten; a token or the client secret found in them fails the recording.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from devhost.durable.store import InstanceStore
from devhost.testing import RunningDevhost
from strava_emulator.testing import RunningEmulator

from orchestrations.activity_event import activity_event_instance_id
from orchestrations.contract import deauthorization_instance_id, debounce_instance_id
from tests.e2e.conftest import AppUnderTest, app_settings_for, browser_session
from tests.e2e.webhooks import (
    EMULATOR_FLAGS,
    WEBHOOK_SETTINGS,
    connected_and_subscribed,
    instance,
    wait_for_phase,
)
from tests.orchestrations.replay import HISTORIES

KEEP_PER_ORCHESTRATOR = 3  # the longest histories of each


async def wait_for_finished(app: AppUnderTest, instance_id: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while (await instance(app, instance_id) or {}).get("runtimeStatus") != "Completed":
        assert time.monotonic() < deadline, f"{instance_id} did not complete"
        await asyncio.sleep(0.1)


async def read_instances(connection_string: str, task_hub: str) -> list[dict[str, Any]]:
    store = InstanceStore(connection_string, task_hub)
    try:
        found = []
        for record in await store.list_records():
            loaded = await store.load(record)
            found.append(
                {
                    "name": record.name,
                    "instance_id": record.instance_id,
                    "status": record.status.value,
                    "input": record.input,
                    "history": [{k: v for k, v in e.items() if k != "IsPlayed"} for e in loaded.history],
                }
            )
        return found
    finally:
        await store.close()


async def test_record_histories(
    start_devhost: Callable[..., RunningDevhost],
    start_strava_emulator: Callable[..., RunningEmulator],
    azurite: str,
    table_prefix: str,
    app_dir: Path,
) -> None:
    hub = f"record{uuid.uuid4().hex[:12]}"
    emulator = start_strava_emulator(*EMULATOR_FLAGS)
    env = {**app_settings_for(emulator, table_prefix), **WEBHOOK_SETTINGS}
    async with browser_session() as http:
        app = AppUnderTest(
            start_devhost(app_dir, env=env, task_hub=hub), emulator, http, azurite, table_prefix
        )
        athlete_id, _ = await connected_and_subscribed(app)
        created = emulator.create_activity(athlete_id, name="Recorded Run", distance=5000.0)
        emulator.update_activity(created["id"], name="Recorded Run (renamed)")  # an activity event
        emulator.delete_activity(created["id"])  # another, of a delete
        emulator.wait_for_webhooks(settled=3)
        await wait_for_finished(app, activity_event_instance_id(created["id"]))
        await wait_for_phase(app, debounce_instance_id(athlete_id), "idle", timeout=60)
        secrets = [emulator.client_secret]
        for record in await app.stored_tokens():
            secrets += [record.access_token, record.refresh_token]
        before = await read_instances(azurite, hub)  # the lifecycle and debouncer still running
        assert emulator.deauthorize(athlete_id)["event_sent"]
        await wait_for_phase(app, deauthorization_instance_id(athlete_id), "deleted", timeout=60)
        after = await read_instances(azurite, hub)
    by_name: dict[str, dict[str, dict[str, Any]]] = {}
    for read in [*before, *after]:  # a later read of the same instance replaces the earlier one ...
        by_name.setdefault(read["name"], {})[read["instance_id"]] = read
    for read in before:  # ... but for the instances deauthorization ends: keep them running
        if read["status"] == "Running":
            by_name[read["name"]][read["instance_id"]] = read
    HISTORIES.mkdir(exist_ok=True)
    for old in HISTORIES.glob("*.json"):
        old.unlink()
    for name, instances in sorted(by_name.items()):
        kept = sorted(instances.values(), key=lambda i: -len(i["history"]))[:KEEP_PER_ORCHESTRATOR]
        text = json.dumps({"orchestrator": name, "instances": kept}, indent=1, sort_keys=True) + "\n"
        assert not [secret for secret in secrets if secret and secret in text], f"a token in {name}'s history"
        (HISTORIES / f"{name}.json").write_text(text)
    print(f"\nrecorded {', '.join(f'{n} ({len(i)})' for n, i in sorted(by_name.items()))} into {HISTORIES}")

"""The timer function as the app registers it: its schedule and bindings only (the job itself is
``scheduled/watchdog.py``, imported on its first run in a process: cold start, docs/architecture.md)."""

from __future__ import annotations

import azure.durable_functions as df
import azure.functions as func

bp = df.Blueprint()


@bp.timer_trigger(schedule="%SNAPSHOT_SCHEDULE%", arg_name="timer", run_on_startup=False)
@bp.durable_client_input(client_name="client")
async def scheduled_snapshots(timer: func.TimerRequest, client: df.DurableOrchestrationClient) -> None:
    from scheduled import watchdog

    return await watchdog.scheduled_snapshots(timer, client)

"""Serve one test app's durable runtime on a port until killed: ``python -m tests.durable.serve_app
<app name> <connection string> <task hub> <port> <clock ISO time>`` (used by the kill -9 recovery test).
Time stands still at the given moment (a ManualClock that nobody advances)."""

from __future__ import annotations

import asyncio
import sys
from datetime import datetime

from devhost.clock import ManualClock
from devhost.durable import DurableRuntime
from loopback.processes import LOOPBACK

from tests.durable.conftest import load_test_app


async def serve(app_name: str, connection_string: str, task_hub: str, port: int, now: datetime) -> None:
    index, _ = load_test_app(app_name)
    runtime = DurableRuntime(index, connection_string, task_hub, ManualClock(now))
    await runtime.start()
    await runtime.serve(LOOPBACK, port)
    await asyncio.Event().wait()


if __name__ == "__main__":
    moment = datetime.fromisoformat(sys.argv[5])
    asyncio.run(serve(sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), moment))

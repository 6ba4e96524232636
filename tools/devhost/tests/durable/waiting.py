"""Polling helpers for tests (the SDK's status object, read until a condition holds)."""

from __future__ import annotations

import asyncio
from typing import Any

FINAL = ("Completed", "Failed", "Terminated")


async def wait_status(client: Any, instance_id: str, wanted: tuple[str, ...], timeout: float = 15.0) -> Any:
    """Poll ``get_status`` until ``runtimeStatus`` is one of ``wanted``."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        status = await client.get_status(instance_id)
        current = status.runtime_status.value if status and status.runtime_status else None
        if current in wanted:
            return status
        assert loop.time() < deadline, f"{instance_id} still {current}, wanted {wanted}"
        await asyncio.sleep(0.03)


async def wait_done(client: Any, instance_id: str, timeout: float = 15.0) -> Any:
    return await wait_status(client, instance_id, FINAL, timeout)

"""Waiting for instance states through the SDK's status object."""

from __future__ import annotations

from typing import Any

from tests.polling import eventually

FINAL = ("Completed", "Failed", "Terminated")


async def wait_status(client: Any, instance_id: str, wanted: tuple[str, ...], timeout: float = 15.0) -> Any:
    """Poll ``get_status`` until ``runtimeStatus`` is one of ``wanted``."""

    async def reached() -> Any:
        status = await client.get_status(instance_id)
        current = status.runtime_status.value if status and status.runtime_status else None
        return status if current in wanted else None

    return await eventually(reached, timeout, f"{instance_id} to be one of {wanted}")


async def wait_done(client: Any, instance_id: str, timeout: float = 15.0) -> Any:
    return await wait_status(client, instance_id, FINAL, timeout)

"""Run one activity the way the Python worker does (doc section 3)."""

from __future__ import annotations

import asyncio
import inspect
import json
import time
from concurrent.futures import Executor
from dataclasses import dataclass
from typing import Any

import aiohttp
import azure.functions as func
from azure.functions.durable_functions import ActivityTriggerConverter

from devhost.execlog import log_execution
from devhost.functions import DurableFunction


@dataclass(frozen=True)
class ActivityOutcome:
    """``result`` (JSON text) on success, else ``reason`` and ``details`` for ``TaskFailed``."""

    result: str | None = None
    reason: str | None = None
    details: str | None = None

    @property
    def failed(self) -> bool:
        return self.reason is not None


async def run_activity(
    function: DurableFunction,
    input_text: str | None,
    executor: Executor,
    instance_id: str,
    client_binding: str | None = None,
) -> ActivityOutcome:
    """Decode the input, call the function (async on the loop, sync in ``executor``), encode.

    An activity with a durable client binding receives ``client_binding`` under its parameter name.
    """
    started = time.monotonic()
    try:
        value = ActivityTriggerConverter.decode(
            func.meta.Datum(type="json", value=input_text or "null"), trigger_metadata=None
        )
        kwargs = {function.binding_name: value}
        if function.client_param and client_binding is not None:
            kwargs[function.client_param] = client_binding
        if inspect.iscoroutinefunction(function.func):
            returned = await function.func(**kwargs)
        else:
            loop = asyncio.get_running_loop()
            returned = await loop.run_in_executor(executor, lambda: function.func(**kwargs))
            if inspect.isawaitable(returned):
                returned = await returned
        result = ActivityTriggerConverter.encode(returned, expected_type=None).value
    except Exception as exc:
        log_execution(
            "activity",
            function.name,
            time.monotonic() - started,
            f"Failed: {type(exc).__name__}",
            instance_id,
        )
        return failure(function.name, exc)
    log_execution("activity", function.name, time.monotonic() - started, "Succeeded", instance_id)
    return ActivityOutcome(result=str(result))


def failure(name: str, exc: BaseException) -> ActivityOutcome:
    """``TaskFailed`` texts: ``Activity function '<name>' failed: <Type>: <message>``."""
    kind = type(exc).__name__
    return ActivityOutcome(
        reason=f"Activity function '{name}' failed: {kind}: {exc}",
        details=f"{type(exc).__module__}.{type(exc).__qualname__}",
    )


async def run_http(session: aiohttp.ClientSession, input_text: str | None) -> ActivityOutcome:
    """The built-in HTTP activity behind ``context.call_http`` (no managed identity tokens)."""
    request: dict[str, Any] = json.loads(input_text or "{}") or {}
    if request.get("tokenSource"):
        return ActivityOutcome(reason="call_http with a token source is not supported by devhost", details="")
    headers = {str(k): str(v) for k, v in (request.get("headers") or {}).items()}
    try:
        async with session.request(
            str(request.get("method", "GET")),
            str(request["uri"]),
            data=request.get("content"),
            headers=headers,
        ) as response:
            body = await response.text()
            answer = {"statusCode": response.status, "headers": dict(response.headers), "content": body}
    except (aiohttp.ClientError, asyncio.TimeoutError, KeyError) as exc:
        return failure("BuiltIn::HttpActivity", exc)
    return ActivityOutcome(result=json.dumps(answer))

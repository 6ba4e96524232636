"""Call a user function as the Python worker does: keyword bindings, optional ``context``, async or sync."""

from __future__ import annotations

import asyncio
import inspect
import threading
import traceback
import uuid
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Any

import azure.functions as func
from azure.functions._abc import RetryContext, TraceContext  # the worker's context types


class _TraceContext(TraceContext):
    @property
    def trace_state(self) -> str:
        return ""

    @property
    def trace_parent(self) -> str:
        return ""

    @property
    def attributes(self) -> dict[str, str]:
        return {}


class _RetryContext(RetryContext):
    @property
    def retry_count(self) -> int:
        return 0

    @property
    def max_retry_count(self) -> int:
        return 0

    @property
    def exception(self) -> Any:
        return None


class InvocationContext(func.Context):
    """The ``context`` argument: a fresh invocation id per call."""

    def __init__(self, function_name: str, function_directory: Path) -> None:
        self._invocation_id = str(uuid.uuid4())
        self._function_name = function_name
        self._function_directory = str(function_directory)
        self._thread_local = threading.local

    @property
    def invocation_id(self) -> str:
        return self._invocation_id

    @property
    def thread_local_storage(self) -> type[threading.local]:
        return self._thread_local

    @property
    def function_name(self) -> str:
        return self._function_name

    @property
    def function_directory(self) -> str:
        return self._function_directory

    @property
    def trace_context(self) -> TraceContext:
        return _TraceContext()

    @property
    def retry_context(self) -> RetryContext:
        return _RetryContext()


@lru_cache(maxsize=1024)  # asked on every invocation; inspecting a signature costs more than a warm view
def wants_context(function: Callable[..., Any]) -> bool:
    """Whether the user function declares a ``context`` parameter."""
    try:
        return "context" in inspect.signature(function).parameters
    except (TypeError, ValueError):
        return False


async def call_function(
    function: Callable[..., Any],
    arguments: dict[str, Any],
    *,
    function_name: str,
    app_dir: Path,
) -> Any:
    """Call with keyword ``arguments`` (+ ``context`` if declared); sync functions run in a thread."""
    kwargs = dict(arguments)
    if wants_context(function):
        kwargs["context"] = InvocationContext(function_name, app_dir)
    if inspect.iscoroutinefunction(function):
        return await function(**kwargs)
    result = await asyncio.to_thread(function, **kwargs)
    if inspect.isawaitable(result):
        return await result
    return result


def describe_failure(error: BaseException) -> str:
    """``RuntimeError at function_app.py:62``: type and innermost location, never the message (secrets)."""
    frames = traceback.extract_tb(error.__traceback__)
    where = f" at {Path(frames[-1].filename).name}:{frames[-1].lineno}" if frames else ""
    return f"{type(error).__name__}{where}"

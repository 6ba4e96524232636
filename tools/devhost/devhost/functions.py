"""Load a Python v2 Functions app and index its functions by trigger kind.

This module is the seam between the two halves of devhost: the host side
(HTTP triggers, timers, keys) and the durable side (orchestrators, activities,
entities, the durable client). Both read the same :class:`FunctionIndex`.
"""

from __future__ import annotations

import importlib.util
import json
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import azure.functions as func

DurableKind = Literal["orchestrator", "activity", "entity"]


@dataclass(frozen=True)
class HttpFunction:
    """An HTTP-triggered function as the host routes it."""

    name: str
    route: str  # template without the /api prefix, e.g. "athletes/{athleteId:long}/stats"
    methods: tuple[str, ...]  # upper-case; empty means any method
    auth_level: str  # "ANONYMOUS", "FUNCTION" or "ADMIN"
    request_param: str  # keyword that receives the func.HttpRequest
    client_param: str | None  # keyword that receives the durable client JSON, if bound
    func: Callable[..., Any]


@dataclass(frozen=True)
class TimerFunction:
    """A timer-triggered function; ``schedule`` is raw (``%NAME%`` not yet resolved)."""

    name: str
    schedule: str
    run_on_startup: bool
    timer_param: str
    client_param: str | None
    func: Callable[..., Any]


@dataclass(frozen=True)
class DurableFunction:
    """An orchestrator, activity or entity function.

    ``name`` is the durable name callers use (the trigger's ``orchestration`` /
    ``activity`` / ``entityName`` setting, else the function name).
    The function is called as ``func(**{binding_name: payload})``, plus
    ``client_param=<client binding JSON>`` when it has a durable client binding.
    """

    name: str
    kind: DurableKind
    binding_name: str
    func: Callable[..., Any]
    client_param: str | None = None  # keyword for a durable client binding (activities may have one)


@dataclass
class FunctionIndex:
    """Every function of one app, grouped by what triggers it."""

    http: list[HttpFunction] = field(default_factory=list)
    timers: list[TimerFunction] = field(default_factory=list)
    durable: dict[str, DurableFunction] = field(default_factory=dict)  # key: durable name, lower-case

    def find_durable(self, name: str, kind: DurableKind) -> DurableFunction | None:
        """Durable names are matched case-insensitively, as the extension does."""
        found = self.durable.get(name.lower())
        return found if found is not None and found.kind == kind else None


def load_app(app_dir: Path, module: str = "function_app") -> func.FunctionApp:
    """Import ``app_dir/<module>.py`` with ``app_dir`` on ``sys.path`` and return its app object."""
    app_dir = app_dir.resolve()
    if str(app_dir) not in sys.path:
        sys.path.insert(0, str(app_dir))
    spec = importlib.util.spec_from_file_location(module, app_dir / f"{module}.py")
    if spec is None or spec.loader is None:
        raise FileNotFoundError(f"no {module}.py in {app_dir}")
    loaded = importlib.util.module_from_spec(spec)
    sys.modules[module] = loaded
    spec.loader.exec_module(loaded)
    apps = [v for v in vars(loaded).values() if isinstance(v, func.FunctionRegister)]
    if len(apps) != 1:
        raise RuntimeError(f"{module}.py must define exactly one FunctionApp, found {len(apps)}")
    return apps[0]  # type: ignore[return-value]


def forget_app(app_dir: Path) -> list[str]:
    """Drop every module loaded from ``app_dir`` from ``sys.modules`` (the next :func:`load_app`
    imports the app afresh, module-level state and all); returns their names."""
    root = str(app_dir.resolve()) + os.sep
    names = [
        name
        for name, module in list(sys.modules.items())
        if os.path.abspath(getattr(module, "__file__", None) or os.sep).startswith(root)
    ]
    for name in names:
        del sys.modules[name]
    importlib.invalidate_caches()
    return names


def index_functions(app: func.FunctionRegister) -> FunctionIndex:
    """Classify ``app.get_functions()`` (which may be called only once per app)."""
    index = FunctionIndex()
    for function in app.get_functions():
        bindings = [json.loads(raw) for raw in function.get_raw_bindings()]
        trigger = next(b for b in bindings if b["type"].lower().endswith("trigger"))
        client = next((b["name"] for b in bindings if b["type"] == "durableClient"), None)
        name = function.get_function_name()
        if name is None:
            raise ValueError("every function needs a name")
        user_function = function.get_user_function()
        kind = trigger["type"]
        if kind == "httpTrigger":
            index.http.append(
                HttpFunction(
                    name=name,
                    route=str(trigger.get("route") or name),
                    methods=tuple(m.upper() for m in trigger.get("methods") or ()),
                    auth_level=str(trigger.get("authLevel", "FUNCTION")).upper(),
                    request_param=trigger["name"],
                    client_param=client,
                    func=user_function,
                )
            )
        elif kind == "timerTrigger":
            index.timers.append(
                TimerFunction(
                    name=name,
                    schedule=trigger["schedule"],
                    run_on_startup=bool(trigger.get("runOnStartup", False)),
                    timer_param=trigger["name"],
                    client_param=client,
                    func=user_function,
                )
            )
        elif kind in _DURABLE_KINDS:
            durable_kind, setting = _DURABLE_KINDS[kind]
            durable_name = str(trigger.get(setting) or name)
            index.durable[durable_name.lower()] = DurableFunction(
                name=durable_name,
                kind=durable_kind,
                binding_name=trigger["name"],
                func=user_function,
                client_param=client,
            )
        else:
            raise ValueError(f"function {name!r}: trigger type {kind!r} is not supported by devhost")
    return index


_DURABLE_KINDS: dict[str, tuple[DurableKind, str]] = {
    "orchestrationTrigger": ("orchestrator", "orchestration"),
    "activityTrigger": ("activity", "activity"),
    "entityTrigger": ("entity", "entityName"),
}

"""Deploys and running orchestrations: every history the last release recorded
(tests/orchestrations/histories, ``make record-histories``) replays through the current code with the
same decisions, at every episode boundary (docs/deploying.md, "Changing orchestrators and activity
contracts")."""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from functools import cache
from typing import Any

import pytest
from azure.functions.decorators.function_app import FunctionBuilder

import activities
import orchestrations
from orchestrations.contract import RETIRED_ACTIVITY_NAMES
from tests.orchestrations.replay import HISTORIES, Recorded, load_fixtures, mismatches

from . import replay

FIXTURES = load_fixtures()


@cache
def orchestrator_functions() -> dict[str, tuple[Callable[..., Any], str]]:
    """Durable name -> (the SDK's orchestrator handle, its binding name), for every orchestrator the
    package defines (read from the blueprints' builders: indexing the app itself here would build the
    app's functions a second time in this process)."""
    found = {}
    for module_info in pkgutil.iter_modules(orchestrations.__path__):
        module = importlib.import_module(f"orchestrations.{module_info.name}")
        for value in vars(module).values():
            if not isinstance(value, FunctionBuilder):
                continue
            function = value.build()
            trigger = function.get_trigger()
            if trigger is not None and trigger.get_binding_name() == "orchestrationTrigger":
                name = getattr(trigger, "orchestration", None) or function.get_function_name()
                found[str(name)] = (function.get_user_function(), trigger.name)
    return found


def orchestrator_names() -> set[str]:
    return set(orchestrator_functions())


def test_every_orchestrator_has_recorded_histories() -> None:
    recorded = {fixture.orchestrator for fixture in FIXTURES}
    assert orchestrator_names() <= recorded, (
        f"record them: make record-histories ({orchestrator_names() - recorded})"
    )
    # a running lifecycle in its timer wait, the case every deploy meets
    assert any(f.orchestrator == "token_lifecycle" and f.status == "Running" for f in FIXTURES)


def test_the_fixtures_hold_no_token() -> None:
    text = "".join(path.read_text() for path in HISTORIES.glob("*.json"))
    for field in ("access_token", "refresh_token", "client_secret", "Bearer "):
        assert field not in text, field


@pytest.mark.parametrize("recorded", FIXTURES, ids=lambda r: r.label)
def test_a_recorded_history_replays_with_the_same_decisions(recorded: Recorded) -> None:
    function = orchestrator_functions().get(recorded.orchestrator)
    assert function is not None, f"orchestrator {recorded.orchestrator} is gone: instances of it would fail"
    assert list(replay.episodes(recorded.history)), "an empty recording"
    assert mismatches(recorded, *function) == []


def activity_names() -> set[str]:
    """Every activity name the activities package registers."""
    found = set()
    for module_info in pkgutil.iter_modules(activities.__path__):
        module = importlib.import_module(f"activities.{module_info.name}")
        for value in vars(module).values():
            if isinstance(value, FunctionBuilder):
                trigger = value.build().get_trigger()
                if trigger is not None and trigger.get_binding_name() == "activityTrigger":
                    found.add(str(getattr(trigger, "activity", None) or value.build().get_function_name()))
    return found


def test_a_retired_activity_name_is_still_registered_for_the_instances_that_scheduled_it() -> None:
    registered = activity_names()
    assert set(RETIRED_ACTIVITY_NAMES.values()) <= registered
    assert set(RETIRED_ACTIVITY_NAMES) <= registered, "an instance scheduled before the rename would fail"

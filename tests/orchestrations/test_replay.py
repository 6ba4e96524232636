"""Deploys and running orchestrations: every history the last release recorded
(tests/orchestrations/histories, ``make record-histories``) replays through the current code with the
same decisions, at every episode boundary (docs/deploying.md, "Changing orchestrators and activity
contracts")."""

from __future__ import annotations

from functools import cache

import pytest
from devhost.functions import FunctionIndex, index_functions, load_app

from tests.orchestrations.replay import HISTORIES, Recorded, load_fixtures, mismatches

from . import replay

FIXTURES = load_fixtures()


@cache
def app_index() -> FunctionIndex:
    return index_functions(load_app(HISTORIES.parents[2]))


def orchestrator_names() -> set[str]:
    return {f.name for f in app_index().durable.values() if f.kind == "orchestrator"}


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
    function = app_index().find_durable(recorded.orchestrator, "orchestrator")
    assert function is not None, f"orchestrator {recorded.orchestrator} is gone: instances of it would fail"
    assert list(replay.episodes(recorded.history)), "an empty recording"
    assert mismatches(recorded, function.func, function.binding_name) == []

"""The orchestrator functions as the app registers them: names and bindings only.

Each one runs the generator of the module named after it (``orchestrate``), imported on its first
replay in a process, so indexing the app compiles none of them (cold start, docs/architecture.md).
An import is no I/O the replay could see: the orchestrators stay deterministic.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

import azure.durable_functions as df

from orchestrations.contract import ATHLETE_DEAUTHORIZATION, STATS_SNAPSHOT, TOKEN_LIFECYCLE, WEBHOOK_DEBOUNCE
from orchestrations.history_contract import ACTIVITY_EVENT, HISTORY_SYNC

bp = df.Blueprint()


@bp.orchestration_trigger(context_name="context", orchestration=TOKEN_LIFECYCLE)
def token_lifecycle(context: df.DurableOrchestrationContext) -> Generator[Any, Any, Any]:
    from orchestrations.token_lifecycle import orchestrate

    return (yield from orchestrate(context))


@bp.orchestration_trigger(context_name="context", orchestration=STATS_SNAPSHOT)
def stats_snapshot(context: df.DurableOrchestrationContext) -> Generator[Any, Any, Any]:
    from orchestrations.stats_snapshot import orchestrate

    return (yield from orchestrate(context))


@bp.orchestration_trigger(context_name="context", orchestration=HISTORY_SYNC)
def history_sync(context: df.DurableOrchestrationContext) -> Generator[Any, Any, Any]:
    from orchestrations.history_sync import orchestrate

    return (yield from orchestrate(context))


@bp.orchestration_trigger(context_name="context", orchestration=ACTIVITY_EVENT)
def activity_event(context: df.DurableOrchestrationContext) -> Generator[Any, Any, Any]:
    from orchestrations.activity_event import orchestrate

    return (yield from orchestrate(context))


@bp.orchestration_trigger(context_name="context", orchestration=WEBHOOK_DEBOUNCE)
def webhook_debounce(context: df.DurableOrchestrationContext) -> Generator[Any, Any, Any]:
    from orchestrations.webhook_debounce import orchestrate

    return (yield from orchestrate(context))


@bp.orchestration_trigger(context_name="context", orchestration=ATHLETE_DEAUTHORIZATION)
def athlete_deauthorization(context: df.DurableOrchestrationContext) -> Generator[Any, Any, Any]:
    from orchestrations.deauthorization import orchestrate

    return (yield from orchestrate(context))

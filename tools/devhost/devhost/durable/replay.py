"""Call an orchestrator over its history and read what it decided (doc sections 1-2; pure)."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from devhost.durable.book import flatten_actions
from devhost.durable.events import Event

_ERROR_LABEL = "\n\n$OutOfProcData$:"
_CONTINUE_AS_NEW = 4


@dataclass
class ReplayResult:
    """The orchestrator's answer to one episode."""

    leaves: list[dict[str, Any]] = field(default_factory=list)
    done: bool = False
    output: str = "null"  # JSON text
    custom_status: str | None = None  # JSON text
    error: str | None = None  # set when the orchestrator failed
    continue_input: str | None = None  # JSON text, set on continue_as_new

    @property
    def continued(self) -> bool:
        return self.done and bool(self.leaves) and self.leaves[-1].get("actionType") == _CONTINUE_AS_NEW


def build_context(
    instance_id: str, parent_id: str | None, input_text: str | None, history: list[Event]
) -> str:
    """The context JSON for one call (schema V3 without timer-chunk durations, doc 1.1)."""
    return json.dumps(
        {
            "history": history,
            "input": input_text,
            "instanceId": instance_id,
            "isReplaying": False,
            "parentInstanceId": parent_id,
            "upperSchemaVersion": 1,
            "upperSchemaVersionNew": 2,
        }
    )


def run_orchestrator(handle: Callable[..., Any], binding_name: str, context_json: str) -> ReplayResult:
    """Call the SDK's orchestrator handle; a raised exception becomes a failed result."""
    try:
        answer = handle(**{binding_name: context_json})
    except Exception as exc:  # the SDK reports user failures by raising
        return failed_result(str(exc))
    return parse_state(answer if isinstance(answer, str) else json.dumps(answer))


def failed_result(message: str) -> ReplayResult:
    """Split the SDK's ``<error>$OutOfProcData$<state>`` message into error and custom status."""
    error, _, state_text = message.partition(_ERROR_LABEL)
    result = ReplayResult(done=True, error=error or "orchestrator failed")
    if state_text:
        try:
            state = json.loads(state_text)
        except ValueError:
            return result
        result.custom_status = _custom_status(state)
        result.leaves = flatten_actions(state.get("actions") or [])
    return result


def parse_state(text: str) -> ReplayResult:
    """Read ``{"isDone", "actions", "output", "customStatus"}`` as returned by the SDK."""
    state = json.loads(text)
    leaves = flatten_actions(state.get("actions") or [])
    result = ReplayResult(
        leaves=leaves,
        done=bool(state.get("isDone")),
        output=json.dumps(state.get("output")),
        custom_status=_custom_status(state),
    )
    if result.continued:
        result.continue_input = leaves[-1].get("input")
    return result


def _custom_status(state: dict[str, Any]) -> str | None:
    value = state.get("customStatus")
    return None if value is None else json.dumps(value)

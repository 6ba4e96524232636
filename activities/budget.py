"""The shared rate budget's edge: reserve calls before spending them, settle them with Strava's answer."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING

from activities.best_effort import record_quietly
from orchestrations.history_contract import BudgetDecision, BudgetRequest
from services import Services, services
from timestamps import format_utc

if TYPE_CHECKING:  # the budget's logic loads on the first reservation, not at indexing
    from rate_budget import BudgetState, Decision, Priority
    from strava.ratelimits import RateLimitUsage

log = logging.getLogger(__name__)
UNAVAILABLE_WAIT = timedelta(seconds=30)


def _state(raw: dict[str, object] | None) -> BudgetState:
    from rate_budget import BudgetState

    try:
        return BudgetState.from_json(raw) if raw else BudgetState()
    except ValueError:
        return BudgetState()  # a malformed row is rebuilt from the next response's headers


async def reserve_budget(request: BudgetRequest) -> BudgetDecision:
    """Grant ``calls`` now, or say until when the work must wait (it then sleeps on a durable timer).

    When the budget row cannot be read or written, the work is refused for ``UNAVAILABLE_WAIT`` (never
    granted blind, never an exception that fails the run), and the athlete's status names the problem
    (``rate_budget_unavailable``)."""
    svc = services()
    work = str(request["work"])
    try:
        decision = await reserve_calls(svc, int(request["calls"]), request["priority"], work)
    except Exception as error:
        kind, now = type(error).__name__, datetime.now(timezone.utc)
        log.error("rate budget: reservation for %s failed (%s)", work, kind)
        athlete_id = request.get("athlete_id")  # absent in runs started before it was sent
        if athlete_id is not None:
            facts = {"last_budget_error": kind, "last_budget_error_at": format_utc(now)}
            await record_quietly(svc.diagnostics, int(athlete_id), facts)
        until = now + UNAVAILABLE_WAIT
        reason = f"the rate budget could not be reserved ({kind}); asking again shortly"
        from rate_budget import Decision

        decision = Decision(False, until, reason)
    return {
        "granted": decision.granted,
        "until": format_utc(decision.until) if decision.until else None,
        "reason": decision.reason,
    }


async def reserve_calls(svc: Services, calls: int, priority: Priority, work: str) -> Decision:
    """Reserve ``calls`` in the shared budget: counted in flight until settled, or refused until a reset."""
    from rate_budget import reserve

    now = datetime.now(timezone.utc)

    def change(raw: dict[str, object] | None) -> tuple[dict[str, object], Decision]:
        state, decision = reserve(_state(raw), calls, priority, work, now, svc.settings.budget)
        return state.to_json(), decision

    return await svc.budget.change(change)


async def settle_calls(svc: Services, calls: int, reported: RateLimitUsage | None) -> None:
    """``calls`` reserved calls were answered (or given up); ``reported`` is the latest usage seen.
    Best effort, like diagnostics: a storage error never fails the call it settles (a retried fetch
    would call Strava again); an unsettled reservation lapses at the window's end."""
    from rate_budget import settle

    now = datetime.now(timezone.utc)

    def change(raw: dict[str, object] | None) -> tuple[dict[str, object], None]:
        return settle(_state(raw), calls, reported, now).to_json(), None

    try:
        await svc.budget.change(change)
    except Exception as error:
        log.warning("rate budget not settled (%s)", type(error).__name__)

"""What every orchestrator shares: the retry policy of each kind of activity call, and the sub-steps
written once (asking the lifecycle for a refresh, recording facts best effort). Deterministic."""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

import azure.durable_functions as df

from orchestrations.contract import RECORD_DIAGNOSTICS, REQUEST_TOKEN_REFRESH, DiagnosticFacts

# A storage blip or a lost race: three attempts, 2 s apart at first (snapshot, history, webhook work).
ACTIVITY_RETRY = df.RetryOptions(first_retry_interval_in_milliseconds=2_000, max_number_of_attempts=3)
# The token lifecycle's calls: slower retries, as a refresh holds the only copy of a rotated token.
TOKEN_RETRY = df.RetryOptions(first_retry_interval_in_milliseconds=5_000, max_number_of_attempts=3)
# Deauthorization's deletions: more attempts, as nothing else comes back to finish them.
CLEANUP_RETRY = df.RetryOptions(first_retry_interval_in_milliseconds=5_000, max_number_of_attempts=5)


def request_refresh(context: df.DurableOrchestrationContext, athlete_id: int) -> Generator[Any, Any, None]:
    """Ask the lifecycle for a refresh (stored, so it is answered). If even the retries fail, the caller
    waits and tries again anyway: it meets the 401 again and asks again, and the lifecycle refreshes on
    its schedule meanwhile."""
    try:
        yield context.call_activity_with_retry(REQUEST_TOKEN_REFRESH, ACTIVITY_RETRY, athlete_id)
    except Exception:
        context.set_custom_status({"phase": "refresh_request_failed"})


def record_facts(
    context: df.DurableOrchestrationContext, athlete_id: int, facts: DiagnosticFacts
) -> Generator[Any, Any, bool]:
    """Record facts for the status endpoint, best effort: a storage error never fails the work they
    describe. Returns whether they were recorded."""
    try:
        yield context.call_activity_with_retry(
            RECORD_DIAGNOSTICS, ACTIVITY_RETRY, {"athlete_id": athlete_id, "facts": facts}
        )
    except Exception:
        return False
    return True

"""Orchestrations: deterministic, no I/O; time from ``context.current_utc_datetime``. The client-side
starters that start and wake them are ``starters.py``, at the top level."""

from orchestrations import (
    activity_event,
    deauthorization,
    history_sync,
    stats_snapshot,
    token_lifecycle,
    webhook_debounce,
)

blueprints = (
    token_lifecycle.bp,
    stats_snapshot.bp,
    history_sync.bp,
    activity_event.bp,
    webhook_debounce.bp,
    deauthorization.bp,
)

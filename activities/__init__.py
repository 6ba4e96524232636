"""Activities: the only durable functions that do I/O. Each reads tokens from the store by athlete id,
does one job, and returns small JSON-safe results (never a token)."""

from activities import (
    activity_events,
    budget,
    deauthorization,
    fetch,
    history,
    history_scan,
    snapshots,
    tokens,
)

blueprints = (
    tokens.bp,
    fetch.bp,
    snapshots.bp,
    budget.bp,
    history.bp,
    history_scan.bp,
    activity_events.bp,
    deauthorization.bp,
)

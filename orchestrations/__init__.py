"""Orchestrations: deterministic, no I/O. Time comes from ``context.current_utc_datetime``."""

from orchestrations import stats_snapshot, token_lifecycle

blueprints = (token_lifecycle.bp, stats_snapshot.bp)

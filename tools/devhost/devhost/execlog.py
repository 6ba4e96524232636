"""One readable log line per function execution, shared by every part of devhost."""

from __future__ import annotations

import logging

logger = logging.getLogger("devhost")


def log_execution(kind: str, name: str, duration_s: float, outcome: str, instance: str | None = None) -> None:
    """Log e.g. ``activity fetch_athlete [token-lifecycle-42] 12ms Succeeded``.

    ``outcome`` is a short word or phrase (Succeeded, Failed: <ExceptionType>, 202 ...); never pass
    payloads, inputs or exception messages that could carry a secret.
    """
    where = f" [{instance}]" if instance else ""
    logger.info("%s %s%s %dms %s", kind, name, where, round(duration_s * 1000), outcome)

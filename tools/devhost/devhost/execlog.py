"""One readable log line per function execution, shared by every part of devhost."""

from __future__ import annotations

import logging

from devhost.logs import direct_handler

logger = logging.getLogger("devhost")


def log_execution(kind: str, name: str, duration_s: float, outcome: str, instance: str | None = None) -> None:
    """Log e.g. ``activity fetch_athlete [token-lifecycle-42] 12ms Succeeded``.

    ``outcome`` is a short word or phrase (Succeeded, Failed: <ExceptionType>, 202 ...); never pass
    payloads, inputs or exception messages that could carry a secret. Written straight to devhost's
    own handler when that is where the line would go (one per HTTP request: logging's record, caller
    lookup and formatting cost more than the request's routing), else through ``logging``.
    """
    where = f" [{instance}]" if instance else ""
    message = f"{kind} {name}{where} {round(duration_s * 1000)}ms {outcome}"
    handler = direct_handler(logger)
    if handler is not None:
        handler.write_info(logger.name, message)
    else:
        logger.info("%s", message)

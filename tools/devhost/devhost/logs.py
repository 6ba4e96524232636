"""devhost's log output: one stream, one line format, and a cheap path for the per-execution line."""

from __future__ import annotations

import logging
import sys
import time
from typing import TextIO

FORMAT = "%(asctime)s %(levelname)-7s %(name)s: %(message)s"


class LineHandler(logging.StreamHandler[TextIO]):
    """The root handler of ``python -m devhost``: ``FORMAT`` with logging's local ISO time
    (``2026-12-01 10:53:43,123``), computed once per second. :meth:`write_info` writes a line that is
    already formatted, through the same stream and lock, so both kinds of line appear in order."""

    def __init__(self, stream: TextIO) -> None:
        super().__init__(stream)
        self.setFormatter(_Formatter(FORMAT))

    def write_info(self, name: str, message: str) -> None:
        """The line ``logger(name).info(message)`` would write, without building a LogRecord."""
        line = f"{timestamp(time.time_ns())} INFO    {name}: {message}{self.terminator}"
        with self.lock:  # type: ignore[union-attr]  # created in Handler.__init__
            self.stream.write(line)
            self.stream.flush()


class _Formatter(logging.Formatter):
    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        if datefmt is not None:
            return super().formatTime(record, datefmt)
        return f"{_local_second(int(record.created))},{int(record.msecs):03d}"


_second: tuple[int, str] = (-1, "")


def _local_second(seconds: int) -> str:
    global _second  # a one-entry cache; a race only recomputes it
    cached = _second
    if cached[0] != seconds:
        cached = _second = (seconds, time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(seconds)))
    return cached[1]


def timestamp(now_ns: int) -> str:
    """logging's default ``asctime`` for ``now_ns``: local time, comma, milliseconds."""
    seconds, fraction = divmod(now_ns, 1_000_000_000)
    return f"{_local_second(seconds)},{fraction // 1_000_000:03d}"


def direct_handler(logger: logging.Logger) -> LineHandler | None:
    """The LineHandler that an INFO line of ``logger`` would reach, and only it (no filter, no other
    handler on the way), so that writing to it directly is what logging would do; else None."""
    if not logger.isEnabledFor(logging.INFO) or logger.filters or logger.handlers or not logger.propagate:
        return None
    parent = logger.parent
    while parent is not None and parent is not logging.root:
        if parent.handlers or not parent.propagate:
            return None
        parent = parent.parent
    handlers = logging.root.handlers
    if len(handlers) != 1:
        return None
    handler = handlers[0]
    if type(handler) is not LineHandler or handler.filters or handler.level > logging.INFO:
        return None
    return handler


def configure() -> None:
    """devhost's logging: INFO and up to stderr through one LineHandler; azure's SDK at WARNING."""
    logging.basicConfig(level=logging.INFO, handlers=[LineHandler(sys.stderr)])
    logging.getLogger("azure").setLevel(logging.WARNING)

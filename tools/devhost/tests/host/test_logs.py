"""devhost's log lines: the direct execution line is the line logging would write, in order."""

from __future__ import annotations

import io
import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager

from devhost.execlog import log_execution
from devhost.logs import FORMAT, LineHandler, direct_handler, timestamp


@contextmanager
def sole_root_handler() -> Iterator[tuple[LineHandler, io.StringIO]]:
    """A LineHandler as the only root handler, as ``python -m devhost`` sets it (pytest's own capture
    handlers are back afterwards)."""
    stream = io.StringIO()
    handler = LineHandler(stream)
    saved, level = logging.root.handlers[:], logging.root.level
    logging.root.handlers[:] = [handler]
    logging.root.setLevel(logging.INFO)
    try:
        yield handler, stream
    finally:
        logging.root.handlers[:] = saved
        logging.root.setLevel(level)


def test_the_time_is_loggings_own_asctime() -> None:
    record = logging.makeLogRecord({"msg": "x", "created": 1_764_586_423.987_654, "msecs": 987.0})
    assert LineHandler(io.StringIO()).format(record) == logging.Formatter(FORMAT).format(record)
    assert timestamp(1_764_586_423_987_654_321) == logging.Formatter().formatTime(record)


def test_a_direct_line_equals_the_logged_one_and_keeps_the_order() -> None:
    logger = logging.getLogger("devhost")
    with sole_root_handler() as (handler, stream):
        assert direct_handler(logger) is handler
        logger.info("before")
        log_execution("http", "GET /api/stats", 0.0123, "200")
        logging.getLogger("devhost.durable").warning("after")
    lines = stream.getvalue().splitlines()
    assert [line[24:] for line in lines] == [
        "INFO    devhost: before",
        "INFO    devhost: http GET /api/stats 12ms 200",
        "WARNING devhost.durable: after",
    ]
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}", line[:23]) for line in lines)


def test_any_other_route_for_the_line_goes_through_logging() -> None:
    logger = logging.getLogger("devhost")
    with sole_root_handler() as (handler, stream):
        second = io.StringIO()
        logging.root.addHandler(logging.StreamHandler(second))  # e.g. pytest's caplog: it gets the line too
        assert direct_handler(logger) is None
        log_execution("timer", "tick", 0.0, "Succeeded")
        logging.root.handlers[:] = [handler]
        logger.setLevel(logging.WARNING)
        try:
            assert direct_handler(logger) is None
            log_execution("timer", "tick", 0.0, "quiet")
        finally:
            logger.setLevel(logging.NOTSET)
        handler.addFilter(lambda record: True)
        assert direct_handler(logger) is None
    assert "timer tick 0ms Succeeded" in second.getvalue()
    assert "timer tick 0ms Succeeded" in stream.getvalue()
    assert "quiet" not in stream.getvalue()

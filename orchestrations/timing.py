"""When to refresh, how long to back off, how long to wait for a rate limit. Pure functions of time."""

from __future__ import annotations

from datetime import datetime, timedelta

from timestamps import parse_utc

MIN_BACKOFF = timedelta(seconds=30)
MAX_BACKOFF = timedelta(minutes=30)
FORCED_REFRESH_INTERVAL = timedelta(minutes=1)  # at most one forced refresh per athlete per minute
IDLE_FLOOR = timedelta(minutes=1)  # a cycle that got no new token waits this long ...
MIN_IDLE = timedelta(seconds=5)  # ... or, close to expiry, at least this long


def refresh_due_at(expires_at: datetime, margin: timedelta, earliest: datetime | None) -> datetime:
    """Refresh ``margin`` before expiry, but never before ``earliest`` (set after a cycle that did not
    refresh, or a failure, so a lifecycle can never spin on Strava)."""
    due = expires_at - margin
    return max(due, earliest) if earliest is not None else due


def forced_refresh_at(last_forced: datetime | None, now: datetime) -> datetime:
    """When a requested (forced) refresh may run: now, unless one ran within the last minute."""
    return now if last_forced is None else max(now, last_forced + FORCED_REFRESH_INTERVAL)


def idle_floor(now: datetime, margin: timedelta, expires_at: datetime) -> datetime:
    """The earliest next refresh after a cycle that got no new token: a minute (or a quarter of the
    margin, if longer), but halfway to expiry when that comes first; never sooner than 5 s."""
    wait = max(margin / 4, IDLE_FLOOR)
    if expires_at - now < 2 * wait:
        wait = max((expires_at - now) / 2, MIN_IDLE)
    return now + wait


def backoff(failures: int, expires_at: datetime | None, now: datetime) -> datetime:
    """When to try again after ``failures`` consecutive transient failures.

    Doubles from 30 s up to 30 min, but while the token is still valid it also stays within half of
    the time left, so several attempts fit before expiry.
    """
    delay = min(MIN_BACKOFF * (1 << min(max(failures - 1, 0), 16)), MAX_BACKOFF)
    if expires_at is not None and expires_at > now:
        delay = max(min(delay, (expires_at - now) / 2), timedelta(seconds=1))
    return now + delay


def rate_limit_wait(retry_at: str | None, now: datetime) -> datetime:
    """Wait until Strava's reported window reset (plus a second); never in the past."""
    if retry_at is None:
        return now + MIN_BACKOFF
    reset = parse_utc(retry_at) + timedelta(seconds=1)
    return max(reset, now + timedelta(seconds=1))

"""When to refresh, how long to back off, how long to wait for a rate limit. Pure functions of time."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

MIN_BACKOFF = timedelta(seconds=30)
MAX_BACKOFF = timedelta(minutes=30)
UNAUTHORIZED_GRACE = timedelta(seconds=5)


def from_epoch(seconds: int) -> datetime:
    return datetime.fromtimestamp(seconds, tz=timezone.utc)


def refresh_due_at(
    expires_at: datetime, margin: timedelta, now: datetime, earliest: datetime | None
) -> datetime:
    """Refresh ``margin`` before expiry, but never before ``earliest`` (set after a refresh that gave
    back the same token, so a lifecycle can never spin on Strava)."""
    due = expires_at - margin
    return max(due, earliest) if earliest is not None else due


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
    reset = datetime.fromisoformat(retry_at.replace("Z", "+00:00")) + timedelta(seconds=1)
    return max(reset, now + timedelta(seconds=1))


def normalized(moment: datetime) -> datetime:
    """The orchestration clock is UTC; make sure comparisons are between aware datetimes."""
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def iso(moment: datetime) -> str:
    """``2026-11-24T21:38:05Z``: the one timestamp format of statuses and diagnostics."""
    utc = normalized(moment).astimezone(timezone.utc).replace(microsecond=0)
    return utc.isoformat().replace("+00:00", "Z")

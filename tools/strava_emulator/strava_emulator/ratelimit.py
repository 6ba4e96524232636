"""Strava's two rate-limit buckets with 15-minute and daily windows (pure; time is an argument)."""

from __future__ import annotations

from dataclasses import dataclass

from strava_emulator.config import Limits

WINDOW_SECONDS = 15 * 60
DAY_SECONDS = 86400


def window_start(now: float) -> int:
    """Start of the 15-minute window holding ``now`` (windows begin at :00/:15/:30/:45 UTC)."""
    return int(now) - int(now) % WINDOW_SECONDS


def day_start(now: float) -> int:
    """00:00 UTC of ``now``'s day."""
    return int(now) - int(now) % DAY_SECONDS


def seconds_until_window_reset(now: float) -> float:
    return window_start(now) + WINDOW_SECONDS - now


@dataclass
class Bucket:
    """Usage of one bucket in the current 15-minute window and UTC day."""

    window: int = -1
    day: int = -1
    short_usage: int = 0
    daily_usage: int = 0

    def count(self, now: float) -> None:
        """Count one request, first rolling the windows forward if ``now`` left them."""
        self.roll(now)
        self.short_usage += 1
        self.daily_usage += 1

    def roll(self, now: float) -> None:
        if window_start(now) != self.window:
            self.window, self.short_usage = window_start(now), 0
        if day_start(now) != self.day:
            self.day, self.daily_usage = day_start(now), 0

    def over(self, limits: Limits) -> bool:
        return self.short_usage > limits.fifteen_min or self.daily_usage > limits.daily

    def usage_header(self) -> str:
        return f"{self.short_usage},{self.daily_usage}"


@dataclass
class RateLimiter:
    """Counts API requests in the overall and read buckets; rejected requests count too."""

    overall: Bucket
    read: Bucket

    @classmethod
    def fresh(cls) -> RateLimiter:
        return cls(Bucket(), Bucket())

    def count(self, now: float, is_read: bool) -> None:
        self.overall.count(now)
        if is_read:
            self.read.count(now)
        else:
            self.read.roll(now)

    def exceeded(self, overall: Limits, read: Limits) -> bool:
        return self.overall.over(overall) or self.read.over(read)

    def headers(self, overall: Limits, read: Limits) -> dict[str, str]:
        """The four headers, in the casing real responses use."""
        return {
            "X-Ratelimit-Limit": overall.header_value(),
            "X-Ratelimit-Usage": self.overall.usage_header(),
            "X-Readratelimit-Limit": read.header_value(),
            "X-Readratelimit-Usage": self.read.usage_header(),
        }

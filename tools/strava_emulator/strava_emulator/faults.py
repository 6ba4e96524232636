"""Seeded fault injection: latency, hangs, error statuses and malformed bodies."""

from __future__ import annotations

import random
from dataclasses import dataclass

from strava_emulator.config import EmulatorConfig


@dataclass(frozen=True)
class FaultPlan:
    """What to do to one request."""

    delay_seconds: float
    hang: bool
    error_status: int | None
    malformed: bool


class FaultDice:
    """One seeded random stream; every request draws the same number of values, so a
    sequence of requests meets the same faults in every run with the same seed."""

    def __init__(self, seed: int) -> None:
        self._rng = random.Random(seed)

    def plan(self, config: EmulatorConfig, method: str, paths: tuple[str, ...]) -> FaultPlan:
        jitter, hang, error, malformed = (self._rng.random() for _ in range(4))
        delay = (config.latency_ms + jitter * config.jitter_ms) / 1000
        return FaultPlan(
            delay_seconds=delay,
            hang=hang < config.hang_rate,
            error_status=_error_status(config, method, paths, error),
            malformed=malformed < config.malformed_rate,
        )


def _error_status(config: EmulatorConfig, method: str, paths: tuple[str, ...], draw: float) -> int | None:
    """The first matching rule whose cumulative fraction covers ``draw``."""
    threshold = 0.0
    for rule in config.error_rates:
        if rule.matches(method, paths):
            threshold += rule.fraction
            if draw < threshold:
                return rule.status
    return None


def truncate_json(body: bytes) -> bytes:
    """A body cut off halfway, as a dropped connection or a broken proxy would leave it."""
    return body[: max(1, len(body) // 2)]

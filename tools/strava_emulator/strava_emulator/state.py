"""Everything one running emulator holds: settings, data, tokens, counters and the clock."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from aiohttp import web

from strava_emulator.config import EmulatorConfig
from strava_emulator.data import generate_athletes
from strava_emulator.faults import FaultDice
from strava_emulator.holds import Holds
from strava_emulator.model import Activity, Athlete
from strava_emulator.ratelimit import RateLimiter
from strava_emulator.tokens import Rejection, TokenBook
from strava_emulator.webhooks import Subscription, WebhookCounters

Clock = Callable[[], float]


@dataclass
class Counters:
    """What ``GET /_emulator/stats`` reports."""

    requests: Counter[str] = field(default_factory=Counter)
    rejected_tokens: Counter[str] = field(default_factory=Counter)
    refreshes: Counter[str] = field(default_factory=Counter)
    exchanges: Counter[str] = field(default_factory=Counter)
    faults: Counter[str] = field(default_factory=Counter)
    webhooks: WebhookCounters = field(default_factory=WebhookCounters)

    def as_json(self, pending_webhooks: int = 0) -> dict[str, Any]:
        return {
            "requests": dict(self.requests),
            "rejected_tokens": {reason.value: self.rejected_tokens[reason.value] for reason in Rejection},
            "refreshes": {
                key: self.refreshes[key] for key in ("new_access_token", "same_access_token", "rejected")
            },
            "exchanges": {key: self.exchanges[key] for key in ("ok", "rejected", "athlete_cap")},
            "faults": {key: self.faults[key] for key in ("error", "hang", "malformed", "rate_limited")},
            "webhooks": self.webhooks.as_json(pending_webhooks),
        }


@dataclass
class EmulatorState:
    config: EmulatorConfig
    athletes: dict[int, Athlete]  # in generation order; the first approves by default
    wall_clock: Clock = time.time
    tokens: TokenBook = field(default_factory=TokenBook)
    limiter: RateLimiter = field(default_factory=RateLimiter.fresh)
    counters: Counters = field(default_factory=Counters)
    holds: Holds = field(default_factory=Holds)
    subscription: Subscription | None = None  # Strava allows one per app
    next_subscription_id: int = 120475
    dice: FaultDice = field(init=False)
    initial_config: EmulatorConfig = field(init=False)  # as started: what a restart goes back to

    def __post_init__(self) -> None:
        self.dice = FaultDice(self.config.seed)
        self.initial_config = replace(self.config)

    @classmethod
    def create(cls, config: EmulatorConfig, wall_clock: Clock = time.time) -> EmulatorState:
        athletes = generate_athletes(
            config.seed, config.athletes, config.activities, wall_clock(), config.history_days
        )
        return cls(config, {athlete.id: athlete for athlete in athletes}, wall_clock)

    def now(self) -> float:
        """Wall clock plus the configurable ``clock_offset`` (lets tests jump ahead)."""
        return self.wall_clock() + self.config.clock_offset

    def find_activity(self, activity_id: int) -> tuple[Athlete, Activity] | None:
        """The activity with that id and its athlete, whoever owns it."""
        for athlete in self.athletes.values():
            activity = athlete.activity(activity_id)
            if activity is not None:
                return athlete, activity
        return None

    def next_activity_id(self) -> int:
        return 1 + max(
            (item.id for athlete in self.athletes.values() for item in athlete.activities), default=0
        )

    def restart(self, config: EmulatorConfig | None = None) -> None:
        """Back to the state the emulator started in (data, tokens, subscription, counters, settings),
        from the settings it was started with, or as if started with ``config`` (which later restarts
        then go back to); parked requests go on first."""
        self.holds.release()
        start_config = config or self.initial_config
        fresh = EmulatorState.create(replace(start_config), self.wall_clock)
        fresh.initial_config = start_config
        vars(self).update(vars(fresh))

    def reset_counters(self) -> None:
        self.counters = Counters()
        self.limiter = RateLimiter.fresh()


STATE = web.AppKey("strava_emulator_state", EmulatorState)

"""Emulator settings: the startup flags and the modes that can change while it runs."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any

DEMO_CLIENT_ID = "12345"
DEMO_CLIENT_SECRET = "demo-secret"  # noqa: S105 - public, documented demo value
ALLOWED_STATUSES = (429, 500, 502, 503, 504)


@dataclass(frozen=True)
class Limits:
    """A rate-limit pair: requests per 15-minute window and per UTC day."""

    fifteen_min: int
    daily: int

    @classmethod
    def parse(cls, value: object) -> Limits:
        """From ``"200,2000"`` or ``[200, 2000]``."""
        parts = value.split(",") if isinstance(value, str) else value
        if not isinstance(parts, list | tuple) or len(parts) != 2:
            raise ValueError("a rate limit is '15MIN,DAILY'")
        short, daily = (as_int(part) for part in parts)
        if short < 0 or daily < 0:
            raise ValueError("rate limits must be >= 0")
        return cls(short, daily)

    def header_value(self) -> str:
        return f"{self.fifteen_min},{self.daily}"


@dataclass(frozen=True)
class ErrorRule:
    """Answer ``status`` to a ``fraction`` of requests on ``route`` ("GET /api/v3/athlete" or "*")."""

    route: str
    status: int
    fraction: float

    @classmethod
    def parse(cls, value: object) -> ErrorRule:
        """From ``"ROUTE=STATUS:FRACTION"`` or ``{"route": .., "status": .., "fraction": ..}``."""
        if isinstance(value, Mapping):
            route, status, fraction = value["route"], value["status"], value["fraction"]
        elif isinstance(value, str) and "=" in value and ":" in value:
            route, _, rest = value.rpartition("=")
            status, _, fraction = rest.partition(":")
        else:
            raise ValueError("an error rate is 'ROUTE=STATUS:FRACTION', e.g. '*=503:0.1'")
        rule = cls(str(route).strip(), as_int(status), parse_fraction(fraction))
        if rule.status not in ALLOWED_STATUSES:
            raise ValueError(f"error status must be one of {ALLOWED_STATUSES}")
        return rule

    def matches(self, method: str, paths: tuple[str, ...]) -> bool:
        return self.route == "*" or any(self.route == f"{method} {path}" for path in paths)


def as_int(value: object) -> int:
    """An int from JSON or text; booleans are not numbers here."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ValueError(f"not a number: {value!r}")
    return int(value)


def as_float(value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ValueError(f"not a number: {value!r}")
    return float(value)


def parse_fraction(value: object) -> float:
    fraction = as_float(value)
    if not 0.0 <= fraction <= 1.0:
        raise ValueError("a fraction lies between 0 and 1")
    return fraction


def parse_scopes(value: object) -> frozenset[str] | None:
    """A comma list (or JSON list) of scopes; ``None`` or ``""`` means "whatever was requested"."""
    if value is None or value == "":
        return None
    items = value.split(",") if isinstance(value, str) else list(value)  # type: ignore[call-overload]
    return frozenset(str(item).strip() for item in items if str(item).strip())


@dataclass
class EmulatorConfig:
    """Everything the emulator can be told; live-changeable fields are listed in ``LIVE_FIELDS``."""

    client_id: str = DEMO_CLIENT_ID
    client_secret: str = field(default=DEMO_CLIENT_SECRET, repr=False)
    callback_domains: tuple[str, ...] = ("localhost", "127.0.0.1")
    seed: int = 1
    athletes: int = 3
    activities: int = 400
    history_days: int = 3 * 365
    token_ttl: int = 21600
    code_ttl: int = 600
    deny: bool = False
    grant_scopes: frozenset[str] | None = None
    rotate: bool = True
    app_inactive: bool = False
    athlete_cap: int | None = None
    after_order: str = "newest_first"  # order of an ``after=`` page without ``before``: undocumented
    rate_limit: Limits = field(default_factory=lambda: Limits(200, 2000))
    read_rate_limit: Limits = field(default_factory=lambda: Limits(100, 1000))
    latency_ms: int = 0
    jitter_ms: int = 0
    error_rates: tuple[ErrorRule, ...] = ()
    malformed_rate: float = 0.0
    hang_rate: float = 0.0
    hang_seconds: float = 30.0
    clock_offset: float = 0.0
    webhook_retry_seconds: float = 1.0

    def refresh_margin(self) -> float:
        """Strava's "more than an hour left" rule, scaled to the TTL (3600 s of 21600 s)."""
        return self.token_ttl / 6

    def public_view(self) -> dict[str, Any]:
        """The settings as JSON-ready data, without the client secret."""
        view: dict[str, Any] = {}
        for item in fields(self):
            if item.name == "client_secret":
                continue
            value = getattr(self, item.name)
            if isinstance(value, Limits):
                value = value.header_value()
            elif isinstance(value, frozenset):
                value = sorted(value)
            elif item.name == "error_rates":
                value = [f"{rule.route}={rule.status}:{rule.fraction}" for rule in value]
            elif isinstance(value, tuple):
                value = list(value)
            view[item.name] = value
        return view


def _positive_int(value: object) -> int:
    number = as_int(value)
    if number < 1:
        raise ValueError("must be >= 1")
    return number


def _non_negative(value: object) -> float:
    number = as_float(value)
    if number < 0:
        raise ValueError("must be >= 0")
    return number


def _strict_bool(value: object) -> bool:
    if not isinstance(value, bool):
        raise ValueError("must be true or false")
    return value


AFTER_ORDERS = ("newest_first", "oldest_first")


def _choice(value: object, choices: tuple[str, ...]) -> str:
    if value not in choices:
        raise ValueError(f"one of {', '.join(choices)}")
    return str(value)


def _optional_cap(value: object) -> int | None:
    return None if value is None else _positive_int(value)


def _error_rules(value: object) -> tuple[ErrorRule, ...]:
    items = [value] if isinstance(value, str | Mapping) else list(value)  # type: ignore[call-overload]
    return tuple(ErrorRule.parse(item) for item in items)


LIVE_FIELDS: dict[str, Any] = {
    "token_ttl": _positive_int,
    "code_ttl": _positive_int,
    "deny": _strict_bool,
    "grant_scopes": parse_scopes,
    "rotate": _strict_bool,
    "app_inactive": _strict_bool,
    "athlete_cap": _optional_cap,
    "after_order": lambda value: _choice(value, AFTER_ORDERS),
    "rate_limit": Limits.parse,
    "read_rate_limit": Limits.parse,
    "latency_ms": lambda value: int(_non_negative(value)),
    "jitter_ms": lambda value: int(_non_negative(value)),
    "error_rates": _error_rules,
    "malformed_rate": parse_fraction,
    "hang_rate": parse_fraction,
    "hang_seconds": _non_negative,
    "clock_offset": as_float,
    "webhook_retry_seconds": _non_negative,
}


def apply_changes(config: EmulatorConfig, changes: Mapping[str, object]) -> list[str]:
    """Validate every change first, then apply them all; returns the changed names.

    Raises ``ValueError`` naming the first bad field, leaving ``config`` untouched.
    """
    parsed: dict[str, object] = {}
    for name, raw in changes.items():
        parser = LIVE_FIELDS.get(name)
        if parser is None:
            raise ValueError(f"unknown or fixed setting: {name!r}; live settings: {sorted(LIVE_FIELDS)}")
        try:
            parsed[name] = parser(raw)
        except (TypeError, ValueError, KeyError) as error:
            raise ValueError(f"bad value for {name!r}: {error}") from None
    for name, value in parsed.items():
        setattr(config, name, value)
    return sorted(parsed)

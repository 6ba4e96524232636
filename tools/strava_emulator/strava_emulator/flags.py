"""The command line's flags: ``python -m strava_emulator --port PORT [flags]``, and the emulator's
settings they make (also for ``POST /_emulator/reset`` with ``flags``)."""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from strava_emulator.config import (
    DEMO_CLIENT_ID,
    DEMO_CLIENT_SECRET,
    EmulatorConfig,
    ErrorRule,
    Limits,
    parse_fraction,
    parse_scopes,
)


def parser(parser_class: type[argparse.ArgumentParser] = argparse.ArgumentParser) -> argparse.ArgumentParser:
    p = parser_class(
        prog="python -m strava_emulator",
        description="A local Strava API v3 + OAuth emulator with seeded data, modes and faults. "
        "Test control API: GET /_emulator/stats, POST /_emulator/config, "
        "POST /_emulator/reset-counters, POST /_emulator/reset; data edits that send webhook events under "
        "/_emulator/athletes and /_emulator/activities.",
    )
    add = p.add_argument
    add("--host", default="127.0.0.1", help="address to bind (default %(default)s)")
    add("--port", type=int, default=8765, help="port to bind (default %(default)s)")
    add("--client-id", default=DEMO_CLIENT_ID, help="the registered app's client id (default %(default)s)")
    add(
        "--client-secret",
        default=DEMO_CLIENT_SECRET,
        help="its secret (default %(default)s, a public demo value)",
    )
    add(
        "--callback-domain",
        action="append",
        help="extra allowed redirect_uri host, repeatable (localhost and 127.0.0.1 are always allowed)",
    )
    add(
        "--token-ttl",
        type=int,
        default=21600,
        help="access token lifetime in seconds "
        "(default %(default)s); refresh returns the same token while more than TTL/6 is left",
    )
    add(
        "--code-ttl",
        type=int,
        default=600,
        help="authorization code lifetime in seconds (default %(default)s)",
    )
    add("--seed", type=int, default=1, help="seed for synthetic data and faults (default %(default)s)")
    add("--athletes", type=int, default=3, help="number of synthetic athletes (default %(default)s)")
    add(
        "--activities",
        type=int,
        default=400,
        help="activities per athlete (default %(default)s)",
    )
    add(
        "--history-days",
        type=int,
        default=3 * 365,
        help="days of history the activities spread over, ending yesterday (default %(default)s)",
    )
    add("--deny", action="store_true", help="the user denies: authorize redirects with error=access_denied")
    add(
        "--grant-scopes",
        type=parse_scopes,
        default=None,
        help="comma list the user ticks (default: all requested); read is always granted",
    )
    add(
        "--no-rotate",
        dest="rotate",
        action="store_false",
        help="keep refresh tokens "
        "(default: every refresh that issues a new access token also issues a new refresh token "
        "and kills the old one)",
    )
    add("--app-inactive", action="store_true", help="data calls get 403 Inactive; token refresh still works")
    add(
        "--athlete-cap",
        type=int,
        default=None,
        help="max connected athletes; beyond, authorize shows Strava's 403 HTML page (default: no cap)",
    )
    add(
        "--after-order",
        choices=("newest_first", "oldest_first"),
        default="newest_first",
        help="order of an after= page without before= (undocumented by Strava; default %(default)s)",
    )
    add(
        "--rate-limit",
        type=Limits.parse,
        default="200,2000",
        help="overall limit 15MIN,DAILY (default %(default)s)",
    )
    add(
        "--read-rate-limit",
        type=Limits.parse,
        default="100,1000",
        help="read limit 15MIN,DAILY (default %(default)s)",
    )
    add("--latency-ms", type=int, default=0, help="delay added to every request (default %(default)s)")
    add("--jitter-ms", type=int, default=0, help="extra random delay of 0..N ms (default %(default)s)")
    add(
        "--error-rate",
        type=ErrorRule.parse,
        action="append",
        default=[],
        metavar="ROUTE=STATUS:FRACTION",
        help="e.g. 'GET /api/v3/athlete=500:0.2' or '*=503:0.05'; repeatable; status 429/500/502/503/504",
    )
    add(
        "--malformed-rate",
        type=parse_fraction,
        default=0.0,
        help="fraction of 200 JSON bodies cut in half (default %(default)s)",
    )
    add(
        "--hang-rate",
        type=parse_fraction,
        default=0.0,
        help="fraction of requests that stall first (default %(default)s)",
    )
    add(
        "--hang-seconds",
        type=float,
        default=30.0,
        help="how long a stalled request waits (default %(default)s)",
    )
    add(
        "--webhook-retry-seconds",
        type=float,
        default=1.0,
        help="pause between the 3 attempts of a webhook delivery "
        "(default %(default)s; Strava's spacing is undocumented)",
    )
    return p


def config_from(args: argparse.Namespace) -> EmulatorConfig:
    return EmulatorConfig(
        client_id=args.client_id,
        client_secret=args.client_secret,
        callback_domains=("localhost", "127.0.0.1", *(args.callback_domain or [])),
        seed=args.seed,
        athletes=max(1, args.athletes),
        activities=max(0, args.activities),
        history_days=max(1, args.history_days),
        token_ttl=args.token_ttl,
        code_ttl=args.code_ttl,
        deny=args.deny,
        grant_scopes=args.grant_scopes,
        rotate=args.rotate,
        app_inactive=args.app_inactive,
        athlete_cap=args.athlete_cap,
        after_order=args.after_order,
        rate_limit=args.rate_limit,
        read_rate_limit=args.read_rate_limit,
        latency_ms=args.latency_ms,
        jitter_ms=args.jitter_ms,
        error_rates=tuple(args.error_rate),
        malformed_rate=args.malformed_rate,
        hang_rate=args.hang_rate,
        hang_seconds=args.hang_seconds,
        webhook_retry_seconds=args.webhook_retry_seconds,
    )


class FlagError(ValueError):
    """Flags that do not parse, or that a reset cannot change."""


class _RaisingParser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        raise FlagError(message)


LISTENING_FLAGS = ("--host", "--port")


def moves_listener(flags: Sequence[str]) -> bool:
    """Whether ``flags`` set where the emulator listens (``--host``, ``--port``)."""
    return any(flag.split("=", 1)[0] in LISTENING_FLAGS for flag in flags)


def config_from_flags(flags: Sequence[str]) -> EmulatorConfig:
    """The settings an emulator started with ``flags`` has; :class:`FlagError` if they do not parse or
    name where it listens (a running emulator cannot move)."""
    if moves_listener(flags):
        raise FlagError("--host and --port cannot change on a reset")
    return config_from(parser(_RaisingParser).parse_args(list(flags)))

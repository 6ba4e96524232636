"""App settings: one typed object, read from the environment (Functions app settings) and validated once."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from functools import lru_cache
from urllib.parse import urlsplit

from history.goals import Goal, parse_goals
from maps import MapPolicy, Zone, map_key, parse_zones
from rate_budget import BudgetPolicy
from storage.connection import StorageConnection, StorageConnectionError, storage_connection
from strava.client import StravaConfig
from strava.oauth import API_BASE, OAUTH_BASE, scopes_for

VISIBILITIES = ("everyone", "followers_only", "only_me")
MAP_MODES = ("off", "outline")
RETIRED_LOCATIONS = "SNAPSHOT_INCLUDE_LOCATIONS"  # before SNAPSHOT_MAPS: exact start points and polylines
# Settings infra/ sets to Key Vault references. One that does not resolve (no secret in the vault yet, or
# the app's identity cannot read it) reaches the app as its literal "@Microsoft.KeyVault(...)" text.
VAULT_SETTINGS = ("STRAVA_CLIENT_SECRET", "STRAVA_WEBHOOK_VERIFY_TOKEN")
_VAULT_REFERENCE = re.compile(r"\s*@Microsoft\.KeyVault\(", re.IGNORECASE)
_TABLE_PREFIX = re.compile(r"[A-Za-z][A-Za-z0-9]{0,51}")  # + "Diagnostics" stays within 63 characters


class SettingsError(ValueError):
    """A setting is missing or malformed; the message names the setting, never its value."""


@dataclass(frozen=True)
class TableNames:
    tokens: str
    snapshots: str
    states: str
    diagnostics: str
    activities: str
    history: str
    budget: str
    webhooks: str

    @classmethod
    def with_prefix(cls, prefix: str) -> TableNames:
        return cls(
            f"{prefix}Tokens",
            f"{prefix}Snapshots",
            f"{prefix}States",
            f"{prefix}Diagnostics",
            f"{prefix}Activities",
            f"{prefix}History",
            f"{prefix}Budget",
            f"{prefix}Webhooks",
        )


@dataclass(frozen=True)
class WebhookSettings:
    """Strava push subscription: the handshake token and how bursts of events are folded."""

    verify_token: str = field(repr=False)  # STRAVA_WEBHOOK_VERIFY_TOKEN; empty: webhooks are off
    debounce: timedelta  # quiet window after the latest event
    max_delay: timedelta  # a refresh at most this long after the first event of a burst


@dataclass(frozen=True)
class Settings:
    """Everything the app reads from its environment. See docs/settings.md."""

    storage: StorageConnection  # AzureWebJobsStorage, or its identity-based __* settings
    strava: StravaConfig
    tables: TableNames
    redirect_uri: str | None
    public_base_url: str | None  # PUBLIC_BASE_URL: scheme://host[:port] the app is reached at
    website_hostname: str | None  # WEBSITE_HOSTNAME, set by Azure (and Core Tools)
    refresh_margin: timedelta
    snapshot_activity_count: int
    allowed_athletes: frozenset[int]  # empty: the first athlete to connect owns the app
    default_athlete_id: int | None
    published_visibilities: frozenset[str]
    maps: MapPolicy | None  # SNAPSHOT_MAPS=outline (None: off), its radius and privacy zones
    cors_origins: tuple[str, ...]
    cache_max_age: int
    cache_revalidate: int  # seconds between the public read cache's storage checks
    state_ttl: timedelta
    goals: tuple[Goal, ...]  # SNAPSHOT_GOALS
    rescan_interval: timedelta  # HISTORY_RESCAN_DAYS
    sync_overlap: timedelta  # HISTORY_SYNC_OVERLAP_SECONDS
    budget: BudgetPolicy  # RATE_BUDGET_PERCENT, RATE_BUDGET_BACKGROUND_PERCENT
    webhooks: WebhookSettings
    unresolved: frozenset[str] = frozenset()  # VAULT_SETTINGS whose Key Vault reference did not resolve

    @property
    def oauth_scopes(self) -> tuple[str, ...]:
        """What the app asks Strava for: the narrowest the privacy settings need."""
        return scopes_for(self.published_visibilities)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        unresolved = frozenset(name for name in VAULT_SETTINGS if _VAULT_REFERENCE.match(env.get(name, "")))
        # an unresolved reference is no value: it is never sent to Strava nor compared with a token
        reader = _Reader({name: value for name, value in env.items() if name not in unresolved})
        try:
            storage = storage_connection(env)
        except StorageConnectionError as error:
            raise SettingsError(str(error)) from None
        settings = cls(
            storage=storage,
            strava=StravaConfig(
                client_id=reader.text("STRAVA_CLIENT_ID", ""),
                client_secret=reader.text("STRAVA_CLIENT_SECRET", ""),
                api_base=reader.text("STRAVA_API_BASE_URL", API_BASE).rstrip("/"),
                oauth_base=reader.text("STRAVA_OAUTH_BASE_URL", OAUTH_BASE).rstrip("/"),
                timeout_s=reader.integer("STRAVA_TIMEOUT_SECONDS", 15, low=1, high=120),
            ),
            tables=TableNames.with_prefix(reader.text("TABLE_PREFIX", "strava")),
            redirect_uri=reader.url("STRAVA_REDIRECT_URI", path_allowed=True),
            public_base_url=reader.url("PUBLIC_BASE_URL", path_allowed=False),
            website_hostname=reader.text("WEBSITE_HOSTNAME", "") or None,
            refresh_margin=timedelta(
                seconds=reader.integer("TOKEN_REFRESH_MARGIN_SECONDS", 1200, low=1, high=3599)
            ),
            snapshot_activity_count=reader.integer("SNAPSHOT_ACTIVITY_COUNT", 30, low=1, high=200),
            allowed_athletes=frozenset(reader.integers("ALLOWED_ATHLETE_IDS")),
            default_athlete_id=next(iter(reader.integers("DEFAULT_ATHLETE_ID")), None),
            published_visibilities=frozenset(reader.words("SNAPSHOT_VISIBILITY", "everyone", VISIBILITIES)),
            maps=map_policy(
                reader.text("SNAPSHOT_MAPS", "off").lower(),
                reader.integer("SNAPSHOT_MAP_PRIVACY_RADIUS_M", 500, low=100, high=10_000),
                reader.zones("SNAPSHOT_PRIVACY_ZONES"),
                map_key(reader.text("STRAVA_CLIENT_SECRET", "")),
            ),
            cors_origins=tuple(reader.words("CORS_ALLOWED_ORIGINS", "", None)),
            cache_max_age=reader.integer("STATS_CACHE_MAX_AGE_SECONDS", 15, low=0, high=86400),
            cache_revalidate=reader.integer("STATS_CACHE_REVALIDATE_SECONDS", 5, low=0, high=300),
            state_ttl=timedelta(seconds=reader.integer("OAUTH_STATE_TTL_SECONDS", 600, low=30, high=3600)),
            goals=reader.goals("SNAPSHOT_GOALS"),
            rescan_interval=timedelta(days=reader.integer("HISTORY_RESCAN_DAYS", 7, low=1, high=365)),
            sync_overlap=timedelta(
                seconds=reader.integer("HISTORY_SYNC_OVERLAP_SECONDS", 86400, low=0, high=30 * 86400)
            ),
            budget=BudgetPolicy(
                cap_percent=reader.integer("RATE_BUDGET_PERCENT", 80, low=1, high=100),
                background_percent=reader.integer("RATE_BUDGET_BACKGROUND_PERCENT", 50, low=1, high=100),
            ),
            webhooks=WebhookSettings(
                verify_token=reader.text("STRAVA_WEBHOOK_VERIFY_TOKEN", ""),
                debounce=timedelta(seconds=reader.integer("WEBHOOK_DEBOUNCE_SECONDS", 30, low=0, high=600)),
                max_delay=timedelta(
                    seconds=reader.integer("WEBHOOK_MAX_DELAY_SECONDS", 45, low=1, high=3600)
                ),
            ),
            unresolved=unresolved,
        )
        if settings.budget.background_percent > settings.budget.cap_percent:
            raise SettingsError("RATE_BUDGET_BACKGROUND_PERCENT must not exceed RATE_BUDGET_PERCENT")
        if settings.webhooks.max_delay < settings.webhooks.debounce:
            raise SettingsError("WEBHOOK_MAX_DELAY_SECONDS must not be below WEBHOOK_DEBOUNCE_SECONDS")
        if reader.boolean(RETIRED_LOCATIONS, False):  # refused, not ignored: it published start points
            raise SettingsError(
                f"{RETIRED_LOCATIONS} is retired: set SNAPSHOT_MAPS=outline (privacy-trimmed routes)"
            )
        if not settings.published_visibilities:
            raise SettingsError("SNAPSHOT_VISIBILITY must name at least one visibility")
        if not _TABLE_PREFIX.fullmatch(reader.text("TABLE_PREFIX", "strava")):
            raise SettingsError(
                "TABLE_PREFIX must be an ASCII letter, then at most 51 ASCII letters or digits"
            )
        return settings

    @property
    def strava_configured(self) -> bool:
        return bool(self.strava.client_id and self.strava.client_secret)

    @property
    def strava_setup_fix(self) -> str | None:
        """How to configure Strava, or None when it is: the body of every "Strava not configured"."""
        if "STRAVA_CLIENT_SECRET" in self.unresolved:
            return (
                "STRAVA_CLIENT_SECRET is a Key Vault reference that did not resolve. Store the secret "
                "(azd env set STRAVA_CLIENT_SECRET <Client Secret>, then azd provision) and check that the "
                "app's identity may read the vault (Key Vault Secrets User); the portal shows the "
                "reference's status under Environment variables."
            )
        if not self.strava_configured:
            return "Set STRAVA_CLIENT_ID and STRAVA_CLIENT_SECRET."
        return None


def map_policy(mode: str, radius_m: int, zones: tuple[Zone, ...], key: bytes) -> MapPolicy | None:
    """``SNAPSHOT_MAPS`` with its privacy settings: ``None`` (off, the default) or the outline policy,
    its hidden circles' offsets keyed from ``STRAVA_CLIENT_SECRET`` (unset: no route is published)."""
    if mode not in MAP_MODES:
        raise SettingsError(f"SNAPSHOT_MAPS may only be {' or '.join(MAP_MODES)}")
    return MapPolicy(key=key, radius_m=radius_m, zones=zones) if mode == "outline" else None


@lru_cache(maxsize=1)
def load_settings() -> Settings:
    """The process-wide settings, read on first use."""
    return Settings.from_env()


@dataclass(frozen=True)
class _Reader:
    env: Mapping[str, str]

    def text(self, name: str, default: str) -> str:
        return self.env.get(name, default).strip()

    def url(self, name: str, *, path_allowed: bool) -> str | None:
        """An absolute http(s) URL (without a trailing slash), or None when unset."""
        raw = self.text(name, "")
        if not raw:
            return None
        parts = urlsplit(raw)
        if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
            raise SettingsError(f"{name} must be an absolute http(s) URL without query")
        if not path_allowed and parts.path not in ("", "/"):
            raise SettingsError(f"{name} must be scheme://host[:port] without a path")
        return raw.rstrip("/")

    def integer(self, name: str, default: int, *, low: int, high: int) -> int:
        raw = self.text(name, "")
        if not raw:
            return default
        try:
            value = int(raw)
        except ValueError:
            raise SettingsError(f"{name} must be a whole number") from None
        if not low <= value <= high:
            raise SettingsError(f"{name} must be between {low} and {high}")
        return value

    def integers(self, name: str) -> list[int]:
        try:
            values = [int(part) for part in self.words(name, "", None)]
        except ValueError:
            raise SettingsError(f"{name} must be a comma-separated list of athlete ids") from None
        if any(value <= 0 for value in values):
            raise SettingsError(f"{name} must hold positive athlete ids")
        return values

    def words(self, name: str, default: str, allowed: tuple[str, ...] | None) -> list[str]:
        words = [part.strip() for part in self.text(name, default).split(",") if part.strip()]
        if allowed is not None and not set(words) <= set(allowed):
            raise SettingsError(f"{name} may only hold {', '.join(allowed)}")
        return words

    def goals(self, name: str) -> tuple[Goal, ...]:
        try:
            return parse_goals(self.text(name, ""))
        except ValueError:
            raise SettingsError(f"{name} must be a comma list like Run:1000km,Ride:5000km/year") from None

    def zones(self, name: str) -> tuple[Zone, ...]:
        try:
            return parse_zones(self.text(name, ""))
        except ValueError:
            raise SettingsError(
                f"{name} must be lat,lon,radius_m zones like 47.37,8.54,800;47.4,8.5,300"
            ) from None

    def boolean(self, name: str, default: bool) -> bool:
        raw = self.text(name, "").lower()
        if not raw:
            return default
        if raw in ("1", "true", "yes", "on"):
            return True
        if raw in ("0", "false", "no", "off"):
            return False
        raise SettingsError(f"{name} must be true or false")

"""Pure HTTP logic: conditional requests, CORS, the status diagnosis, settings."""

import gzip
from datetime import datetime, timedelta, timezone

import brotli
import pytest

from api.caching import DRAWN_BROTLI_QUALITY, cors_headers, encode, etag_matches
from api.diagnosis import Observations, diagnose
from orchestrations.timing import backoff, forced_refresh_at, idle_floor, rate_limit_wait, refresh_due_at
from settings import Settings, SettingsError

ETAG = '"sha256-abc"'
NOW = datetime(2026, 11, 24, 12, 0, tzinfo=timezone.utc)


@pytest.mark.parametrize(
    ("header", "matches"),
    [
        (None, False),
        ("", False),
        (ETAG, True),
        (f'"other", {ETAG}', True),
        (f"W/{ETAG}", True),
        ("*", True),
        ('"sha256-abd"', False),
    ],
)
def test_if_none_match(header, matches):
    assert etag_matches(header, ETAG) is matches


def test_drawn_bodies_are_compressed_at_a_quality_that_costs_a_render_not_a_hundred():
    """Every new option combination of the card or poster is drawn and compressed on the request; at
    brotli's best (11) a 60 kB poster took ~100-180 ms, ten times its drawing, for ~30% fewer bytes."""
    body = b"".join(
        b'<path d="M%d %dL%d %d" stroke="#fc4c02"/>' % (i, i * 7 % 97, i * 3, i % 13) for i in range(2000)
    )
    assert DRAWN_BROTLI_QUALITY <= 6
    assert encode(body, "br") == brotli.compress(body, quality=DRAWN_BROTLI_QUALITY) != brotli.compress(body)
    assert brotli.decompress(encode(body, "br")) == body == gzip.decompress(encode(body, "gzip"))


def test_cors_echoes_only_configured_origins():
    allowed = ("https://me.example",)
    assert cors_headers("https://me.example", allowed)["Access-Control-Allow-Origin"] == "https://me.example"
    assert "Access-Control-Allow-Origin" not in cors_headers("https://evil.example", allowed)
    assert cors_headers("https://any.example", ("*",))["Access-Control-Allow-Origin"] == "*"
    assert cors_headers(None, ())["Vary"] == "Origin"


def observations(**changes):
    fields = {
        "athlete_id": 42,
        "token_status": "active",
        "scopes": frozenset({"read", "activity:read_all"}),
        "expires_at": int((NOW + timedelta(hours=5)).timestamp()),
        "publish_consent": True,
        "lifecycle_runtime_status": "Running",
        "lifecycle_status": {"phase": "sleeping", "next_refresh_at": "2026-11-24T16:40:00Z"},
        "snapshot_run_status": "Completed",
        "snapshot_generated_at": NOW - timedelta(minutes=10),
        "snapshot_generation": 3,
        "facts": {"last_snapshot_outcome": "saved"},
        "authorize_url": "https://app.example/api/strava/authorize",
    }
    return Observations(**{**fields, **changes})


def test_healthy_diagnosis():
    status = diagnose(observations(), NOW)
    assert status["healthy"] is True
    assert status["token"]["expires_in_s"] == 5 * 3600
    assert status["snapshot"]["age_s"] == 600
    assert status["lifecycle"]["next_refresh_at"] == "2026-11-24T16:40:00Z"


@pytest.mark.parametrize(
    ("changes", "kind", "fix_mentions"),
    [
        ({"token_status": "reauthorization_required"}, "reauthorization_required", "/api/strava/authorize"),
        ({"lifecycle_runtime_status": "Failed"}, "lifecycle_stopped", "watchdog"),
        ({"lifecycle_runtime_status": "Suspended"}, "lifecycle_suspended", "resumes it"),
        ({"facts": {"last_refresh_error": "refresh_token_lost"}}, "refresh_token_lost", "cannot recover"),
        ({"facts": {"last_snapshot_error": "application_inactive"}}, "application_inactive", "subscription"),
        ({"facts": {"last_snapshot_error": "missing_scope"}}, "missing_scope", "your activities' checked"),
        (
            {"facts": {"last_snapshot_error": "rate_limited", "rate_limited_until": "2026-11-24T12:15:00Z"}},
            "rate_limited",
            "2026-11-24T12:15:00Z",
        ),
    ],
)
def test_each_problem_comes_with_its_fix(changes, kind, fix_mentions):
    status = diagnose(observations(**changes), NOW)
    assert status["healthy"] is False
    [found] = [p for p in status["problems"] if p["problem"] == kind]
    assert fix_mentions in found["fix"]


def test_refresh_timing():
    expires = NOW + timedelta(hours=6)
    assert refresh_due_at(expires, timedelta(minutes=20), None) == expires - timedelta(minutes=20)
    floor = NOW + timedelta(hours=7)
    assert refresh_due_at(expires, timedelta(minutes=20), floor) == floor
    assert backoff(1, None, NOW) == NOW + timedelta(seconds=30)
    assert backoff(50, None, NOW) == NOW + timedelta(minutes=30)
    assert backoff(5, NOW + timedelta(seconds=60), NOW) == NOW + timedelta(seconds=30)  # half the time left
    assert rate_limit_wait("2026-11-24T12:15:00Z", NOW) == datetime(
        2026, 11, 24, 12, 15, 1, tzinfo=timezone.utc
    )
    assert rate_limit_wait("2026-11-24T11:00:00Z", NOW) == NOW + timedelta(seconds=1)
    # a cycle without a new token waits a minute or a quarter margin, but never past half the time left
    margin = timedelta(minutes=20)
    assert idle_floor(NOW, margin, NOW + timedelta(hours=1)) == NOW + timedelta(minutes=5)
    assert idle_floor(NOW, timedelta(seconds=30), NOW + timedelta(hours=1)) == NOW + timedelta(minutes=1)
    assert idle_floor(NOW, timedelta(seconds=30), NOW + timedelta(seconds=40)) == NOW + timedelta(seconds=20)
    assert idle_floor(NOW, margin, NOW - timedelta(seconds=1)) == NOW + timedelta(seconds=5)  # never a spin
    assert forced_refresh_at(None, NOW) == NOW
    assert forced_refresh_at(NOW - timedelta(seconds=10), NOW) == NOW + timedelta(seconds=50)


def test_settings_defaults_and_validation():
    settings = Settings.from_env({"AzureWebJobsStorage": "UseDevelopmentStorage=true"})
    assert settings.refresh_margin == timedelta(minutes=20)
    assert settings.published_visibilities == frozenset({"everyone"})
    assert not settings.strava_configured
    with pytest.raises(SettingsError, match="AzureWebJobsStorage"):
        Settings.from_env({})
    with pytest.raises(SettingsError, match="TOKEN_REFRESH_MARGIN_SECONDS"):
        Settings.from_env({"AzureWebJobsStorage": "x", "TOKEN_REFRESH_MARGIN_SECONDS": "7200"})
    with pytest.raises(SettingsError, match="SNAPSHOT_VISIBILITY"):
        Settings.from_env({"AzureWebJobsStorage": "x", "SNAPSHOT_VISIBILITY": "public"})
    secret = Settings.from_env({"AzureWebJobsStorage": "x", "STRAVA_CLIENT_SECRET": "s3cr3t-value"})
    assert "s3cr3t-value" not in repr(secret)


def test_the_consent_page_says_what_publishing_shows():
    from api.oauth import published_summary

    default = Settings.from_env({"AzureWebJobsStorage": "x"})
    text = published_summary(default)
    assert "30 most recent activities visible to everyone" in text
    assert "without map data" in text
    opted = Settings.from_env(
        {
            "AzureWebJobsStorage": "x",
            "SNAPSHOT_VISIBILITY": "everyone,only_me",
            "SNAPSHOT_MAPS": "outline",
        }
    )
    assert "visible to everyone or only you" in published_summary(opted)
    assert "route outlines that leave out 500 m around each start and end" in published_summary(opted)


def test_history_settings_are_validated_by_name():
    base = {"AzureWebJobsStorage": "UseDevelopmentStorage=true"}
    settings = Settings.from_env({**base, "SNAPSHOT_GOALS": "Run:1000km, Ride:5000km/month"})
    assert [(g.sport_type, g.target_m, g.period) for g in settings.goals] == [
        ("Run", 1_000_000.0, "year"),
        ("Ride", 5_000_000.0, "month"),
    ]
    assert settings.budget.cap_percent == 80 and settings.budget.background_percent == 50
    assert settings.rescan_interval.days == 7 and settings.sync_overlap.total_seconds() == 86400
    assert settings.tables.activities == "stravaActivities" and settings.tables.budget == "stravaBudget"
    for name, value in (
        ("SNAPSHOT_GOALS", "Run=1000"),
        ("HISTORY_RESCAN_DAYS", "0"),
        ("RATE_BUDGET_PERCENT", "101"),
        ("RATE_BUDGET_BACKGROUND_PERCENT", "90"),
    ):
        with pytest.raises(SettingsError, match=name):
            Settings.from_env({**base, name: value})

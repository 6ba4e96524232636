"""Properties of the pure parsers, over generated input: athlete ids, ETags and conditional requests,
content codings, settings, and Strava's JSON and rate-limit headers."""

from __future__ import annotations

import contextlib
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from api.caching import choose_coding, etag_matches, http_date, not_modified, parse_http_date
from api.route_athlete import parse_athlete_id
from settings import Settings, SettingsError
from storage import InvalidKeyError, athlete_key
from storage.snapshot_codec import content_etag
from storage.tables import check_table_name
from strava.activity import SummaryActivity
from strava.errors import BadResponseError
from strava.models import Athlete, AthleteStats, TokenGrant
from strava.ratelimits import parse_rate_limit_headers

MAX_ID = 2**63 - 1
NOW = datetime(2026, 11, 24, 21, 38, 5, tzinfo=timezone.utc)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=6),
    max_leaves=20,
)


@given(st.integers(min_value=1, max_value=MAX_ID))
def test_every_positive_int64_id_round_trips(athlete_id: int) -> None:
    assert parse_athlete_id(str(athlete_id)) == athlete_id
    assert athlete_key(athlete_id) == athlete_key(str(athlete_id)) == str(athlete_id)


@given(st.text(max_size=30))
def test_route_ids_are_canonical_positive_int64_or_refused(raw: str) -> None:
    parsed = parse_athlete_id(raw)
    if parsed is None:
        return
    assert 1 <= parsed <= MAX_ID
    assert str(parsed) == raw  # no sign, no padding, no spaces, no other digits than ASCII


@given(st.integers().filter(lambda n: not 1 <= n <= MAX_ID))
def test_ids_outside_int64_are_refused(athlete_id: int) -> None:
    assert parse_athlete_id(str(athlete_id)) is None
    try:
        athlete_key(athlete_id)
    except InvalidKeyError:
        return
    raise AssertionError("accepted an id outside 1..2**63-1")


etags = st.binary(max_size=64).map(content_etag)


@given(etags, st.lists(etags, max_size=4), st.booleans(), st.booleans())
def test_if_none_match_finds_the_etag_in_any_list(
    etag: str, others: list[str], weak: bool, spaces: bool
) -> None:
    mine = f"W/{etag}" if weak else etag
    header = (", " if spaces else ",").join([*others, mine])
    assert etag_matches(header, etag)
    assert etag_matches(header, f"W/{etag}")
    assert etag_matches("*", etag)
    assert etag_matches(", ".join(others), etag) is (etag in others)


@given(st.text(max_size=80), etags)
def test_if_none_match_never_raises(header: str, etag: str) -> None:
    etag_matches(header, etag)


moments = st.datetimes(
    min_value=datetime(1971, 1, 1), max_value=datetime(2200, 1, 1), timezones=st.just(timezone.utc)
)


@given(moments, st.integers(min_value=-(10**6), max_value=10**6))
def test_if_modified_since_compares_whole_seconds(last_modified: datetime, offset_s: int) -> None:
    since = http_date(last_modified.replace(microsecond=0) + timedelta(seconds=offset_s))
    assert parse_http_date(since) == last_modified.replace(microsecond=0) + timedelta(seconds=offset_s)
    assert not_modified(None, since, '"x"', last_modified) is (offset_s >= 0)
    assert not_modified('"y"', since, '"x"', last_modified) is False  # If-None-Match decides


@given(st.text(max_size=60))
def test_any_if_modified_since_text_is_a_date_or_ignored(text: str) -> None:
    parsed = parse_http_date(text)
    assert parsed is None or parsed.tzinfo is not None


@pytest.mark.parametrize(
    "text",
    [
        "Mon, 07 Dec 99999999999999999 15:36:39 GMT",  # a year beyond C's long: OverflowError
        "Fri, 31 Dec 9999 23:00:00 -2300",  # valid, but past year 9999 in UTC
        "Mon, 07 Dec 10000 15:36:39 GMT",
        "Mon, 07 Dec 2026 99:36:39 GMT",
        "Mon, 07 Dec 2026 15:36:39 -9999",
    ],
)
def test_if_modified_since_out_of_datetime_range_is_ignored(text: str) -> None:
    assert parse_http_date(text) is None
    assert not_modified(None, text, '"x"', NOW) is False


codings = st.sampled_from(["br", "gzip", "x-gzip", "deflate", "identity", "*", "zstd", "BR", "GZip"])
qvalues = st.sampled_from(["", ";q=0", ";q=0.5", ";q=1", ";q=1.0", ";q=0.001", ";q=abc", ";q=2", ";q=nan"])


@given(st.lists(st.tuples(codings, qvalues), max_size=6))
def test_the_chosen_coding_is_one_the_client_accepts(items: list[tuple[str, str]]) -> None:
    header = ", ".join(name + q for name, q in items)
    chosen = choose_coding(header)
    assert chosen in (None, "br", "gzip")
    if chosen is None:
        return
    named = {("gzip" if n.lower() == "x-gzip" else n.lower()): q for n, q in items}
    q = named.get(chosen, named.get("*"))
    assert q is not None and q not in (";q=0", ";q=abc", ";q=2", ";q=nan")


@given(st.text(max_size=80))
def test_accept_encoding_never_raises(header: str) -> None:
    assert choose_coding(header) in (None, "br", "gzip")


setting_names = st.sampled_from(
    [
        "SNAPSHOT_ACTIVITY_COUNT",
        "STATS_CACHE_MAX_AGE_SECONDS",
        "STATS_CACHE_REVALIDATE_SECONDS",
        "TOKEN_REFRESH_MARGIN_SECONDS",
        "OAUTH_STATE_TTL_SECONDS",
        "STRAVA_TIMEOUT_SECONDS",
        "ALLOWED_ATHLETE_IDS",
        "DEFAULT_ATHLETE_ID",
        "SNAPSHOT_VISIBILITY",
        "SNAPSHOT_INCLUDE_LOCATIONS",
        "SNAPSHOT_MAPS",
        "SNAPSHOT_MAP_PRIVACY_RADIUS_M",
        "SNAPSHOT_PRIVACY_ZONES",
        "CORS_ALLOWED_ORIGINS",
        "TABLE_PREFIX",
    ]
)


setting_values = st.text(max_size=24) | st.text(max_size=12).map(lambda text: f"§{text}")


@given(st.dictionaries(setting_names, setting_values, max_size=5))
@settings(max_examples=300)
def test_settings_are_valid_or_refused_by_name_never_crash(values: dict[str, str]) -> None:
    env = {"AzureWebJobsStorage": "UseDevelopmentStorage=true", **values}
    try:
        parsed = Settings.from_env(env)
    except SettingsError as error:
        message = str(error)
    else:
        message = ""
    if message:
        assert any(name in message for name in values)
        assert "§" not in message  # the message names the setting, never its value
        return
    assert 1 <= parsed.snapshot_activity_count <= 200
    assert 0 <= parsed.cache_revalidate <= 300
    assert parsed.published_visibilities
    tables = parsed.tables
    for name in (tables.tokens, tables.snapshots, tables.states, tables.diagnostics):
        check_table_name(name)  # what the store will accept


@given(st.integers(min_value=0, max_value=300), st.integers(min_value=0, max_value=86400))
def test_cache_seconds_in_range_are_taken_as_given(revalidate: int, max_age: int) -> None:
    env = {
        "AzureWebJobsStorage": "UseDevelopmentStorage=true",
        "STATS_CACHE_REVALIDATE_SECONDS": f" {revalidate} ",
        "STATS_CACHE_MAX_AGE_SECONDS": str(max_age),
    }
    parsed = Settings.from_env(env)
    assert (parsed.cache_revalidate, parsed.cache_max_age) == (revalidate, max_age)


MODELS: list[Any] = [Athlete, AthleteStats, SummaryActivity, TokenGrant]


@given(st.sampled_from(MODELS), json_values)
@settings(max_examples=400)
def test_strava_json_of_any_shape_parses_or_fails_as_a_bad_response(model: Any, data: object) -> None:
    with contextlib.suppress(BadResponseError):
        model.from_json(data)


@given(
    st.dictionaries(
        st.sampled_from(
            [
                "id",
                "name",
                "sport_type",
                "start_date",
                "start_date_local",
                "distance",
                "moving_time",
                "elapsed_time",
                "visibility",
            ]
        ),
        json_values,
        max_size=9,
    )
)
def test_activities_with_missing_or_odd_fields_fail_cleanly(fields: dict[str, object]) -> None:
    base: dict[str, object] = {
        "id": 1,
        "name": "Run",
        "sport_type": "Run",
        "start_date": "2026-11-16T15:21:09Z",
        "start_date_local": "2026-11-16T18:21:09Z",
        "distance": 1.0,
        "moving_time": 1,
        "elapsed_time": 1,
    }
    with contextlib.suppress(BadResponseError):
        SummaryActivity.from_json({**base, **fields})


@given(
    st.dictionaries(
        st.sampled_from(
            ["X-RateLimit-Limit", "X-RateLimit-Usage", "X-ReadRateLimit-Limit", "X-ReadRateLimit-Usage"]
        ),
        st.text(max_size=16),
        max_size=4,
    )
)
def test_rate_limit_headers_of_any_text_never_raise(headers: dict[str, str]) -> None:
    parse_rate_limit_headers(headers, NOW)

"""error_for_response: every fault row of strava-api.md 1.5 and 2.5, plus odd bodies."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest

from strava.errors import (
    ApplicationInactiveError,
    AthleteLimitError,
    BadResponseError,
    ClientCredentialsError,
    FaultDetail,
    ForbiddenError,
    MissingScopeError,
    NotFoundError,
    RateLimitedError,
    ReauthorizationRequiredError,
    StravaError,
    StravaUnavailableError,
    UnauthorizedError,
    error_for_response,
)

NOW = datetime(2026, 7, 1, 14, 7, 30, tzinfo=timezone.utc)


def fault(message: str, *errors: tuple[str, str, str]) -> str:
    return json.dumps(
        {
            "message": message,
            "errors": [dict(zip(("resource", "field", "code"), e, strict=True)) for e in errors],
        }
    )


CASES = [
    # 1.5 OAuth errors
    (400, fault("Bad Request", ("Application", "client_id", "invalid")), ClientCredentialsError),
    (401, fault("Authorization Error", ("Application", "", "invalid")), ClientCredentialsError),
    (400, fault("Bad Request", ("AuthorizationCode", "code", "invalid")), ReauthorizationRequiredError),
    (400, fault("Bad Request", ("RequestToken", "code", "invalid")), ReauthorizationRequiredError),
    (400, fault("Bad Request", ("RefreshToken", "refresh_token", "invalid")), ReauthorizationRequiredError),
    (403, fault("Limit of connected athletes exceeded"), AthleteLimitError),
    (403, "Forbidden: Limit of connected athletes exceeded", AthleteLimitError),
    # 2.5 API errors
    (401, fault("Authorization Error", ("Athlete", "access_token", "invalid")), UnauthorizedError),
    (
        401,
        fault("Authorization Error", ("AccessToken", "activity:read_permission", "missing")),
        MissingScopeError,
    ),
    (404, fault("Record Not Found", ("Activity", "id", "invalid")), NotFoundError),
    (404, "", NotFoundError),
    (403, fault("Forbidden", ("Application", "Status", "Inactive")), ApplicationInactiveError),
    (403, fault("Forbidden", ("Athlete", "id", "invalid")), ForbiddenError),
    (429, fault("Rate Limit Exceeded", ("Application", "rate limit", "exceeded")), RateLimitedError),
    (
        429,
        json.dumps({"errors": "Rate Limit Exceeded", "status": 429, "message": "Too Many Requests"}),
        RateLimitedError,
    ),
    (500, json.dumps({"message": "error"}), StravaUnavailableError),
    (502, "<html><body><h1>502 Bad Gateway</h1></body></html>", StravaUnavailableError),
    (503, "<!DOCTYPE html><html>Service Unavailable</html>", StravaUnavailableError),
    (504, "", StravaUnavailableError),
    (400, fault("Bad Request", ("Application", "after", "future")), StravaError),
]


@pytest.mark.parametrize(("status", "body", "expected"), CASES)
def test_maps_status_and_body_to_the_documented_class(status: int, body: str, expected: type) -> None:
    error = error_for_response(status, body.encode(), {}, NOW, label="GET /x")
    assert type(error) is expected
    assert error.status == status
    assert str(error).startswith(f"GET /x: HTTP {status}")


def test_keeps_fault_details() -> None:
    body = fault("Authorization Error", ("Athlete", "access_token", "invalid"))
    error = error_for_response(401, body, {}, NOW)
    assert error.errors == (FaultDetail("Athlete", "access_token", "invalid"),)
    assert error.message == "HTTP 401 Authorization Error [Athlete.access_token invalid]"


def test_missing_scope_names_the_scope() -> None:
    body = fault("Authorization Error", ("AccessToken", "activity:read_permission", "missing"))
    error = error_for_response(401, body, {}, NOW)
    assert isinstance(error, MissingScopeError)
    assert error.missing_scope == "activity:read"
    assert not isinstance(error, UnauthorizedError)


def test_html_body_is_not_echoed() -> None:
    error = error_for_response(502, "<html><title>Bad Gateway</title></html>", {}, NOW)
    assert "html" not in str(error).lower()
    assert "non-JSON body" in str(error)
    assert error.errors == ()


def test_empty_body_is_described() -> None:
    assert "empty body" in str(error_for_response(404, b"", {}, NOW))
    assert "empty body" in str(error_for_response(500, None, {}, NOW))


def test_json_body_without_message_is_described() -> None:
    body = json.dumps({"errors": [{"resource": "Athlete", "field": "id", "code": "forbidden"}]})
    assert str(error_for_response(403, body, {}, NOW)) == "HTTP 403 no message [Athlete.id forbidden]"


def test_old_429_shape_keeps_both_texts() -> None:
    body = json.dumps({"errors": "Rate Limit Exceeded", "status": 429, "message": "Too Many Requests"})
    error = error_for_response(429, body, {}, NOW)
    assert "Too Many Requests" in str(error)
    assert "Rate Limit Exceeded" in str(error)
    assert error.errors == ()


def test_rate_limited_retry_at_is_the_next_window_with_usage() -> None:
    headers = {"X-Ratelimit-Limit": "200,2000", "X-Ratelimit-Usage": "201,900"}
    error = error_for_response(429, fault("Rate Limit Exceeded"), headers, NOW)
    assert isinstance(error, RateLimitedError)
    assert error.retry_at == datetime(2026, 7, 1, 14, 15, tzinfo=timezone.utc)
    assert error.usage is not None
    assert error.usage.usage_15min == 201


def test_rate_limited_on_daily_bucket_waits_for_midnight() -> None:
    headers = {
        "X-Ratelimit-Limit": "200,2000",
        "X-Ratelimit-Usage": "50,1500",
        "X-Readratelimit-Limit": "100,1000",
        "X-Readratelimit-Usage": "40,1000",
    }
    error = error_for_response(429, "", headers, NOW)
    assert isinstance(error, RateLimitedError)
    assert error.retry_at == datetime(2026, 7, 2, tzinfo=timezone.utc)


def test_rate_limited_without_headers_waits_for_the_window() -> None:
    error = error_for_response(429, "", {}, NOW)
    assert isinstance(error, RateLimitedError)
    assert error.usage is None
    assert error.retry_at == datetime(2026, 7, 1, 14, 15, tzinfo=timezone.utc)


def test_secrets_are_redacted_from_messages() -> None:
    body = json.dumps({"message": "bad token tok-SECRET-123", "errors": []})
    error = error_for_response(400, body, {}, NOW, secrets=["tok-SECRET-123", ""])
    assert "tok-SECRET-123" not in str(error)
    assert "[redacted]" in str(error)


def test_long_messages_are_bounded() -> None:
    error = error_for_response(500, json.dumps({"message": "x" * 5000}), {}, NOW)
    assert len(str(error)) < 300


def test_hierarchy_is_catchable_as_strava_error() -> None:
    for cls in (UnauthorizedError, BadResponseError, RateLimitedError, StravaUnavailableError):
        assert issubclass(cls, StravaError)

"""The one failure policy: every kind has its attributes and a fix; Strava errors map through it."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import get_args

import pytest

from orchestrations.failures import POLICIES, FailureKind, failure_from_error
from strava.errors import (
    ApplicationInactiveError,
    BadResponseError,
    ForbiddenError,
    MissingScopeError,
    RateLimitedError,
    ReauthorizationRequiredError,
    StravaError,
    StravaUnavailableError,
    TruncatedResponseError,
    UnauthorizedError,
)
from timestamps import format_utc, from_epoch, parse_utc


def test_every_kind_has_one_policy_with_a_fix() -> None:
    assert set(POLICIES) == set(get_args(FailureKind))
    for policy in POLICIES.values():
        assert policy.fix
        assert not (policy.transient and policy.ends_lifecycle)
    assert {k for k, p in POLICIES.items() if p.ends_lifecycle} == {
        "not_connected",
        "reauthorization_required",
        "refresh_token_lost",
    }
    assert {k for k, p in POLICIES.items() if p.transient} == {"unavailable", "bad_response"}


@pytest.mark.parametrize(
    ("error", "kind"),
    [
        (MissingScopeError("401", missing_scope="activity:read_all"), "missing_scope"),  # before its parent
        (UnauthorizedError("401"), "unauthorized"),
        (ReauthorizationRequiredError("400"), "reauthorization_required"),
        (ApplicationInactiveError("403"), "application_inactive"),
        (TruncatedResponseError("cut"), "bad_response"),
        (BadResponseError("bad"), "bad_response"),
        (StravaUnavailableError("503"), "unavailable"),
        (ForbiddenError("403", status=403), "rejected"),
        (StravaError("400", status=400), "rejected"),  # a 400 that is not about the grant
        (StravaError("422", status=422), "rejected"),
        (StravaError("408", status=408), "unavailable"),
        (StravaError("no answer"), "unavailable"),
    ],
)
def test_strava_errors_map_to_their_kind(error: Exception, kind: str) -> None:
    assert failure_from_error(error).kind == kind  # type: ignore[arg-type]


def test_a_refused_request_gives_up_and_does_not_claim_to_retry() -> None:
    policy = POLICIES[failure_from_error(ForbiddenError("403", status=403)).kind]
    assert policy.snapshot == "give_up" and not policy.transient
    assert "see the logs" in policy.fix and "retries by itself" not in policy.fix


def test_a_rate_limit_carries_its_reset_in_the_one_format() -> None:
    reset = datetime(2026, 11, 24, 12, 15, 0, 123456, tzinfo=timezone.utc)
    failure = failure_from_error(RateLimitedError("429", retry_at=reset, usage=None))
    assert failure.kind == "rate_limited" and failure.retry_at == "2026-11-24T12:15:00Z"


def test_the_one_timestamp_format_round_trips() -> None:
    moment = datetime(2026, 11, 24, 21, 38, 5, tzinfo=timezone.utc)
    assert format_utc(moment) == "2026-11-24T21:38:05Z"
    assert parse_utc("2026-11-24T21:38:05Z") == moment
    assert parse_utc("2026-11-24T22:38:05+01:00") == moment
    assert parse_utc("2026-11-24T21:38:05") == moment  # no zone: UTC
    assert format_utc(from_epoch(moment.timestamp())) == "2026-11-24T21:38:05Z"
    with pytest.raises(ValueError, match="isoformat"):
        parse_utc("yesterday")

"""One exception hierarchy for Strava faults, and the single pure function that picks the class.

Messages carry the HTTP status, Strava's ``message`` and its ``resource/field/code`` details,
never request bodies, query strings, tokens or secrets.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from strava.ratelimits import RateLimitUsage, parse_rate_limit_headers, retry_at

ATHLETE_LIMIT_TEXT = "Limit of connected athletes exceeded"
_MAX_MESSAGE = 200
_REDACTED = "[redacted]"
_GRANT_FIELDS = frozenset({"code", "refresh_token"})
_GRANT_RESOURCES = frozenset({"AuthorizationCode", "RequestToken", "RefreshToken"})


@dataclass(frozen=True)
class FaultDetail:
    """One entry of a Strava Fault's ``errors`` list."""

    resource: str
    field: str
    code: str

    def __str__(self) -> str:
        return f"{self.resource}.{self.field} {self.code}"


_INACTIVE = FaultDetail(resource="Application", field="Status", code="Inactive")


class StravaError(Exception):
    """Any failure talking to Strava."""

    def __init__(self, message: str, *, status: int | None = None, errors: Sequence[FaultDetail] = ()):
        super().__init__(message)
        self.message = message
        self.status = status
        self.errors: tuple[FaultDetail, ...] = tuple(errors)


class UnauthorizedError(StravaError):
    """401: the access token is invalid, expired or revoked (refresh once, then re-authorize)."""


class MissingScopeError(StravaError):
    """401: the token lacks a scope; re-authorize with it (no retry)."""

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        errors: Sequence[FaultDetail] = (),
        missing_scope: str,
    ):
        super().__init__(message, status=status, errors=errors)
        self.missing_scope = missing_scope


class ReauthorizationRequiredError(StravaError):
    """400 from the token endpoint: the code or refresh token is invalid, used or superseded."""


class ClientCredentialsError(StravaError):
    """Unknown client id or wrong client secret: an operator misconfiguration."""


class ApplicationInactiveError(StravaError):
    """403 Application/Status/Inactive: the app owner's account needs attention (no retry)."""


class AthleteLimitError(StravaError):
    """403: the app has reached its cap of connected athletes."""


class ForbiddenError(StravaError):
    """Any other 403."""


class NotFoundError(StravaError):
    """404: the record does not exist (or is not visible)."""


class RateLimitedError(StravaError):
    """429: wait until ``retry_at`` (UTC), the reset of the exhausted bucket."""

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        errors: Sequence[FaultDetail] = (),
        retry_at: datetime,
        usage: RateLimitUsage | None,
    ):
        super().__init__(message, status=status, errors=errors)
        self.retry_at = retry_at
        self.usage = usage


class StravaUnavailableError(StravaError):
    """5xx, timeouts and connection failures: transient, back off and retry."""


class BadResponseError(StravaError):
    """A response that is not the JSON Strava promises, or fails model validation."""


class TruncatedResponseError(BadResponseError):
    """The body ended early (connection dropped, or JSON cut off at its end): Strava may have done
    what was asked, but its answer did not arrive. Asking again is the only way to learn it."""


@dataclass(frozen=True)
class Fault:
    """What could be read from an error body."""

    message: str
    errors: tuple[FaultDetail, ...]
    text: str
    is_json: bool = True


def parse_fault(body: bytes | str | None) -> Fault:
    """Read Strava's Fault shape leniently; non-JSON bodies (CDN HTML) keep no message."""
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else (body or "")
    try:
        data = json.loads(text) if text.strip() else None
    except ValueError:
        data = None
    if not isinstance(data, dict):
        return Fault(message="", errors=(), text=text, is_json=False)
    message = data.get("message")
    raw_errors = data.get("errors")
    parts = [message] if isinstance(message, str) else []
    if isinstance(raw_errors, str):  # an old 429 shape: {"errors": "Rate Limit Exceeded", ...}
        parts.append(raw_errors)
    details = tuple(_detail(item) for item in raw_errors or () if isinstance(item, dict))
    return Fault(message=": ".join(parts), errors=details, text=text)


def _detail(item: Mapping[str, object]) -> FaultDetail:
    def text(key: str) -> str:
        value = item.get(key)
        return value if isinstance(value, str) else ""

    return FaultDetail(resource=text("resource"), field=text("field"), code=text("code"))


def redact(text: str, secrets: Iterable[str]) -> str:
    """Replace every non-empty secret in ``text``."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, _REDACTED)
    return text


def describe(label: str, status: int, fault: Fault) -> str:
    """``"<label>: HTTP <status> <message> [<details>]"``, bounded in length."""
    message = fault.message[:_MAX_MESSAGE] or _body_kind(fault)
    details = "; ".join(str(detail) for detail in fault.errors)
    suffix = f" [{details[:_MAX_MESSAGE]}]" if details else ""
    prefix = f"{label}: " if label else ""
    return f"{prefix}HTTP {status} {message}{suffix}"


def _body_kind(fault: Fault) -> str:
    if not fault.text.strip():
        return "empty body"
    return "no message" if fault.is_json else "non-JSON body"


def error_for_response(
    status: int,
    body: bytes | str | None,
    headers: Mapping[str, str],
    now: datetime,
    *,
    label: str = "",
    secrets: Iterable[str] = (),
) -> StravaError:
    """The typed error for a non-2xx response (``label`` like ``"GET /athlete"``, no query)."""
    fault = parse_fault(body)
    message = redact(describe(label, status, fault), secrets)
    if status == 429:
        usage = parse_rate_limit_headers(headers, now)
        return RateLimitedError(
            message, status=status, errors=fault.errors, retry_at=retry_at(usage, now), usage=usage
        )
    if status >= 500:
        return StravaUnavailableError(message, status=status, errors=fault.errors)
    cls = _client_error_class(status, fault)
    if cls is MissingScopeError:
        return MissingScopeError(
            message, status=status, errors=fault.errors, missing_scope=_missing_scope(fault)
        )
    return cls(message, status=status, errors=fault.errors)


def _client_error_class(status: int, fault: Fault) -> type[StravaError]:
    fields = {detail.field for detail in fault.errors}
    resources = {detail.resource for detail in fault.errors}
    if status == 400:
        if "client_id" in fields:
            return ClientCredentialsError
        if fields & _GRANT_FIELDS or resources & _GRANT_RESOURCES:
            return ReauthorizationRequiredError
        return StravaError
    if status == 401:
        if _missing_scope(fault):
            return MissingScopeError
        if "Application" in resources:
            return ClientCredentialsError
        return UnauthorizedError
    if status == 403:
        if _INACTIVE in fault.errors:
            return ApplicationInactiveError
        if ATHLETE_LIMIT_TEXT.lower() in fault.text.lower():
            return AthleteLimitError
        return ForbiddenError
    if status == 404:
        return NotFoundError
    return StravaError


def _missing_scope(fault: Fault) -> str:
    """``"activity:read"`` from a ``activity:read_permission``/``missing`` detail, else ``""``."""
    for detail in fault.errors:
        if detail.code == "missing" and detail.field.endswith("_permission"):
            return detail.field.removesuffix("_permission")
    return ""

"""OAuth codes and tokens with Strava's lifetime and rotation rules (pure; time is an argument)."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum


class Rejection(str, Enum):
    """Why an access token was refused; each reason has its own counter."""

    MISSING = "missing"
    UNKNOWN = "unknown"
    EXPIRED = "expired"
    REVOKED = "revoked"


class CodeInvalid(Exception):
    """The authorization code is unknown, expired or already used."""


class RefreshTokenInvalid(Exception):
    """The refresh token is unknown, revoked or superseded."""


@dataclass
class AccessToken:
    value: str = field(repr=False)
    athlete_id: int
    scopes: frozenset[str]
    expires_at: int
    revoked: bool = False


@dataclass
class RefreshToken:
    value: str = field(repr=False)
    athlete_id: int
    scopes: frozenset[str]
    access: AccessToken  # the newest access token issued through this grant
    live: bool = True


@dataclass
class AuthCode:
    athlete_id: int
    scopes: frozenset[str]
    expires_at: float


@dataclass(frozen=True)
class Issued:
    """What a token response carries; ``new_access`` says whether the access token changed."""

    access: AccessToken
    refresh: RefreshToken
    new_access: bool

    def response(self, now: float) -> dict[str, object]:
        return {
            "token_type": "Bearer",
            "access_token": self.access.value,
            "expires_at": self.access.expires_at,
            "expires_in": max(0, self.access.expires_at - int(now)),
            "refresh_token": self.refresh.value,
        }


def random_token() -> str:
    """40 hex characters, like Strava's tokens."""
    return secrets.token_hex(20)


@dataclass
class TokenBook:
    """Every code and token the emulator has issued, and which athletes are connected."""

    make_token: Callable[[], str] = random_token
    codes: dict[str, AuthCode] = field(default_factory=dict, repr=False)
    access_tokens: dict[str, AccessToken] = field(default_factory=dict, repr=False)
    refresh_tokens: dict[str, RefreshToken] = field(default_factory=dict, repr=False)

    def issue_code(self, athlete_id: int, scopes: frozenset[str], now: float, ttl: float) -> str:
        code = self.make_token()
        self.codes[code] = AuthCode(athlete_id, scopes, now + ttl)
        return code

    def peek_code(self, code: str, now: float) -> AuthCode:
        """The code's grant if it can still be exchanged; does not use it up."""
        grant = self.codes.get(code)
        if grant is None or grant.expires_at <= now:
            raise CodeInvalid
        return grant

    def exchange_code(self, code: str, now: float, ttl: int, rotate: bool) -> Issued:
        """Use up ``code``: a new access token; a new refresh token too unless ``rotate`` is off
        and the athlete already holds a live one (which then takes the new scopes)."""
        grant = self.peek_code(code, now)
        del self.codes[code]
        access = self._new_access(grant.athlete_id, grant.scopes, now, ttl)
        current = self._live_refresh(grant.athlete_id)
        if current is not None and not rotate:
            current.scopes, current.access = grant.scopes, access
            return Issued(access, current, new_access=True)
        for token in self.refresh_tokens.values():
            if token.athlete_id == grant.athlete_id:
                token.live = False
        return Issued(access, self._new_refresh(grant.athlete_id, grant.scopes, access), new_access=True)

    def refresh(self, value: str, now: float, ttl: int, margin: float, rotate: bool) -> Issued:
        """Strava's refresh: the same access token while it has more than ``margin`` seconds
        left; otherwise a new one, and (if ``rotate``) a new refresh token that kills the old."""
        token = self.refresh_tokens.get(value)
        if token is None or not token.live:
            raise RefreshTokenInvalid
        current = token.access
        if not current.revoked and current.expires_at - now > margin:
            return Issued(current, token, new_access=False)
        access = self._new_access(token.athlete_id, token.scopes, now, ttl)
        if not rotate:
            token.access = access
            return Issued(access, token, new_access=True)
        token.live = False
        return Issued(access, self._new_refresh(token.athlete_id, token.scopes, access), new_access=True)

    def check_access(self, value: str | None, now: float) -> AccessToken | Rejection:
        """The token if it may be used now, else why not."""
        if not value:
            return Rejection.MISSING
        token = self.access_tokens.get(value)
        if token is None:
            return Rejection.UNKNOWN
        if token.revoked:
            return Rejection.REVOKED
        if token.expires_at <= now:
            return Rejection.EXPIRED
        return token

    def athlete_of(self, value: str) -> int | None:
        """The athlete an access or refresh token belongs to, if it is known."""
        token = self.access_tokens.get(value) or self.refresh_tokens.get(value)
        return token.athlete_id if token is not None else None

    def revoke_athlete(self, athlete_id: int) -> None:
        """Deauthorize: every token and pending code of the athlete dies."""
        for access in self.access_tokens.values():
            if access.athlete_id == athlete_id:
                access.revoked = True
        for refresh in self.refresh_tokens.values():
            if refresh.athlete_id == athlete_id:
                refresh.live = False
        self.codes = {code: grant for code, grant in self.codes.items() if grant.athlete_id != athlete_id}

    def connected_athletes(self) -> set[int]:
        """Athletes holding a live refresh token (they count against the athlete cap)."""
        return {token.athlete_id for token in self.refresh_tokens.values() if token.live}

    def _live_refresh(self, athlete_id: int) -> RefreshToken | None:
        return next(
            (item for item in self.refresh_tokens.values() if item.athlete_id == athlete_id and item.live),
            None,
        )

    def _new_access(self, athlete_id: int, scopes: frozenset[str], now: float, ttl: int) -> AccessToken:
        token = AccessToken(self.make_token(), athlete_id, scopes, int(now) + ttl)
        self.access_tokens[token.value] = token
        return token

    def _new_refresh(self, athlete_id: int, scopes: frozenset[str], access: AccessToken) -> RefreshToken:
        token = RefreshToken(self.make_token(), athlete_id, scopes, access)
        self.refresh_tokens[token.value] = token
        return token

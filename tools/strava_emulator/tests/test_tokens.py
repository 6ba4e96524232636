"""TokenBook rules with injected time (pure unit tests)."""

from __future__ import annotations

import itertools

import pytest
from strava_emulator.tokens import AccessToken, CodeInvalid, RefreshTokenInvalid, Rejection, TokenBook

TTL, MARGIN = 600, 100
SCOPES = frozenset({"read", "activity:read"})


def _book() -> TokenBook:
    counter = itertools.count()
    return TokenBook(make_token=lambda: f"t{next(counter)}")


def _connected(book: TokenBook, now: float = 1000.0, rotate: bool = True):
    code = book.issue_code(7, SCOPES, now, ttl=60)
    return book.exchange_code(code, now, TTL, rotate)


def test_codes_are_single_use_and_expire():
    book = _book()
    code = book.issue_code(7, SCOPES, 1000, ttl=60)
    with pytest.raises(CodeInvalid):
        book.exchange_code(code, 1060, TTL, rotate=True)
    code = book.issue_code(7, SCOPES, 1000, ttl=60)
    book.exchange_code(code, 1059, TTL, rotate=True)
    with pytest.raises(CodeInvalid):
        book.exchange_code(code, 1059, TTL, rotate=True)


def test_refresh_keeps_token_until_margin_then_rotates():
    book = _book()
    issued = _connected(book)
    same = book.refresh(issued.refresh.value, 1000 + TTL - MARGIN - 1, TTL, MARGIN, rotate=True)
    assert not same.new_access and same.access is issued.access and same.refresh is issued.refresh
    assert same.response(1000 + TTL - MARGIN - 1)["expires_in"] == MARGIN + 1
    fresh = book.refresh(issued.refresh.value, 1000 + TTL - MARGIN, TTL, MARGIN, rotate=True)
    assert fresh.new_access and fresh.refresh.value != issued.refresh.value
    with pytest.raises(RefreshTokenInvalid):
        book.refresh(issued.refresh.value, 1000 + TTL - MARGIN, TTL, MARGIN, rotate=True)
    assert isinstance(book.check_access(issued.access.value, 1000 + TTL - 1), AccessToken)
    assert book.check_access(issued.access.value, 1000 + TTL) is Rejection.EXPIRED


def test_refresh_without_rotation_keeps_refresh_token():
    book = _book()
    issued = _connected(book, rotate=False)
    fresh = book.refresh(issued.refresh.value, 5000, TTL, MARGIN, rotate=False)
    assert fresh.new_access and fresh.refresh.value == issued.refresh.value
    again = book.refresh(issued.refresh.value, 5001, TTL, MARGIN, rotate=False)
    assert not again.new_access and again.access is fresh.access


def test_reconnect_with_rotation_kills_the_previous_refresh_token():
    book = _book()
    first = _connected(book)
    second = _connected(book, now=2000)
    with pytest.raises(RefreshTokenInvalid):
        book.refresh(first.refresh.value, 2000, TTL, MARGIN, rotate=True)
    assert book.refresh(second.refresh.value, 2000, TTL, MARGIN, rotate=True).access is second.access


def test_revoke_athlete_and_rejection_reasons():
    book = _book()
    issued = _connected(book)
    assert book.connected_athletes() == {7}
    assert book.check_access(None, 1000) is Rejection.MISSING
    assert book.check_access("nope", 1000) is Rejection.UNKNOWN
    book.revoke_athlete(book.athlete_of(issued.refresh.value) or 0)
    assert book.check_access(issued.access.value, 1000) is Rejection.REVOKED
    assert book.connected_athletes() == set()
    with pytest.raises(RefreshTokenInvalid):
        book.refresh(issued.refresh.value, 1000, TTL, MARGIN, rotate=True)


def test_token_reprs_hide_values():
    issued = _connected(_book())
    assert issued.access.value not in repr(issued.access)
    assert issued.refresh.value not in repr(issued)

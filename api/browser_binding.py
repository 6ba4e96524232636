"""The cookie that binds an OAuth authorization to the browser that started it (RFC 9700 §4.7).

``authorize`` sets it (HttpOnly, SameSite=Lax so Strava's top-level redirect back carries it, Secure
on https, scoped to the callback path); the state row keeps only a hash of its value.
"""

from __future__ import annotations

from http.cookies import SimpleCookie

from api import urls

BINDING_COOKIE = "strava_snapshot_oauth"


def binding_cookie(value: str, max_age: int, *, secure: bool) -> str:
    """The ``Set-Cookie`` value binding an authorization to this browser (``max_age=0`` clears it)."""
    cookie: SimpleCookie = SimpleCookie()
    cookie[BINDING_COOKIE] = value
    morsel = cookie[BINDING_COOKIE]
    morsel["path"] = urls.CALLBACK_PATH
    morsel["max-age"] = str(max_age)
    morsel["httponly"] = True
    morsel["samesite"] = "Lax"
    if secure:
        morsel["secure"] = True
    return morsel.OutputString()


def cookie_value(header: str | None, name: str) -> str | None:
    """The value of the first cookie named exactly ``name`` in a ``Cookie`` header, or None.

    Parsed loosely as a user agent sends it (RFC 6265 §5.4: pairs split on ``;``, name and value on
    the first ``=``), so another site's cookie that breaks stricter grammars (JSON, spaces, non-ASCII,
    stray quotes) does not hide this one.
    """
    for pair in (header or "").split(";"):
        key, equals, value = pair.partition("=")
        if equals and key.strip() == name:
            return value.strip() or None
    return None

"""Public URLs never come from an untrusted Host header; the OAuth binding cookie's attributes."""

from __future__ import annotations

import pytest

from api.browser_binding import BINDING_COOKIE, binding_cookie, cookie_value
from api.urls import callback_url, is_loopback, on_callback_origin, on_public_base, public_base
from settings import Settings, SettingsError


def settings(**env: str) -> Settings:
    return Settings.from_env({"AzureWebJobsStorage": "UseDevelopmentStorage=true", **env})


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.5.6.7", True),
        ("::1", True),
        ("[::1]", True),
        ("localhost", True),
        ("LOCALHOST", True),
        ("evil.127.0.0.1", False),
        ("127.0.0.1.evil.example", False),
        ("localhost.evil.example", False),
        ("10.0.0.1", False),
        ("attacker.example", False),
        ("", False),
        (None, False),
    ],
)
def test_loopback_means_exactly_loopback(host: str | None, loopback: bool) -> None:
    assert is_loopback(host) is loopback


def test_a_request_host_is_used_only_when_it_is_loopback() -> None:
    plain = settings()
    assert public_base("http://127.0.0.1:7071/api/strava/authorize", plain) == "http://127.0.0.1:7071"
    assert public_base("http://evil.127.0.0.1:7071/api/strava/authorize", plain) is None
    assert public_base("https://attacker.example/api/strava/authorize", plain) is None
    assert callback_url("https://attacker.example/api/x", plain) is None


def test_the_public_base_comes_from_settings_first() -> None:
    configured = settings(
        PUBLIC_BASE_URL="https://stats.example.org/", WEBSITE_HOSTNAME="app.azurewebsites.net"
    )
    assert public_base("https://attacker.example/x", configured) == "https://stats.example.org"
    azure = settings(WEBSITE_HOSTNAME="app.azurewebsites.net")
    assert public_base("https://attacker.example/x", azure) == "https://app.azurewebsites.net"
    assert (
        callback_url("https://attacker.example/x", azure)
        == "https://app.azurewebsites.net/api/strava/callback"
    )
    core_tools = settings(WEBSITE_HOSTNAME="localhost:7071")
    assert public_base("http://evil.example/x", core_tools) == "http://localhost:7071"
    # in development the browser's own loopback address wins, so cookie and callback share a host
    assert public_base("http://127.0.0.1:7071/x", core_tools) == "http://127.0.0.1:7071"
    # on Azure a Host header that claims loopback changes nothing
    assert public_base("http://127.0.0.1/x", azure) == "https://app.azurewebsites.net"
    redirect = settings(STRAVA_REDIRECT_URI="https://me.example/api/strava/callback")
    assert public_base("http://evil.example/x", redirect) == "https://me.example"
    assert callback_url("http://evil.example/x", redirect) == "https://me.example/api/strava/callback"


def test_management_urls_move_onto_the_public_base_never_the_request_host() -> None:
    status = "http://10.0.0.4/runtime/webhooks/durabletask/instances/stats-snapshot-1?taskHub=h&code=k"
    configured = settings(PUBLIC_BASE_URL="https://stats.example.org")
    assert on_public_base(status, "https://attacker.example/api/x", configured) == (
        "https://stats.example.org/runtime/webhooks/durabletask/instances/stats-snapshot-1?taskHub=h&code=k"
    )
    # no trusted base: the host's own origin stays, the request's is never taken
    assert on_public_base(status, "https://attacker.example/api/x", settings()) == status


def test_authorize_moves_once_to_the_configured_callbacks_origin() -> None:
    azd = settings(
        WEBSITE_HOSTNAME="app.azurewebsites.net",
        STRAVA_REDIRECT_URI="https://app.azurewebsites.net/api/strava/callback",
    )
    custom = "https://stats.example.org/api/strava/authorize?publish=yes&code=k"
    moved = "https://app.azurewebsites.net/api/strava/authorize?publish=yes&code=k&moved=1"
    assert on_callback_origin(custom, azd) == moved
    assert on_callback_origin(moved, azd) is None  # there the hosts agree: no second redirect
    assert on_callback_origin("https://APP.azurewebsites.net/api/strava/authorize", azd) is None
    # a proxy that rewrites the host of a moved request again: it stays (no redirect loop)
    assert on_callback_origin(moved.replace("app.azurewebsites.net", "10.0.0.4"), azd) is None
    # the target is the configured origin whatever Host the request claims
    assert on_callback_origin("http://evil.example/api/strava/authorize", azd) == (
        "https://app.azurewebsites.net/api/strava/authorize?moved=1"
    )
    other_port = settings(STRAVA_REDIRECT_URI="http://127.0.0.1:7072/api/strava/callback")
    assert on_callback_origin("http://127.0.0.1:7071/api/strava/authorize?publish=no", other_port) == (
        "http://127.0.0.1:7072/api/strava/authorize?publish=no&moved=1"
    )
    # no configured callback (development on loopback, or an untrusted host): nothing to move to
    assert on_callback_origin("http://127.0.0.1:7071/api/strava/authorize", settings()) is None
    assert on_callback_origin("https://attacker.example/api/strava/authorize", settings()) is None


@pytest.mark.parametrize(
    "value",
    ["stats.example.org", "ftp://stats.example.org", "https://stats.example.org/app", "https://x?y=1"],
)
def test_a_malformed_public_base_url_is_a_settings_error(value: str) -> None:
    with pytest.raises(SettingsError, match="PUBLIC_BASE_URL"):
        settings(PUBLIC_BASE_URL=value)


def test_the_binding_cookie_is_httponly_lax_scoped_and_secure_on_https() -> None:
    plain = binding_cookie("v4lue", 600, secure=False)
    assert plain.startswith(f"{BINDING_COOKIE}=v4lue")
    attributes = {part.strip().split("=")[0].lower() for part in plain.split(";")[1:]}
    assert {"httponly", "samesite", "path", "max-age"} <= attributes and "secure" not in attributes
    assert "SameSite=Lax" in plain and "Path=/api/strava/callback" in plain and "Max-Age=600" in plain
    assert "Secure" in binding_cookie("v4lue", 600, secure=True)


def test_cookie_values_are_read_from_the_header() -> None:
    assert cookie_value(f"a=1; {BINDING_COOKIE}=abc-_1", BINDING_COOKIE) == "abc-_1"
    assert cookie_value("a=1", BINDING_COOKIE) is None
    assert cookie_value(None, BINDING_COOKIE) is None
    assert cookie_value('bad"cookie', BINDING_COOKIE) is None
    assert cookie_value(f"{BINDING_COOKIE}=", BINDING_COOKIE) is None
    assert cookie_value(f"x{BINDING_COOKIE}=1; {BINDING_COOKIE}x=2", BINDING_COOKIE) is None
    assert cookie_value(f"{BINDING_COOKIE}=first; {BINDING_COOKIE}=second", BINDING_COOKIE) == "first"


@pytest.mark.parametrize(
    "other",
    ['x={"k":"v"}', "x=a b", "x=é", "bad@name=1", 'x="unterminated', "novalue", "=anonymous", ""],
)
def test_another_sites_malformed_cookie_does_not_hide_the_binding(other: str) -> None:
    for header in (f"{other}; {BINDING_COOKIE}=abc-_1", f"{BINDING_COOKIE}=abc-_1; {other}"):
        assert cookie_value(header, BINDING_COOKIE) == "abc-_1", header


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:99999/api/strava/authorize",
        "http://127.0.0.1:0/api/strava/authorize",
        "http:///api/strava/authorize",
        "http://[::1]:123456/api/strava/authorize",
    ],
)
def test_an_odd_port_the_host_lets_through_never_raises(url: str) -> None:
    """Kestrel passes any port of digits (``:99999``) to the worker: URL building must not fail."""
    for configured in (settings(), settings(STRAVA_REDIRECT_URI="https://app.example/api/strava/callback")):
        on_callback_origin(url, configured)
        callback_url(url, configured)
        on_public_base("http://127.0.0.1:7071/x", url, configured)

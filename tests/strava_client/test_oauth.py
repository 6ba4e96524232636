"""Authorize URL and scope parsing (pure)."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import aiohttp
import pytest

from strava import DEFAULT_SCOPES, StravaClient, StravaConfig, granted_scopes
from strava.oauth import build_authorize_url


async def test_client_builds_the_documented_authorize_url() -> None:
    config = StravaConfig(
        client_id="12345", client_secret="not-in-url", oauth_base="https://example.test/oauth/"
    )
    async with aiohttp.ClientSession() as session:
        url = StravaClient(config, session).authorize_url("https://app.test/cb?x=1", "st&ate")
    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == "https://example.test/oauth/authorize"
    assert parse_qs(parts.query) == {
        "client_id": ["12345"],
        "redirect_uri": ["https://app.test/cb?x=1"],
        "response_type": ["code"],
        "approval_prompt": ["auto"],
        "scope": [",".join(DEFAULT_SCOPES)],
        "state": ["st&ate"],
    }
    assert "scope=read,activity:read_all" in url
    assert "not-in-url" not in url


def test_rejects_unknown_prompt_and_empty_scopes() -> None:
    with pytest.raises(ValueError, match="approval_prompt"):
        build_authorize_url("https://x/oauth", "1", "http://localhost/cb", "s", ["read"], "always")
    with pytest.raises(ValueError, match="scope"):
        build_authorize_url("https://x/oauth", "1", "http://localhost/cb", "s", [])


def test_config_repr_hides_the_secret() -> None:
    assert "hush" not in repr(StravaConfig(client_id="1", client_secret="hush"))


@pytest.mark.parametrize(
    ("param", "expected"),
    [
        ("read,activity:read_all", {"read", "activity:read_all"}),
        ("read, activity:read ,", {"read", "activity:read"}),
        ("", set()),
        (None, set()),
    ],
)
def test_granted_scopes(param: str | None, expected: set[str]) -> None:
    assert granted_scopes(param) == frozenset(expected)

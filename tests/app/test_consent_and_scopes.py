"""The consent page quotes Strava's rule as Strava words it, and the app asks for the narrowest scope."""

from __future__ import annotations

import html
from types import SimpleNamespace
from typing import Any

import azure.functions as func
import pytest

from api.oauth import STRAVA_DISPLAY_RULE, _consent_page
from settings import Settings
from strava.oauth import scopes_for


def settings(**env: str) -> Settings:
    return Settings.from_env({"AzureWebJobsStorage": "UseDevelopmentStorage=true", **env})


def consent_text(configured: Settings) -> str:
    request = func.HttpRequest("GET", "http://127.0.0.1:7071/api/strava/authorize", body=b"", params={})
    svc: Any = SimpleNamespace(settings=configured)
    return html.unescape(_consent_page(request, svc, invalid=False).get_body().decode())


@pytest.mark.parametrize(
    ("visibilities", "activity_scope"),
    [
        ("everyone", "activity:read"),
        ("everyone,followers_only", "activity:read"),
        ("everyone,only_me", "activity:read_all"),
        ("only_me", "activity:read_all"),
    ],
)
def test_the_narrowest_scope_the_privacy_settings_need(visibilities: str, activity_scope: str) -> None:
    configured = settings(SNAPSHOT_VISIBILITY=visibilities)
    assert configured.oauth_scopes == ("read", activity_scope)
    assert scopes_for(configured.published_visibilities) == ("read", activity_scope)
    assert f"read, {activity_scope}" in consent_text(configured)


def test_the_consent_page_quotes_the_agreement_and_never_claims_it_allows_publishing() -> None:
    text = consent_text(settings())
    assert (
        "can only be displayed or disclosed in your Developer Application to that user" in STRAVA_DISPLAY_RULE
    )
    assert STRAVA_DISPLAY_RULE in text
    assert "your own decision" in text
    assert "lets your data be shown" not in text and "allows" not in text.lower()
    assert "does not grant permission" in text


def test_private_is_one_click_away_and_offered_first() -> None:
    page = consent_text(settings())
    private = page.index("Connect, private (not published)")
    assert private < page.index("Connect and publish my stats")
    assert 'href="/api/strava/authorize?publish=no"' in page

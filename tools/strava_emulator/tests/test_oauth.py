"""OAuth over real loopback HTTP: authorize, exchange, refresh rules, rotation, revocation, athlete cap."""

from __future__ import annotations

import base64

from tests.calls import api_get, authorize, connect, exchange, post_token, refresh

CODE_INVALID = {
    "message": "Bad Request",
    "errors": [{"resource": "AuthorizationCode", "field": "code", "code": "invalid"}],
}
REFRESH_INVALID = {
    "message": "Bad Request",
    "errors": [{"resource": "RefreshToken", "field": "refresh_token", "code": "invalid"}],
}
TOKEN_INVALID = {
    "message": "Authorization Error",
    "errors": [{"resource": "Athlete", "field": "access_token", "code": "invalid"}],
}


async def test_authorize_redirects_with_code_scope_and_state(session, strava_emulator):
    query = await authorize(session, strava_emulator, scope="activity:read_all,profile:read_all", state="xyz")
    assert query["state"] == "xyz"
    assert query["scope"] == "read,activity:read_all,profile:read_all"
    assert len(query["code"]) == 40

    without_state = await authorize(session, strava_emulator, scope="read")
    assert without_state["state"] == ""
    assert without_state["scope"] == "read"


async def test_authorize_scope_is_literal_comma_list(session, strava_emulator):
    params = {
        "client_id": "12345",
        "redirect_uri": "http://localhost:7071/cb?x=1",
        "response_type": "code",
        "scope": "activity:read",
    }
    async with session.get(
        f"{strava_emulator.oauth_base}/authorize", params=params, allow_redirects=False
    ) as r:
        assert r.headers["Location"].startswith("http://localhost:7071/cb?x=1&state=&code=")
        assert r.headers["Location"].endswith("&scope=read,activity:read")


async def test_authorize_rejects_bad_requests_like_strava(session, strava_emulator):
    good = {
        "client_id": "12345",
        "redirect_uri": "http://127.0.0.1/cb",
        "response_type": "code",
        "scope": "read",
    }
    cases = [
        ({"client_id": "999"}, "Application", "client_id"),
        ({"redirect_uri": "https://evil.example.com/cb"}, "Application", "redirect_uri"),
        ({"response_type": "token"}, "Application", "response_type"),
        ({"scope": "read,bogus"}, "Application", "scope"),
        ({"athlete_id": "1"}, "Athlete", "athlete_id"),
    ]
    for change, resource, field in cases:
        url = f"{strava_emulator.oauth_base}/authorize"
        async with session.get(url, params={**good, **change}, allow_redirects=False) as response:
            assert response.status == 400, change
            assert await response.json() == {
                "message": "Bad Request",
                "errors": [{"resource": resource, "field": field, "code": "invalid"}],
            }


async def test_deny_and_grant_scopes_modes(session, strava_emulator):
    strava_emulator.configure(deny=True)
    denied = await authorize(session, strava_emulator, state="s1")
    assert denied == {"state": "s1", "error": "access_denied"}

    strava_emulator.configure(deny=False, grant_scopes="activity:read")
    query = await authorize(session, strava_emulator, scope="activity:read,profile:read_all")
    assert query["scope"] == "read,activity:read"


async def test_second_athlete_connects_by_athlete_id(session, strava_emulator):
    first, second = (item["id"] for item in strava_emulator.athletes()[:2])
    default = await connect(session, strava_emulator)
    chosen = await connect(session, strava_emulator, athlete_id=str(second))
    assert default["athlete"]["id"] == first
    assert chosen["athlete"]["id"] == second


async def test_exchange_returns_tokens_and_summary_athlete_without_rate_headers(session, strava_emulator):
    code = (await authorize(session, strava_emulator))["code"]
    status, body, headers = await post_token(
        session, strava_emulator, code=code, grant_type="authorization_code"
    )
    assert status == 200
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 21600
    assert body["athlete"]["resource_state"] == 2
    assert {"access_token", "refresh_token", "expires_at"} <= set(body)
    assert not [name for name in headers if "ratelimit" in str(name).lower()]


async def test_code_is_single_use(session, strava_emulator):
    code = (await authorize(session, strava_emulator))["code"]
    assert (await exchange(session, strava_emulator, code))[0] == 200
    assert await exchange(session, strava_emulator, code) == (400, CODE_INVALID)
    assert strava_emulator.stats()["exchanges"] == {"ok": 1, "rejected": 1, "athlete_cap": 0}


async def test_code_expires(session, strava_emulator):
    code = (await authorize(session, strava_emulator))["code"]
    strava_emulator.configure(clock_offset=601)  # default --code-ttl is 600 s
    assert await exchange(session, strava_emulator, code) == (400, CODE_INVALID)


async def test_client_errors_have_stravas_bodies(session, strava_emulator):
    code = (await authorize(session, strava_emulator))["code"]
    status, body, _ = await post_token(
        session, strava_emulator, client_secret="wrong", code=code, grant_type="authorization_code"
    )
    assert (status, body) == (
        401,
        {
            "message": "Authorization Error",
            "errors": [{"resource": "Application", "field": "", "code": "invalid"}],
        },
    )
    status, body, _ = await post_token(session, strava_emulator, client_id="1", grant_type="refresh_token")
    assert (status, body) == (
        400,
        {
            "message": "Bad Request",
            "errors": [{"resource": "Application", "field": "client_id", "code": "invalid"}],
        },
    )


async def test_both_token_paths_take_both_grants_in_query_too(session, strava_emulator):
    tokens = await connect(session, strava_emulator)
    params = {
        "client_id": "12345",
        "client_secret": "demo-secret",
        "grant_type": "refresh_token",
        "refresh_token": tokens["refresh_token"],
    }
    async with session.post(f"{strava_emulator.api_base}/oauth/token", params=params) as response:
        assert response.status == 200
        assert (await response.json())["access_token"] == tokens["access_token"]


async def test_refresh_returns_same_token_while_more_than_a_sixth_of_ttl_left(session, start_strava_emulator):
    emu = start_strava_emulator("--token-ttl", "600")  # margin 100 s
    tokens = await connect(session, emu)
    emu.configure(clock_offset=400)  # 200 s left
    status, body = await refresh(session, emu, tokens["refresh_token"])
    assert status == 200
    assert body["access_token"] == tokens["access_token"]
    assert body["refresh_token"] == tokens["refresh_token"]
    assert body["expires_at"] == tokens["expires_at"]
    assert 195 <= body["expires_in"] <= 200
    assert "athlete" not in body
    assert emu.stats()["refreshes"] == {"new_access_token": 0, "same_access_token": 1, "rejected": 0}


async def test_refresh_near_expiry_rotates_and_kills_old_refresh_token(session, start_strava_emulator):
    emu = start_strava_emulator("--token-ttl", "600")
    tokens = await connect(session, emu)
    emu.configure(clock_offset=520)  # 80 s left, under the 100 s margin
    status, body = await refresh(session, emu, tokens["refresh_token"])
    assert status == 200
    assert body["access_token"] != tokens["access_token"]
    assert body["refresh_token"] != tokens["refresh_token"]
    assert body["expires_in"] == 600
    assert await refresh(session, emu, tokens["refresh_token"]) == (400, REFRESH_INVALID)
    # the old access token stays valid until its own expiry, the new one works too
    assert (await api_get(session, emu, "/athlete", tokens["access_token"]))[0] == 200
    assert (await api_get(session, emu, "/athlete", body["access_token"]))[0] == 200
    assert emu.stats()["refreshes"] == {"new_access_token": 1, "same_access_token": 0, "rejected": 1}


async def test_no_rotate_keeps_refresh_token(session, start_strava_emulator):
    emu = start_strava_emulator("--token-ttl", "600", "--no-rotate")
    tokens = await connect(session, emu)
    emu.configure(clock_offset=700)  # expired
    status, body = await refresh(session, emu, tokens["refresh_token"])
    assert status == 200
    assert body["access_token"] != tokens["access_token"]
    assert body["refresh_token"] == tokens["refresh_token"]
    assert (await refresh(session, emu, tokens["refresh_token"]))[0] == 200


async def test_rejected_access_tokens_are_counted_by_reason(session, strava_emulator):
    tokens = await connect(session, strava_emulator)
    assert (await api_get(session, strava_emulator, "/athlete", "garbage"))[:2] == (401, TOKEN_INVALID)
    assert (await api_get(session, strava_emulator, "/athlete", None))[:2] == (401, TOKEN_INVALID)
    strava_emulator.configure(clock_offset=21601)
    assert (await api_get(session, strava_emulator, "/athlete", tokens["access_token"]))[:2] == (
        401,
        TOKEN_INVALID,
    )
    rejected = strava_emulator.stats()["rejected_tokens"]
    assert rejected == {"missing": 1, "unknown": 1, "expired": 1, "revoked": 0}


async def test_deauthorize_kills_every_token_of_the_athlete(session, strava_emulator):
    tokens = await connect(session, strava_emulator)
    headers = {"Authorization": f"Bearer {tokens['access_token']}"}
    async with session.post(f"{strava_emulator.oauth_base}/deauthorize", headers=headers) as response:
        assert response.status == 200
        assert tokens["access_token"] not in await response.text()
    assert (await api_get(session, strava_emulator, "/athlete", tokens["access_token"]))[:2] == (
        401,
        TOKEN_INVALID,
    )
    assert await refresh(session, strava_emulator, tokens["refresh_token"]) == (400, REFRESH_INVALID)
    assert strava_emulator.stats()["rejected_tokens"]["revoked"] == 1


async def test_deauthorize_with_access_token_param(session, strava_emulator):
    tokens = await connect(session, strava_emulator)
    url = f"{strava_emulator.oauth_base}/deauthorize"
    async with session.post(url, data={"access_token": tokens["access_token"]}) as response:
        assert response.status == 200
    async with session.post(url, data={"access_token": tokens["access_token"]}) as response:
        assert (response.status, await response.json()) == (401, TOKEN_INVALID)


async def test_revoke_needs_basic_auth_and_revokes_the_pair(session, strava_emulator):
    tokens = await connect(session, strava_emulator)
    url = f"{strava_emulator.oauth_base}/revoke"
    bad = {"Authorization": "Basic " + base64.b64encode(b"12345:nope").decode()}
    async with session.post(url, data={"token": tokens["refresh_token"]}, headers=bad) as response:
        assert (response.status, await response.json()) == (
            401,
            {"message": "Authorization Error", "errors": []},
        )
    good = {"Authorization": "Basic " + base64.b64encode(b"12345:demo-secret").decode()}
    async with session.post(url, data={"token": tokens["refresh_token"]}, headers=good) as response:
        assert response.status == 200
        assert await response.read() == b""
    assert (await api_get(session, strava_emulator, "/athlete", tokens["access_token"]))[0] == 401


async def test_athlete_cap_refuses_new_athletes_only(session, start_strava_emulator):
    emu = start_strava_emulator("--athlete-cap", "1")
    first, second = (item["id"] for item in emu.athletes()[:2])
    tokens = await connect(session, emu, athlete_id=str(first))
    query = {
        "client_id": emu.client_id,
        "redirect_uri": "http://127.0.0.1/callback",
        "response_type": "code",
        "scope": "read,activity:read",
        "athlete_id": str(second),
    }
    # as Strava: an HTML error page at authorize, never a redirect with a code
    async with session.get(f"{emu.oauth_base}/authorize", params=query, allow_redirects=False) as response:
        assert response.status == 403
        assert response.content_type == "text/html"
        assert "Error 403: Limit of connected athletes exceeded" in await response.text()
    assert emu.stats()["exchanges"]["athlete_cap"] == 1
    await connect(session, emu, athlete_id=str(first))  # reconnecting a connected athlete is fine
    headers = {"Authorization": f"Bearer {tokens['access_token']}"}
    async with session.post(f"{emu.oauth_base}/deauthorize", headers=headers) as response:
        assert response.status == 200
    await connect(session, emu, athlete_id=str(second))  # room again


async def test_token_endpoint_accepts_json_bodies(session, strava_emulator):
    tokens = await connect(session, strava_emulator)
    body = {
        "client_id": 12345,
        "client_secret": "demo-secret",
        "grant_type": "refresh_token",
        "refresh_token": tokens["refresh_token"],
    }
    async with session.post(f"{strava_emulator.oauth_base}/token", json=body) as response:
        assert response.status == 200
        assert (await response.json())["refresh_token"] == tokens["refresh_token"]

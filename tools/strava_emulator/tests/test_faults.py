"""Seeded faults: reproducible error sequences, HTML 5xx, malformed bodies, latency and hangs."""

from __future__ import annotations

import json
import time

from strava_emulator.config import EmulatorConfig, ErrorRule
from strava_emulator.faults import FaultDice

from tests.calls import api_get, connect

ATHLETE_500 = "GET /api/v3/athlete=500:0.5"


def test_dice_with_the_same_seed_plan_the_same_faults():
    config = EmulatorConfig(error_rates=(ErrorRule.parse("*=503:0.3"),), malformed_rate=0.2, jitter_ms=50)
    same = FaultDice(7), FaultDice(7)
    first = [same[0].plan(config, "GET", ("/x",)) for _ in range(50)]
    second = [same[1].plan(config, "GET", ("/x",)) for _ in range(50)]
    other = [FaultDice(8).plan(config, "GET", ("/x",)) for _ in range(50)]
    assert first == second != other
    assert 5 < sum(plan.error_status == 503 for plan in first) < 30


def test_error_rules_match_method_and_route_template():
    rule = ErrorRule.parse("GET /api/v3/athletes/{athlete_id}/stats=429:1")
    assert rule.matches("GET", ("/api/v3/athletes/{athlete_id}/stats", "/api/v3/athletes/5/stats"))
    assert not rule.matches("GET", ("/api/v3/athlete",))
    assert ErrorRule.parse("*=500:0.1").matches("POST", ("/oauth/token",))


async def _statuses(session, emu, token: str, count: int = 20) -> list[int]:
    return [(await api_get(session, emu, "/athlete", token))[0] for _ in range(count)]


async def test_same_seed_same_error_sequence_over_http(session, start_strava_emulator):
    runs = []
    for _ in range(2):
        emu = start_strava_emulator("--seed", "42")
        token = (await connect(session, emu))["access_token"]
        emu.configure(error_rates=[ATHLETE_500])
        runs.append(await _statuses(session, emu, token))
    assert runs[0] == runs[1]
    assert set(runs[0]) == {200, 500}
    emu = start_strava_emulator("--seed", "43")
    token = (await connect(session, emu))["access_token"]
    emu.configure(error_rates=[ATHLETE_500])
    assert await _statuses(session, emu, token) != runs[0]


async def test_error_flag_html_503_and_counters(session, start_strava_emulator):
    emu = start_strava_emulator("--error-rate", "GET /api/v3/athlete=503:1")
    token = (await connect(session, emu))["access_token"]
    status, body, response = await api_get(session, emu, "/athlete", token)
    assert status == 503 and body is None and response.content_type == "text/html"
    assert emu.stats()["faults"]["error"] == 1
    emu.configure(error_rates=[])
    assert (await api_get(session, emu, "/athlete", token))[0] == 200


async def test_malformed_bodies_are_cut_json(session, strava_emulator):
    token = (await connect(session, strava_emulator))["access_token"]
    strava_emulator.configure(malformed_rate=1.0)
    async with session.get(
        f"{strava_emulator.api_base}/athlete", headers={"Authorization": f"Bearer {token}"}
    ) as response:
        assert response.status == 200
        text = await response.text()
    try:
        json.loads(text)
    except json.JSONDecodeError:
        pass
    else:
        raise AssertionError("body should be malformed")
    assert strava_emulator.stats()["faults"]["malformed"] == 1


async def test_latency_and_hang(session, strava_emulator):
    token = (await connect(session, strava_emulator))["access_token"]
    strava_emulator.configure(latency_ms=200)
    started = time.monotonic()
    assert (await api_get(session, strava_emulator, "/athlete", token))[0] == 200
    assert time.monotonic() - started >= 0.2
    strava_emulator.configure(latency_ms=0, hang_rate=1.0, hang_seconds=0.4)
    started = time.monotonic()
    assert (await api_get(session, strava_emulator, "/athlete", token))[0] == 200
    assert time.monotonic() - started >= 0.4
    assert strava_emulator.stats()["faults"]["hang"] == 1


async def test_bad_config_is_refused_without_changes(session, strava_emulator):
    request = {"app_inactive": True, "rate_limit": "lots"}
    async with session.post(f"{strava_emulator.base_url}/_emulator/config", json=request) as response:
        assert response.status == 400
        assert "rate_limit" in (await response.json())["message"]
    async with session.get(f"{strava_emulator.base_url}/_emulator/config") as response:
        config = await response.json()
    assert config["app_inactive"] is False
    assert "client_secret" not in config

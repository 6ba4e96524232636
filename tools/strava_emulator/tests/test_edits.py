"""Test-only edits of seeded names and visibility, seen by the API afterwards; bad edits change nothing."""

from __future__ import annotations

import pytest

from tests.calls import all_activities, api_get, connect

HOSTILE = '"><img src=x onerror=alert(1)>'


async def test_edited_names_are_what_the_api_returns(session, start_strava_emulator):
    emu = start_strava_emulator("--athletes", "1", "--activities", "20")
    athlete_id = emu.athletes()[0]["id"]
    emu.edit_athlete(athlete_id, firstname="<script>alert(1)</script>", lastname=HOSTILE)
    token = (await connect(session, emu))["access_token"]
    _, activities, _ = await api_get(session, emu, "/athlete/activities", token)
    emu.edit_activity(activities[0]["id"], name=HOSTILE)

    _, athlete, _ = await api_get(session, emu, "/athlete", token)
    assert (athlete["firstname"], athlete["lastname"]) == ("<script>alert(1)</script>", HOSTILE)
    _, again, _ = await api_get(session, emu, "/athlete/activities", token)
    assert again[0]["name"] == HOSTILE
    assert [a["id"] for a in again] == [a["id"] for a in activities]
    assert again[1]["name"] == activities[1]["name"]


@pytest.mark.parametrize(
    ("path", "body", "status"),
    [
        ("/_emulator/athletes/1", {"firstname": "x"}, 404),
        ("/_emulator/activities/1", {"name": "x"}, 404),
        ("/_emulator/athletes/{athlete}", {"weight": "1"}, 400),
        ("/_emulator/athletes/{athlete}", {"firstname": 3}, 400),
        ("/_emulator/athletes/{athlete}", [], 400),
    ],
)
async def test_bad_edits_are_refused(session, strava_emulator, path, body, status):
    athlete_id = strava_emulator.athletes()[0]["id"]
    url = strava_emulator.base_url + path.format(athlete=athlete_id)
    async with session.patch(url, json=body) as response:
        assert response.status == status
    assert strava_emulator.athletes()[0]["firstname"] != "x"


async def test_an_activity_turned_private_is_hidden_from_the_list_of_a_read_only_token(
    session, start_strava_emulator
):
    emu = start_strava_emulator("--athletes", "1", "--activities", "40")
    athlete_id = emu.athletes()[0]["id"]
    target = next(a for a in emu.ground_truth(athlete_id) if a["visibility"] == "everyone")
    emu.edit_activity(target["id"], visibility="only_me")
    assert next(a for a in emu.ground_truth(athlete_id) if a["id"] == target["id"])["visibility"] == "only_me"
    token = (await connect(session, emu, scope="read,activity:read"))["access_token"]
    listed = await all_activities(session, emu, token)
    assert target["id"] not in {a["id"] for a in listed}
    with pytest.raises(AssertionError, match="400"):
        emu.edit_activity(target["id"], visibility="friends")

"""The corpus of real-shape Strava payloads (``fixtures/``) through the client's parsers, and the
Strava emulator held to the same corpus, so the client, the emulator and Strava's documented shapes
cannot drift apart unnoticed."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from strava_emulator import errors as emulator_errors
from strava_emulator.data import generate_athletes
from strava_emulator.render import detailed_activity, detailed_athlete, summary_activity, summary_athlete
from strava_emulator.stats import athlete_stats
from strava_emulator.testing import RunningEmulator

import strava.errors
from snapshot import PrivacyPolicy, public_activity
from strava.client import ActivityPage, StravaClient
from strava.errors import BadResponseError, StravaError, error_for_response
from strava.models import Athlete, AthleteStats, SummaryActivity
from tests.strava_client.conftest import connect

FIXTURES = Path(__file__).parent / "fixtures"
NOW = datetime(2026, 11, 24, 12, 0, tzinfo=timezone.utc)


def corpus(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))
    return loaded


ACTIVITIES, STATS, ATHLETES, FAULTS = (corpus(n) for n in ("activities", "stats", "athletes", "faults"))


def ids(cases: list[dict[str, Any]]) -> list[str]:
    return [case["case"] for case in cases]


class Reads(dict[str, Any]):
    """A JSON object that records which keys a parser asked for."""

    asked: set[str]

    def __init__(self, data: dict[str, Any]) -> None:
        super().__init__(data)
        self.asked = set()

    def get(self, key: str, default: Any = None) -> Any:
        self.asked.add(key)
        return super().get(key, default)


def field(model: Any, path: str) -> Any:
    for part in path.split("."):
        model = getattr(model, part)
    return model


@pytest.mark.parametrize("case", ACTIVITIES["cases"], ids=ids(ACTIVITIES["cases"]))
def test_every_activity_shape_reads_as_expected(case: dict[str, Any]) -> None:
    activity = SummaryActivity.from_json(case["payload"])
    expect = dict(case["expect"])
    published = expect.pop("published")
    for name, value in expect.items():
        got = getattr(activity, name)
        assert (list(got) if isinstance(got, tuple) else got) == value, name
    assert (public_activity(activity, PrivacyPolicy()) is not None) is published


def test_the_real_shape_reads_and_floats_stay_floats() -> None:
    activity = SummaryActivity.from_json(ACTIVITIES["real_shape_2025"])
    assert activity.max_heartrate == 178.0 and activity.visibility == "everyone"
    assert public_activity(activity, PrivacyPolicy()) is not None


@pytest.mark.parametrize("case", ACTIVITIES["unreadable"], ids=ids(ACTIVITIES["unreadable"]))
def test_an_unreadable_activity_names_its_field(case: dict[str, Any]) -> None:
    with pytest.raises(BadResponseError, match=f"SummaryActivity\\.{case['field']}"):
        SummaryActivity.from_json(case["payload"])


def test_a_page_of_every_shape_keeps_each_readable_activity() -> None:
    readable = [ACTIVITIES["real_shape_2025"], *(case["payload"] for case in ACTIVITIES["cases"])]
    page = ActivityPage.from_json([*readable, *(case["payload"] for case in ACTIVITIES["unreadable"])])
    assert [a.id for a in page.activities] == [item["id"] for item in readable]
    assert page.size == len(readable) + len(ACTIVITIES["unreadable"])


@pytest.mark.parametrize("case", STATS["cases"], ids=ids(STATS["cases"]))
def test_every_stats_shape_reads_with_absent_totals_as_zero(case: dict[str, Any]) -> None:
    stats = AthleteStats.from_json(case["payload"])
    for path, value in case["expect"].items():
        assert field(stats, path) == value, path


@pytest.mark.parametrize("case", ATHLETES["cases"], ids=ids(ATHLETES["cases"]))
def test_every_athlete_shape_reads(case: dict[str, Any]) -> None:
    athlete = Athlete.from_json(case["payload"])
    for name, value in case["expect"].items():
        assert getattr(athlete, name) == value, name


def body_of(case: dict[str, Any]) -> bytes:
    body = case["body"]
    return (body if isinstance(body, str) else json.dumps(body)).encode()


@pytest.mark.parametrize("case", FAULTS["cases"], ids=ids(FAULTS["cases"]))
def test_every_fault_maps_to_its_error(case: dict[str, Any]) -> None:
    error = error_for_response(case["status"], body_of(case), {}, NOW, label="GET /x")
    assert type(error) is getattr(strava.errors, case["error"])
    assert isinstance(error, StravaError) and error.status == case["status"]


def emulator_body(name: str) -> Any:
    """The body the emulator sends for a corpus case (its constant, or what its helper answers)."""
    if "(" not in name:
        return getattr(emulator_errors, name)
    helper, _, raw = name.partition("(")
    args = [arg.strip() for arg in raw.rstrip(")").split(",")]
    made = getattr(emulator_errors, helper)(*(int(a) if a.isdigit() else a for a in args))
    if isinstance(made, dict):
        return made
    text = made.text or ""
    return json.loads(text) if made.content_type == "application/json" else text


@pytest.mark.parametrize(
    "case",
    [c for c in FAULTS["cases"] if c["emulator"]],
    ids=ids([c for c in FAULTS["cases"] if c["emulator"]]),
)
def test_the_emulator_sends_each_fault_body_of_the_corpus(case: dict[str, Any]) -> None:
    assert emulator_body(case["emulator"]) == case["body"]


def test_the_emulator_sends_no_field_real_payloads_lack_and_every_field_the_client_reads() -> None:
    """The emulator's shapes against the corpus: nothing invented, nothing the client needs missing."""
    athlete = generate_athletes(7, 1, 60, NOW.timestamp())[0]
    real = set(ACTIVITIES["real_shape_2025"])
    for activity in athlete.activities:
        sent = summary_activity(activity)
        assert set(sent) <= real, set(sent) - real
        recorded = Reads(sent)
        SummaryActivity.from_json(recorded)
        needed = recorded.asked & real
        assert needed <= set(sent) | _optional_in_emulator(activity), needed - set(sent)
        assert set(summary_activity(activity)) <= set(detailed_activity(activity))
    people = {key for case in ATHLETES["cases"] for key in case["payload"]}
    for sent in (summary_athlete(athlete, "http://e"), detailed_athlete(athlete, "http://e")):
        assert set(sent) <= people, set(sent) - people
        Athlete.from_json(sent)
    stats = athlete_stats(athlete.activities, NOW.timestamp())
    stat_keys = {key for case in STATS["cases"] for key in case["payload"]}
    assert set(stats) <= stat_keys, set(stats) - stat_keys
    AthleteStats.from_json(stats)


def _optional_in_emulator(activity: Any) -> set[str]:
    """Fields real payloads carry only sometimes (heart rate, power) and the emulator then omits."""
    optional = (
        {"average_heartrate", "max_heartrate", "suffer_score"} if activity.heart_rate is None else set()
    )
    return optional | ({"average_watts", "kilojoules"} if activity.watts is None else set())


async def test_the_running_emulator_answers_as_the_corpus_and_the_client_reads_it(
    client: StravaClient, http_session: aiohttp.ClientSession, strava_emulator: RunningEmulator
) -> None:
    by_name = {case["emulator"]: case for case in FAULTS["cases"] if case["emulator"]}
    grant = await connect(client, http_session)
    token = grant.tokens.access_token
    page = await client.activity_page(token, per_page=50)
    assert page.size == len(page.activities) > 0  # every item the emulator sends is readable
    api = strava_emulator.api_base
    checks = [
        ("TOKEN_INVALID", f"{api}/athlete", {"Authorization": "Bearer garbage"}),
        ("NOT_FOUND", f"{api}/activities/1", {"Authorization": f"Bearer {token}"}),
        (
            "bad_request(Application, after, future)",
            f"{api}/athlete/activities?after=1700000000000",
            {"Authorization": f"Bearer {token}"},
        ),
    ]
    for name, url, headers in checks:
        async with http_session.get(url, headers=headers) as response:
            case = by_name[name]
            assert response.status == case["status"], name
            body = await response.read()
            assert json.loads(body) == case["body"], name
            error = error_for_response(response.status, body, response.headers, NOW)
            assert type(error) is getattr(strava.errors, case["error"]), name

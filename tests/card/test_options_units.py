"""The card's query options and the number formats it (and the widget) use."""

from __future__ import annotations

import pytest

from card import CardOptions, InvalidOptionError, parse_card_options
from card.units import Units, clock, count, distance, hours_minutes, pace_or_speed, sport_family
from history.sports import FAMILIES, SPORT_TYPES, canonical, family_of, matches, members

M, IMP = Units.METRIC, Units.IMPERIAL


def test_defaults_and_canonical_form():
    assert parse_card_options({}) == CardOptions()
    assert parse_card_options({"v": "2"}) == CardOptions()  # cache busters are ignored
    options = parse_card_options(
        {"theme": " Dark", "units": "imperial", "sports": "ride,run,ride", "show": "all"}
    )
    assert options == CardOptions("dark", IMP, ("ride", "run"), ("all",))
    assert options.canonical() == "theme=dark;units=imperial;sports=ride,run;show=all"
    assert CardOptions().canonical() == "theme=light;units=auto;sports=auto;show=ytd,all,latest"


def test_sports_take_families_and_every_sport_type_case_insensitively():
    assert parse_card_options({"sports": "WALK, trailrun,Run,ride"}).sports == (
        "walk",
        "TrailRun",
        "run",
        "ride",
    )
    assert parse_card_options({"sports": "yoga,EMOUNTAINBIKERIDE"}).sports == ("Yoga", "EMountainBikeRide")
    assert matches("Hike", ("walk",)) and not matches("Walk", ("run",)) and not matches("Hike", ("run",))
    assert members("run") == ("Run", "TrailRun", "VirtualRun")
    assert all(family_of(sport) == "ride" for sport in SPORT_TYPES if sport.endswith("Ride"))
    assert all(canonical(sport) for sport in SPORT_TYPES)
    for family, types in FAMILIES.items():
        assert set(types) <= set(SPORT_TYPES), family


def test_year_asks_for_that_years_heatmap():
    assert parse_card_options({"year": "2025"}) == CardOptions(
        show=("ytd", "all", "latest", "heatmap"), year=2025
    )
    assert parse_card_options({"year": " 2025 ", "show": "heatmap"}).show == ("heatmap",)
    assert parse_card_options({"year": "2025"}).canonical().endswith(";year=2025")
    assert parse_card_options({"theme": "AUTO"}).theme == "auto"


@pytest.mark.parametrize(
    ("query", "says"),
    [
        ({"theme": "blue"}, "theme must be one of: light, dark, auto."),
        ({"units": "furlongs"}, "units must be one of: metric, imperial."),
        ({"sports": "run,yogaa"}, "sports is a comma list of families (run, walk, ride, swim, ski, paddle"),
        ({"sports": ""}, "sports is a comma list of families"),
        ({"sports": "<script>"}, "sports is a comma list of families"),
        ({"year": "25"}, "year is a calendar year (2000-2100), e.g. year=2025."),
        ({"year": "\uff12\uff10\uff12\uff15"}, "year is a calendar year"),  # fullwidth digits
        ({"year": "2025.0"}, "year is a calendar year"),
        ({"show": ",,"}, "show is a comma list of: ytd, all, recent, latest, heatmap, goals, map."),
        ({"show": "<script>"}, "show is a comma list of"),
    ],
)
def test_bad_options_say_what_is_allowed(query, says):
    with pytest.raises(InvalidOptionError) as raised:
        parse_card_options(query)
    assert str(raised.value).startswith(says)
    assert "<script>" not in str(raised.value)


@pytest.mark.parametrize(
    ("metres", "units", "family", "text"),
    [
        (0, M, "run", "0.0 km"),
        (88_145.2, M, "ride", "88.1 km"),
        (1_234_567.8, M, "run", "1,235 km"),
        (1_609.344 * 42, IMP, "run", "42.0 mi"),
        (1_500, M, "swim", "1,500 m"),
        (1_500, IMP, "swim", "1,640 yd"),
        (12_345, M, "swim", "12.3 km"),
    ],
)
def test_distance(metres, units, family, text):
    assert distance(metres, units, family) == text


@pytest.mark.parametrize(
    ("formatted", "text"),
    [
        (lambda: hours_minutes(5_430), "1h 31m"),  # 90.5 minutes
        (lambda: hours_minutes(150), "3m"),
        (lambda: clock(302.5), "5:03"),
        (lambda: pace_or_speed(2_000, 605, M, "run"), "5:03 /km"),
        (lambda: distance(250, M, "run"), "0.3 km"),
        (lambda: distance(2_500, M, "swim"), "2,500 m"),
        (lambda: distance(100_500, M, "ride"), "101 km"),
        (lambda: pace_or_speed(1_250, 3_600, M, "ride"), "1.3 km/h"),
        (lambda: distance(1_005, M, "run"), "1.0 km"),  # 1.005 is just below the half in binary
    ],
)
def test_halves_round_up_as_in_the_widget(formatted, text):
    assert formatted() == text


def test_durations_and_counts():
    assert clock(3527) == "58:47"
    assert clock(3723) == "1:02:03"
    assert hours_minutes(420_000) == "116h 40m"
    assert hours_minutes(1_999) == "33m"
    assert count(1, "ride") == "1 ride"
    assert count(1_200, "run") == "1,200 runs"
    assert count(2, "other") == "2 activities"
    assert count(2, "walk") == "2 walks"


@pytest.mark.parametrize(
    ("metres", "seconds", "units", "sport", "text"),
    [
        (10_000, 3_000, M, "Run", "5:00 /km"),
        (10_000, 3_000, IMP, "TrailRun", "8:03 /mi"),
        (30_447, 3_527, M, "Ride", "31.1 km/h"),
        (30_447, 3_527, IMP, "GravelRide", "19.3 mph"),
        (1_500, 1_725, M, "Swim", "1:55 /100m"),
        (1_500, 1_725, IMP, "Swim", "1:45 /100yd"),
        (0, 3_000, M, "Run", None),
        (1_000, 0, M, "Run", None),
        (1_000, 600, M, "Yoga", None),
        (5_000, 3_000, M, "Hike", "10:00 /km"),
        (5_000, 3_000, M, "Velomobile", None),
    ],
)
def test_pace_or_speed_per_sport(metres, seconds, units, sport, text):
    assert pace_or_speed(metres, seconds, units, sport_family(sport)) == text

"""The map settings: off by default, validated by name, the retired location switch refused."""

from __future__ import annotations

import pytest

from maps import MapPolicy, Zone, map_key
from settings import Settings, SettingsError

BASE = {"AzureWebJobsStorage": "UseDevelopmentStorage=true", "STRAVA_CLIENT_SECRET": "s"}


def test_maps_are_off_by_default_and_outline_reads_radius_and_zones():
    assert Settings.from_env(BASE).maps is None
    off = {**BASE, "SNAPSHOT_MAPS": "off", "SNAPSHOT_PRIVACY_ZONES": "1,2,300"}
    assert Settings.from_env(off).maps is None
    assert Settings.from_env({**BASE, "SNAPSHOT_MAPS": "outline"}).maps == MapPolicy(
        key=map_key("s"), radius_m=500
    )
    on = Settings.from_env(
        {
            **BASE,
            "SNAPSHOT_MAPS": " Outline ",
            "SNAPSHOT_MAP_PRIVACY_RADIUS_M": "800",
            "SNAPSHOT_PRIVACY_ZONES": "47.37,8.54,800;40.0,-105.2,300",
        }
    )
    assert on.maps == MapPolicy(
        key=map_key("s"), radius_m=800, zones=(Zone(47.37, 8.54, 800), Zone(40.0, -105.2, 300))
    )


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("SNAPSHOT_MAPS", "on"),
        ("SNAPSHOT_MAPS", "tiles"),
        ("SNAPSHOT_MAP_PRIVACY_RADIUS_M", "50"),
        ("SNAPSHOT_MAP_PRIVACY_RADIUS_M", "lots"),
        ("SNAPSHOT_PRIVACY_ZONES", "47.31,8.57"),
        ("SNAPSHOT_PRIVACY_ZONES", "47.37;8.54;800"),
        ("SNAPSHOT_PRIVACY_ZONES", "147.37,8.54,800"),
        ("SNAPSHOT_PRIVACY_ZONES", "47.37,8.54,-1"),
        ("SNAPSHOT_INCLUDE_LOCATIONS", "true"),
    ],
)
def test_a_malformed_map_setting_stops_start_up_naming_it(name: str, value: str):
    with pytest.raises(SettingsError) as caught:
        Settings.from_env({**BASE, "SNAPSHOT_MAPS": "outline", name: value})
    message = str(caught.value)
    assert name in message and "\n" not in message
    assert value not in message or value in ("on", "true")  # the allowed words, never the given value


def test_the_retired_switch_set_to_false_is_harmless():
    assert Settings.from_env({**BASE, "SNAPSHOT_INCLUDE_LOCATIONS": "false"}).maps is None

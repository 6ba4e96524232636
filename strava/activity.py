"""``SummaryActivity``: one entry of ``GET /athlete/activities``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from strava.json_fields import JsonObject


@dataclass(frozen=True)
class SummaryActivity:
    """An activity summary. ``start_date`` is aware UTC; ``start_date_local`` is naive wall time.
    ``visibility`` is None when Strava did not say (old and partial payloads): never published."""

    id: int
    name: str
    sport_type: str
    start_date: datetime
    start_date_local: datetime
    distance: float
    moving_time: int
    elapsed_time: int
    total_elevation_gain: float = 0.0
    timezone: str | None = None
    utc_offset: float | None = None
    average_speed: float | None = None
    max_speed: float | None = None
    average_heartrate: float | None = None
    max_heartrate: float | None = None
    kudos_count: int = 0
    achievement_count: int = 0
    pr_count: int | None = None
    trainer: bool = False
    commute: bool = False
    manual: bool = False
    private: bool = False
    visibility: str | None = None
    start_latlng: tuple[float, float] | None = None
    end_latlng: tuple[float, float] | None = None
    summary_polyline: str | None = None
    gear_id: str | None = None
    device_name: str | None = None
    average_watts: float | None = None
    kilojoules: float | None = None

    @classmethod
    def from_json(cls, data: object) -> SummaryActivity:
        obj = JsonObject(data, "SummaryActivity")
        private = obj.flag("private")
        route = obj.child("map")
        return cls(
            id=obj.identifier("id"),
            name=obj.text("name"),
            sport_type=obj.text("sport_type" if obj.has("sport_type") else "type"),
            start_date=obj.utc_time("start_date"),
            start_date_local=obj.wall_time("start_date_local"),
            distance=obj.number("distance"),
            moving_time=obj.whole("moving_time"),
            elapsed_time=obj.whole("elapsed_time"),
            total_elevation_gain=obj.opt_number("total_elevation_gain") or 0.0,
            timezone=obj.opt_text("timezone"),
            utc_offset=obj.opt_number("utc_offset"),
            average_speed=obj.opt_number("average_speed"),
            max_speed=obj.opt_number("max_speed"),
            average_heartrate=obj.opt_number("average_heartrate"),
            max_heartrate=obj.opt_number("max_heartrate"),
            kudos_count=obj.opt_whole("kudos_count") or 0,
            achievement_count=obj.opt_whole("achievement_count") or 0,
            pr_count=obj.opt_whole("pr_count"),
            trainer=obj.flag("trainer"),
            commute=obj.flag("commute"),
            manual=obj.flag("manual"),
            private=private,
            visibility=obj.opt_text("visibility") or ("only_me" if private else None),
            start_latlng=obj.latlng("start_latlng"),
            end_latlng=obj.latlng("end_latlng"),
            summary_polyline=route.opt_text("summary_polyline") if route is not None else None,
            gear_id=obj.opt_text("gear_id"),
            device_name=obj.opt_text("device_name"),
            average_watts=obj.opt_number("average_watts"),
            kilojoules=obj.opt_number("kilojoules"),
        )

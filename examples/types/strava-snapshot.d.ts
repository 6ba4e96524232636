/* The snapshot served by strava-snapshot's /api/stats. Generated from snapshot/snapshot.schema.json by `npm run types`: do not edit. */

/**
 * UTC, ISO-8601 with Z, to the second.
 *
 * This interface was referenced by `StravaSnapshot`'s JSON-Schema
 * via the `definition` "utc_time".
 */
export type UtcTime = string;
/**
 * A route outline with SNAPSHOT_MAPS=outline: Google encoded polylines (precision 5), one per part. Every point within SNAPSHOT_MAP_PRIVACY_RADIUS_M of the start or the end and inside SNAPSHOT_PRIVACY_ZONES was removed before it was stored; where points were removed mid-route the route is cut into parts. At most 300 points in all.
 *
 * @minItems 1
 *
 * This interface was referenced by `StravaSnapshot`'s JSON-Schema
 * via the `definition` "route".
 */
export type Route = [string, ...string[]];

/**
 * The public stats snapshot served by GET /api/stats and GET /api/athletes/{athleteId}/stats. Units are in the field names (metres, seconds, m/s). New fields may be added within a schema version; a breaking change bumps schema_version. Fields may be null when Strava omits them.
 */
export interface StravaSnapshot {
  schema_version: 1;
  /**
   * When the content last changed.
   */
  generated_at: string;
  athlete: Athlete;
  stats: {
    /**
     * recent: the last four weeks; ytd: the calendar year; all: ever. Strava counts only activities visible to Everyone.
     */
    totals: {
      recent: Sports;
      ytd: Sports;
      all: Sports;
    };
    biggest_ride_distance_m: number | null;
    biggest_climb_elevation_gain_m: number | null;
  };
  /**
   * Published activities, newest first (at most SNAPSHOT_ACTIVITY_COUNT).
   *
   * @maxItems 200
   */
  recent_activities: Activity[];
  /**
   * Show it where you show the data (Strava's brand guidelines).
   */
  attribution: {
    text: "Powered by Strava";
    url: "https://www.strava.com";
  };
  history?: History;
  /**
   * From SNAPSHOT_GOALS; empty without it.
   */
  goals?: Goal[];
  /**
   * With SNAPSHOT_MAPS=outline: the newest 1,000 routes of the activity history, newest first (what /api/routes.svg draws). Absent with maps off.
   *
   * @maxItems 1000
   */
  routes?: RouteEntry[];
}
/**
 * The athlete's public profile.
 *
 * This interface was referenced by `StravaSnapshot`'s JSON-Schema
 * via the `definition` "athlete".
 */
export interface Athlete {
  id: number;
  username: string | null;
  firstname: string | null;
  lastname: string | null;
  city: string | null;
  state: string | null;
  country: string | null;
  /**
   * Avatar URL (large).
   */
  profile_url: string | null;
  /**
   * Avatar URL (medium).
   */
  profile_medium_url: string | null;
  /**
   * null unless the token has profile:read_all, which the app does not ask for.
   */
  measurement_preference: string | null;
}
/**
 * This interface was referenced by `StravaSnapshot`'s JSON-Schema
 * via the `definition` "sports".
 */
export interface Sports {
  ride: SportTotals;
  run: SportTotals;
  swim: SportTotals;
}
/**
 * Strava's totals of one sport in one period.
 *
 * This interface was referenced by `StravaSnapshot`'s JSON-Schema
 * via the `definition` "sport_totals".
 */
export interface SportTotals {
  count: number;
  distance_m: number;
  moving_time_s: number;
  elapsed_time_s: number;
  elevation_gain_m: number;
}
/**
 * One published activity (its visibility is in SNAPSHOT_VISIBILITY).
 *
 * This interface was referenced by `StravaSnapshot`'s JSON-Schema
 * via the `definition` "activity".
 */
export interface Activity {
  id: number;
  /**
   * User-controlled text: render it as text, never as markup.
   */
  name: string;
  /**
   * Strava's sport type, e.g. Run, Ride, Swim, TrailRun, VirtualRide.
   */
  sport_type: string;
  start_date: UtcTime;
  /**
   * The activity's wall-clock start, without a zone.
   */
  start_date_local: string;
  /**
   * Strava's zone label, e.g. "(GMT+03:00) Africa/Nairobi".
   */
  timezone: string | null;
  distance_m: number;
  moving_time_s: number;
  elapsed_time_s: number;
  elevation_gain_m: number;
  average_speed_mps: number | null;
  max_speed_mps: number | null;
  average_heartrate_bpm: number | null;
  average_watts: number | null;
  kudos_count: number;
  achievement_count: number;
  trainer: boolean;
  commute: boolean;
  visibility: "everyone" | "followers_only" | "only_me";
  url: string;
  route?: Route;
}
/**
 * Charts-ready aggregates of the stored published activities, by local start date. One rule for by_year, by_month, by_week and daily: oldest first, every period of the span present, a period without activities as zeros (sports {}).
 *
 * This interface was referenced by `StravaSnapshot`'s JSON-Schema
 * via the `definition` "history".
 */
export interface History {
  activity_count: number;
  /**
   * false while the first backfill runs
   */
  complete: boolean;
  /**
   * when a sync last changed the stored history
   */
  synced_at: UtcTime | null;
  /**
   * the athlete's local date when the history was built: the last day of daily and by_week
   */
  today: string;
  /**
   * every year from the first activity's to this one, oldest first; {} for a year without activities
   */
  by_year: {
    year: number;
    sports: HistorySports;
  }[];
  /**
   * every month from the first activity's to this one, oldest first; {} for a month without activities
   */
  by_month: {
    month: string;
    sports: HistorySports;
  }[];
  /**
   * the 52 ISO weeks up to this one, oldest first; {} for a week without activities
   */
  by_week: {
    week: string;
    sports: HistorySports;
  }[];
  /**
   * the 365 days up to today, oldest first, every day (zeros for a day without activities), with its sports
   */
  daily: {
    date: string;
    count: number;
    distance_m: number;
    moving_time_s: number;
    /**
     * the day's totals per Strava sport type; {} on a day without activities
     */
    sports: {
      [k: string]: DayTotals;
    };
  }[];
  /**
   * every day with an activity, ever, oldest first (days without are absent): any calendar year's heatmap
   */
  days: {
    date: string;
    /**
     * moving seconds per Strava sport type
     */
    moving_time_s: {
      [k: string]: number;
    };
  }[];
  /**
   * consecutive days / ISO weeks with at least one activity
   */
  streaks: {
    current_days: number;
    longest_days: number;
    current_weeks: number;
    longest_weeks: number;
  };
}
/**
 * Totals by Strava sport type (Run, Ride, Yoga, …); {} for a period without activities.
 *
 * This interface was referenced by `StravaSnapshot`'s JSON-Schema
 * via the `definition` "history_sports".
 */
export interface HistorySports {
  [k: string]: HistoryTotals;
}
/**
 * Totals of one sport type in one period (published activities only).
 *
 * This interface was referenced by `StravaSnapshot`'s JSON-Schema
 * via the `definition` "history_totals".
 */
export interface HistoryTotals {
  count: number;
  distance_m: number;
  moving_time_s: number;
  elevation_gain_m: number;
}
/**
 * Totals of one sport type on one day, or over a period of the widget document.
 *
 * This interface was referenced by `StravaSnapshot`'s JSON-Schema
 * via the `definition` "day_totals".
 */
export interface DayTotals {
  count: number;
  distance_m: number;
  moving_time_s: number;
}
/**
 * Progress towards one SNAPSHOT_GOALS goal in the current period.
 *
 * This interface was referenced by `StravaSnapshot`'s JSON-Schema
 * via the `definition` "goal".
 */
export interface Goal {
  sport_type: string;
  period: "year" | "month" | "week";
  target_m: number;
  done_m: number;
  /**
   * done_m / target_m; may pass 1
   */
  fraction: number;
}
/**
 * One route of the poster (`routes`): the activity's route simplified to at most 40 points.
 *
 * This interface was referenced by `StravaSnapshot`'s JSON-Schema
 * via the `definition` "route_entry".
 */
export interface RouteEntry {
  id: number;
  /**
   * Strava's sport type, e.g. Run, Ride, Swim, TrailRun, VirtualRide.
   */
  sport_type: string;
  /**
   * The activity's wall-clock start, without a zone.
   */
  start_date_local: string;
  distance_m: number;
  moving_time_s: number;
  route: Route;
}
/**
 * The light document GET /api/widget.json serves the <strava-stats> widget: the snapshot's athlete, Strava's totals, history_totals for every sport type, and the newest activity of each sport type (newest first); with SNAPSHOT_MAPS=outline also the newest of each sport type with a route.
 *
 * This interface was referenced by `StravaSnapshot`'s JSON-Schema
 * via the `definition` "widget_document".
 */
export interface StravaWidgetDocument {
  schema_version: 1;
  generated_at: UtcTime;
  athlete: {
    id: number;
    username: string | null;
    firstname: string | null;
    lastname: string | null;
    city: string | null;
    country: string | null;
    /**
     * null unless the token has profile:read_all, which the app does not ask for.
     */
    measurement_preference: string | null;
  };
  stats: {
    /**
     * recent: the last four weeks; ytd: the calendar year; all: ever. Strava counts only activities visible to Everyone.
     */
    totals: {
      recent: Sports;
      ytd: Sports;
      all: Sports;
    };
  };
  /**
   * recent (28 days), ytd and all per Strava sport type, from the history; {} before the history exists
   */
  history_totals: {
    recent?: {
      [k: string]: DayTotals;
    };
    ytd?: {
      [k: string]: DayTotals;
    };
    all?: {
      [k: string]: DayTotals;
    };
  };
  recent_activities: {
    id: number;
    /**
     * User-controlled text: render it as text, never as markup.
     */
    name: string;
    /**
     * Strava's sport type, e.g. Run, Ride, Swim, TrailRun, VirtualRide.
     */
    sport_type: string;
    start_date: UtcTime;
    /**
     * The activity's wall-clock start, without a zone.
     */
    start_date_local: string;
    distance_m: number;
    moving_time_s: number;
    route?: Route;
  }[];
  /**
   * Show it where you show the data (Strava's brand guidelines).
   */
  attribution: {
    text: "Powered by Strava";
    url: "https://www.strava.com";
  };
}

/* The snapshot served by strava-snapshot's /api/stats. Generated from snapshot/snapshot.schema.json by `npm run types`: do not edit. */

/**
 * UTC, ISO-8601 with Z, to the second.
 */
export type UtcTime = string;
/**
 * [latitude, longitude] in degrees, or null; only with SNAPSHOT_INCLUDE_LOCATIONS=true.
 *
 * @minItems 2
 * @maxItems 2
 */
export type Latlng = [number, number] | null;

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
}
/**
 * The athlete's public profile.
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
export interface Sports {
  ride: SportTotals;
  run: SportTotals;
  swim: SportTotals;
}
/**
 * Strava's totals of one sport in one period.
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
  start_latlng?: Latlng;
  end_latlng?: Latlng;
  /**
   * Google encoded polyline; only with SNAPSHOT_INCLUDE_LOCATIONS=true.
   */
  summary_polyline?: string | null;
}

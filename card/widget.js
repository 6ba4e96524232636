// <strava-stats src=".../api/widget.json" theme="light|dark|auto" units="metric|imperial"
//               blocks="ytd,all,recent,latest,map" sports="run,walk,TrailRun,…">
// A custom element (shadow DOM, no dependencies) that shows a strava-snapshot document: the light
// /api/widget.json (made for it) or the full /api/stats. Data only ever reaches the page as textContent
// or as attributes built from numbers: never as markup. Its styles are a constructed stylesheet
// (adoptedStyleSheets), which a page's Content-Security-Policy without 'unsafe-inline' allows.
// Formatting matches the SVG card (card/units.py); the sport families are history/sports.py's.

const STRAVA = "https://www.strava.com";
const PERIODS = { ytd: "This year", all: "All time", recent: "Last 4 weeks" };
export const SPORT_TYPES = [
  "AlpineSki", "BackcountrySki", "Badminton", "Canoeing", "Crossfit", "EBikeRide", "Elliptical",
  "EMountainBikeRide", "Golf", "GravelRide", "Handcycle", "HighIntensityIntervalTraining", "Hike",
  "IceSkate", "InlineSkate", "Kayaking", "Kitesurf", "MountainBikeRide", "NordicSki", "Pickleball",
  "Pilates", "Racquetball", "Ride", "RockClimbing", "RollerSki", "Rowing", "Run", "Sail", "Skateboard",
  "Snowboard", "Snowshoe", "Soccer", "Squash", "StairStepper", "StandUpPaddling", "Surfing", "Swim",
  "TableTennis", "Tennis", "TrailRun", "Velomobile", "VirtualRide", "VirtualRow", "VirtualRun", "Walk",
  "WeightTraining", "Wheelchair", "Windsurf", "Workout", "Yoga",
];
export const FAMILIES = {
  run: ["Run", "TrailRun", "VirtualRun"],
  walk: ["Walk", "Hike"],
  ride: ["Ride", "VirtualRide", "EBikeRide", "MountainBikeRide", "GravelRide", "EMountainBikeRide"],
  swim: ["Swim"],
  ski: ["AlpineSki", "BackcountrySki", "NordicSki", "RollerSki", "Snowboard"],
  paddle: ["Canoeing", "Kayaking", "Rowing", "StandUpPaddling", "VirtualRow"],
  workout: ["Workout", "WeightTraining", "Crossfit", "HighIntensityIntervalTraining", "Yoga", "Pilates",
    "Elliptical", "StairStepper"],
};
const STRAVA_TOTALS = ["run", "ride", "swim"]; // the families Strava's stats.totals count
const NOUNS = ["run", "walk", "ride", "swim"];
// a name that is both a family and a sport type (run, walk, ride, swim, workout) is the family
const BY_NAME = new Map([...SPORT_TYPES, ...Object.keys(FAMILIES)].map((name) => [name.toLowerCase(), name]));
const MILE = 1609.344;
const YARD = 0.9144;
export const MESSAGES = {
  noSrc: 'Strava stats: set src to your app\'s stats URL, e.g. src="https://<your-app>/api/widget.json".',
  noSnapshot: "No Strava stats here yet.",
  unknownAthlete: "Strava stats: no such athlete at this app; check the athlete id in src.",
  notFound: "Strava stats: nothing at src (404); check the URL (…/api/widget.json).",
  forbidden: "These Strava stats are not published.",
  gone: "These Strava stats are no longer published.",
  unavailable: "Strava stats are not available right now.",
  unreachable:
    "Strava stats could not be reached: check src, and that the app's CORS_ALLOWED_ORIGINS lists this site.",
};
const CSS = `
:host{display:block;max-width:500px;font:14px/1.35 -apple-system,BlinkMacSystemFont,"Segoe UI",Helvetica,Arial,sans-serif}
*{box-sizing:border-box}
.card{--bg:#fff;--fg:#242428;--muted:#6d6d78;--line:#e4e2dd;--attribution:#fc5200;--map:#ebebef;
  background:var(--bg);color:var(--fg);border:1px solid var(--line);border-radius:8px;padding:16px clamp(12px,4vw,20px)}
:host([theme=dark]) .card{--bg:#1b1b1f;--fg:#f2f2f4;--muted:#a3a3ad;--line:#34343b;--attribution:#fff;--map:#2a2a31}
@media (prefers-color-scheme:dark){:host([theme=auto]) .card{--bg:#1b1b1f;--fg:#f2f2f4;--muted:#a3a3ad;--line:#34343b;--attribution:#fff;--map:#2a2a31}}
.muted,th,small,footer{color:var(--muted)}
.name{font-size:18px;font-weight:700;overflow-wrap:anywhere}
table{border-collapse:collapse;width:100%;margin-top:10px;table-layout:fixed}
thead th:first-child{width:28%}
th{font-size:11px;letter-spacing:1px;text-transform:uppercase;text-align:left;font-weight:700;padding:2px 0;overflow-wrap:anywhere}
tbody th{text-transform:none;letter-spacing:0;font-size:12px;font-weight:400;vertical-align:top;padding-top:6px}
td{padding:4px 6px 4px 0;vertical-align:top}
td b{display:block;font-size:16px;white-space:nowrap}
small{font-size:11px;display:block}
.latest{border-top:1px solid var(--line);margin-top:10px;padding-top:8px}
.title{font-weight:700;overflow-wrap:anywhere}
.label{font-size:11px;font-weight:700;letter-spacing:1px}
a{color:#fc5200;font-weight:700}
.view{float:right;font-size:11px}
footer{display:flex;flex-wrap:wrap;gap:4px;justify-content:space-between;border-top:1px solid var(--line);margin-top:10px;padding-top:8px;font-size:10px}
footer a{font-size:11px;text-decoration:none;color:var(--attribution)}
.map{border-top:1px solid var(--line);margin-top:10px;padding-top:8px}
.map svg{display:block;width:100%;height:auto;margin-top:6px;background:var(--map);border-radius:6px}
.map path{fill:none;stroke:#fc5200;stroke-width:2.5;stroke-linecap:round;stroke-linejoin:round}
@media (max-width:360px){td b{font-size:14px}}
`;
let sheet = null; // one constructed stylesheet, adopted by every widget of the page

function style(root) {
  if ("adoptedStyleSheets" in Document.prototype && "replaceSync" in CSSStyleSheet.prototype) {
    if (!sheet) {
      sheet = new CSSStyleSheet();
      sheet.replaceSync(CSS);
    }
    root.adoptedStyleSheets = [sheet];
    return null;
  }
  return el("style", {}, CSS); // older browsers: an element (a strict CSP page then blocks it)
}

const number = (value) => (typeof value === "number" && Number.isFinite(value) ? value : 0);
const grouped = (value, decimals = 0) =>
  value.toLocaleString("en-US", { minimumFractionDigits: decimals, maximumFractionDigits: decimals });

export function sportFamily(sportType) {
  return Object.keys(FAMILIES).find((family) => FAMILIES[family].includes(sportType)) || "other";
}

// "trailrun" -> "TrailRun", "RUN" -> "run" (the family); null for an unknown name
export function canonicalSport(name) {
  return BY_NAME.get(String(name).trim().toLowerCase()) || null;
}

const members = (item) => FAMILIES[item] || [item];
const matches = (sportType, items) => items.some((item) => members(item).includes(sportType));

export function formatDistance(metres, units, family = "run") {
  if (family === "swim" && metres < 10000) {
    return units === "imperial" ? `${grouped(metres / YARD)} yd` : `${grouped(metres)} m`;
  }
  const [value, unit] = units === "imperial" ? [metres / MILE, "mi"] : [metres / 1000, "km"];
  return `${grouped(value, value < 100 ? 1 : 0)} ${unit}`;
}

export function formatClock(seconds) {
  const total = Math.round(seconds);
  const [h, m, s] = [Math.floor(total / 3600), Math.floor((total % 3600) / 60), total % 60];
  const pad = (n) => String(n).padStart(2, "0");
  return h ? `${h}:${pad(m)}:${pad(s)}` : `${m}:${pad(s)}`;
}

export function formatHoursMinutes(seconds) {
  const minutes = Math.round(seconds / 60);
  const hours = Math.floor(minutes / 60);
  return hours ? `${grouped(hours)}h ${minutes % 60}m` : `${minutes}m`;
}

export function formatPace(metres, seconds, units, family) {
  if (metres <= 0 || seconds <= 0 || !NOUNS.includes(family)) return null;
  const imperial = units === "imperial";
  if (family === "ride") {
    const perHour = (metres / seconds) * 3600;
    return imperial ? `${(perHour / MILE).toFixed(1)} mph` : `${(perHour / 1000).toFixed(1)} km/h`;
  }
  const [step, unit] =
    family === "swim" ? (imperial ? [100 * YARD, "/100yd"] : [100, "/100m"]) : imperial ? [MILE, "/mi"] : [1000, "/km"];
  return `${formatClock((seconds / metres) * step)} ${unit}`;
}

function formatCount(count, noun) {
  const word = NOUNS.includes(noun) ? noun : "activity";
  const plural = word === "activity" ? "activities" : `${word}s`;
  return `${grouped(count)} ${count === 1 ? word : plural}`;
}

// The athlete's local date of a UTC time: shifted by the offset of their newest activity, else UTC.
export function localDate(doc, moment) {
  const utc = Date.parse(String(moment));
  if (!Number.isFinite(utc)) return "";
  const newest = (Array.isArray(doc.recent_activities) && doc.recent_activities[0]) || {};
  const local = Date.parse(`${String(newest.start_date_local).replace(/Z$/, "")}Z`);
  let offset = local - Date.parse(String(newest.start_date));
  if (!Number.isFinite(offset) || Math.abs(offset) > 14 * 3600e3) offset = 0;
  return new Date(utc + offset).toISOString().slice(0, 10);
}

// One request per URL however many widgets show it: {status, body} or {error}.
const documents = new Map();
function fetchDocument(url) {
  if (!documents.has(url)) {
    documents.set(
      url,
      fetch(url, { headers: { Accept: "application/json" }, credentials: "omit" }).then(
        async (response) => ({ status: response.status, body: await response.json().catch(() => null) }),
        () => ({ error: true }),
      ),
    );
  }
  return documents.get(url);
}

// What to tell the page's owner for an answer without stats.
function message(answer) {
  if (answer.error) return MESSAGES.unreachable; // offline, refused, or CORS: the browser says no more
  const code = answer.body && typeof answer.body.error === "string" ? answer.body.error : "";
  if (answer.status === 404) {
    if (code === "no_snapshot_yet") return MESSAGES.noSnapshot;
    if (code === "unknown_athlete" || code === "no_default_athlete" || code === "invalid_athlete_id") {
      return MESSAGES.unknownAthlete;
    }
    return MESSAGES.notFound; // not this app's answer: a wrong path or host
  }
  if (answer.status === 400 && code === "invalid_athlete_id") return MESSAGES.unknownAthlete;
  if (answer.status === 403) return MESSAGES.forbidden;
  if (answer.status === 410) return MESSAGES.gone;
  return MESSAGES.unavailable;
}

// el("td", {class: "x"}, "text", child): attributes and text are set as properties, never parsed.
function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  for (const child of children) {
    if (child === null || child === undefined) continue;
    node.append(typeof child === "string" ? document.createTextNode(child) : child);
  }
  return node;
}

const list = (value, allowed) =>
  (value || "")
    .split(",")
    .map((item) => item.trim().toLowerCase())
    .filter((item) => allowed.includes(item));

const sportList = (value) => [...new Set((value || "").split(",").map(canonicalSport).filter(Boolean))];

export class StravaStats extends HTMLElement {
  static observedAttributes = ["src", "theme", "units", "blocks", "sports"];

  constructor() {
    super();
    this.attachShadow({ mode: "open" });
    this.snapshot = null;
    this.loadedFrom = undefined; // no src yet is a src too: it gets its message
  }

  connectedCallback() {
    this.update();
  }

  disconnectedCallback() {
    this.loadedFrom = undefined;
  }

  attributeChangedCallback() {
    if (this.isConnected) this.update();
  }

  update() {
    const src = this.getAttribute("src");
    if (src !== this.loadedFrom) this.load(src);
    else if (this.snapshot) this.show(this.snapshot);
  }

  async load(src) {
    this.loadedFrom = src;
    this.snapshot = null;
    let url;
    try {
      url = new URL(src || "", document.baseURI);
      if (!src || !["http:", "https:"].includes(url.protocol)) throw new TypeError("not http");
    } catch {
      return this.quiet(MESSAGES.noSrc);
    }
    const answer = await fetchDocument(url.href);
    if (src !== this.loadedFrom) return; // a newer src is loading: this answer is stale
    const ok = !answer.error && answer.status >= 200 && answer.status < 300 && answer.body;
    if (!ok) return this.quiet(message(answer));
    this.snapshot = answer.body;
    this.show(answer.body);
  }

  render(...children) {
    this.shadowRoot.replaceChildren(...[style(this.shadowRoot), ...children].filter(Boolean));
  }

  quiet(text) {
    this.render(el("div", { class: "card muted", role: "status" }, text));
  }

  show(doc) {
    const athlete = doc.athlete || {};
    const units =
      list(this.getAttribute("units"), ["metric", "imperial"])[0] ||
      (athlete.measurement_preference === "feet" ? "imperial" : "metric");
    const chosen = sportList(this.getAttribute("sports"));
    const sports = chosen.length ? chosen : mainSports(doc);
    const blocks = list(this.getAttribute("blocks") || "ytd,all,latest", ["ytd", "all", "recent", "latest", "map"]);
    const name = [athlete.firstname, athlete.lastname].filter((part) => typeof part === "string").join(" ");
    const place = [athlete.city, athlete.country].filter((part) => typeof part === "string" && part).join(", ");
    const card = el(
      "div",
      { class: "card", part: "card" },
      el("div", { class: "name", "data-field": "athlete-name" }, name || athlete.username || "Strava athlete"),
      place ? el("div", { class: "muted", "data-field": "athlete-place" }, place) : null,
    );
    const periods = blocks.filter((block) => PERIODS[block]);
    if (periods.length) card.append(table(doc, periods, sports.slice(0, 3), units));
    if (blocks.includes("latest")) card.append(latest(doc.recent_activities, chosen.length ? sports : null, units));
    if (blocks.includes("map")) card.append(routeMap(doc.recent_activities, chosen.length ? sports : null));
    const updated = localDate(doc, doc.generated_at);
    card.append(
      el(
        "footer",
        {},
        el("span", { "data-field": "updated" }, updated ? `Updated ${updated}` : ""),
        el("a", { href: STRAVA, target: "_blank", rel: "noopener noreferrer", "data-field": "attribution" }, "Powered by Strava"),
      ),
    );
    this.render(card);
  }
}

function mainSports(doc) {
  const allTotals = (doc.stats && doc.stats.totals && doc.stats.totals.all) || {};
  const active = STRAVA_TOTALS.filter((sport) => number(allTotals[sport]?.count) > 0);
  active.sort((a, b) => number(allTotals[b]?.moving_time_s) - number(allTotals[a]?.moving_time_s));
  return active.length ? active : ["run", "ride"];
}

// Strava's totals for run, ride and swim; the history's (history_totals) for every other item.
function itemTotals(doc, period, item) {
  if (STRAVA_TOTALS.includes(item)) {
    const strava = ((doc.stats && doc.stats.totals) || {})[period] || {};
    return strava[item] || {};
  }
  const bySport = (doc.history_totals || {})[period] || {};
  return members(item).reduce(
    (sum, sport) => ({
      count: sum.count + number(bySport[sport]?.count),
      distance_m: sum.distance_m + number(bySport[sport]?.distance_m),
      moving_time_s: sum.moving_time_s + number(bySport[sport]?.moving_time_s),
    }),
    { count: 0, distance_m: 0, moving_time_s: 0 },
  );
}

const label = (item) => (FAMILIES[item] ? item[0].toUpperCase() + item.slice(1) : item);

function table(doc, periods, sports, units) {
  const head = el("tr", {}, el("th", {}), ...sports.map((sport) => el("th", { scope: "col" }, label(sport))));
  const rows = periods.map((period) =>
    el(
      "tr",
      {},
      el("th", { scope: "row" }, PERIODS[period]),
      ...sports.map((sport) => {
        const item = itemTotals(doc, period, sport);
        const family = FAMILIES[sport] ? sport : sportFamily(sport);
        const noun = FAMILIES[sport] ? sport : "other";
        const detail = `${formatCount(number(item.count), noun)} · ${formatHoursMinutes(number(item.moving_time_s))}`;
        return el(
          "td",
          {},
          el("b", { "data-field": `${period}-${sport}-distance` }, formatDistance(number(item.distance_m), units, family)),
          el("small", { "data-field": `${period}-${sport}-detail` }, detail),
        );
      }),
    ),
  );
  return el("table", {}, el("thead", {}, head), el("tbody", {}, ...rows));
}

function latest(activities, sports, units) {
  const items = (Array.isArray(activities) ? activities : []).filter(
    (item) => item && (!sports || matches(item.sport_type, sports)),
  );
  if (!items.length) return "";
  const item = items[0];
  const family = sportFamily(item.sport_type);
  const [metres, seconds] = [number(item.distance_m), number(item.moving_time_s)];
  const facts = [
    typeof item.sport_type === "string" ? item.sport_type : "",
    metres > 0 ? formatDistance(metres, units, family) : "",
    formatClock(seconds),
    formatPace(metres, seconds, units, family),
    String(item.start_date_local || "").slice(0, 10),
  ].filter(Boolean);
  const id = item.id;
  const view = Number.isSafeInteger(id) && id > 0
    ? el("a", { class: "view", href: `${STRAVA}/activities/${id}`, target: "_blank", rel: "noopener noreferrer" }, "View on Strava")
    : null;
  return el(
    "div",
    { class: "latest" },
    view,
    el("div", { class: "label muted" }, "LATEST"),
    el("div", { class: "title", "data-field": "latest-name" }, String(item.name ?? "")),
    el("div", { class: "muted", "data-field": "latest-detail" }, facts.join(" · ")),
  );
}

// The snapshot's `route`: encoded polylines (one per part), already trimmed for privacy by the app.
// Decoded strictly (as maps/polyline.py): a part that does not decode is skipped.
export function decodePolyline(text) {
  if (typeof text !== "string") return null;
  const numbers = [];
  let [value, shift, chunks] = [0, 0, 0];
  for (const char of text) {
    const code = char.charCodeAt(0) - 63;
    if (!(code >= 0 && code < 64) || char.length !== 1 || ++chunks > 7) return null;
    value += (code & 0x1f) * 2 ** shift;
    shift += 5;
    if (code < 0x20) {
      numbers.push(value % 2 ? -(value + 1) / 2 : value / 2);
      [value, shift, chunks] = [0, 0, 0];
    }
  }
  if (chunks || numbers.length % 2) return null;
  const points = [];
  let [lat, lng] = [0, 0];
  for (let i = 0; i < numbers.length; i += 2) {
    [lat, lng] = [lat + numbers[i], lng + numbers[i + 1]];
    if (Math.abs(lat) > 9e6 || Math.abs(lng) > 18e6) return null;
    points.push([lat / 1e5, lng / 1e5]);
  }
  return points;
}

const routeParts = (route) =>
  (Array.isArray(route) ? route : []).map(decodePolyline).filter((part) => part && part.length >= 2);

// The latest route as an SVG outline (the card's `map` block): numbers only, nothing fetched.
function routeMap(activities, sports) {
  const item = (Array.isArray(activities) ? activities : []).find(
    (entry) => entry && (!sports || matches(entry.sport_type, sports)) && routeParts(entry.route).length,
  );
  if (!item) return "";
  const parts = routeParts(item.route);
  const points = parts.flat();
  const lats = points.map(([lat]) => lat);
  const lngs = points.map(([, lng]) => lng);
  const [north, west] = [Math.max(...lats), Math.min(...lngs)];
  const scale = Math.cos((((north + Math.min(...lats)) / 2) * Math.PI) / 180);
  const [spanX, spanY] = [(Math.max(...lngs) - west) * scale, north - Math.min(...lats)];
  const [width, height, pad] = [460, 170, 12];
  const unit = Math.min((width - 2 * pad) / (spanX || 1), (height - 2 * pad) / (spanY || 1));
  const [left, top] = [(width - spanX * unit) / 2, (height - spanY * unit) / 2];
  const d = parts
    .map((part) =>
      part
        .map(([lat, lng], i) => `${i ? "L" : "M"}${(left + (lng - west) * scale * unit).toFixed(1)} ${(top + (north - lat) * unit).toFixed(1)}`)
        .join(""),
    )
    .join("");
  const svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
  svg.setAttribute("viewBox", `0 0 ${width} ${height}`);
  svg.setAttribute("role", "img");
  svg.setAttribute("aria-label", "Route outline");
  const path = document.createElementNS("http://www.w3.org/2000/svg", "path");
  path.setAttribute("d", d);
  path.setAttribute("data-field", "map-route");
  svg.append(path);
  const caption = [String(item.name ?? ""), String(item.start_date_local || "").slice(0, 10)].filter(Boolean).join(" · ");
  return el(
    "div",
    { class: "map" },
    el("div", { class: "label muted" }, "ROUTE"),
    el("div", { class: "muted", "data-field": "map-caption" }, caption),
    svg,
  );
}

if (!customElements.get("strava-stats")) customElements.define("strava-stats", StravaStats);

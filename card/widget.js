// <strava-stats src=".../api/stats" theme="light|dark" units="metric|imperial"
//               blocks="ytd,all,recent,latest,map" sports="run,ride,swim">
// A custom element (shadow DOM, no dependencies) that shows a strava-snapshot document. Data only ever
// reaches the page as textContent or as attributes built from numbers: never as markup.
// Formatting matches the SVG card (card/units.py).

const STRAVA = "https://www.strava.com";
const PERIODS = { ytd: "This year", all: "All time", recent: "Last 4 weeks" };
const SPORTS = { run: "Run", ride: "Ride", swim: "Swim" };
const FAMILIES = {
  run: ["Run", "TrailRun", "VirtualRun", "Walk", "Hike"],
  ride: ["Ride", "VirtualRide", "EBikeRide", "MountainBikeRide", "GravelRide", "EMountainBikeRide", "Velomobile"],
  swim: ["Swim"],
};
const MILE = 1609.344;
const YARD = 0.9144;
const QUIET = {
  403: "These Strava stats are not published.",
  404: "No Strava stats here yet.",
  410: "These Strava stats are no longer published.",
};
const CSS = `
:host{display:block;max-width:500px;font:14px/1.35 -apple-system,BlinkMacSystemFont,"Segoe UI",Helvetica,Arial,sans-serif}
.card{background:#fff;color:#242428;border:1px solid #e4e2dd;border-radius:8px;padding:16px 20px}
:host([theme=dark]) .card{background:#1b1b1f;color:#f2f2f4;border-color:#34343b}
.muted,th,small,footer{color:#6d6d78}
:host([theme=dark]) :is(.muted,th,small,footer){color:#a3a3ad}
.name{font-size:18px;font-weight:700;overflow-wrap:anywhere}
table{border-collapse:collapse;width:100%;margin-top:10px}
th{font-size:11px;letter-spacing:1px;text-transform:uppercase;text-align:left;font-weight:700;padding:2px 0}
tbody th{text-transform:none;letter-spacing:0;font-size:12px;font-weight:400;vertical-align:top;padding-top:6px}
td{padding:4px 8px 4px 0;vertical-align:top}
td b{display:block;font-size:16px}
small{font-size:11px}
.latest{border-top:1px solid #e4e2dd;margin-top:10px;padding-top:8px}
:host([theme=dark]) :is(.latest,footer){border-color:#34343b}
.title{font-weight:700;overflow-wrap:anywhere}
.label{font-size:11px;font-weight:700;letter-spacing:1px}
a{color:#fc5200;font-weight:700}
.view{float:right;font-size:11px}
footer{display:flex;justify-content:space-between;border-top:1px solid #e4e2dd;margin-top:10px;padding-top:8px;font-size:10px}
footer a{font-size:11px;text-decoration:none}
.map{border-top:1px solid #e4e2dd;margin-top:10px;padding-top:8px}
.map svg{display:block;width:100%;height:auto;margin-top:6px;background:#ebebef;border-radius:6px}
.map path{fill:none;stroke:#fc5200;stroke-width:2.5;stroke-linecap:round;stroke-linejoin:round}
:host([theme=dark]) .map{border-color:#34343b}
:host([theme=dark]) .map svg{background:#2a2a31}
:host([theme=dark]) footer a{color:#fff}
`;

const number = (value) => (typeof value === "number" && Number.isFinite(value) ? value : 0);
const grouped = (value, decimals = 0) =>
  value.toLocaleString("en-US", { minimumFractionDigits: decimals, maximumFractionDigits: decimals });

export function sportFamily(sportType) {
  return Object.keys(FAMILIES).find((family) => FAMILIES[family].includes(sportType)) || "other";
}

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
  if (metres <= 0 || seconds <= 0 || family === "other") return null;
  const imperial = units === "imperial";
  if (family === "ride") {
    const perHour = (metres / seconds) * 3600;
    return imperial ? `${(perHour / MILE).toFixed(1)} mph` : `${(perHour / 1000).toFixed(1)} km/h`;
  }
  const [step, unit] =
    family === "swim" ? (imperial ? [100 * YARD, "/100yd"] : [100, "/100m"]) : imperial ? [MILE, "/mi"] : [1000, "/km"];
  return `${formatClock((seconds / metres) * step)} ${unit}`;
}

function formatCount(count, family) {
  const noun = SPORTS[family] ? family : "activity";
  const plural = noun === "activity" ? "activities" : `${noun}s`;
  return `${grouped(count)} ${count === 1 ? noun : plural}`;
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

export class StravaStats extends HTMLElement {
  static observedAttributes = ["src", "theme", "units", "blocks", "sports"];

  constructor() {
    super();
    this.attachShadow({ mode: "open" });
    this.snapshot = null;
    this.loadedFrom = null;
  }

  connectedCallback() {
    this.update();
  }

  disconnectedCallback() {
    this.controller?.abort();
    this.loadedFrom = null;
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
    this.controller?.abort();
    this.controller = new AbortController();
    let url;
    try {
      url = new URL(src || "", document.baseURI);
      if (!["http:", "https:"].includes(url.protocol)) throw new TypeError("not http");
    } catch {
      return this.quiet("Strava stats: set src to the stats URL.");
    }
    try {
      const response = await fetch(url, {
        headers: { Accept: "application/json" },
        credentials: "omit",
        signal: this.controller.signal,
      });
      const snapshot = response.ok ? await response.json() : null;
      if (src !== this.loadedFrom) return; // a newer src is loading: this answer is stale
      if (!snapshot) return this.quiet(QUIET[response.status] || "Strava stats are not available right now.");
      this.snapshot = snapshot;
      this.show(snapshot);
    } catch (error) {
      if (error?.name !== "AbortError" && src === this.loadedFrom) this.quiet("Strava stats could not be loaded.");
    }
  }

  quiet(message) {
    this.shadowRoot.replaceChildren(el("style", {}, CSS), el("div", { class: "card muted", role: "status" }, message));
  }

  show(doc) {
    const athlete = doc.athlete || {};
    const totals = (doc.stats && doc.stats.totals) || {};
    const units =
      list(this.getAttribute("units"), ["metric", "imperial"])[0] ||
      (athlete.measurement_preference === "feet" ? "imperial" : "metric");
    const chosen = list(this.getAttribute("sports"), Object.keys(SPORTS));
    const sports = chosen.length ? chosen : mainSports(totals.all || {});
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
    if (periods.length) card.append(table(totals, periods, sports, units));
    if (blocks.includes("latest")) card.append(latest(doc.recent_activities, chosen.length ? sports : null, units));
    if (blocks.includes("map")) card.append(routeMap(doc.recent_activities, chosen.length ? sports : null));
    card.append(
      el(
        "footer",
        {},
        el("span", {}, doc.generated_at ? `Updated ${String(doc.generated_at).slice(0, 10)}` : ""),
        el("a", { href: STRAVA, target: "_blank", rel: "noopener noreferrer", "data-field": "attribution" }, "Powered by Strava"),
      ),
    );
    this.shadowRoot.replaceChildren(el("style", {}, CSS), card);
  }
}

function mainSports(allTotals) {
  const active = Object.keys(SPORTS).filter((sport) => number(allTotals[sport]?.count) > 0);
  active.sort((a, b) => number(allTotals[b]?.moving_time_s) - number(allTotals[a]?.moving_time_s));
  return active.length ? active : ["run", "ride"];
}

function table(totals, periods, sports, units) {
  const head = el("tr", {}, el("th", {}), ...sports.map((sport) => el("th", { scope: "col" }, SPORTS[sport])));
  const rows = periods.map((period) =>
    el(
      "tr",
      {},
      el("th", { scope: "row" }, PERIODS[period]),
      ...sports.map((sport) => {
        const item = (totals[period] || {})[sport] || {};
        const detail = `${formatCount(number(item.count), sport)} · ${formatHoursMinutes(number(item.moving_time_s))}`;
        return el(
          "td",
          {},
          el("b", { "data-field": `${period}-${sport}-distance` }, formatDistance(number(item.distance_m), units, sport)),
          el("small", { "data-field": `${period}-${sport}-detail` }, detail),
        );
      }),
    ),
  );
  return el("table", {}, el("thead", {}, head), el("tbody", {}, ...rows));
}

function latest(activities, sports, units) {
  const items = (Array.isArray(activities) ? activities : []).filter(
    (item) => item && (!sports || sports.includes(sportFamily(item.sport_type))),
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
    (entry) => entry && (!sports || sports.includes(sportFamily(entry.sport_type))) && routeParts(entry.route).length,
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

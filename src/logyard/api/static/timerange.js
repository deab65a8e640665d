// Time ranges: quick (relative to now) or absolute, and their place in the URL hash.

export const QUICK_RANGES = {
  "15m": { label: "Last 15 minutes", ms: 15 * 60e3 },
  "1h": { label: "Last 1 hour", ms: 60 * 60e3 },
  "24h": { label: "Last 24 hours", ms: 24 * 3600e3 },
  "7d": { label: "Last 7 days", ms: 7 * 24 * 3600e3 },
};
export const DEFAULT_RANGE = "15m";

// Histogram intervals the console asks for, smallest first; it picks the first giving <= 90 bars.
const INTERVALS = [
  ["1s", 1e3], ["5s", 5e3], ["10s", 10e3], ["30s", 30e3], ["1m", 60e3], ["5m", 300e3],
  ["10m", 600e3], ["30m", 1800e3], ["1h", 3600e3], ["3h", 10800e3], ["12h", 43200e3], ["1d", 86400e3],
];

/** The view state kept in the URL hash: `#q=...&range=15m` or `#q=...&from=ISO&to=ISO`. */
export function readHash(hash = window.location.hash) {
  const params = new URLSearchParams(hash.replace(/^#/, ""));
  const state = { q: params.get("q") || "", range: DEFAULT_RANGE, from: null, to: null };
  const from = Date.parse(params.get("from") || "");
  const to = Date.parse(params.get("to") || "");
  if (!Number.isNaN(from) && !Number.isNaN(to) && from < to) {
    Object.assign(state, { range: "absolute", from: new Date(from), to: new Date(to) });
  } else if (params.get("range") in QUICK_RANGES) {
    state.range = params.get("range");
  }
  return state;
}

export function writeHash(state) {
  const params = new URLSearchParams();
  if (state.q) params.set("q", state.q);
  if (state.range === "absolute") {
    params.set("from", state.from.toISOString());
    params.set("to", state.to.toISOString());
  } else {
    params.set("range", state.range);
  }
  return `#${params.toString()}`;
}

/** The concrete `[from, to)` of a state, as Dates, evaluated now. */
export function resolve(state, now = Date.now()) {
  if (state.range === "absolute") return { from: state.from, to: state.to };
  return { from: new Date(now - QUICK_RANGES[state.range].ms), to: new Date(now) };
}

export function pickInterval(from, to) {
  const span = to - from;
  const found = INTERVALS.find(([, ms]) => span / ms <= 90);
  return found || INTERVALS[INTERVALS.length - 1];
}

const pad = (n, width = 2) => String(n).padStart(width, "0");

/** `2026-11-26 05:29:26.123` in the browser's time zone. */
export function formatTimestamp(date) {
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} `
    + `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`
    + `.${pad(date.getMilliseconds(), 3)}`;
}

/** A value for `<input type="datetime-local" step="1">` in the browser's time zone. */
export function toLocalInput(date) {
  return formatTimestamp(date).slice(0, 19).replace(" ", "T");
}

export function fromLocalInput(value) {
  if (!value) return null;
  const date = new Date(value); // a datetime-local string without zone is local time
  return Number.isNaN(date.getTime()) ? null : date;
}

export function describe(state, range) {
  if (state.range !== "absolute") return QUICK_RANGES[state.range].label;
  return `${formatTimestamp(range.from).slice(0, 19)} → ${formatTimestamp(range.to).slice(0, 19)}`;
}

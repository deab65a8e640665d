// What the console's pages share: the range picker in their header, and reshaping
// aggregation buckets for the charts.

import { h } from "./dom.js";
import { routeHash } from "./routes.js";
import { describe } from "./timerange.js";

export const RANGES = {
  "15m": { label: "Last 15 minutes", ms: 15 * 60e3 },
  "1h": { label: "Last 1 hour", ms: 3600e3 },
  "24h": { label: "Last 24 hours", ms: 24 * 3600e3 },
  "7d": { label: "Last 7 days", ms: 7 * 24 * 3600e3 },
  "30d": { label: "Last 30 days", ms: 30 * 24 * 3600e3 },
  "90d": { label: "Last 90 days", ms: 90 * 24 * 3600e3 },
};

/** The page's range from the hash (`range=1h`), resolved now: {name, from, to}. */
export function readRange(params, fallback) {
  const name = params.get("range") in RANGES ? params.get("range") : fallback;
  const to = new Date();
  return { name, from: new Date(to.getTime() - RANGES[name].ms), to };
}

/** A range `<select>` and a Refresh button; changing either re-opens the page. */
export function rangeBar(page, names, ctx) {
  const select = h("select", { "aria-label": "Time range", class: "page-range" },
    names.map((n) => h("option", { value: n }, RANGES[n].label)));
  const label = h("span", { class: "muted range-label" });
  const go = () => {
    const hash = routeHash(page, { range: select.value });
    if (hash === window.location.hash) ctx.reopen();
    else window.location.hash = hash;
  };
  select.addEventListener("change", go);
  const refresh = h("button", { type: "button", class: "btn", onclick: go }, "Refresh");
  return {
    element: h("div", { class: "page-tools" }, label, select, refresh),
    set(name, from, to) {
      select.value = name;
      label.textContent = describe({ range: "absolute" }, { from, to });
    },
  };
}

/** date_histogram buckets with a `systems` terms sub-aggregation → Map(system → Map(ms → n)). */
export function barsBy(buckets) {
  const out = new Map();
  for (const bucket of buckets) {
    for (const sub of bucket.systems?.buckets || []) {
      if (!out.has(sub.key)) out.set(sub.key, new Map());
      out.get(sub.key).set(bucket.key, sub.doc_count);
    }
  }
  return out;
}

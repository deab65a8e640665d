// Overview: the six systems side by side — health, request rate, error rate, latency —
// over the selected range, from the aggregate and search APIs.

import { barsBy, rangeBar, readRange } from "./pagekit.js";
import { distribution, legend, sparkline, timeSeries } from "./charts.js";
import { SYSTEMS, SYSTEM_COLORS, duration, h, notice, num } from "./dom.js";
import { pickInterval } from "./timerange.js";

const API_SYSTEMS = ["shop-api", "crm-api", "mes-api"];
const PERCENTS = [0, 5, 10, 15, 20, 25, 30, 35, 40, 45, 50, 55, 60, 65, 70, 75, 80, 85, 90, 95, 99, 100];
const key = (p) => p.toFixed(1);

let root;
let ui;
let generation = 0;
let redraw = () => {};

function mount(host, ctx) {
  root = host;
  ui = {
    bar: rangeBar("overview", ["15m", "1h", "24h", "7d"], ctx),
    status: h("div", { class: "page-status" }),
    cards: h("div", { class: "system-cards", "aria-label": "Systems" }),
    technical: h("div", { class: "kpi-grid technical", "aria-label": "Recovery and stability" }),
    events: h("div", { class: "chart-host" }),
    errors: h("div", { class: "chart-host" }),
    requests: h("div", { class: "chart-host" }),
    latency: h("div", { class: "latency-grid" }),
  };
  host.append(
    h("div", { class: "page-head" }, h("h1", {}, "Overview of the six systems"), ui.bar.element),
    ui.status, ui.technical, ui.cards,
    h("div", { class: "chart-grid" },
      h("section", { class: "panel chart-card", "aria-labelledby": "ov-events" },
        h("h2", { id: "ov-events" }, "Events over time"), ui.events, legend(SYSTEMS.map((n) => ({ name: n, color: SYSTEM_COLORS[n] })))),
      h("section", { class: "panel chart-card", "aria-labelledby": "ov-errors" },
        h("h2", { id: "ov-errors" }, "Errors and failures over time (ERROR + FATAL)"), ui.errors,
        legend(SYSTEMS.map((n) => ({ name: n, color: SYSTEM_COLORS[n] })))),
      h("section", { class: "panel chart-card", "aria-labelledby": "ov-requests" },
        h("h2", { id: "ov-requests" }, "API requests per second"), ui.requests,
        legend(API_SYSTEMS.map((n) => ({ name: n, color: SYSTEM_COLORS[n] })))),
      h("section", { class: "panel chart-card", "aria-labelledby": "ov-latency" },
        h("h2", { id: "ov-latency" }, "Latency distribution (http.duration_ms)"), ui.latency)),
  );
}

async function show(params, ctx) {
  const mine = ++generation;
  const { name, from, to } = readRange(params, "1h");
  ui.bar.set(name, from, to);
  const [interval, intervalMs] = pickInterval(from, to);
  const span = { from: from.toISOString(), to: to.toISOString() };
  const overTime = (sub) => ({
    date_histogram: { field: "@timestamp", fixed_interval: interval },
    aggs: { systems: { terms: { field: "service.name", size: 6 } }, ...(sub || {}) },
  });
  root.setAttribute("aria-busy", "true");
  notice(ui.status, "Loading…");
  try {
    const [all, requests, failed, errors, lasts] = await Promise.all([
      ctx.api.aggregate({ ...span, query: "", aggs: {
        systems: { terms: { field: "service.name", size: 6 }, aggs: { levels: { terms: { field: "log.level", size: 6 } } } },
        over_time: overTime(),
      } }),
      ctx.api.aggregate({ ...span, query: "event.action:api.request", aggs: {
        systems: { terms: { field: "service.name", size: 6 }, aggs: { latency: { percentiles: { field: "http.duration_ms", percents: PERCENTS } } } },
        over_time: overTime(),
      } }),
      ctx.api.aggregate({ ...span, query: "event.action:api.request and http.response.status_code >= 500", aggs: {
        systems: { terms: { field: "service.name", size: 6 } },
      } }),
      ctx.api.aggregate({ ...span, query: "log.level:(ERROR or FATAL)", aggs: { over_time: overTime() } }),
      Promise.all(SYSTEMS.map((system) => ctx.api.search({ q: "", systems: system, size: 1 }))),
    ]);
    if (mine !== generation) return;
    const secs = (to - from) / 1000;
    const perSystem = Object.fromEntries(all.aggregations.systems.buckets.map((b) => [b.key, b]));
    const reqs = Object.fromEntries(requests.aggregations.systems.buckets.map((b) => [b.key, b]));
    const bad = Object.fromEntries(failed.aggregations.systems.buckets.map((b) => [b.key, b.doc_count]));
    const series = barsBy(all.aggregations.over_time.buckets);
    ui.cards.replaceChildren(...SYSTEMS.map((system, i) => card({
      system, secs, bucket: perSystem[system], requests: reqs[system], failed: bad[system] || 0,
      last: lasts[i].hits[0], spark: series, from, to, intervalMs, rangeName: name,
    })));
    const lines = (by, names, scale = 1) => names.map((n) => ({
      name: n, color: SYSTEM_COLORS[n],
      values: new Map([...(by.get(n) || new Map())].map(([t, v]) => [t, v * scale])),
    }));
    const figures = API_SYSTEMS.map((system) => latencyFigure(system, reqs[system]));
    ui.latency.replaceChildren(...figures.map((f) => f.figure));
    const errorLines = lines(barsBy(errors.aggregations.over_time.buckets), SYSTEMS);
    const requestLines = lines(barsBy(requests.aggregations.over_time.buckets), API_SYSTEMS, 1000 / intervalMs);
    redraw = () => {
      timeSeries(ui.events, { series: lines(series, SYSTEMS), from, to, intervalMs, label: `Events per ${interval} by system` });
      timeSeries(ui.errors, { series: errorLines, from, to, intervalMs, stacked: true,
        label: `ERROR and FATAL events per ${interval}, stacked by system` });
      timeSeries(ui.requests, { series: requestLines, from, to, intervalMs,
        label: "API requests per second by system", format: (v) => num(v, 2) });
      for (const f of figures) f.draw(); // once attached, so they fit their width
    };
    redraw();
    ui.status.replaceChildren();
    technical(ctx, span, mine); // the analytic metrics come after the logs' own figures
  } catch (err) {
    if (mine === generation) ctx.fail(err, ui.status);
  } finally {
    if (mine === generation) root.removeAttribute("aria-busy");
  }
}

const TECHNICAL = [
  ["availability", "Availability", (f) => `${num(f.value, 2)} %`],
  ["mttr", "MTTR", (f) => duration(f.value)],
  ["mttf", "MTTF", (f) => duration(f.value)],
  ["crash_rate", "Crash rate", (f) => `${num(f.value, 2)} /h`],
  ["connections", "Peak sessions", (f) => num(f.value)],
  ["retry_rate", "Retry rate", (f) => `${num(f.value)} %`],
];
const CARD_FIELDS = { availability: "availability", mttr: "mttr", retry_rate: "retry-rate" };

/** Availability, recovery and stability from the metrics API (analytic facts): a strip of
 * overall figures and three per-system figures on the cards. A metric that fails is `—`. */
async function technical(ctx, span, mine) {
  const answers = await Promise.allSettled(TECHNICAL.map(([name]) => ctx.api.metric(name, span)));
  if (mine !== generation) return;
  const metrics = {};
  answers.forEach((a, i) => { if (a.status === "fulfilled") metrics[TECHNICAL[i][0]] = a.value; });
  const shown = (f, format) => (!f || f.empty ? "—" : format(f));
  ui.technical.replaceChildren(...TECHNICAL.map(([name, title, format]) => {
    const m = metrics[name];
    return h("article", { class: `panel kpi${!m || m.empty ? " kpi-empty" : ""}`, "data-metric": name, title: m?.definition || "not available" },
      h("h2", {}, title), h("p", { class: "kpi-value", "data-field": "value" }, shown(m, format)));
  }));
  for (const [name, field] of Object.entries(CARD_FIELDS)) {
    const format = TECHNICAL.find(([n]) => n === name)[2];
    for (const system of SYSTEMS) {
      const cell = ui.cards.querySelector(`.system-card[data-system="${system}"] [data-field="${field}"]`);
      const f = metrics[name]?.by_system?.[system];
      if (!cell) continue;
      cell.textContent = shown(f, format);
      cell.parentElement.title = f?.empty ? f.reason : (metrics[name]?.definition || "not available");
    }
  }
}

function health({ events, fatals, errors, errorRate }) {
  if (!events) return ["silent", "No events"];
  if (fatals) return ["failing", "FATAL"];
  if (errors || errorRate > 0.05) return ["degraded", "Errors"];
  return ["healthy", "Healthy"];
}

function stat(label, field, value, title) {
  return h("div", { class: "stat", title }, h("dt", {}, label), h("dd", { "data-field": field }, value));
}

/** The search's hash for `q` over a quick range (the overview's ranges are the search's). */
function searchHash(q, range) {
  return `#${new URLSearchParams({ q, range }).toString()}`;
}

function card({ system, secs, bucket, requests, failed, last, spark, from, to, intervalMs, rangeName }) {
  const levels = Object.fromEntries((bucket?.levels?.buckets || []).map((b) => [b.key, b.doc_count]));
  const events = bucket?.doc_count || 0;
  const fatals = levels.FATAL || 0;
  const errors = levels.ERROR || 0;
  const isApi = API_SYSTEMS.includes(system);
  const count = requests?.doc_count || 0;
  const errorRate = count ? failed / count : 0;
  const [state, word] = health({ events, fatals, errors, errorRate });
  const lat = requests?.latency?.values || {};
  const lastAt = last ? Date.parse(last["@timestamp"]) : NaN;
  const age = Number.isNaN(lastAt) ? "never" : `${duration(Math.max(0, (Date.now() - lastAt) / 1000))} ago`;
  const values = [];
  const start = Math.floor(from.getTime() / intervalMs) * intervalMs;
  for (let t = start; t < to.getTime(); t += intervalMs) values.push(spark.get(system)?.get(t) || 0);
  return h("article", { class: `panel system-card health-${state}`, "data-system": system, "aria-label": system },
    h("header", { class: "card-head" },
      h("span", { class: "system-dot", style: `background:${SYSTEM_COLORS[system]}` }),
      h("h2", {}, system),
      h("span", { class: `health health-${state}`, "data-field": "health" }, word)),
    h("div", { class: "card-links" },
      h("a", { href: searchHash(`service.name:${system}`, rangeName), class: "card-link" }, "Events"),
      h("a", { href: searchHash(`service.name:${system} and log.level:(ERROR or FATAL)`, rangeName), class: "card-link" }, "Errors")),
    h("dl", { class: "stats" },
      stat("Last event", "last", age, last ? last["@timestamp"] : "no event stored"),
      stat("Events", "events", num(events), `${num(events / secs, 2)} events/s`),
      stat("FATAL", "fatal", num(fatals)),
      stat("ERROR", "error", num(errors)),
      stat("Requests/s", "rps", isApi ? num(count / secs, 2) : "—", isApi ? `${count} api.request events` : "not an API"),
      stat("5xx rate", "error-rate", isApi && count ? `${num(errorRate * 100)} %` : "—", isApi ? `${failed} of ${count} requests answered 5xx` : "not an API"),
      stat("Latency p50", "p50", isApi && count ? `${num(lat[key(50)])} ms` : "—"),
      stat("p95", "p95", isApi && count ? `${num(lat[key(95)])} ms` : "—"),
      stat("p99", "p99", isApi && count ? `${num(lat[key(99)])} ms` : "—"),
      stat("Availability", "availability", "…", "from the metrics API"),
      stat("MTTR", "mttr", "…", "from the metrics API"),
      stat("Retry rate", "retry-rate", "…", "from the metrics API")),
    sparkline(values, { color: SYSTEM_COLORS[system], width: 220, height: 34, label: `${system}: events over the range` }));
}

function latencyFigure(system, bucket) {
  const host = h("div", { class: "latency-chart" });
  const figure = h("figure", { class: "latency-figure", "data-system": system }, h("figcaption", {}, system), host);
  const lat = bucket?.latency?.values;
  if (!bucket || !lat) {
    host.append(h("p", { class: "muted" }, "No requests in the range."));
    return { figure, draw: () => {} };
  }
  const draw = () => distribution(host, {
    percents: PERCENTS, values: PERCENTS.map((p) => lat[key(p)]),
    marks: { p50: lat[key(50)], p95: lat[key(95)], p99: lat[key(99)] },
    color: SYSTEM_COLORS[system], label: `${system}: latency distribution of ${bucket.doc_count} requests`,
  });
  return { figure, draw };
}

export const overview = { title: "Overview", mount, show, redraw: () => redraw() };

// Business KPIs from the metrics API (docs/metrics.md): DAU/MAU, retention by cohort,
// CSAT, deployments, lead time, time to market, bug and incident rates.

import { barChart } from "./charts.js";
import { SYSTEMS, duration, h, notice, num } from "./dom.js";
import { rangeBar, readRange } from "./pagekit.js";

const KPIS = [
  ["dau", "Daily active users", (m) => num(m.value), (m) => `mean of ${m.count} day(s)`],
  ["mau", "Monthly active users", (m) => num(m.value), () => "distinct users in the range"],
  ["retention", "Day-1 retention", (m) => `${num(m.value)} %`, (m) => `of ${num(m.count)} users in cohorts with a next day`],
  ["csat", "CSAT", (m) => `${num(m.value)} %`, (m) => `${num(m.detail?.satisfied)} of ${num(m.count)} scored 4–5; mean ${num(m.detail?.mean_score, 2)}`],
  ["deployment_frequency", "Deployments", (m) => `${num(m.value, 2)} /day`, (m) => `${num(m.count)} deploy(s) in the range`],
  ["lead_time", "Lead time for changes", (m) => duration(m.value), (m) => `median of ${num(m.count)}; p95 ${duration(m.detail?.p95)}`],
  ["time_to_market", "Time to market", (m) => duration(m.value), (m) => `order to printed, median of ${num(m.count)}`],
  ["bug_rate", "Bug rate", (m) => `${num(m.value, 2)} ‰`, (m) => `${num(m.detail?.errors)} ERROR of ${num(m.count)} events`],
  ["incident_rate", "Incident rate", (m) => `${num(m.value, 2)} /day`, (m) => `${num(m.count)} FATAL`],
];
const PER_SYSTEM = [
  ["dau", "DAU", (f) => num(f.value)],
  ["mau", "MAU", (f) => num(f.value)],
  ["retention", "Day-1 retention", (f) => `${num(f.value)} %`],
  ["csat", "CSAT", (f) => `${num(f.value)} %`],
  ["deployment_frequency", "Deploys", (f) => num(f.count)],
  ["lead_time", "Lead time", (f) => duration(f.value)],
];

let root;
let ui;
let generation = 0;
let redraw = () => {};

function mount(host, ctx) {
  root = host;
  ui = {
    bar: rangeBar("business", ["7d", "30d", "90d"], ctx),
    status: h("div", { class: "page-status" }),
    kpis: h("div", { class: "kpi-grid", "aria-label": "Key figures" }),
    dau: h("div", { class: "chart-host" }),
    cohorts: h("div", { class: "cohorts" }),
    systems: h("div", { class: "table-wrap" }),
  };
  host.append(
    h("div", { class: "page-head" }, h("h1", {}, "Business KPIs"), ui.bar.element),
    ui.status, ui.kpis,
    h("div", { class: "chart-grid" },
      h("section", { class: "panel chart-card", "aria-labelledby": "bz-dau" }, h("h2", { id: "bz-dau" }, "Daily active users"), ui.dau),
      h("section", { class: "panel chart-card", "aria-labelledby": "bz-systems" }, h("h2", { id: "bz-systems" }, "By system"), ui.systems)),
    h("section", { class: "panel chart-card", "aria-labelledby": "bz-cohorts" },
      h("h2", { id: "bz-cohorts" }, "Retention by cohort"),
      h("p", { class: "muted" }, "Users by the day of their first activity, and the share of them active again k days later."),
      ui.cohorts),
  );
}

async function show(params, ctx) {
  const mine = ++generation;
  const { name, from, to } = readRange(params, "30d");
  ui.bar.set(name, from, to);
  root.setAttribute("aria-busy", "true");
  notice(ui.status, "Loading…");
  try {
    const answer = await ctx.api.metrics({ from: from.toISOString(), to: to.toISOString() });
    if (mine !== generation) return;
    const metrics = Object.fromEntries(answer.metrics.map((m) => [m.name, m]));
    const behind = Math.max(0, ...answer.metrics.map((m) => m.facts_behind || 0));
    if (behind) notice(ui.status, `The analytic tables are catching up: ${num(behind)} stored event(s) not counted yet.`);
    else ui.status.replaceChildren();
    ui.kpis.replaceChildren(...KPIS.map(([key, title, value, note]) => kpi(key, title, metrics[key], value, note)));
    const dau = metrics.dau;
    const series = Object.entries(dau?.detail?.series || {}).map(([day, users]) => ({ label: day.slice(5), value: users }));
    redraw = () => {
      if (series.length) barChart(ui.dau, { bars: series, label: "Distinct active users per UTC day" });
      else ui.dau.replaceChildren(h("p", { class: "muted" }, dau?.reason || "No user activity in the range."));
    };
    redraw();
    ui.cohorts.replaceChildren(cohortTable(metrics.retention));
    ui.systems.replaceChildren(systemTable(metrics));
  } catch (err) {
    if (mine === generation) ctx.fail(err, ui.status);
  } finally {
    if (mine === generation) root.removeAttribute("aria-busy");
  }
}

function kpi(key, title, metric, value, note) {
  const empty = !metric || metric.empty;
  return h("article", { class: `panel kpi${empty ? " kpi-empty" : ""}`, "data-metric": key, title: metric?.definition || "" },
    h("h2", {}, title),
    h("p", { class: "kpi-value", "data-field": "value" }, empty ? "—" : value(metric)),
    h("p", { class: "kpi-note muted" }, empty ? (metric?.reason || "not computed") : note(metric)));
}

/** Colour of a retention rate: white (0 %) to deep green (100 %). */
function heat(rate) {
  const t = Math.max(0, Math.min(1, rate / 100));
  const mix = (a, b) => Math.round(a + (b - a) * t);
  return `rgb(${mix(247, 30)}, ${mix(250, 122)}, ${mix(248, 90)})`;
}

function cohortTable(retention) {
  const rows = retention?.detail?.cohorts || [];
  if (!rows.length) return h("p", { class: "muted" }, retention?.reason || "No cohorts in the range.");
  const days = Math.max(...rows.map((r) => r.rates.length));
  const shown = Math.min(days, 15);
  return h("table", { class: "cohort-table" },
    h("caption", { class: "visually-hidden" }, "Retention: share of each cohort active k days after its first day"),
    h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Cohort"), h("th", { scope: "col" }, "Users"),
      Array.from({ length: shown }, (_, k) => h("th", { scope: "col" }, `Day ${k}`)))),
    h("tbody", {}, rows.map((row) => h("tr", { "data-cohort": row.cohort },
      h("th", { scope: "row" }, row.cohort), h("td", { class: "num" }, num(row.users)),
      Array.from({ length: shown }, (_, k) => {
        if (k >= row.rates.length) return h("td", { class: "cohort-na" }, "");
        const rate = row.rates[k];
        return h("td", {
          class: `cohort-cell${rate >= 60 ? " cohort-dark" : ""}`, style: `background:${heat(rate)}`,
          title: `${row.retained[k]} of ${row.users} users on day ${k}`,
        }, `${num(rate, 0)} %`);
      })))));
}

function systemTable(metrics) {
  return h("table", { class: "data-table system-table" },
    h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "System"), PER_SYSTEM.map(([, title]) => h("th", { scope: "col", class: "num" }, title)))),
    h("tbody", {}, SYSTEMS.map((system) => h("tr", { "data-system": system },
      h("th", { scope: "row" }, system),
      PER_SYSTEM.map(([key, , format]) => {
        const f = metrics[key]?.by_system?.[system];
        return h("td", { class: "num", "data-metric": key }, !f || f.empty ? "—" : format(f));
      })))));
}

export const business = { title: "Business", mount, show, redraw: () => redraw() };

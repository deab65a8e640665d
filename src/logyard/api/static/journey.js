// Order journey: every event of one order across the six systems on one timeline, joined
// by `order.id` and by the trace ids those events carry.

import { SYSTEMS, SYSTEM_COLORS, duration, h, notice, s } from "./dom.js";
import { LEVEL_COLORS } from "./histogram.js";
import { levelOf, summarize } from "./results.js";
import { journeyHash, orderIdIn } from "./routes.js";
import { formatTimestamp } from "./timerange.js";

const PAGE = 1000;
const TRACES_PER_QUERY = 40;
const MAX_HITS = 5 * PAGE; // per query: a journey is for reading, not for exporting

let root;
let ui;
let generation = 0;
let redraw = () => {};

/** KQL for `field` equal to any of `values` (quoted, escaped). */
export function anyOf(field, values) {
  const quoted = values.map((v) => `"${String(v).replace(/[\\"]/g, "\\$&")}"`);
  return `${field}:(${quoted.join(" or ")})`;
}

function mount(host, ctx) {
  root = host;
  const input = h("input", {
    id: "journey-order", type: "search", autocomplete: "off", spellcheck: "false",
    placeholder: "ORD-000123", "aria-describedby": "journey-help",
  });
  const form = h("form", { class: "journey-form", role: "search" },
    h("label", { for: "journey-order" }, "Order id"), input,
    h("button", { type: "submit", class: "btn btn-primary" }, "Show journey"));
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const order = orderIdIn(input.value) || input.value.trim();
    if (!order) return;
    const hash = journeyHash(order);
    if (hash === window.location.hash) ctx.reopen();
    else window.location.hash = hash;
  });
  ui = {
    input,
    status: h("div", { class: "page-status" }),
    summary: h("p", { class: "journey-summary", "aria-live": "polite" }),
    lanes: h("div", { class: "journey-lanes" }),
    list: h("ol", { class: "journey-list", "aria-label": "Events of the order, oldest first" }),
  };
  host.append(
    h("div", { class: "page-head" }, h("h1", {}, "Order journey"), form),
    h("p", { id: "journey-help", class: "muted" },
      "Every event that names the order (order.id), and every event of the traces those events carry (trace.id), oldest first."),
    ui.status, ui.summary,
    h("section", { class: "panel chart-card", "aria-label": "Timeline by system" }, ui.lanes),
    h("section", { class: "panel journey-panel" }, ui.list),
  );
}

/** Up to MAX_HITS events matching `q`, oldest first; `more` when there were others. */
async function searchAll(api, q) {
  const hits = [];
  let after;
  do {
    const page = await api.search({ q, size: PAGE, sort: "asc", search_after: after });
    hits.push(...page.hits);
    after = page.next;
  } while (after && hits.length < MAX_HITS);
  return { hits, more: Boolean(after) };
}

/** The order's events and those of its traces, merged by event id, oldest first; each
 * step's `at` is its @timestamp parsed once (ms, NaN when unparsable). */
export async function journeyOf(api, order) {
  const direct = await searchAll(api, anyOf("order.id", [order]));
  let truncated = direct.more;
  const traces = [...new Set(direct.hits.map((e) => e["trace.id"]).filter((t) => typeof t === "string" && t))];
  const linked = [];
  for (let i = 0; i < traces.length; i += TRACES_PER_QUERY) {
    const found = await searchAll(api, anyOf("trace.id", traces.slice(i, i + TRACES_PER_QUERY)));
    linked.push(...found.hits);
    truncated ||= found.more;
  }
  const byId = new Map();
  const step = (event, via) => ({ event, via, at: Date.parse(event["@timestamp"]) });
  for (const event of direct.hits) byId.set(event["event.id"] || JSON.stringify(event), step(event, "order.id"));
  for (const event of linked) {
    const id = event["event.id"] || JSON.stringify(event);
    if (!byId.has(id)) byId.set(id, step(event, "trace.id"));
  }
  return { traces, truncated, steps: [...byId.values()].sort((a, b) => (a.at || 0) - (b.at || 0)) };
}

async function show(params, ctx) {
  const mine = ++generation;
  const order = params.get("order") || "";
  ui.input.value = order;
  ui.summary.textContent = "";
  ui.lanes.replaceChildren();
  ui.list.replaceChildren();
  redraw = () => {};
  if (!order) {
    notice(ui.status, "Type an order id, or click one in the search results.");
    return;
  }
  root.setAttribute("aria-busy", "true");
  notice(ui.status, "Loading…");
  try {
    const { traces, steps, truncated: cut } = await journeyOf(ctx.api, order);
    if (mine !== generation) return;
    if (cut) notice(ui.status, `Only the first ${MAX_HITS.toLocaleString()} events of each query are shown; search for the rest.`);
    else ui.status.replaceChildren();
    if (!steps.length) {
      notice(ui.status, `No event names the order ${order}. Check the id; events older than the retention are gone.`);
      return;
    }
    const systems = SYSTEMS.filter((n) => steps.some((st) => st.event["service.name"] === n));
    const first = steps[0].at;
    const last = steps[steps.length - 1].at;
    ui.summary.replaceChildren(
      h("strong", {}, order), `: ${steps.length} event${steps.length === 1 ? "" : "s"} in ${systems.length} system${systems.length === 1 ? "" : "s"}`,
      ` over ${duration((last - first) / 1000)}, joined through ${traces.length} trace${traces.length === 1 ? "" : "s"}.`);
    redraw = () => drawLanes(ui.lanes, steps, systems, first, last);
    redraw();
    const gaps = steps.map((st, i) => (i ? st.at - steps[i - 1].at : -1));
    const longest = steps.length > 2 ? gaps.indexOf(Math.max(...gaps)) : -1;
    ui.list.replaceChildren(...steps.map((step, i) => item(step, i ? steps[i - 1] : null, first, i === longest)));
  } catch (err) {
    if (mine === generation) ctx.fail(err, ui.status);
  } finally {
    if (mine === generation) root.removeAttribute("aria-busy");
  }
}

function item({ event, via, at }, previous, first, longest) {
  const gap = previous ? (at - previous.at) / 1000 : null;
  const level = levelOf(event);
  const system = String(event["service.name"] ?? "");
  return h("li", { class: "journey-item", "data-system": system, "data-event-id": event["event.id"] || "" },
    h("div", { class: longest ? "journey-gap journey-gap-longest" : "journey-gap", "data-field": "gap",
      title: longest ? "the longest wait of the journey" : null }, gap === null ? "start" : `+${duration(gap)}`),
    h("span", { class: "journey-dot", style: `background:${SYSTEM_COLORS[system] || "#98a2b3"}` }),
    h("div", { class: "journey-body" },
      h("div", { class: "journey-line" },
        h("time", { datetime: event["@timestamp"] || "", title: `T+${duration((at - first) / 1000)}` },
          Number.isNaN(at) ? String(event["@timestamp"] ?? "") : formatTimestamp(new Date(at))),
        h("span", { class: "journey-system", "data-field": "system" }, system),
        h("span", { class: `level level-${level}` }, level),
        h("span", { class: "journey-action", "data-field": "action" }, String(event["event.action"] ?? "")),
        event["user.name"] ? h("span", { class: "journey-user" }, `by ${event["user.name"]}`) : null,
        h("span", { class: "journey-via muted", title: "how this event joined the journey" }, `via ${via}`)),
      h("div", { class: "journey-message", "data-field": "message" }, summarize(event))));
}

function drawLanes(host, steps, systems, first, last) {
  const width = Math.max(480, host.clientWidth || 960);
  const lane = 30;
  const left = 120;
  const right = 20;
  const top = 8;
  const height = top + systems.length * lane + 26;
  const span = Math.max(last - first, 1);
  const x = (t) => left + ((t - first) / span) * (width - left - right);
  const y = (system) => top + systems.indexOf(system) * lane + lane / 2;
  const svg = s("svg", { width, height, viewBox: `0 0 ${width} ${height}`, class: "chart journey-chart", role: "img",
    "aria-label": `Timeline of ${steps.length} events across ${systems.length} systems` });
  systems.forEach((system) => {
    svg.append(s("line", { x1: left, x2: width - right, y1: y(system), y2: y(system), class: "grid" }));
    svg.append(s("text", { x: left - 8, y: y(system) + 4, class: "axis-label", "text-anchor": "end" }, system));
  });
  const path = steps.map(({ event, at }) => `${x(at).toFixed(1)},${y(event["service.name"])}`);
  svg.append(s("polyline", { points: path.join(" "), fill: "none", stroke: "#98a2b3", "stroke-width": 1, "stroke-dasharray": "3 3" }));
  for (const { event, at } of steps) {
    svg.append(s("circle", {
      cx: x(at).toFixed(1), cy: y(event["service.name"]), r: 5, class: "journey-point",
      fill: LEVEL_COLORS[levelOf(event)] || "#54b399", stroke: SYSTEM_COLORS[event["service.name"]] || "#fff", "stroke-width": 2,
    }, s("title", {}, `${event["service.name"]} ${event["event.action"]} at ${event["@timestamp"]}`)));
  }
  svg.append(s("text", { x: left, y: height - 6, class: "axis-label" }, formatTimestamp(new Date(first)).slice(0, 19)));
  svg.append(s("text", { x: width - right, y: height - 6, class: "axis-label", "text-anchor": "end" },
    `${formatTimestamp(new Date(last)).slice(0, 19)} (${duration(span / 1000)} later)`));
  host.replaceChildren(svg);
}

/** Under the search bar: "Show journey of ORD-…" while the query names an order. */
export function offerJourney(input, host) {
  const update = () => {
    const order = orderIdIn(input.value);
    host.hidden = !order;
    if (!order) return;
    host.replaceChildren(h("button", {
      type: "button", class: "btn btn-small journey-offer-btn",
      onclick: () => { window.location.hash = journeyHash(order); },
    }, `Show journey of ${order}`), h("span", { class: "muted" }, " every event of the order across the six systems, on one timeline"));
  };
  input.addEventListener("input", update);
  update();
  return update;
}

export const journey = { title: "Order journey", mount, show, redraw: () => redraw() };

// The results table: one row per event, expandable to the whole event as JSON.

import { journeyHash } from "./routes.js";
import { formatTimestamp } from "./timerange.js";

// Envelope keys shown in their own columns or not worth a summary.
const ENVELOPE = new Set([
  "@timestamp", "event.id", "event.action", "log.level", "service.name", "service.version",
  "host.name", "trace.id", "span.id", "user.name", "user.id", "user.roles", "client.ip",
  "message", "labels",
]);

function scalar(value) {
  if (value === null || value === undefined) return "";
  return typeof value === "object" ? JSON.stringify(value) : String(value);
}

/** One line saying what happened: the message, else the event's own fields. */
export function summarize(event) {
  if (event.message) return event.message;
  if (event["error.type"] || event["error.message"]) {
    return [event["error.type"], event["error.message"]].filter(Boolean).join(": ");
  }
  if (event["http.route"]) {
    const method = event["http.request.method"] ? `${event["http.request.method"]} ` : "";
    const status = event["http.response.status_code"] ?? "";
    const ms = event["http.duration_ms"] !== undefined ? ` in ${event["http.duration_ms"]} ms` : "";
    return `${method}${event["http.route"]} → ${status}${ms}`;
  }
  if (event["warning.condition"]) {
    return `${event["warning.condition"]}: ${event["warning.value"]} (threshold ${event["warning.threshold"]})`;
  }
  if (event["failure.component"]) {
    return `${event["failure.component"]} failed (${event["failure.kind"] || "unknown"} failure)`;
  }
  return Object.entries(event)
    .filter(([key]) => !ENVELOPE.has(key))
    .map(([key, value]) => `${key}=${scalar(value)}`)
    .join("  ");
}

/** Pretty JSON as text nodes and coloured spans (no HTML parsing of event data). */
function highlightJson(target, value) {
  const text = JSON.stringify(value, null, 2);
  const token = /("(?:\\.|[^"\\])*")(\s*:)?|\b(true|false|null)\b|-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/g;
  let last = 0;
  for (const match of text.matchAll(token)) {
    target.append(text.slice(last, match.index));
    const span = document.createElement("span");
    if (match[1]) {
      span.className = match[2] ? "json-key" : "json-string";
      span.textContent = match[1];
      target.append(span);
      if (match[2]) target.append(match[2]);
    } else {
      span.className = match[3] ? "json-literal" : "json-number";
      span.textContent = match[0];
      target.append(span);
    }
    last = match.index + match[0].length;
  }
  target.append(text.slice(last));
}

async function copyText(text) {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    const area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.className = "visually-hidden";
    document.body.append(area);
    area.select();
    const ok = document.execCommand("copy");
    area.remove();
    return ok;
  }
}

let rowSerial = 0;

// A stored event may omit `log.level` when it is its action's default (`error` is ERROR):
// the catalogue says which. Without it, an absent level means INFO.
let defaultLevels = {};

export function setDefaultLevels(catalog) {
  defaultLevels = Object.fromEntries(catalog.map((entry) => [entry.action, entry.level]));
}

export function levelOf(event) {
  return event["log.level"] || defaultLevels[event["event.action"]] || "INFO";
}

function cell(text, className) {
  const td = document.createElement("td");
  if (className) td.className = className;
  td.textContent = text;
  return td;
}

function showJourney(order) {
  return (e) => {
    e.stopPropagation();
    window.location.hash = journeyHash(order);
  };
}

/** The message cell; the event's order id in it is a button to the order's journey. */
function messageCell(event) {
  const td = cell("", "col-message");
  const text = summarize(event);
  const order = event["order.id"];
  const at = typeof order === "string" && order ? text.indexOf(order) : -1;
  if (at < 0) {
    td.textContent = text;
    return td;
  }
  const link = document.createElement("button");
  link.type = "button";
  link.className = "order-link";
  link.title = `Show the journey of ${order}`;
  link.textContent = order;
  link.addEventListener("click", showJourney(order));
  td.append(text.slice(0, at), link, text.slice(at + order.length));
  return td;
}

/** The two `<tr>` of an event: the summary row and its (hidden) detail row. */
export function eventRows(event, { fresh = false } = {}) {
  const id = `event-detail-${++rowSerial}`;
  const level = levelOf(event);
  const row = document.createElement("tr");
  row.className = fresh ? "event-row fresh" : "event-row";
  if (event["event.id"]) row.dataset.eventId = event["event.id"];

  const toggleCell = document.createElement("td");
  toggleCell.className = "col-expand";
  const toggle = document.createElement("button");
  toggle.type = "button";
  toggle.className = "expand";
  toggle.setAttribute("aria-expanded", "false");
  toggle.setAttribute("aria-controls", id);
  toggle.setAttribute("aria-label", `Show details of ${event["event.action"] || "event"} at ${event["@timestamp"]}`);
  toggle.innerHTML = '<svg viewBox="0 0 16 16" aria-hidden="true" focusable="false"><path d="M6 3.5 10.5 8 6 12.5" fill="none" stroke="currentColor" stroke-width="1.6" stroke-linecap="round" stroke-linejoin="round"/></svg>';
  toggleCell.append(toggle);

  const timeCell = document.createElement("td");
  timeCell.className = "col-time";
  const stamp = new Date(event["@timestamp"]);
  const time = document.createElement("time");
  time.dateTime = event["@timestamp"] || "";
  time.title = event["@timestamp"] || "";
  time.textContent = Number.isNaN(stamp.getTime()) ? scalar(event["@timestamp"]) : formatTimestamp(stamp);
  timeCell.append(time);

  const levelCell = document.createElement("td");
  levelCell.className = "col-level";
  const badge = document.createElement("span");
  badge.className = `level level-${level}`;
  badge.textContent = level;
  levelCell.append(badge);

  row.append(
    toggleCell, timeCell, cell(scalar(event["service.name"]), "col-system"), levelCell,
    cell(scalar(event["event.action"]), "col-action"), cell(scalar(event["user.name"]), "col-user"),
    messageCell(event),
  );

  const detail = document.createElement("tr");
  detail.className = "event-detail";
  detail.id = id;
  detail.hidden = true;
  const td = document.createElement("td");
  td.colSpan = 7;
  const toolbar = document.createElement("div");
  toolbar.className = "detail-toolbar";
  const heading = document.createElement("span");
  heading.className = "detail-heading";
  heading.textContent = "Event JSON";
  const copy = document.createElement("button");
  copy.type = "button";
  copy.className = "btn btn-small copy";
  copy.textContent = "Copy JSON";
  const copied = document.createElement("span");
  copied.className = "copy-status";
  copied.setAttribute("role", "status");
  toolbar.append(heading, copy, copied);
  if (typeof event["order.id"] === "string" && event["order.id"]) {
    const journey = document.createElement("button");
    journey.type = "button";
    journey.className = "btn btn-small journey-btn";
    journey.textContent = `Order journey of ${event["order.id"]}`;
    journey.addEventListener("click", showJourney(event["order.id"]));
    toolbar.append(journey);
  }
  const pre = document.createElement("pre");
  pre.className = "event-json";
  pre.tabIndex = 0;
  pre.setAttribute("aria-label", "Event JSON");
  const code = document.createElement("code");
  highlightJson(code, event);
  pre.append(code);
  td.append(toolbar, pre);
  detail.append(td);

  const setOpen = (open) => {
    toggle.setAttribute("aria-expanded", String(open));
    row.classList.toggle("open", open);
    detail.hidden = !open;
  };
  toggle.addEventListener("click", (e) => {
    e.stopPropagation();
    setOpen(detail.hidden);
  });
  row.addEventListener("click", (e) => {
    if (window.getSelection()?.toString()) return; // let people select text in a row
    if (e.target.closest("button, a")) return;
    setOpen(detail.hidden);
  });
  copy.addEventListener("click", async () => {
    const ok = await copyText(JSON.stringify(event, null, 2));
    copied.textContent = ok ? "Copied" : "Copy failed: select the JSON and copy it by hand";
    setTimeout(() => { copied.textContent = ""; }, 2000);
  });
  return [row, detail];
}

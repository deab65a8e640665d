// Alerts: what is firing, what happened (history), and silences — added and ended by
// admins only (the page hides those actions from roles without `alerts.manage`).

import { duration, h, notice, num } from "./dom.js";
import { formatTimestamp } from "./timerange.js";

const RECENT_MS = 24 * 3600e3;
const DURATIONS = [["now+1h", "1 hour"], ["now+4h", "4 hours"], ["now+24h", "1 day"], ["now+7d", "1 week"]];

let root;
let ui;
let generation = 0;
let context;

function when(iso) {
  const t = Date.parse(iso || "");
  return Number.isNaN(t) ? "—" : formatTimestamp(new Date(t)).slice(0, 19);
}

function mount(host, ctx) {
  root = host;
  context = ctx;
  const rule = h("input", { id: "silence-rule", type: "text", required: true, autocomplete: "off", placeholder: "api-* or a rule name" });
  const group = h("input", { id: "silence-group", type: "text", autocomplete: "off", value: "*" });
  const until = h("select", { id: "silence-until" }, DURATIONS.map(([v, label]) => h("option", { value: v }, label)));
  const comment = h("input", { id: "silence-comment", type: "text", autocomplete: "off", placeholder: "why (shown in the history)" });
  const error = h("p", { class: "form-error", role: "alert", hidden: true });
  const form = h("form", { class: "silence-form", "aria-labelledby": "al-new-silence", hidden: true },
    h("h3", { id: "al-new-silence" }, "New silence"),
    h("div", { class: "silence-fields" },
      h("label", { for: "silence-rule" }, "Rule"), rule,
      h("label", { for: "silence-group" }, "Group"), group,
      h("label", { for: "silence-until" }, "For"), until,
      h("label", { for: "silence-comment" }, "Comment"), comment,
      h("button", { type: "submit", class: "btn btn-primary" }, "Silence")),
    error);
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    error.hidden = true;
    try {
      await ctx.api.addSilence({ rule: rule.value.trim(), group: group.value.trim() || "*", until: until.value, comment: comment.value });
      comment.value = "";
      ctx.reopen();
    } catch (err) {
      if (err.status === 401) ctx.fail(err, ui.status);
      error.textContent = err.message;
      error.hidden = false;
    }
  });
  ui = {
    status: h("div", { class: "page-status" }),
    role: h("p", { class: "muted role-note" }),
    firing: h("div", { class: "table-wrap" }),
    history: h("div", { class: "table-wrap" }),
    silences: h("div", { class: "table-wrap" }),
    form, rule, group, comment,
  };
  host.append(
    h("div", { class: "page-head" }, h("h1", {}, "Alerts"),
      h("div", { class: "page-tools" }, h("button", { type: "button", class: "btn", onclick: () => ctx.reopen() }, "Refresh"))),
    ui.status, ui.role,
    h("section", { class: "panel chart-card", "aria-labelledby": "al-firing" },
      h("h2", { id: "al-firing" }, "Firing"),
      h("p", { class: "muted" }, "Alerts open now, and one-shot alerts (FATAL events, new error signatures) of the last 24 hours."),
      ui.firing),
    h("section", { class: "panel chart-card", "aria-labelledby": "al-silences" },
      h("h2", { id: "al-silences" }, "Silences"), ui.silences, form),
    h("section", { class: "panel chart-card", "aria-labelledby": "al-history" },
      h("h2", { id: "al-history" }, "History"), ui.history),
  );
}

async function show(_params, ctx) {
  const mine = ++generation;
  root.setAttribute("aria-busy", "true");
  notice(ui.status, "Loading…");
  try {
    const [me, firing, fired, history, silences] = await Promise.all([
      ctx.me(),
      ctx.api.alerts({ status: "firing", limit: 200 }),
      ctx.api.alerts({ status: "fired", limit: 200 }),
      ctx.api.alertHistory({ limit: 200 }),
      ctx.api.silences(),
    ]);
    if (mine !== generation) return;
    const admin = me.permissions.includes("alerts.manage");
    ui.role.textContent = admin
      ? `Signed in as ${me.name} (${me.role}): you may silence alerts.`
      : `Signed in as ${me.name} (${me.role}): you may read alerts; silencing needs an admin.`;
    ui.form.hidden = !admin;
    const now = Date.now();
    const recent = fired.alerts.filter((a) => now - Date.parse(a.opened_at || a.window_end) <= RECENT_MS);
    const open = [...firing.alerts, ...recent].sort((a, b) => Date.parse(b.window_end) - Date.parse(a.window_end));
    const active = silences.silences.filter((x) => Date.parse(x.until) > now);
    ui.firing.replaceChildren(open.length ? alertTable(open, active, admin) : h("p", { class: "muted empty-note" }, "Nothing is firing."));
    ui.silences.replaceChildren(active.length ? silenceTable(active, admin) : h("p", { class: "muted empty-note" }, "No active silence."));
    ui.history.replaceChildren(history.history.length ? historyTable(history.history) : h("p", { class: "muted empty-note" }, "No alert has happened yet."));
    ui.status.replaceChildren();
  } catch (err) {
    if (mine === generation) ctx.fail(err, ui.status);
  } finally {
    if (mine === generation) root.removeAttribute("aria-busy");
  }
}

/** A silence's glob (`*`, `?`) as a RegExp over the whole name, as the server matches. */
function glob(pattern) {
  const body = [...pattern].map((c) => (c === "*" ? ".*" : c === "?" ? "." : c.replace(/[.+^${}()|[\]\\]/g, "\\$&"))).join("");
  return new RegExp(`^${body}$`);
}

/** The active silence that mutes `alert` now, if any. */
function silenceOf(alert, silences) {
  return silences.find((x) => glob(x.rule).test(alert.rule) && glob(x.group || "*").test(alert.group || ""));
}

/** The search for a FATAL alert's event (its group is the event id), around its window. */
function eventHash(alert) {
  const q = `event.id:"${alert.group.replace(/[\\"]/g, "\\$&")}"`;
  const from = new Date(Date.parse(alert.window_start) - 60e3).toISOString();
  const to = new Date(Date.parse(alert.window_end) + 60e3).toISOString();
  return `#${new URLSearchParams({ q, from, to }).toString()}`;
}

function valueText(alert) {
  if (alert.value === null || alert.value === undefined) return "—";
  return alert.threshold === null || alert.threshold === undefined
    ? num(alert.value, 3) : `${num(alert.value, 3)} / ${num(alert.threshold, 3)}`;
}

function alertTable(alerts, silences, admin) {
  return h("table", { class: "data-table alert-table" },
    h("thead", {}, h("tr", {}, ["Status", "Severity", "Rule", "Group", "Summary", "Value / threshold", "Window end", admin ? "Actions" : null]
      .filter(Boolean).map((t) => h("th", { scope: "col" }, t)))),
    h("tbody", {}, alerts.map((a) => {
      const muted = silenceOf(a, silences);
      return h("tr", { class: "alert-row", "data-rule": a.rule, "data-status": a.status },
      h("td", {}, h("span", { class: `status status-${a.status}` }, a.status),
        a.silenced || muted ? h("span", {
          class: "status status-silenced", title: muted ? `silenced until ${when(muted.until)}` : "was silenced when it opened",
        }, "silenced") : null),
      h("td", {}, h("span", { class: `severity severity-${a.severity}` }, a.severity)),
      h("td", { class: "alert-rule" }, a.rule),
      h("td", { class: "alert-group" }, a.rule_type === "fatal" && a.group
        ? h("a", { class: "event-link", href: eventHash(a), title: "Show the event in the search" }, a.group)
        : a.group),
      h("td", { class: "alert-summary" }, a.summary),
      h("td", { class: "num" }, valueText(a)),
      h("td", { class: "mono" }, when(a.window_end)),
      admin ? h("td", {}, h("button", {
        type: "button", class: "btn btn-small silence-btn",
        "aria-label": `Silence ${a.rule}`,
        onclick: () => {
          ui.rule.value = a.rule;
          ui.group.value = a.rule_type === "fatal" || a.rule_type === "new_signature" ? "*" : a.group || "*";
          ui.comment.focus();
        },
      }, "Silence…")) : null);
    })));
}

function silenceTable(silences, admin) {
  return h("table", { class: "data-table silence-table" },
    h("thead", {}, h("tr", {}, ["Rule", "Group", "Until", "Comment", "By", admin ? "Actions" : null]
      .filter(Boolean).map((t) => h("th", { scope: "col" }, t)))),
    h("tbody", {}, silences.map((x) => h("tr", { class: "silence-row", "data-silence": x.id },
      h("td", {}, x.rule), h("td", {}, x.group),
      h("td", { class: "mono", title: `${duration((Date.parse(x.until) - Date.now()) / 1000)} left` }, when(x.until)),
      h("td", {}, x.comment), h("td", {}, x.created_by),
      admin ? h("td", {}, h("button", {
        type: "button", class: "btn btn-small unsilence-btn", "aria-label": `Unsilence ${x.rule}`,
        onclick: async (e) => {
          e.currentTarget.disabled = true;
          try {
            await context.api.removeSilence(x.id);
          } catch (err) {
            context.fail(err, ui.status);
            return;
          }
          context.reopen();
        },
      }, "Unsilence")) : null))));
}

function historyTable(rows) {
  return h("table", { class: "data-table history-table" },
    h("thead", {}, h("tr", {}, ["At", "Rule", "Group", "What", "Detail"].map((t) => h("th", { scope: "col" }, t)))),
    h("tbody", {}, rows.map((r) => h("tr", { class: "history-row", "data-kind": r.kind },
      h("td", { class: "mono" }, when(r.at)), h("td", {}, r.rule), h("td", {}, r.group),
      h("td", {}, h("span", { class: `status status-${r.kind}` }, r.kind)), h("td", { class: "alert-summary" }, r.detail)))));
}

export const alerts = { title: "Alerts", mount, show };

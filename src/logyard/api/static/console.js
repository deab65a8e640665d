// logyard console: Discover-style search over the query API.

import { api, ApiError } from "./api.js";
import { renderHistogram, renderLegend } from "./histogram.js";
import { offerJourney } from "./journey.js";
import { forgetUser, initPages, openPage, setScreen } from "./pages.js";
import { eventRows, setDefaultLevels } from "./results.js";
import { readRoute } from "./routes.js";
import {
  describe, fromLocalInput, pickInterval, readHash, resolve, toLocalInput, writeHash,
} from "./timerange.js";

const PAGE_SIZE = 50;
const TAIL_EVERY_MS = 1000;
const EXAMPLES = [
  ["log.level:(ERROR or FATAL)", "errors and failures"],
  ["service.name:crm and event.action:error", "the errors of one system"],
  ["http.duration_ms >= 500", "slow API requests"],
  ["user.name:ivano* and not event.action:page.viewed", "wildcards and not"],
  ['message:"connection lost"', "a phrase"],
];

const $ = (id) => document.getElementById(id);
const ui = {
  loading: $("loading"), signIn: $("sign-in"), signInForm: $("sign-in-form"), token: $("token"),
  signInError: $("sign-in-error"), signOut: $("sign-out"), discover: $("discover"),
  form: $("search-form"), query: $("query"), range: $("range"), absolute: $("absolute"),
  from: $("from"), to: $("to"), tail: $("tail"), error: $("error"), errorTitle: $("error-title"),
  errorDetail: $("error-detail"), errorCaret: $("error-caret"), total: $("total"),
  hitsWord: $("hits-word"), rangeLabel: $("range-label"), tailStatus: $("tail-status"),
  histogram: $("histogram"), legend: $("legend"), rows: $("rows"), results: $("results"),
  empty: $("empty"), examples: $("examples"), more: $("more"),
  panels: [$("chart-panel"), $("results-panel")],
};

const view = {
  state: readHash(),
  range: null, // the resolved {from, to} of the last search
  total: 0,
  next: null,
  seen: new Set(),
  newest: null, // ISO timestamp of the newest event shown
  generation: 0, // bumps on every search; late answers of older searches are dropped
  histogram: null, // last histogram input, for re-drawing on resize
  tailTimer: null,
  histogramRefreshAt: 0,
  catalog: null, // the promise of the event catalogue, once signed in
};

// ---------------------------------------------------------------- screens

function showScreen(name) {
  ui.loading.hidden = true;
  ui.signIn.hidden = name !== "sign-in";
  ui.signOut.hidden = name === "sign-in";
  setScreen(name === "discover" ? "search" : name); // the nav and the other pages
}

/** Show what the URL hash names: the search (`#q=...`) or a page (`#view=overview`). */
function route() {
  const { view: page, params } = readRoute();
  if (page === "search") {
    view.state = readHash();
    fillForm(view.state);
    updateJourneyOffer();
    search();
    return;
  }
  view.generation += 1; // answers of a search still running are dropped
  stopTail();
  showScreen(page);
  openPage(page, params);
}

function requireSignIn() {
  stopTail();
  showScreen("sign-in");
  ui.token.focus();
}

ui.signInForm.addEventListener("submit", async (e) => {
  e.preventDefault();
  ui.signInError.hidden = true;
  const token = ui.token.value.trim();
  const username = $("username").value.trim();
  const password = $("password").value;
  if (!token && !(username && password)) {
    showSignInError("Enter your user name and password, or an API token.");
    return;
  }
  try {
    if (token) {
      await api.signIn(token);
    } else {
      await api.signInWithPassword(username, password);
    }
  } catch (err) {
    showSignInError(err instanceof ApiError && err.status === 401
      ? (token ? "That token was not accepted; check it and try again."
               : "Wrong user name or password.")
      : err.message);
    return;
  }
  ui.token.value = "";
  $("password").value = "";
  route();
});

function showSignInError(message) {
  ui.signInError.textContent = message;
  ui.signInError.hidden = false;
  ui.token.setAttribute("aria-invalid", "true");
  ui.token.focus();
}

ui.signOut.addEventListener("click", async () => {
  try {
    await api.signOut();
  } catch {
    // Signing out of an expired session still ends on the sign-in form.
  }
  forgetUser();
  requireSignIn();
});

// ---------------------------------------------------------------- errors

function clearError() {
  ui.error.hidden = true;
  ui.query.removeAttribute("aria-invalid");
}

function showError(err) {
  if (err instanceof ApiError && err.status === 401) {
    requireSignIn();
    return;
  }
  const problem = err instanceof ApiError ? err.problem : {};
  ui.errorTitle.textContent = err instanceof ApiError
    ? (err.status === 400 ? "The query could not be run" : (problem.title || `Error ${err.status}`))
    : "Connection problem";
  ui.errorDetail.textContent = problem.detail || err.message;
  const position = Number(problem.position);
  if (err instanceof ApiError && err.status === 400 && Number.isInteger(position) && position > 0) {
    // Column is 1-based: draw the query with a caret under it.
    ui.errorCaret.textContent = `${view.state.q}\n${" ".repeat(position - 1)}^ column ${position}`;
    ui.errorCaret.hidden = false;
    ui.query.setAttribute("aria-invalid", "true");
    const at = Math.min(position - 1, ui.query.value.length);
    ui.query.setSelectionRange(at, at);
  } else {
    ui.errorCaret.hidden = true;
  }
  ui.error.hidden = false;
}

// ---------------------------------------------------------------- the form and the URL

function fillForm(state) {
  ui.query.value = state.q;
  ui.range.value = state.range;
  ui.absolute.hidden = state.range !== "absolute";
  if (state.range === "absolute") {
    ui.from.value = toLocalInput(state.from);
    ui.to.value = toLocalInput(state.to);
  }
}

function stateFromForm() {
  const state = { q: ui.query.value.trim(), range: ui.range.value, from: null, to: null };
  if (state.range === "absolute") {
    state.from = fromLocalInput(ui.from.value);
    state.to = fromLocalInput(ui.to.value);
    if (!state.from || !state.to || state.from >= state.to) return null;
  }
  return state;
}

function submit(state) {
  const hash = writeHash(state);
  view.state = state;
  if (hash === window.location.hash) search();
  else window.location.hash = hash; // the hashchange listener searches
}

ui.form.addEventListener("submit", (e) => {
  e.preventDefault();
  const state = stateFromForm();
  if (!state) {
    showError(new Error("Absolute range: set both From and To, with From before To."));
    ui.from.focus();
    return;
  }
  submit(state);
});

ui.range.addEventListener("change", () => {
  const absolute = ui.range.value === "absolute";
  ui.absolute.hidden = !absolute;
  if (absolute) {
    const current = view.range || resolve({ range: "15m" });
    if (!ui.from.value) ui.from.value = toLocalInput(current.from);
    if (!ui.to.value) ui.to.value = toLocalInput(current.to);
    ui.from.focus();
  } else {
    ui.form.requestSubmit();
  }
});

window.addEventListener("hashchange", route);

for (const [query, hint] of EXAMPLES) {
  const item = document.createElement("li");
  const button = document.createElement("button");
  button.type = "button";
  button.className = "example";
  button.textContent = query;
  button.addEventListener("click", () => {
    ui.query.value = query;
    ui.form.requestSubmit();
  });
  const note = document.createElement("span");
  note.className = "muted";
  note.textContent = ` ${hint}`;
  item.append(button, note);
  ui.examples.append(item);
}

// ---------------------------------------------------------------- search

function setTotal(total) {
  view.total = total;
  ui.total.textContent = total.toLocaleString();
  ui.hitsWord.textContent = total === 1 ? "hit" : "hits";
}

function remember(event) {
  const key = event["event.id"] || JSON.stringify(event);
  if (view.seen.has(key)) return false;
  view.seen.add(key);
  if (event["@timestamp"] && (!view.newest || event["@timestamp"] > view.newest)) {
    view.newest = event["@timestamp"];
  }
  return true;
}

function appendHits(hits) {
  const fragment = document.createDocumentFragment();
  for (const event of hits) if (remember(event)) fragment.append(...eventRows(event));
  ui.rows.append(fragment);
}

function updateEmpty() {
  const empty = ui.rows.childElementCount === 0;
  ui.empty.hidden = !empty;
  ui.results.classList.toggle("is-empty", empty);
}

/** The catalogue (for default levels), fetched once; the table still works without it. */
function loadCatalog() {
  view.catalog ||= api.catalog().then(setDefaultLevels, (err) => {
    view.catalog = null;
    if (err instanceof ApiError && err.status === 401) throw err;
  });
  return view.catalog;
}

async function search() {
  const generation = ++view.generation;
  const state = view.state;
  const range = resolve(state);
  view.range = range;
  clearError();
  ui.rangeLabel.textContent = describe(state, range);
  ui.discover.setAttribute("aria-busy", "true");
  const params = { q: state.q, from: range.from.toISOString(), to: range.to.toISOString(), size: PAGE_SIZE };
  try {
    const [result] = await Promise.all([
      api.search(params), drawHistogram(generation, state, range), loadCatalog(),
    ]);
    if (generation !== view.generation) return;
    showScreen("discover");
    view.seen.clear();
    view.newest = null;
    ui.rows.replaceChildren();
    appendHits(result.hits);
    setTotal(result.total);
    view.next = result.next;
    ui.more.hidden = !result.next;
    updateEmpty();
    showPanels(true);
  } catch (err) {
    if (generation !== view.generation) return;
    if (!(err instanceof ApiError && err.status === 401)) showScreen("discover");
    stopTail();
    showPanels(false); // results of an earlier query would read as this one's
    showError(err);
  } finally {
    if (generation === view.generation) ui.discover.removeAttribute("aria-busy");
  }
}

function showPanels(visible) {
  for (const panel of ui.panels) panel.hidden = !visible;
}

async function drawHistogram(generation, state, range) {
  const [interval, intervalMs] = pickInterval(range.from, range.to);
  const result = await api.aggregate({
    query: state.q,
    from: range.from.toISOString(),
    to: range.to.toISOString(),
    aggs: {
      over_time: {
        date_histogram: { field: "@timestamp", fixed_interval: interval },
        aggs: { levels: { terms: { field: "log.level", size: 6 } } },
      },
    },
  });
  if (generation !== view.generation) return;
  view.histogram = {
    buckets: result.aggregations.over_time.buckets, from: range.from, to: range.to, intervalMs,
    onSelect: (from, to) => submit({ q: view.state.q, range: "absolute", from, to }),
  };
  renderHistogram(ui.histogram, view.histogram);
}

ui.more.addEventListener("click", async () => {
  const generation = view.generation;
  const { state, range } = view;
  ui.more.disabled = true;
  try {
    const result = await api.search({
      q: state.q, from: range.from.toISOString(), to: range.to.toISOString(), size: PAGE_SIZE,
      search_after: view.next,
    });
    if (generation !== view.generation) return;
    appendHits(result.hits);
    view.next = result.next;
    ui.more.hidden = !result.next;
  } catch (err) {
    showError(err);
  } finally {
    ui.more.disabled = false;
  }
});

// ---------------------------------------------------------------- live tail

function startTail() {
  ui.tail.setAttribute("aria-pressed", "true");
  ui.tailStatus.textContent = "Live tail on: new events appear at the top.";
  if (!view.newest) view.newest = new Date().toISOString();
  scheduleTail();
}

function stopTail() {
  ui.tail.setAttribute("aria-pressed", "false");
  ui.tailStatus.textContent = "";
  clearTimeout(view.tailTimer);
  view.tailTimer = null;
}

function scheduleTail() {
  clearTimeout(view.tailTimer);
  view.tailTimer = setTimeout(pollTail, TAIL_EVERY_MS);
}

async function pollTail() {
  if (ui.tail.getAttribute("aria-pressed") !== "true") return;
  const generation = view.generation;
  try {
    // Events at or after the newest one shown; the ones already shown are skipped by id.
    const since = view.newest || view.range.from.toISOString();
    const result = await api.search({ q: view.state.q, from: since, size: PAGE_SIZE });
    if (generation === view.generation && ui.tail.getAttribute("aria-pressed") === "true") {
      prependHits(result.hits);
    }
  } catch (err) {
    stopTail();
    showError(err);
    return;
  }
  scheduleTail();
}

function prependHits(hits) {
  const fresh = hits.filter(remember);
  if (!fresh.length) return;
  const fragment = document.createDocumentFragment();
  for (const event of fresh) fragment.append(...eventRows(event, { fresh: true }));
  ui.rows.prepend(fragment);
  setTotal(view.total + fresh.length);
  updateEmpty();
  const now = Date.now();
  if (now >= view.histogramRefreshAt) {
    view.histogramRefreshAt = now + 5000;
    const state = view.state;
    const range = state.range === "absolute" ? view.range : resolve(state, now);
    drawHistogram(view.generation, state, range).catch(() => {}); // the table is what matters
  }
}

ui.tail.addEventListener("click", () => {
  if (ui.tail.getAttribute("aria-pressed") === "true") stopTail();
  else startTail();
});

// ---------------------------------------------------------------- start

new ResizeObserver(() => {
  if (view.histogram && !ui.discover.hidden) renderHistogram(ui.histogram, view.histogram);
}).observe(ui.histogram);

renderLegend(ui.legend);
initPages({ onSignIn: requireSignIn });
const updateJourneyOffer = offerJourney(ui.query, $("journey-offer"));
route();

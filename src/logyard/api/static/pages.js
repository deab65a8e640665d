// The console's pages besides the search: the nav bar, one section per page, each page
// mounted once on first visit and re-shown on every visit.

import { api, ApiError } from "./api.js";
import { alerts } from "./alerts.js";
import { business } from "./business.js";
import { h } from "./dom.js";
import { journey } from "./journey.js";
import { overview } from "./overview.js";
import { readRoute } from "./routes.js";

const MODULES = { overview, business, journey, alerts };
const sections = {};
let signIn = () => {};
let who = null;
let lastSearch = "";

const ctx = {
  api,
  /** Who is signed in (`{name, role, permissions}`), asked once per sign-in. */
  me() {
    who ||= api.whoami().catch((err) => {
      who = null;
      throw err;
    });
    return who;
  },
  /** Shows `err` in `host`, or the sign-in form when the session is gone. */
  fail(err, host) {
    if (err instanceof ApiError && err.status === 401) {
      signIn();
      return;
    }
    const problem = err instanceof ApiError ? err.problem : {};
    const title = err instanceof ApiError ? (problem.title || `Error ${err.status}`) : "Connection problem";
    host.replaceChildren(h("div", { class: "error-banner", role: "alert" },
      h("p", { class: "error-title" }, title), h("p", { class: "error-detail" }, problem.detail || err.message)));
  },
  reopen() {
    const { view, params } = readRoute();
    if (view in MODULES) MODULES[view].show(params, ctx);
  },
};

/** `onSignIn` shows the sign-in form (a call answered 401). */
export function initPages({ onSignIn }) {
  signIn = onSignIn;
  let timer = null;
  window.addEventListener("resize", () => {
    // Charts are drawn to their box's width: draw the visible page's again (same data).
    clearTimeout(timer);
    timer = setTimeout(() => {
      for (const [name, section] of Object.entries(sections)) {
        if (!section.hidden && section.dataset.mounted) MODULES[name].redraw?.();
      }
    }, 150);
  });
  const main = document.getElementById("main");
  for (const name of Object.keys(MODULES)) {
    sections[name] = h("section", { id: `page-${name}`, class: "page", "aria-label": MODULES[name].title, hidden: true });
    main.append(sections[name]);
  }
}

/** Forget the signed-in user (after signing out). */
export function forgetUser() {
  who = null;
}

/** Show `name` (`sign-in`, `loading`, `search` or a page); the nav marks the current one. */
export function setScreen(name) {
  const app = name !== "sign-in" && name !== "loading";
  document.getElementById("nav").hidden = !app;
  document.getElementById("discover").hidden = name !== "search";
  for (const [page, section] of Object.entries(sections)) section.hidden = page !== name;
  for (const link of document.querySelectorAll("#nav a[data-view]")) {
    if (link.dataset.view === name) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
  if (app) document.title = `logyard · ${name === "search" ? "Search" : MODULES[name].title}`;
  if (name === "search") lastSearch = window.location.hash;
  const searchLink = document.querySelector('#nav a[data-view="search"]');
  if (searchLink) searchLink.setAttribute("href", lastSearch && !lastSearch.includes("view=") ? lastSearch : "#");
}

/** Open page `name` with the hash's `params`. */
export function openPage(name, params) {
  const page = MODULES[name];
  const section = sections[name];
  if (!section.dataset.mounted) {
    page.mount(section, ctx);
    section.dataset.mounted = "true";
  }
  setScreen(name);
  page.show(params, ctx);
}

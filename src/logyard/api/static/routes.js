// Which page the console shows, kept in the URL hash: `#view=overview&range=1h`,
// `#view=journey&order=ORD-000123`; without `view` it is the search (`#q=...&range=15m`).

export const PAGES = ["search", "overview", "business", "journey", "alerts"];

export function readRoute(hash = window.location.hash) {
  const params = new URLSearchParams(hash.replace(/^#/, ""));
  const view = params.get("view");
  return { view: PAGES.includes(view) ? view : "search", params };
}

export function routeHash(view, params = {}) {
  const out = new URLSearchParams({ view });
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== "") out.set(key, value);
  }
  return `#${out.toString()}`;
}

export function journeyHash(orderId) {
  return routeHash("journey", { order: orderId });
}

/** The order id a search-bar query names (`ORD-000123`, `order.id:ORD-000123`,
 * `order.id:"ORD-000123"`), or null. */
export function orderIdIn(query) {
  const text = (query || "").trim();
  const field = /^order\.id\s*:\s*(?:"((?:[^"\\]|\\.)+)"|(\S+))$/.exec(text);
  if (field) return field[1] !== undefined ? field[1].replace(/\\(.)/g, "$1") : field[2];
  return /^ORD-[A-Za-z0-9_-]+$/.test(text) ? text : null;
}

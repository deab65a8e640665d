// Building DOM without parsing HTML: every string becomes a text node or an attribute value.

const SVG_NS = "http://www.w3.org/2000/svg";

function build(node, attrs, children) {
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "class") node.setAttribute("class", value);
    else if (key === "text") node.textContent = String(value);
    else if (key === "dataset") Object.assign(node.dataset, value);
    else if (key.startsWith("on") && typeof value === "function") {
      node.addEventListener(key.slice(2), value);
    } else node.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

/** An HTML element: `h("td", {class: "num"}, "12")`. Strings are always text. */
export function h(tag, attrs, ...children) {
  return build(document.createElement(tag), attrs, children);
}

/** An SVG element, the same way. */
export function s(tag, attrs, ...children) {
  return build(document.createElementNS(SVG_NS, tag), attrs, children);
}

/** A value for people: `1,234`, `12.3`, `0.042`; `—` for nothing. */
export function num(value, digits = 1) {
  if (value === null || value === undefined || Number.isNaN(value)) return "—";
  const abs = Math.abs(value);
  if (abs !== 0 && abs < 0.1) return value.toPrecision(2);
  return value.toLocaleString(undefined, { maximumFractionDigits: Number.isInteger(value) ? 0 : digits });
}

/** A duration in seconds as `850 ms`, `12.5 s`, `3 min 20 s`, `2 h 05 min`, `3 d 4 h`. */
export function duration(secs) {
  if (secs === null || secs === undefined || Number.isNaN(secs)) return "—";
  const sign = secs < 0 ? "−" : "";
  let v = Math.abs(secs);
  if (v < 1) return `${sign}${Math.round(v * 1000)} ms`;
  if (v < 60) return `${sign}${num(v, 1)} s`;
  v = Math.round(v);
  const d = Math.floor(v / 86400);
  const hr = Math.floor((v % 86400) / 3600);
  const m = Math.floor((v % 3600) / 60);
  const sec = v % 60;
  if (d) return `${sign}${d} d ${hr} h`;
  if (hr) return `${sign}${hr} h ${String(m).padStart(2, "0")} min`;
  return `${sign}${m} min ${sec ? `${sec} s` : ""}`.trim();
}

/** The six systems, in the order of the business (shop to factory), and their colours. */
export const SYSTEMS = ["internet-shop", "shop-api", "crm", "crm-api", "mes", "mes-api"];
export const SYSTEM_COLORS = {
  "internet-shop": "#6092c0",
  "shop-api": "#54b399",
  crm: "#d36086",
  "crm-api": "#9170b8",
  mes: "#ca8eae",
  "mes-api": "#d6bf57",
};

/** A message line in a page's status slot (`role=alert` for errors). */
export function notice(host, text, kind = "muted") {
  host.replaceChildren(h("p", { class: `notice notice-${kind}`, role: kind === "error" ? "alert" : "status" }, text));
}

// Hits over time as stacked SVG bars, one colour per log level.

export const LEVELS = ["TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL"]; // bottom to top
export const LEVEL_COLORS = {
  TRACE: "#a2abba",
  DEBUG: "#6092c0",
  INFO: "#54b399",
  WARN: "#d6bf57",
  ERROR: "#e7664c",
  FATAL: "#9b1c36",
};

const SVG = "http://www.w3.org/2000/svg";
const HEIGHT = 170;
const MARGIN = { top: 10, right: 8, bottom: 24, left: 44 };

function el(name, attrs = {}, text) {
  const node = document.createElementNS(SVG, name);
  for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, String(value));
  if (text !== undefined) node.textContent = text;
  return node;
}

/** A round axis maximum >= `max` (1, 2, 5 × 10^n). */
function niceMax(max) {
  if (max <= 1) return 1;
  const magnitude = 10 ** Math.floor(Math.log10(max));
  for (const step of [1, 2, 4, 6, 8, 10]) if (step * magnitude >= max) return step * magnitude;
  return 10 * magnitude;
}

function tickLabel(date, spanMs) {
  const hm = date.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", hour12: false });
  if (spanMs <= 36 * 3600e3) return hm;
  return `${date.toLocaleDateString([], { month: "short", day: "numeric" })} ${hm}`;
}

export function renderLegend(host) {
  host.replaceChildren();
  for (const level of LEVELS) {
    const item = document.createElement("span");
    item.className = "legend-item";
    const swatch = document.createElement("span");
    swatch.className = "legend-swatch";
    swatch.style.background = LEVEL_COLORS[level];
    item.append(swatch, level);
    host.append(item);
  }
}

/**
 * Draw `buckets` (the API's date_histogram buckets with a `levels` terms sub-aggregation)
 * over `[from, to)`. `onSelect(fromDate, toDate)` is called when a bar is clicked.
 */
export function renderHistogram(host, { buckets, from, to, intervalMs, onSelect }) {
  const width = Math.max(320, host.clientWidth || 960);
  const plotW = width - MARGIN.left - MARGIN.right;
  const plotH = HEIGHT - MARGIN.top - MARGIN.bottom;
  const start = Math.floor(from.getTime() / intervalMs) * intervalMs;
  const end = to.getTime();
  const span = Math.max(end - start, intervalMs);
  const x = (ms) => MARGIN.left + ((ms - start) / span) * plotW;

  const peak = buckets.reduce((best, b) => (b.doc_count > (best ? best.doc_count : 0) ? b : best), null);
  const yMax = niceMax(peak ? peak.doc_count : 0);
  const y = (count) => (count / yMax) * plotH;
  const total = buckets.reduce((sum, b) => sum + b.doc_count, 0);

  const svg = el("svg", {
    width, height: HEIGHT, viewBox: `0 0 ${width} ${HEIGHT}`, role: "img", class: "histogram-svg",
  });
  const label = peak
    ? `Histogram of ${total} hits over time; the busiest interval, starting ${new Date(peak.key).toLocaleString()}, has ${peak.doc_count}.`
    : "Histogram of hits over time: no hits in this range.";
  svg.append(el("title", {}, label));

  // Horizontal grid and y labels.
  const yTicks = yMax % 2 === 0 ? [0, yMax / 2, yMax] : [0, yMax];
  for (const value of yTicks) {
    const gy = MARGIN.top + plotH - y(value);
    svg.append(el("line", { x1: MARGIN.left, x2: width - MARGIN.right, y1: gy, y2: gy, class: "grid" }));
    svg.append(el("text", { x: MARGIN.left - 6, y: gy + 4, class: "axis-label", "text-anchor": "end" },
      value.toLocaleString()));
  }

  // X ticks: about one every 130 px, aligned to whole intervals.
  const tickCount = Math.max(2, Math.floor(plotW / 130));
  const tickStep = Math.ceil(span / tickCount / intervalMs) * intervalMs;
  for (let t = start; t <= end; t += tickStep) {
    const tx = x(t);
    svg.append(el("line", { x1: tx, x2: tx, y1: MARGIN.top + plotH, y2: MARGIN.top + plotH + 4, class: "tick" }));
    svg.append(el("text", { x: tx, y: HEIGHT - 6, class: "axis-label", "text-anchor": "middle" },
      tickLabel(new Date(t), span)));
  }

  const bars = el("g", { class: "bars" });
  const barW = Math.max(1, (intervalMs / span) * plotW - (intervalMs / span * plotW > 4 ? 2 : 0));
  for (const bucket of buckets) {
    if (!bucket.doc_count) continue;
    const group = el("g", { class: "bucket" });
    const counts = Object.fromEntries((bucket.levels?.buckets || []).map((b) => [b.key, b.doc_count]));
    const known = LEVELS.reduce((sum, level) => sum + (counts[level] || 0), 0);
    if (known < bucket.doc_count) counts.INFO = (counts.INFO || 0) + bucket.doc_count - known;
    let base = MARGIN.top + plotH;
    for (const level of LEVELS) {
      const count = counts[level];
      if (!count) continue;
      const h = Math.max(1, y(count));
      base -= h;
      group.append(el("rect", {
        class: "bar", "data-level": level, x: x(bucket.key), y: base, width: barW, height: h,
        fill: LEVEL_COLORS[level],
      }));
    }
    const detail = LEVELS.filter((l) => counts[l]).map((l) => `${l} ${counts[l]}`).reverse().join(", ");
    group.append(el("title", {}, `${new Date(bucket.key).toLocaleString()}: ${bucket.doc_count} hits (${detail})`));
    if (onSelect) {
      group.addEventListener("click", () => onSelect(new Date(bucket.key), new Date(bucket.key + intervalMs)));
    }
    bars.append(group);
  }
  svg.append(bars);
  svg.append(el("line", {
    x1: MARGIN.left, x2: width - MARGIN.right, y1: MARGIN.top + plotH, y2: MARGIN.top + plotH, class: "baseline",
  }));
  host.replaceChildren(svg);
}

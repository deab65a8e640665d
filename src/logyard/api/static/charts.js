// Small hand-written SVG charts: time series, sparklines, bars and a latency distribution.
// Labels are set with textContent (through dom.js), never parsed as markup.

import { h, num, s } from "./dom.js";

const M = { top: 10, right: 12, bottom: 24, left: 48 };

/** A round axis maximum >= `max` (1, 2, 2.5, 5 × 10^n). */
export function niceMax(max) {
  if (!(max > 0)) return 1;
  const magnitude = 10 ** Math.floor(Math.log10(max));
  for (const step of [1, 2, 2.5, 5, 10]) if (step * magnitude >= max) return step * magnitude;
  return 10 * magnitude;
}

function timeLabel(ms, spanMs) {
  const date = new Date(ms);
  const hm = date.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", hour12: false });
  if (spanMs <= 36 * 3600e3) return hm;
  return date.toLocaleDateString([], { month: "short", day: "numeric" });
}

function frame(width, height, label) {
  return s("svg", {
    width, height, viewBox: `0 0 ${width} ${height}`, role: "img", class: "chart", "aria-label": label,
  }, s("title", {}, label));
}

function yAxis(svg, { width, plotH, yMax, format }) {
  for (const value of [0, yMax / 2, yMax]) {
    const gy = M.top + plotH - (value / yMax) * plotH;
    svg.append(s("line", { x1: M.left, x2: width - M.right, y1: gy, y2: gy, class: "grid" }));
    svg.append(s("text", { x: M.left - 6, y: gy + 4, class: "axis-label", "text-anchor": "end" }, format(value)));
  }
}

/**
 * Lines over time. `series`: [{name, color, values: Map(bucketMs → value)}]; buckets run
 * from `from` to `to` every `intervalMs` (a missing bucket is 0).
 */
export function timeSeries(host, { series, from, to, intervalMs, label, height = 180, format = num, stacked = false }) {
  const width = Math.max(280, host.clientWidth || 640);
  const plotW = width - M.left - M.right;
  const plotH = height - M.top - M.bottom;
  const start = Math.floor(from.getTime() / intervalMs) * intervalMs;
  const end = to.getTime();
  const keys = [];
  for (let t = start; t < end; t += intervalMs) keys.push(t);
  const span = Math.max(end - start, intervalMs);
  const x = (t) => M.left + ((t + intervalMs / 2 - start) / span) * plotW;
  const base = new Array(keys.length).fill(0);
  const lines = series.map((one) => {
    const values = keys.map((k, i) => {
      const v = one.values.get(k) || 0;
      if (!stacked) return v;
      base[i] += v;
      return base[i];
    });
    return { ...one, points: values };
  });
  const peak = Math.max(0, ...lines.flatMap((l) => l.points));
  const yMax = niceMax(peak);
  const y = (v) => M.top + plotH - (v / yMax) * plotH;
  const svg = frame(width, height, label);
  yAxis(svg, { width, plotH, yMax, format });
  const ticks = Math.max(2, Math.floor(plotW / 110));
  const step = Math.ceil(span / ticks / intervalMs) * intervalMs;
  for (let t = start; t <= end; t += step) {
    const tx = M.left + ((t - start) / span) * plotW;
    svg.append(s("text", { x: tx, y: height - 6, class: "axis-label", "text-anchor": "middle" }, timeLabel(t, span)));
  }
  const drawn = stacked ? [...lines].reverse() : lines;
  for (const line of drawn) {
    const pts = line.points.map((v, i) => `${x(keys[i]).toFixed(1)},${y(v).toFixed(1)}`);
    if (!pts.length) continue;
    const g = s("g", { class: "series", "data-series": line.name });
    if (stacked) {
      const floor = `${x(keys[keys.length - 1]).toFixed(1)},${y(0)} ${x(keys[0]).toFixed(1)},${y(0)}`;
      g.append(s("polygon", { points: `${pts.join(" ")} ${floor}`, fill: line.color, opacity: 0.85 }));
    } else {
      g.append(s("polyline", { points: pts.join(" "), fill: "none", stroke: line.color, "stroke-width": 2, "stroke-linejoin": "round" }));
    }
    const total = line.points.reduce((a, b) => a + b, 0);
    g.append(s("title", {}, `${line.name}: peak ${format(Math.max(...line.points))}${stacked ? "" : `, total ${format(total)}`}`));
    svg.append(g);
  }
  svg.append(s("line", { x1: M.left, x2: width - M.right, y1: y(0), y2: y(0), class: "baseline" }));
  host.replaceChildren(svg);
}

/** A legend of coloured swatches for `series` ([{name, color}]). */
export function legend(series) {
  return h("div", { class: "chart-legend" }, series.map((one) => h("span", { class: "legend-item" },
    h("span", { class: "legend-swatch", style: `background:${one.color}` }), one.name)));
}

/** A tiny line of `values` (oldest first), for a card. */
export function sparkline(values, { color = "#54b399", width = 160, height = 36, label = "" } = {}) {
  const svg = s("svg", { width, height, viewBox: `0 0 ${width} ${height}`, class: "sparkline", role: "img", "aria-label": label }, s("title", {}, label));
  if (!values.length) return svg;
  const peak = Math.max(1, ...values);
  const dx = values.length > 1 ? width / (values.length - 1) : width;
  const pts = values.map((v, i) => `${(i * dx).toFixed(1)},${(height - 2 - (v / peak) * (height - 4)).toFixed(1)}`);
  svg.append(s("polygon", { points: `${pts.join(" ")} ${width},${height} 0,${height}`, fill: color, opacity: 0.18 }));
  svg.append(s("polyline", { points: pts.join(" "), fill: "none", stroke: color, "stroke-width": 1.5 }));
  return svg;
}

/** Vertical bars over categories: `bars` = [{label, value}]. */
export function barChart(host, { bars, label, color = "#6092c0", height = 160, format = num }) {
  const width = Math.max(280, host.clientWidth || 480);
  const plotW = width - M.left - M.right;
  const plotH = height - M.top - M.bottom;
  const yMax = niceMax(Math.max(0, ...bars.map((b) => b.value)));
  const svg = frame(width, height, label);
  yAxis(svg, { width, plotH, yMax, format });
  const slot = plotW / Math.max(1, bars.length);
  const every = Math.ceil(bars.length / Math.max(1, Math.floor(plotW / 60)));
  bars.forEach((bar, i) => {
    const bh = (bar.value / yMax) * plotH;
    const bx = M.left + i * slot + slot * 0.15;
    svg.append(s("rect", { class: "bar", x: bx, y: M.top + plotH - bh, width: Math.max(1, slot * 0.7), height: Math.max(bar.value ? 1 : 0, bh), fill: color },
      s("title", {}, `${bar.label}: ${format(bar.value)}`)));
    if (i % every === 0) {
      svg.append(s("text", { x: bx + slot * 0.35, y: height - 6, class: "axis-label", "text-anchor": "middle" }, bar.label));
    }
  });
  host.replaceChildren(svg);
}

/**
 * The distribution of a latency from its percentiles (`values[i]` = the `percents[i]`-th
 * percentile, ascending): each bar holds the requests between two percentiles, so its area
 * is their share and its height is how many requests fall per millisecond there.
 * Marks p50/p95/p99 when given in `marks` ({p50, p95, p99}).
 */
export function distribution(host, { percents, values, marks = {}, label, color = "#6092c0", height = 150 }) {
  const m = { top: 36, right: 10, bottom: 34, left: 10 };
  const width = Math.max(160, host.clientWidth || 300);
  const plotW = width - m.left - m.right;
  const plotH = height - m.top - m.bottom;
  const svg = frame(width, height, label);
  const lo = values[0];
  const hi = values[values.length - 1];
  if (values.some((v) => v === null || v === undefined) || !(hi >= lo)) {
    host.replaceChildren(svg);
    return;
  }
  const floor = m.top + plotH;
  if (hi === lo) {
    // Every request took the same time: one bar.
    svg.append(s("rect", { class: "bar", x: m.left + plotW * 0.4, y: m.top, width: plotW * 0.2, height: plotH, fill: color, opacity: 0.8 },
      s("title", {}, `every request took ${num(lo)} ms`)));
  } else {
    const log = lo > 0 && hi / lo > 20;
    const fx = log
      ? (v) => m.left + ((Math.log(Math.max(v, lo)) - Math.log(lo)) / (Math.log(hi) - Math.log(lo))) * plotW
      : (v) => m.left + ((v - lo) / (hi - lo)) * plotW;
    const bins = [];
    for (let i = 1; i < values.length; i += 1) {
      const share = (percents[i] - percents[i - 1]) / 100;
      const w = Math.max(1.5, fx(values[i]) - fx(values[i - 1]));
      bins.push({ x0: fx(values[i - 1]), w, share, density: share / w, from: values[i - 1], to: values[i] });
    }
    const peak = Math.max(...bins.map((b) => b.density));
    for (const bin of bins) {
      const bh = (bin.density / peak) * plotH;
      svg.append(s("rect", { class: "bar", x: bin.x0, y: floor - bh, width: bin.w, height: bh, fill: color, opacity: 0.8 },
        s("title", {}, `${Math.round(bin.share * 100)}% of requests took ${num(bin.from)}–${num(bin.to)} ms`)));
    }
    let row = 0;
    for (const [name, value] of Object.entries(marks)) {
      if (value === null || value === undefined) continue;
      const mx = fx(Math.min(Math.max(value, lo), hi));
      const right = mx > width - 70;
      svg.append(s("line", { x1: mx, x2: mx, y1: 4 + row * 11, y2: floor, class: `mark mark-${name}` }));
      svg.append(s("text", { x: right ? mx - 3 : mx + 3, y: 12 + row * 11, class: "mark-label", "text-anchor": right ? "end" : "start" },
        `${name} ${num(value)}`));
      row += 1;
    }
    if (log) svg.append(s("text", { x: width / 2, y: height - 4, class: "axis-label", "text-anchor": "middle" }, "(log scale)"));
  }
  svg.append(s("line", { x1: m.left, x2: width - m.right, y1: floor, y2: floor, class: "baseline" }));
  svg.append(s("text", { x: m.left, y: floor + 14, class: "axis-label", "text-anchor": "start" }, `${num(lo)} ms`));
  if (hi !== lo) svg.append(s("text", { x: width - m.right, y: floor + 14, class: "axis-label", "text-anchor": "end" }, `${num(hi)} ms`));
  host.replaceChildren(svg);
}

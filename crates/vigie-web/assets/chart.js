// Charts drawn as SVG: time series (lines or stacked bars) with axes,
// units, a legend and a tooltip on hover; horizontal bars for top values.
// Colours are SVG attributes (the CSP forbids inline style attributes).

import { h, num } from './dom.js';
import { fmtTick, fmtTime } from './time.js';

const NS = 'http://www.w3.org/2000/svg';
const PALETTE = ['#1f77b4', '#2ca02c', '#9467bd', '#8c564b', '#e377c2', '#17becf',
  '#bcbd22', '#7f7f7f', '#ff7f0e', '#d62728', '#393b79', '#637939'];

/** Alert severity colours, from critical (dark red) to informational (grey). */
export const SEVERITY = {
  critical: '#7f0000', high: '#d32f2f', error: '#d32f2f', medium: '#f57c00', warning: '#f57c00',
  low: '#fbc02d', info: '#9e9e9e', informational: '#9e9e9e', none: '#bdbdbd',
};
export const SEVERITY_ORDER = ['critical', 'high', 'error', 'medium', 'warning', 'low', 'info', 'informational'];

export function colourFor(name, i) {
  return SEVERITY[name] || PALETTE[i % PALETTE.length];
}

function s(tag, attrs, ...children) {
  const el = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs || {})) el.setAttribute(k, String(v));
  for (const c of children) {
    if (c === null || c === undefined) continue;
    el.appendChild(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

/** Round tick values for [0, max]. */
function yTicks(max) {
  if (max <= 0) return [0, 1];
  const raw = max / 4;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((x) => x >= raw);
  const ticks = [];
  for (let v = 0; v <= max + step * 0.001; v += step) ticks.push(v);
  if (ticks[ticks.length - 1] < max) ticks.push(ticks[ticks.length - 1] + step);
  return ticks;
}

/**
 * A time chart. opts: {times: [ms], intervalMs, series: [{name, values, colour?}],
 * mode: 'lines' | 'bars' (stacked), unit: 'events/s', title (for the SVG)}.
 */
export function timeChart(opts) {
  const W = 820; const H = 210;
  const M = { l: 64, r: 12, t: 12, b: 36 };
  const { times, series, intervalMs } = opts;
  const mode = opts.mode || 'lines';
  const n = times.length;
  const x0 = times[0] ?? 0;
  const span = Math.max(1, (times[n - 1] ?? 0) + intervalMs - x0);
  const sx = (t) => M.l + ((t - x0) / span) * (W - M.l - M.r);
  const stackTop = new Array(n).fill(0);
  if (mode === 'bars') series.forEach((se) => se.values.forEach((v, i) => { stackTop[i] += v; }));
  const max = mode === 'bars' ? Math.max(0, ...stackTop) : Math.max(0, ...series.flatMap((se) => se.values));
  const ticks = yTicks(max);
  const top = ticks[ticks.length - 1] || 1;
  const sy = (v) => H - M.b - (v / top) * (H - M.t - M.b);
  const svg = s('svg', { viewBox: `0 0 ${W} ${H}`, class: 'chart', role: 'img', 'aria-label': opts.title || 'chart' });
  // Axes and grid.
  for (const v of ticks) {
    svg.appendChild(s('line', { x1: M.l, x2: W - M.r, y1: sy(v), y2: sy(v), class: 'gridline' }));
    svg.appendChild(s('text', { x: M.l - 6, y: sy(v) + 4, 'text-anchor': 'end', class: 'tick' }, num(v)));
  }
  svg.appendChild(s('text', { x: 12, y: (H - M.b + M.t) / 2, class: 'unit', 'text-anchor': 'middle',
    transform: `rotate(-90 12 ${(H - M.b + M.t) / 2})` }, opts.unit || ''));
  const every = Math.max(1, Math.ceil(n / 8));
  for (let i = 0; i < n; i += every) {
    const x = sx(times[i]);
    svg.appendChild(s('line', { x1: x, x2: x, y1: H - M.b, y2: H - M.b + 4, class: 'axis' }));
    svg.appendChild(s('text', { x, y: H - M.b + 16, 'text-anchor': 'middle', class: 'tick' }, fmtTick(times[i], span)));
  }
  svg.appendChild(s('line', { x1: M.l, x2: W - M.r, y1: H - M.b, y2: H - M.b, class: 'axis' }));
  svg.appendChild(s('line', { x1: M.l, x2: M.l, y1: M.t, y2: H - M.b, class: 'axis' }));
  svg.appendChild(s('text', { x: W - M.r, y: H - 4, 'text-anchor': 'end', class: 'unit' }, `time (buckets of ${intervalMs / 1000} s)`));
  // Data.
  const colours = series.map((se, i) => se.colour || colourFor(se.name, i));
  if (mode === 'bars') {
    const bw = Math.max(1, (W - M.l - M.r) / Math.max(1, n) - 1);
    const base = new Array(n).fill(0);
    series.forEach((se, k) => {
      se.values.forEach((v, i) => {
        if (!v) return;
        const y1 = sy(base[i] + v); const y2 = sy(base[i]);
        svg.appendChild(s('rect', { x: sx(times[i]) + 0.5, y: y1, width: bw, height: Math.max(0.5, y2 - y1), fill: colours[k] }));
        base[i] += v;
      });
    });
  } else {
    series.forEach((se, k) => {
      const pts = se.values.map((v, i) => `${sx(times[i] + intervalMs / 2).toFixed(1)},${sy(v).toFixed(1)}`).join(' ');
      svg.appendChild(s('polyline', { points: pts, fill: 'none', stroke: colours[k], 'stroke-width': 2 }));
    });
  }
  if (!series.length) {
    svg.appendChild(s('text', { x: W / 2, y: H / 2, 'text-anchor': 'middle', class: 'empty' }, 'no data in this range'));
  }
  // Hover: a guide line and the values of the bucket under the pointer.
  const guide = s('line', { y1: M.t, y2: H - M.b, class: 'guide hidden' });
  const tip = s('g', { class: 'tooltip hidden' });
  svg.appendChild(guide);
  svg.appendChild(tip);
  const overlay = s('rect', { x: M.l, y: M.t, width: W - M.l - M.r, height: H - M.t - M.b, fill: 'transparent' });
  overlay.addEventListener('mousemove', (ev) => {
    const box = svg.getBoundingClientRect();
    const px = ((ev.clientX - box.left) / box.width) * W;
    const i = Math.min(n - 1, Math.max(0, Math.floor(((px - M.l) / (W - M.l - M.r)) * n)));
    if (!n) return;
    const x = sx(times[i] + intervalMs / 2);
    guide.setAttribute('x1', x); guide.setAttribute('x2', x);
    guide.setAttribute('class', 'guide');
    const lines = [fmtTime(times[i])];
    series.forEach((se) => lines.push(`${se.name}: ${num(se.values[i])} ${opts.unit || ''}`));
    tip.replaceChildren();
    const tw = Math.max(...lines.map((l) => l.length)) * 7.4 + 16;
    const th = lines.length * 15 + 8;
    const tx = x + tw + 10 > W ? x - tw - 8 : x + 8;
    tip.appendChild(s('rect', { x: tx, y: M.t, width: tw, height: th, rx: 4, class: 'tipbox' }));
    lines.forEach((l, j) => tip.appendChild(s('text', { x: tx + 8, y: M.t + 16 + j * 15, class: 'tiptext' }, l)));
    tip.setAttribute('class', 'tooltip');
  });
  overlay.addEventListener('mouseleave', () => {
    guide.setAttribute('class', 'guide hidden');
    tip.setAttribute('class', 'tooltip hidden');
  });
  svg.appendChild(overlay);
  const legend = h('ul', { class: 'legend' }, series.map((se, k) => h('li', {},
    swatch(colours[k]), ` ${se.name}`)));
  return h('figure', { class: 'figure' }, svg, legend);
}

/** A colour square for legends. */
export function swatch(colour) {
  return s('svg', { width: 12, height: 12, class: 'swatch', 'aria-hidden': 'true' },
    s('rect', { width: 12, height: 12, rx: 2, fill: colour }));
}

/** Horizontal bars for top values: [{value, count}], onClick(value) optional. */
export function barList(values, onClick, colour = '#1f77b4') {
  if (!values.length) return h('p', { class: 'muted' }, 'nothing in this range');
  const max = Math.max(...values.map((v) => v.count));
  return h('table', { class: 'bars' }, h('tbody', {}, values.map((v) => {
    const label = v.value === null || v.value === undefined ? '(none)' : String(v.value);
    const w = Math.max(1, Math.round((v.count / max) * 160));
    const bar = s('svg', { width: 160, height: 12, 'aria-hidden': 'true' }, s('rect', { width: w, height: 12, rx: 2, fill: colour }));
    const name = onClick ? h('a', { href: '#', class: 'value', onclick: (e) => { e.preventDefault(); onClick(v.value); } }, label) : label;
    return h('tr', {}, h('td', { class: 'label' }, name), h('td', {}, bar), h('td', { class: 'count' }, num(v.count)));
  })));
}

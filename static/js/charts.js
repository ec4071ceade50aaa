// Charts for the usage report, drawn without a library: bars are spans whose
// width is set through the CSSOM (element.style, which the Content-Security-
// Policy allows), the trend is an SVG line built here. Every chart is
// aria-hidden: the table beside it says the same to screen readers, and
// every figure is written as text, so nothing depends on colour.

import { h } from './dom.js';
import { locale } from './i18n.js';

const SVG = 'http://www.w3.org/2000/svg';

/** pctText writes a share (0.234) as a percentage in the interface's language ("23,4 %"). */
export function pctText(share) {
  const digits = share > 0 && share < 0.1 ? 1 : 0;
  return new Intl.NumberFormat(locale(), { style: 'percent', maximumFractionDigits: digits }).format(share);
}

/** niceMax rounds the largest share shown up to a scale that reads well (5 %, 10 %, 25 %, 50 %, 100 %...). */
export function niceMax(largest) {
  for (const m of [0.05, 0.1, 0.2, 0.25, 0.5, 0.75, 1]) if (largest <= m) return m;
  return Math.ceil(largest * 4) / 4;
}

/** scaleRow draws a bar column's scale, 0 to max, as ticks that line up with the bars under it. */
export function scaleRow(max) {
  const exact = new Intl.NumberFormat(locale(), { style: 'percent', maximumFractionDigits: 1 });
  return h('span', { class: 'bar-scale', 'aria-hidden': 'true' }, [0, 0.5, 1].map((f) => {
    const tick = h('span', { class: 'bar-tick', text: exact.format(f * max) });
    tick.style.left = `${f * 100}%`;
    return tick;
  }));
}

/**
 * barCell draws value on a 0..max scale with its figure written beside it;
 * pattern names a CSS class for the bar's texture.
 */
export function barCell(value, max, figure, pattern = '') {
  const bar = h('span', { class: ['bar', pattern] });
  bar.style.width = `${Math.min(100, (100 * value) / (max || 1))}%`;
  if (value > 0) bar.classList.add('bar-some'); // a thin mark even for a sliver
  return h('span', { class: 'bar-cell' },
    h('span', { class: 'bar-track', 'aria-hidden': 'true' }, bar),
    h('span', { class: 'bar-figure', text: figure }));
}

function svg(tag, attrs = {}, ...children) {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) if (v !== null && v !== undefined) el.setAttribute(k, String(v));
  for (const c of children) if (c) el.append(c);
  return el;
}

function text(x, y, content, attrs = {}) {
  const el = svg('text', { x, y, ...attrs });
  el.textContent = content;
  return el;
}

/** marker draws a point's shape: each line has its own, so lines differ without colour. */
function marker(shape, x, y) {
  if (shape === 'square') return svg('rect', { x: x - 3.5, y: y - 3.5, width: 7, height: 7 });
  if (shape === 'triangle') return svg('path', { d: `M${x} ${y - 4.5}L${x + 4.5} ${y + 3.5}L${x - 4.5} ${y + 3.5}Z` });
  return svg('circle', { cx: x, cy: y, r: 3.5 });
}

/**
 * lineChart draws shares over periods as an SVG of the given pixel width.
 * series: [{key, label, values (share or null for a period with no open
 * hours: the line breaks there), shape: circle|square|triangle}]; labels:
 * one short text per period, for the x axis; titles: one longer text per
 * period, for the points' tooltips; max: the top of the scale. Each line
 * ends with its name written beside it, so no legend is needed.
 */
export function lineChart({ width, height = 240, series, labels, titles = labels, max }) {
  const fontPx = 12;
  const longest = Math.max(0, ...series.map((s) => s.label.length));
  const m = { top: 12, right: Math.min(150, 16 + longest * 7), bottom: 30, left: 48 };
  const w = Math.max(width - m.left - m.right, 40);
  const hh = height - m.top - m.bottom;
  const n = labels.length;
  const x = (i) => m.left + (n > 1 ? (i * w) / (n - 1) : w / 2);
  const y = (v) => m.top + hh - (hh * Math.min(v, max)) / max;

  const root = svg('svg', {
    class: 'line-chart', width, height, viewBox: `0 0 ${width} ${height}`,
    'aria-hidden': 'true', focusable: 'false',
  });

  // The scale, in round steps written in the margin.
  const grid = svg('g', { class: 'chart-grid' });
  const stepOf = { 0.05: 0.01, 0.1: 0.025, 0.2: 0.05, 0.25: 0.05, 0.5: 0.1, 0.75: 0.25, 1: 0.25 };
  const tick = stepOf[max] || max / 4;
  for (let k = 0; k * tick <= max + 1e-9; k += 1) {
    const v = k * tick;
    grid.append(svg('line', { x1: m.left, x2: m.left + w, y1: y(v), y2: y(v), class: k === 0 ? 'chart-base' : null }),
      text(m.left - 6, y(v) + fontPx / 3, pctText(v), { 'text-anchor': 'end' }));
  }
  // Period labels, as many as fit without touching.
  const room = 12 + Math.max(...labels.map((l) => l.length)) * 6.5;
  const step = Math.max(1, Math.ceil(room / (n > 1 ? w / (n - 1) : w)));
  for (let i = 0; i < n; i += step) {
    grid.append(svg('line', { x1: x(i), x2: x(i), y1: m.top + hh, y2: m.top + hh + 4, class: 'chart-base' }),
      text(x(i), height - 10, labels[i], { 'text-anchor': 'middle' }));
  }
  root.append(grid);

  // The lines, broken where a period has no value, and their names at the end.
  const ends = [];
  for (const s of series) {
    const g = svg('g', { class: ['chart-line', `line-${s.key}`].join(' ') });
    let d = '';
    let pen = false;
    s.values.forEach((v, i) => {
      if (v === null || v === undefined) {
        pen = false;
        return;
      }
      d += `${pen ? 'L' : 'M'}${x(i).toFixed(1)} ${y(v).toFixed(1)}`;
      pen = true;
    });
    if (d) g.append(svg('path', { d, class: 'chart-path' }));
    const points = svg('g', { class: `chart-points shape-${s.shape}` });
    let last = -1;
    s.values.forEach((v, i) => {
      if (v === null || v === undefined) return;
      const p = marker(s.shape, x(i), y(v));
      p.append(svg('title'));
      p.lastChild.textContent = `${s.label}, ${titles[i]}: ${pctText(v)}`;
      points.append(p);
      last = i;
    });
    g.append(points);
    root.append(g);
    if (last >= 0) ends.push({ s, y: y(s.values[last]), g });
  }
  // Names beside the lines' ends, pushed apart where lines end close together.
  ends.sort((a, b) => a.y - b.y);
  const gap = fontPx + 2;
  for (let i = 1; i < ends.length; i += 1) ends[i].y = Math.max(ends[i].y, ends[i - 1].y + gap);
  const over = ends.length ? ends[ends.length - 1].y - (m.top + hh) : 0;
  if (over > 0) for (const e of ends) e.y -= over;
  for (const e of ends) {
    e.g.append(text(m.left + w + 8, e.y + fontPx / 3, e.s.label, { class: 'chart-name' }));
  }
  return root;
}

// The week grid of Book: a resource's availability hour by hour for one week,
// and picking a range in it with two clicks (a start, then an end the same day).

import { h, srOnly } from './dom.js';
import { get } from './api.js';
import { t, errorText } from './i18n.js';
import * as time from './time.js';
import { quantityText, loadingNote, errorNote } from './format.js';
import { hourRange } from './hours.js';

// ⚡ and ♪ with U+FE0E: drawn as text, in the cell's colour, not as emoji.
const STATE_ICON = { free: '✓', partly: '◐', taken: '✕', closed: '⊘', outside: '–', quiet: '☾', power: '⚡\uFE0E', noise: '♪\uFE0E', past: '·', unavailable: '✕' };
const LEGEND = ['free', 'partly', 'taken', 'closed', 'outside', 'quiet', 'power', 'noise', 'past'];
const API_STATE = { outside_opening_hours: 'outside', quiet_hours: 'quiet', closed: 'closed', power: 'power', noise: 'noise' };

/** limitedBy tells which of the site's limits can block the resource: {power, noise}. */
function limitedBy(site, r) {
  const machine = r.kind === 'machine';
  return { power: machine && site.power_kw > 0 && r.power_kw > 0, noise: machine && site.loud_at_once > 0 && r.nuisance === 'loud' };
}

/** defaultMinutes is the length proposed when a start is picked. */
function defaultMinutes(r) {
  let d = r.min_minutes || 60;
  if (r.slot_minutes) d = Math.ceil(d / r.slot_minutes) * r.slot_minutes;
  if (r.max_minutes && d > r.max_minutes) d = r.max_minutes;
  return d;
}

/** summarize reduces the availability intervals inside one cell to one state. */
function summarize(avail, cs, ce, now) {
  if (ce <= now) return { state: 'past' };
  let freeMs = 0;
  let minFree = Infinity;
  let whole = true;
  let covered = 0;
  const other = {};
  for (const iv of avail.intervals) {
    const o = Math.min(ce, iv.e) - Math.max(cs, iv.s);
    if (o <= 0) continue;
    covered += o;
    if (iv.state === 'open' && iv.available > 0) {
      freeMs += o;
      minFree = Math.min(minFree, iv.available);
      if (iv.available < avail.capacity) whole = false;
    } else {
      const k = iv.state === 'open' ? 'taken' : (API_STATE[iv.state] || 'unavailable');
      other[k] = (other[k] || 0) + o;
    }
  }
  const len = ce - cs;
  if (covered < len) other.outside = (other.outside || 0) + (len - covered);
  if (freeMs === len) return whole ? { state: 'free' } : { state: 'partly', left: minFree };
  if (freeMs > 0) return { state: 'partly', left: avail.capacity > 1 ? minFree : null };
  const top = Object.entries(other).sort((a, b) => b[1] - a[1])[0];
  return { state: top ? top[0] : 'outside' };
}

/**
 * weekGrid builds the week section, hidden until show(site, resource, monday).
 * onPick({date, start, end}) receives each range picked ("YYYY-MM-DD", "HH:MM");
 * onWeek(monday) hears every week shown; onSkip() is the link that skips the grid.
 * It answers the section (el) and its controls: goTo(monday) for the week of a
 * typed date, highlight(range) to mark {startMs, endMs} (null for none),
 * forgetPick() once a start is typed by hand, reload() after a booking, and
 * capacity() to quote in a refusal.
 */
export function weekGrid({ onPick, onWeek, onSkip }) {
  let site = null;
  let resource = null;
  let monday = '';
  let avail = null;
  let cells = [];
  let pick = null;
  let range = null;
  let loads = 0;

  const title = h('h2', { id: 'book-week-h' });
  const weekLabel = h('p', { class: 'week-label', 'aria-live': 'polite' });
  const prev = h('button', { type: 'button', class: 'btn btn-small', id: 'week-prev' }, h('span', { 'aria-hidden': 'true' }, '← '), t('book.prevWeek'));
  const thisWeek = h('button', { type: 'button', class: 'btn btn-small', id: 'week-today', text: t('book.thisWeek') });
  const next = h('button', { type: 'button', class: 'btn btn-small', id: 'week-next' }, t('book.nextWeek'), h('span', { 'aria-hidden': 'true' }, ' →'));
  const skip = h('a', { href: '#book-form', class: 'skip-grid', text: t('book.skipGrid') });
  const gridWrap = h('div', { class: 'grid-wrap', id: 'week-grid', tabindex: '0', role: 'region', 'aria-labelledby': 'book-week-h' });
  const pickNote = h('p', { class: 'pick-note', id: 'book-pick', 'aria-live': 'polite' });
  const legend = h('ul', { class: 'legend', 'aria-label': t('book.legend') }, LEGEND.map((s) => h('li', { 'data-legend': s },
    h('span', { class: ['swatch', `slot-${s}`], 'aria-hidden': 'true', text: STATE_ICON[s] }), t(`grid.long.${s}`))));
  const el = h('section', { class: 'card', 'aria-labelledby': 'book-week-h', hidden: true },
    title,
    h('div', { class: 'week-nav' }, prev, thisWeek, next, weekLabel),
    h('p', { class: 'hint' }, t('book.gridHint'), ' ', skip),
    h('p', { class: 'hint scroll-hint', text: t('book.scrollHint') }),
    gridWrap, pickNote, legend);

  function show(s, r, week) {
    site = s;
    resource = r;
    avail = null;
    pick = null;
    el.hidden = false;
    title.textContent = t('book.weekOf', { name: r.name });
    // The site's limits are in the legend only where they can block this resource.
    const limits = limitedBy(s, r);
    for (const li of legend.querySelectorAll('li[data-legend="power"], li[data-legend="noise"]')) li.hidden = !limits[li.dataset.legend];
    setWeek(week);
  }

  function setWeek(week) {
    monday = week;
    load();
  }

  async function load() {
    onWeek(monday);
    const z = site.timezone;
    const from = time.zonedToMs(monday, '00:00', z);
    const to = time.zonedToMs(time.addDays(monday, 7), '00:00', z);
    weekLabel.textContent = t('book.weekLabel', {
      from: time.fmtCalendarDate(monday, { day: 'numeric', month: 'long' }),
      to: time.fmtCalendarDate(time.addDays(monday, 6), { day: 'numeric', month: 'long', year: 'numeric' }),
    });
    // Weeks can be paged faster than they load: only the last one asked for is drawn.
    const token = ++loads;
    gridWrap.replaceChildren(loadingNote());
    try {
      const a = await get(`/resources/${resource.id}/availability`, { from: time.rfc3339(from, z), to: time.rfc3339(to, z) });
      if (token !== loads) return;
      avail = {
        capacity: a.capacity,
        intervals: a.intervals.map((iv) => ({ s: Date.parse(iv.start), e: Date.parse(iv.end), available: iv.available, state: iv.state })),
      };
      render();
    } catch (e) {
      if (token === loads) gridWrap.replaceChildren(errorNote(errorText(e)));
    }
  }

  function cellLabel(sum) {
    if (sum.state === 'partly' && sum.left) return t('grid.left', { q: quantityText(sum.left, resource.unit) });
    return t(`grid.${sum.state}`);
  }

  function render() {
    const z = site.timezone;
    const [h0, h1] = hourRange(site.opening_hours);
    const days = [0, 1, 2, 3, 4, 5, 6].map((i) => time.addDays(monday, i));
    const today = time.today(z);
    const now = Date.now();
    cells = [];
    const head = h('tr', {}, h('th', { scope: 'col', class: 'corner' }, srOnly(t('book.hour'))),
      days.map((d) => h('th', { scope: 'col', class: d === today ? 'today' : null },
        h('span', { class: 'wd', text: time.fmtCalendarDate(d, { weekday: 'short' }) }), ' ',
        h('span', { class: 'dm', text: time.fmtCalendarDate(d, { day: 'numeric', month: 'numeric' }) }),
        d === today ? srOnly(` (${t('book.today')})`) : null)));
    const rows = [];
    for (let hour = h0; hour < h1; hour += 1) {
      const label = time.timeOf(hour * 60);
      const row = days.map((d) => {
        const cs = time.zonedToMs(d, label, z);
        const ce = hour + 1 >= 24 ? time.zonedToMs(time.addDays(d, 1), '00:00', z) : time.zonedToMs(d, time.timeOf((hour + 1) * 60), z);
        if (ce <= cs || !time.existsLocal(d, label, z)) return h('td', { class: 'slot slot-none' }, h('span', { class: 'cell', text: '—' }));
        const sum = summarize(avail, cs, ce, now);
        const sel = h('span', { class: 'visually-hidden' });
        const content = [
          srOnly(`${time.fmtCalendarDate(d, { weekday: 'long', day: 'numeric', month: 'long' })}, ${label}: `),
          h('span', { class: 'cell-icon', 'aria-hidden': 'true', text: STATE_ICON[sum.state] }),
          h('span', { class: 'cell-text', text: cellLabel(sum) }), sel];
        const pickable = sum.state === 'free' || sum.state === 'partly';
        const cell = pickable
          ? h('button', { type: 'button', class: 'cell', 'data-date': d, 'data-hour': String(hour), 'data-state': sum.state }, content)
          : h('span', { class: 'cell', 'data-state': sum.state }, content);
        cells.push({ el: cell, sel, cs, ce });
        return h('td', { class: ['slot', `slot-${sum.state}`] }, cell);
      });
      rows.push(h('tr', {}, h('th', { scope: 'row', text: label }), row));
    }
    const table = h('table', { class: 'week-grid' },
      h('caption', { class: 'visually-hidden', text: `${resource.name} — ${weekLabel.textContent}` }),
      h('thead', {}, head), h('tbody', {}, rows));
    table.addEventListener('click', (e) => {
      const b = e.target.closest('button.cell');
      if (b) pickCell(b.dataset.date, Number(b.dataset.hour));
    });
    gridWrap.replaceChildren(table);
    // On a narrow screen the week scrolls sideways: start at today, not at a past Monday.
    const todayHead = table.querySelector('thead th.today');
    const corner = table.querySelector('thead th.corner');
    gridWrap.scrollLeft = todayHead ? todayHead.offsetLeft - corner.offsetWidth - 4 : 0;
    highlight(range);
  }

  // A first click proposes a start and a default end; a later click the same
  // day, not before that start, sets the end.
  function pickCell(date, hour) {
    const ending = pick && !pick.done && pick.date === date && hour * 60 >= pick.startMin;
    if (ending) pick.done = true;
    else pick = { date, startMin: hour * 60, done: false };
    const endMin = ending ? (hour + 1) * 60 : pick.startMin + defaultMinutes(resource);
    const picked = { date, start: time.timeOf(pick.startMin), end: time.timeOf(Math.min(endMin, 1440)) };
    onPick(picked);
    pickNote.textContent = t(ending ? 'book.pickedRange' : 'book.pickedStart', {
      when: time.fmtCalendarDate(date, { weekday: 'long', day: 'numeric', month: 'long' }), from: picked.start, to: picked.end,
    });
  }

  function highlight(r) {
    range = r;
    for (const c of cells) {
      const on = !!range && c.cs < range.endMs && c.ce > range.startMs;
      c.el.classList.toggle('is-selected', on);
      c.sel.textContent = on ? ` (${t('book.selected')})` : '';
    }
  }

  prev.addEventListener('click', () => setWeek(time.addDays(monday, -7)));
  next.addEventListener('click', () => setWeek(time.addDays(monday, 7)));
  thisWeek.addEventListener('click', () => setWeek(time.mondayOf(time.today(site.timezone))));
  skip.addEventListener('click', (e) => {
    e.preventDefault();
    onSkip();
  });

  return {
    el,
    show,
    highlight,
    goTo(week) {
      if (week !== monday) setWeek(week);
    },
    forgetPick() {
      pick = null;
    },
    reload() {
      // The pick became a booking: what is free has changed.
      pick = null;
      pickNote.textContent = '';
      load();
    },
    capacity: () => avail?.capacity ?? resource.capacity,
  };
}

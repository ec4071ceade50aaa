// The week grid of Book: a resource's time for one week (one day at a time on
// a narrow screen), drawn from what the rules know, so that a cell offered as
// free is one a request can start in: the slot grid, the shortest and longest
// booking, the buffer after it, opening and quiet hours, closures, the advance
// limit, the member's quota left this week, their own bookings and whether
// they hold the certification. Picking a range: a start, then an end the same
// day (tapping, clicking, dragging or the keyboard). One tab stop: arrow keys
// move inside.

import { h, srOnly, announce } from './dom.js';
import { get } from './api.js';
import { t, errorText, formatNumber } from './i18n.js';
import * as time from './time.js';
import { quantityText, loadingNote, errorNote } from './format.js';
import { hourRange } from './hours.js';

// ⚡, ♪ and ⚠ with U+FE0E: drawn as text, in the cell's colour, not as emoji.
const STATE_ICON = {
  free: '✓', partly: '◐', mine: '★', taken: '✕', closed: '⊘', outside: '–', quiet: '☾', power: '⚡\uFE0E', noise: '♪\uFE0E',
  past: '·', ahead: '»', quota: '⊖', nocert: '⚠\uFE0E', short: '⋯', unavailable: '✕',
};
const LEGEND = ['free', 'partly', 'mine', 'taken', 'short', 'closed', 'outside', 'quiet', 'power', 'noise', 'ahead', 'quota', 'nocert', 'past'];
const API_STATE = { outside_opening_hours: 'outside', quiet_hours: 'quiet', closed: 'closed', power: 'power', noise: 'noise' };
const LIVE = new Set(['pending', 'approved']);
const NARROW = '(max-width: 40rem)';
const MIN = 60000;

/** limitedBy tells which of the site's limits can block the resource: {power, noise}. */
function limitedBy(site, r) {
  const machine = r.kind === 'machine';
  return { power: machine && site.power_kw > 0 && r.power_kw > 0, noise: machine && site.loud_at_once > 0 && r.nuisance === 'loud' };
}

/** rowMinutes is the length of a row: an hour, or the slot when it is longer or does not divide an hour. */
function rowMinutes(r) {
  const slot = r.slot_minutes || 0;
  if (slot >= 60 || (slot > 0 && 60 % slot !== 0)) return slot;
  return 60;
}

/** summarize reduces the availability intervals inside one cell to one state. */
function summarize(avail, cs, ce) {
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
 * weekGrid builds the week section, hidden until show(site, resource, monday, facts).
 * user is the signed-in user (hosts are not held to the advance limit, the
 * length limits nor the quota, as the API does); facts.certified is true,
 * false, 'expired', or null when unknown, facts.until the last day a held
 * certification is valid ('' for no end); setCertified(certified, until)
 * tells them later.
 * onPick({date, start, end}) receives each range picked ("YYYY-MM-DD", "HH:MM");
 * onWeek(monday) hears every week shown; onSkip() is the link that skips the
 * grid, onSend() the one that goes to the button that sends; onBack() the
 * link back to the choice of resource.
 * It answers the section (el) and its controls: goTo(monday) for the week of a
 * typed date, highlight(range) to mark {startMs, endMs} (null for none),
 * forgetPick() once a start is typed by hand, clear() when the resource
 * changes, reload() after a booking (a promise of the week drawn again),
 * capacity() to quote in a refusal and
 * focusTitle() to land on it.
 */
export function weekGrid({ user, onPick, onWeek, onSkip, onSend, onBack }) {
  const host = user && user.role !== 'member';
  const narrowQuery = window.matchMedia(NARROW);
  let site = null;
  let resource = null;
  let certified = null; // true, false, 'expired', or null while unknown
  let certUntil = ''; // the last day the certification holds, '' for no end
  let monday = '';
  let day = 0; // the day shown on a narrow screen, 0 = Monday
  let avail = null;
  let mine = [];
  let cells = [];
  let pick = null; // {date, s, e, done}
  let range = null;
  let loads = 0;
  let active = null; // {date, row}: the cell that holds the tab stop
  let drag = null;

  const title = h('h2', { id: 'book-week-h', tabindex: '-1' });
  const back = h('a', { href: '#book-res-h', class: 'back-link', text: t('book.changeResource') });
  const weekLabel = h('p', { class: 'week-label', 'aria-live': 'polite' });
  // On a narrow screen the previous and next buttons show their arrow only (the words stay for screen readers).
  const prev = h('button', { type: 'button', class: 'btn btn-small week-step', id: 'week-prev' }, h('span', { 'aria-hidden': 'true' }, '←'), h('span', { class: 'step-word', text: t('book.prevWeek') }));
  const thisWeek = h('button', { type: 'button', class: 'btn btn-small', id: 'week-today', text: t('book.thisWeek') });
  const next = h('button', { type: 'button', class: 'btn btn-small week-step', id: 'week-next' }, h('span', { class: 'step-word', text: t('book.nextWeek') }), h('span', { 'aria-hidden': 'true' }, '→'));
  const skip = h('a', { href: '#book-form', class: 'skip-grid', text: t('book.skipGrid') });
  const dayTabs = h('div', { class: 'day-tabs', role: 'group', 'aria-label': t('book.dayChoice') });
  const facts = h('div', { class: 'grid-facts' });
  const gridWrap = h('div', { class: 'grid-wrap', id: 'week-grid', role: 'region', 'aria-labelledby': 'book-week-h' });
  const pickText = h('span', { class: 'pick-text' });
  const sendLink = h('a', { href: '#book-submit', class: 'send-link', hidden: true, text: t('book.goSend') });
  const pickNote = h('p', { class: 'pick-note', id: 'book-pick' }, h('span', { 'aria-live': 'polite' }, pickText), ' ', sendLink);
  const legend = h('ul', { class: 'legend', 'aria-label': t('book.legend') }, LEGEND.map((s) => h('li', { 'data-legend': s },
    h('span', { class: ['swatch', `slot-${s}`], 'aria-hidden': 'true', text: STATE_ICON[s] }), t(`grid.long.${s}`))));
  const el = h('section', { class: 'card book-week', 'aria-labelledby': 'book-week-h', hidden: true },
    h('div', { class: 'week-head' }, title, back),
    facts,
    h('div', { class: 'week-nav' }, prev, thisWeek, next, weekLabel),
    dayTabs,
    h('p', { class: 'hint grid-hint' }, h('span', { class: 'hint-long', text: t('book.gridHint') }), h('span', { class: 'hint-short', text: t('book.gridHintShort') }), ' ', skip),
    h('p', { class: 'hint scroll-hint', text: t('book.scrollHint') }),
    gridWrap, pickNote, legend);

  const narrow = () => narrowQuery.matches;

  function show(s, r, week, known = {}) {
    site = s;
    resource = r;
    certified = known.certified ?? null;
    certUntil = known.until || '';
    avail = null;
    mine = [];
    pick = null;
    range = null;
    active = null;
    setPickNote('');
    el.hidden = false;
    title.textContent = t('book.weekOf', { name: r.name });
    const today = time.today(s.timezone);
    day = week === time.mondayOf(today) ? time.isoWeekday(today) - 1 : 0;
    setWeek(week);
  }

  // Paging keeps the weekday shown on a narrow screen.
  function setWeek(week) {
    monday = week;
    load();
  }

  // The rules, for this user: lengths in minutes, instants in ms.
  function rules() {
    const r = resource;
    const gran = r.slot_minutes || 15;
    const roundUp = (m) => Math.ceil(m / gran) * gran;
    const minLen = roundUp(Math.max(host ? 0 : r.min_minutes || 0, gran));
    const maxLen = host || !r.max_minutes ? 1440 : r.max_minutes;
    const now = Date.now();
    let latest = Infinity;
    if (!host && r.max_advance_days) {
      const z = site.timezone;
      latest = time.zonedToMs(time.addDays(time.localDate(now, z), r.max_advance_days), time.localTime(now, z), z);
    }
    return { gran, minLen, maxLen, buffer: (r.buffer_minutes || 0) * MIN, now, latest, quotaLeft: quotaLeft() };
  }

  /** quotaLeft answers the minutes of the weekly quota still free (Infinity without one). */
  function quotaLeft() {
    if (host || !resource.max_hours_per_week) return Infinity;
    const z = site.timezone;
    const from = time.zonedToMs(monday, '00:00', z);
    const to = time.zonedToMs(time.addDays(monday, 7), '00:00', z);
    let used = 0;
    for (const b of mine) used += Math.max(0, Math.min(to, b.e) - Math.max(from, b.s));
    return Math.max(0, resource.max_hours_per_week * 60 - Math.round(used / MIN));
  }

  /** open tells whether [s, e) is inside open time with capacity left. */
  function open(s, e) {
    let covered = 0;
    for (const iv of avail.intervals) {
      if (iv.e <= s || iv.s >= e) continue;
      if (iv.state !== 'open' || iv.available < 1) return false;
      covered += Math.min(e, iv.e) - Math.max(s, iv.s);
    }
    return covered >= e - s;
  }

  /** bufferFree tells whether the time kept free after an end at e holds no booking. */
  function bufferFree(e, R) {
    if (!R.buffer) return true;
    return !avail.intervals.some((iv) => iv.s < e + R.buffer && iv.e > e && iv.state === 'open' && iv.available < 1);
  }

  const onGrid = (ms, R) => {
    const wall = time.localTime(ms, site.timezone).split(':').map(Number);
    return (wall[0] * 60 + wall[1]) % R.gran === 0;
  };

  /** ends answers every end a booking starting at s may have, earliest first (the same day). */
  function ends(s, dayEnd, R) {
    const out = [];
    const longest = Math.min(R.maxLen, R.quotaLeft);
    for (let len = R.minLen; len <= longest; len += R.gran) {
      const e = s + len * MIN;
      if (e > dayEnd || !open(s, e)) break;
      if (bufferFree(e, R)) out.push(e);
    }
    return out;
  }

  /** startIn answers the first instant of [cs, ce) a booking may start at, or null. */
  function startIn(cs, ce, dayEnd, R) {
    for (let s = cs; s < ce; s += R.gran * MIN) {
      if (s < R.now || s > R.latest || !onGrid(s, R)) continue;
      if (ends(s, dayEnd, R).length) return s;
    }
    return null;
  }

  function defaultEnd(s, list) {
    const r = resource;
    let want = Math.max(host ? 0 : r.min_minutes || 0, 60);
    if (r.slot_minutes) want = Math.ceil(want / r.slot_minutes) * r.slot_minutes;
    const fit = list.filter((e) => e <= s + want * MIN);
    return fit.length ? fit[fit.length - 1] : list[0];
  }

  /** load fetches the week and draws it; keep leaves the grid shown until then (a reload: nothing moves on the page meanwhile). */
  async function load(keep = false) {
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
    const hadFocus = gridWrap.contains(document.activeElement);
    if (!keep) gridWrap.replaceChildren(loadingNote());
    const span = { from: time.rfc3339(from, z), to: time.rfc3339(to, z) };
    try {
      const [a, own] = await Promise.all([
        get(`/resources/${resource.id}/availability`, span),
        get('/bookings', { resource_id: resource.id, member_id: user.id, ...span, limit: 500 })
          .then((res) => res.bookings, () => []),
      ]);
      if (token !== loads) return;
      avail = {
        capacity: a.capacity,
        intervals: a.intervals.map((iv) => ({ s: Date.parse(iv.start), e: Date.parse(iv.end), available: iv.available, state: iv.state })),
      };
      mine = own.filter((b) => b.member_id === user.id && LIVE.has(b.status))
        .map((b) => ({ s: Date.parse(b.start), e: Date.parse(b.end), status: b.status }));
      render(hadFocus);
    } catch (e) {
      if (token === loads) gridWrap.replaceChildren(errorNote(errorText(e)));
    }
  }

  function cellLabel(c) {
    if (c.state === 'partly' && c.left) return t('grid.left', { q: quantityText(c.left, resource.unit) });
    if ((c.state === 'free' || c.state === 'partly') && c.start > c.cs) return t('grid.from', { time: time.localTime(c.start, site.timezone) });
    if (c.state === 'mine' && c.mineStatus === 'pending') return t('grid.minePending');
    return t(`grid.${c.state}`);
  }

  /** certifiedOn tells whether the user may use the resource on date, as far as certification goes (unknown: yes). */
  const certifiedOn = (date) => certified !== false && certified !== 'expired' && !(certUntil && date > certUntil);

  /** judge works out what one cell is for this user: its state, where a start in it would be, the end it offers. */
  function judge(date, cs, ce, dayEnd, R) {
    const c = { date, cs, ce, dayEnd };
    const own = mine.find((b) => b.s < ce && b.e > cs);
    c.mine = !!own;
    c.mineStatus = own ? own.status : '';
    if (ce <= R.now) return { ...c, state: 'past' };
    const sum = summarize(avail, cs, ce);
    c.left = sum.left;
    if (sum.state !== 'free' && sum.state !== 'partly') return { ...c, state: own && sum.state === 'taken' ? 'mine' : sum.state };
    if (cs > R.latest) return { ...c, state: 'ahead' };
    if (!certifiedOn(date)) return { ...c, state: 'nocert' };
    c.start = startIn(cs, ce, dayEnd, R);
    if (pick && !pick.done && pick.date === date && ce > pick.s) {
      const options = ends(pick.s, dayEnd, R).filter((e) => e > cs && e <= ce);
      if (options.length) c.end = options[options.length - 1];
    }
    if (c.start !== null || c.end) return { ...c, state: sum.state, pickable: true };
    if (cs < R.now) return { ...c, state: 'past' };
    if (R.quotaLeft < R.minLen) return { ...c, state: 'quota' };
    if (own) return { ...c, state: 'mine' };
    return { ...c, state: 'short' };
  }

  function setPickNote(text) {
    pickText.textContent = text;
    sendLink.hidden = !text;
  }

  function updateFacts() {
    const parts = [];
    const warn = (text) => h('p', { class: 'notice notice-warn' }, h('span', { class: 'notice-icon', 'aria-hidden': 'true', text: '⚠' }), text);
    if (certified === false) parts.push(warn(t('book.noCert', { name: resource.name })));
    else if (certified === 'expired') parts.push(warn(t('book.certExpired', { name: resource.name })));
    else if (certUntil && certUntil < time.addDays(monday, 6)) {
      parts.push(warn(t('book.certUntil', { name: resource.name, date: time.fmtCalendarDate(certUntil, { day: 'numeric', month: 'long', year: 'numeric' }) })));
    }
    const R = rules();
    if (R.quotaLeft !== Infinity) {
      const left = formatNumber(R.quotaLeft / 60);
      parts.push(h('p', { class: 'hint quota-line' }, t('book.quotaLeft', { left, max: formatNumber(resource.max_hours_per_week) })));
    }
    if (R.latest !== Infinity) {
      parts.push(h('p', { class: 'hint advance-line' }, t('book.advanceUntil', { date: time.fmtDateTime(R.latest, site.timezone) })));
    }
    facts.replaceChildren(...parts);
  }

  function renderDayTabs(days, today) {
    dayTabs.hidden = !narrow();
    dayTabs.replaceChildren(...days.map((d, i) => {
      const b = h('button', { type: 'button', class: ['day-tab', d === today && 'today'], 'aria-pressed': String(i === day), 'data-date': d },
        h('span', { class: 'wd', text: time.fmtCalendarDate(d, { weekday: 'short' }) }), ' ',
        h('span', { class: 'dm', text: time.fmtCalendarDate(d, { day: 'numeric', month: 'numeric' }) }),
        d === today ? srOnly(` (${t('book.today')})`) : null);
      b.addEventListener('click', () => {
        day = i;
        render(false);
      });
      return b;
    }));
  }

  function render(refocus) {
    const z = site.timezone;
    const R = rules();
    updateFacts();
    const [h0, h1] = hourRange(site.opening_hours);
    const step = rowMinutes(resource);
    const first = Math.floor((h0 * 60) / step) * step;
    const week = [0, 1, 2, 3, 4, 5, 6].map((i) => time.addDays(monday, i));
    const days = narrow() ? [week[day]] : week;
    const today = time.today(z);
    renderDayTabs(week, today);
    cells = [];
    const head = h('tr', {}, h('th', { scope: 'col', class: 'corner' }, srOnly(t('book.hour'))),
      days.map((d) => h('th', { scope: 'col', class: d === today ? 'today' : null },
        h('span', { class: 'wd', text: time.fmtCalendarDate(d, { weekday: narrow() ? 'long' : 'short' }) }), ' ',
        h('span', { class: 'dm', text: time.fmtCalendarDate(d, { day: 'numeric', month: narrow() ? 'long' : 'numeric' }) }),
        d === today ? srOnly(` (${t('book.today')})`) : null)));
    const rows = [];
    for (let m = first, row = 0; m < h1 * 60; m += step, row += 1) {
      const label = time.timeOf(m);
      const tds = days.map((d, col) => {
        const dayEnd = time.zonedToMs(time.addDays(d, 1), '00:00', z);
        const cs = time.zonedToMs(d, label, z);
        const ce = m + step >= 1440 ? dayEnd : time.zonedToMs(d, time.timeOf(m + step), z);
        if (ce <= cs || !time.existsLocal(d, label, z)) return h('td', { class: 'slot slot-none' }, h('span', { class: 'cell', text: '—' }));
        const c = judge(d, cs, ce, dayEnd, R);
        const sel = h('span', { class: 'visually-hidden' });
        const content = [
          srOnly(`${time.fmtCalendarDate(d, { weekday: 'long', day: 'numeric', month: 'long' })}, ${label}: `),
          h('span', { class: 'cell-icon', 'aria-hidden': 'true', text: STATE_ICON[c.state] }),
          h('span', { class: 'cell-text', text: cellLabel(c) }),
          c.mine && c.state !== 'mine' ? h('span', { class: 'cell-mine', text: t('grid.yours') }) : null,
          sel];
        const attrs = { class: ['cell', c.mine && 'is-mine', c.end && 'is-end'], 'data-date': d, 'data-row': String(row), 'data-col': String(col), 'data-state': c.state, tabindex: '-1' };
        const cell = c.pickable
          ? h('button', { type: 'button', ...attrs, 'data-hour': String(Math.floor(m / 60)) }, content)
          : h('span', attrs, content);
        c.el = cell;
        c.sel = sel;
        c.row = row;
        c.col = col;
        cells.push(c);
        return h('td', { class: ['slot', `slot-${c.state}`] }, cell);
      });
      rows.push(h('tr', {}, h('th', { scope: 'row', text: label }), tds));
    }
    const table = h('table', { class: ['week-grid', narrow() && 'day-grid'] },
      h('caption', { class: 'visually-hidden', text: `${resource.name} — ${weekLabel.textContent}. ${t('book.gridKeys')}` }),
      h('thead', {}, head), h('tbody', {}, rows));
    table.addEventListener('click', (e) => {
      const b = e.target.closest('button.cell');
      if (b && !drag?.moved) pickAt(b);
    });
    table.addEventListener('keydown', onKey);
    table.addEventListener('pointerdown', onPointerDown);
    gridWrap.replaceChildren(table);
    for (const li of legend.querySelectorAll('li')) {
      const s = li.dataset.legend;
      const limits = limitedBy(site, resource);
      if (s === 'power' || s === 'noise') li.hidden = !limits[s];
      else if (s === 'ahead') li.hidden = R.latest === Infinity;
      else if (s === 'quota') li.hidden = R.quotaLeft === Infinity;
      else if (s === 'nocert') li.hidden = !cells.some((c) => c.state === 'nocert');
    }
    // On a screen too narrow for the week, it scrolls sideways: start at today.
    const todayHead = table.querySelector('thead th.today');
    const corner = table.querySelector('thead th.corner');
    gridWrap.scrollLeft = todayHead && !narrow() ? todayHead.offsetLeft - corner.offsetWidth - 4 : 0;
    setTabStop(refocus);
    highlight(range);
  }

  const cellAt = (row, col) => cells.find((c) => c.row === row && c.col === col);

  /** setTabStop gives the one tab stop to the active cell (else the first free one, else the first). */
  function setTabStop(focus) {
    let c = active && cells.find((x) => x.date === active.date && x.row === active.row);
    if (!c) c = cells.find((x) => x.pickable && x.date >= time.today(site.timezone)) || cells.find((x) => x.pickable) || cells[0];
    if (!c) return;
    for (const x of cells) x.el.tabIndex = -1;
    c.el.tabIndex = 0;
    active = { date: c.date, row: c.row };
    if (focus) c.el.focus();
  }

  function moveTo(c) {
    if (!c) return;
    active = { date: c.date, row: c.row };
    setTabStop(true);
  }

  function onKey(e) {
    const here = cells.find((c) => c.el === e.target.closest('.cell'));
    if (!here) return;
    const lastRow = Math.max(...cells.map((c) => c.row));
    const lastCol = Math.max(...cells.map((c) => c.col));
    let target = null;
    switch (e.key) {
      case 'ArrowUp': target = cellAt(here.row - 1, here.col); break;
      case 'ArrowDown': target = cellAt(here.row + 1, here.col); break;
      case 'ArrowLeft':
      case 'ArrowRight': {
        const dir = e.key === 'ArrowLeft' ? -1 : 1;
        if (narrow()) {
          // One day shown: the arrows go to the day before or after.
          if (day + dir < 0 || day + dir > 6) break;
          e.preventDefault();
          day += dir;
          active = { date: time.addDays(here.date, dir), row: here.row };
          render(true);
          return;
        }
        target = cellAt(here.row, here.col + dir);
        break;
      }
      case 'Home': target = cellAt(here.row, 0); break;
      case 'End': target = cellAt(here.row, lastCol); break;
      case 'PageUp': target = cellAt(0, here.col); break;
      case 'PageDown': target = cellAt(lastRow, here.col); break;
      default: return;
    }
    e.preventDefault();
    moveTo(target);
  }

  // Dragging with a mouse or a pen: press on a start, let go on the end. A
  // finger scrolls the page instead; it taps a start and then an end.
  const keyOf = (c) => `${c.date} ${c.row}`;
  const byKey = (k) => cells.find((x) => keyOf(x) === k);

  function onPointerDown(e) {
    if (e.pointerType === 'touch' || e.button !== 0) return;
    const b = e.target.closest('button.cell');
    const c = b && cells.find((x) => x.el === b);
    if (!c || c.start == null) return;
    drag = { from: keyOf(c), over: keyOf(c), moved: false };
    const move = (ev) => {
      const under = document.elementFromPoint(ev.clientX, ev.clientY);
      const o = under && under.closest('.cell');
      const oc = o && cells.find((x) => x.el === o);
      if (!oc || keyOf(oc) === drag.over) return;
      drag.over = keyOf(oc);
      if (!drag.moved) {
        drag.moved = true;
        startAt(byKey(drag.from));
      }
      const target = byKey(drag.over);
      if (target && target.end) endAt(target, false);
    };
    const up = () => {
      window.removeEventListener('pointermove', move);
      window.removeEventListener('pointerup', up);
      if (drag && drag.moved && pick && !pick.done) {
        const last = byKey(drag.over);
        if (last && last.end) endAt(last, true);
        else publish(false);
      }
      // The click that follows a drag must not pick again.
      setTimeout(() => { drag = null; }, 0);
    };
    window.addEventListener('pointermove', move);
    window.addEventListener('pointerup', up);
  }

  function startAt(c) {
    const R = rules();
    const list = ends(c.start, c.dayEnd, R);
    pick = { date: c.date, s: c.start, e: defaultEnd(c.start, list), done: false };
    publish(false);
    active = { date: c.date, row: c.row };
    render(gridWrap.contains(document.activeElement));
  }

  function endAt(c, final) {
    pick.e = c.end;
    pick.done = final;
    publish(final);
    active = { date: c.date, row: c.row };
    render(gridWrap.contains(document.activeElement));
  }

  // A first pick sets a start and a default end; a later one the same day,
  // on a cell that can end the booking, sets the end.
  function pickAt(b) {
    const c = cells.find((x) => x.el === b);
    if (!c) return;
    if (pick && !pick.done && c.end && pick.date === c.date) endAt(c, true);
    else if (c.start != null) startAt(c);
  }

  function publish(ending) {
    const z = site.timezone;
    const picked = { date: pick.date, start: time.localTime(pick.s, z), end: time.localTime(pick.e, z) };
    onPick(picked);
    const when = time.fmtCalendarDate(pick.date, { weekday: 'long', day: 'numeric', month: 'long' });
    const to = picked.end === '00:00' ? '24:00' : picked.end;
    const text = t(ending ? 'book.pickedRange' : 'book.pickedStart', { when, from: picked.start, to });
    setPickNote(text);
    announce(text);
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
  thisWeek.addEventListener('click', () => {
    day = time.isoWeekday(time.today(site.timezone)) - 1;
    setWeek(time.mondayOf(time.today(site.timezone)));
  });
  skip.addEventListener('click', (e) => {
    e.preventDefault();
    onSkip();
  });
  sendLink.addEventListener('click', (e) => {
    e.preventDefault();
    onSend();
  });
  back.addEventListener('click', (e) => {
    e.preventDefault();
    onBack();
  });
  narrowQuery.addEventListener('change', () => {
    if (avail) render(false);
  });

  return {
    el,
    show,
    highlight,
    goTo(week, date) {
      if (date && narrow()) day = time.isoWeekday(date) - 1;
      if (week !== monday) setWeek(week);
      else if (avail && date) render(false);
    },
    forgetPick() {
      pick = null;
      setPickNote('');
    },
    clear() {
      pick = null;
      range = null;
      setPickNote('');
    },
    setCertified(v, until = '') {
      certified = v;
      certUntil = until;
      if (avail) render(false);
    },
    reload() {
      // The pick became a booking: what is free has changed.
      pick = null;
      setPickNote('');
      return load(true);
    },
    focusTitle() {
      title.focus({ preventScroll: true });
    },
    capacity: () => avail?.capacity ?? resource.capacity,
  };
}

// Book: pick a site, a resource (grouped by zone and use), see its week, pick a
// free range and send the request. Refusals are explained next to the form.

import { h, srOnly, busy } from './dom.js';
import { get, post } from './api.js';
import { t, formatNumber, errorText } from './i18n.js';
import * as time from './time.js';
import * as store from './store.js';
import {
  USES, rulesLine, limitsParts, durationRule, useLabel, quantityText, statusBadge,
  emptyNote, loadingNote, errorNote,
} from './format.js';
import { field, errorBox, showErrors, clearErrors } from './forms.js';
import { hoursText, hourRange } from './hours.js';

const STATE_ICON = { free: '✓', partly: '◐', taken: '✕', closed: '⊘', outside: '–', quiet: '☾', past: '·', unavailable: '✕' };
const LEGEND = ['free', 'partly', 'taken', 'closed', 'outside', 'quiet', 'past'];
const API_STATE = { outside_opening_hours: 'outside', quiet_hours: 'quiet', closed: 'closed' };
const pad = (n) => String(n).padStart(2, '0');

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
    const st = iv.state || (iv.available > 0 ? 'open' : 'unavailable');
    if (st === 'open' && iv.available > 0) {
      freeMs += o;
      minFree = Math.min(minFree, iv.available);
      if (iv.available < avail.capacity) whole = false;
    } else {
      const k = st === 'open' ? 'taken' : (API_STATE[st] || 'unavailable');
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

export async function render(root, ctx) {
  root.append(h('h1', { text: t('book.title') }), h('p', { class: 'lead', text: t('book.intro') }));
  const body = h('div', { class: 'book' }, loadingNote());
  root.append(body);

  const sites = await store.sites();
  body.replaceChildren();
  if (!sites.length) {
    body.append(emptyNote(t('book.noSites')));
    return null;
  }

  const S = { site: null, resources: [], resource: null, week: '', avail: null, cells: [], pick: null, load: 0, timer: 0 };
  const params = ctx.params;

  // 1. Site
  const siteSelect = field({
    name: 'site', id: 'book-site', type: 'select', label: t('book.site'),
    options: sites.map((s) => ({ value: s.id, label: s.name })),
  });
  const siteInfo = h('p', { class: 'hint site-info' });
  const sitePart = h('section', { class: 'card', 'aria-labelledby': 'book-site-h' },
    h('h2', { id: 'book-site-h', text: t('book.step.site') }), siteSelect, siteInfo);

  // 2. Resource
  const resList = h('div', { class: 'resource-list' });
  const resPart = h('section', { class: 'card', 'aria-labelledby': 'book-res-h' },
    h('h2', { id: 'book-res-h', text: t('book.step.resource') }), resList);

  // 3. Week
  const weekTitle = h('h2', { id: 'book-week-h' });
  const weekLabel = h('p', { class: 'week-label', 'aria-live': 'polite' });
  const prev = h('button', { type: 'button', class: 'btn btn-small', id: 'week-prev' }, h('span', { 'aria-hidden': 'true' }, '← '), t('book.prevWeek'));
  const thisWeek = h('button', { type: 'button', class: 'btn btn-small', id: 'week-today', text: t('book.thisWeek') });
  const next = h('button', { type: 'button', class: 'btn btn-small', id: 'week-next' }, t('book.nextWeek'), h('span', { 'aria-hidden': 'true' }, ' →'));
  const gridWrap = h('div', { class: 'grid-wrap', id: 'week-grid', tabindex: '0', role: 'region', 'aria-labelledby': 'book-week-h' });
  const pickNote = h('p', { class: 'pick-note', id: 'book-pick', 'aria-live': 'polite' });
  const legend = h('ul', { class: 'legend', 'aria-label': t('book.legend') }, LEGEND.map((s) => h('li', {},
    h('span', { class: ['swatch', `slot-${s}`], 'aria-hidden': 'true', text: STATE_ICON[s] }), t(`grid.long.${s}`))));
  const weekPart = h('section', { class: 'card', 'aria-labelledby': 'book-week-h', hidden: true },
    weekTitle,
    h('div', { class: 'week-nav' }, prev, thisWeek, next, weekLabel),
    h('p', { class: 'hint' }, t('book.gridHint'), ' ', h('a', { href: '#book-form', class: 'skip-grid', text: t('book.skipGrid') })),
    h('p', { class: 'hint scroll-hint', text: t('book.scrollHint') }),
    gridWrap, pickNote, legend);

  // 4. Request
  const errBox = errorBox('book-error');
  errBox.dataset.testid = 'book-error';
  const result = h('div', { id: 'book-result', role: 'status' });
  const submit = h('button', { type: 'submit', class: 'btn btn-primary', id: 'book-submit', 'data-testid': 'book-submit' });
  const quantityField = field({ name: 'quantity', id: 'book-quantity', type: 'number', label: t('book.quantity'), value: 1, min: 1, step: 1, inputmode: 'numeric' });
  const summary = h('p', { class: 'summary', id: 'book-summary', 'aria-live': 'polite' });
  const resourceLine = h('p', { class: 'hint', id: 'book-resource-line' });
  const form = h('form', { id: 'book-form', class: 'book-form', novalidate: true, 'aria-describedby': 'book-error' },
    resourceLine,
    field({ name: 'date', id: 'book-date', type: 'date', label: t('book.date'), required: true }),
    h('div', { class: 'row' },
      field({ name: 'start', id: 'book-start', type: 'time', label: t('book.start'), required: true }),
      field({ name: 'end', id: 'book-end', type: 'time', label: t('book.end'), required: true })),
    quantityField,
    field({ name: 'note', id: 'book-note', type: 'textarea', label: t('book.note'), maxlength: 500, hint: t('book.noteHint') }),
    summary, errBox,
    h('div', { class: 'actions' }, submit),
    result);
  const formPart = h('section', { class: 'card', 'aria-labelledby': 'book-form-h', hidden: true },
    h('h2', { id: 'book-form-h', text: t('book.step.request') }), form);

  body.append(sitePart, resPart, weekPart, formPart);
  const F = form.elements;

  const tz = () => (S.site && S.site.timezone) || time.DEFAULT_TZ;
  const saveParams = () => ctx.setParams({ site: S.site && S.site.id, resource: S.resource && S.resource.id, week: S.week });

  // Site and resource choice

  async function chooseSite(id) {
    S.site = sites.find((s) => String(s.id) === String(id)) || sites[0];
    S.resource = null;
    weekPart.hidden = true;
    formPart.hidden = true;
    siteInfo.replaceChildren(
      h('span', {}, `${t('site.opening')}: ${hoursText(S.site.opening_hours)}`), h('br'),
      h('span', {}, `${t('site.quiet')}: ${hoursText(S.site.quiet_hours, 'hours.noneQuiet')}`), h('br'),
      h('span', {}, t('book.timesIn', { tz: S.site.timezone })));
    resList.replaceChildren(loadingNote());
    try {
      const [zones, all] = await Promise.all([store.zones(S.site.id), store.resources()]);
      S.resources = all.filter((r) => r.site_id === S.site.id);
      renderResources(zones);
    } catch (e) {
      resList.replaceChildren(errorNote(errorText(e)));
    }
  }

  function renderResources(zones) {
    const order = (z) => (USES.indexOf(z.use) + 1 || 99);
    const sorted = [...zones].sort((a, b) => order(a) - order(b) || a.name.localeCompare(b.name));
    const groups = sorted.map((z) => ({ title: `${z.name} · ${useLabel(z.use)}`, items: S.resources.filter((r) => r.zone_id === z.id) }));
    const known = new Set(zones.map((z) => z.id));
    groups.push({ title: t('book.otherZone'), items: S.resources.filter((r) => !known.has(r.zone_id)) });
    const shown = groups.filter((g) => g.items.length);
    if (!shown.length) {
      resList.replaceChildren(emptyNote(t('book.noResources')));
      return;
    }
    resList.replaceChildren(...shown.map((g) => h('fieldset', { class: 'zone-group' },
      h('legend', { text: g.title }),
      h('ul', {}, g.items.sort((a, b) => a.name.localeCompare(b.name)).map((r) => h('li', {},
        h('input', { type: 'radio', name: 'resource', id: `resource-${r.id}`, value: String(r.id), 'data-testid': `resource-${r.id}` }),
        h('label', { for: `resource-${r.id}` }, h('span', { class: 'res-name', text: r.name }), rulesLine(r))))))));
    const wanted = params.resource && resList.querySelector(`#resource-${CSS.escape(params.resource)}`);
    if (wanted) {
      wanted.checked = true;
      chooseResource(Number(params.resource));
    }
    params.resource = '';
  }

  function chooseResource(id) {
    const r = S.resources.find((x) => x.id === id);
    if (!r) return;
    S.resource = r;
    S.pick = null;
    weekPart.hidden = false;
    formPart.hidden = false;
    weekTitle.textContent = t('book.weekOf', { name: r.name });
    const limits = limitsParts(r);
    resourceLine.replaceChildren(h('strong', { text: r.name }), ' — ', rulesLine(r), limits.length ? ` · ${limits.join(' · ')}` : '');
    quantityField.hidden = r.kind !== 'space';
    F.quantity.max = String(r.capacity || '');
    F.quantity.value = '1';
    const unitHint = quantityField.querySelector('label');
    unitHint.textContent = t('book.quantityOf', { unit: t(`unit.name.${r.unit}`), max: quantityText(r.capacity, r.unit) });
    const step = r.slot_minutes ? String(r.slot_minutes * 60) : '60';
    F.start.step = step;
    F.end.step = step;
    submit.textContent = r.requires_approval ? t('book.submitRequest') : t('book.submitBook');
    clearErrors(form, errBox);
    result.replaceChildren();
    const wanted = time.isDate(params.week) ? time.mondayOf(params.week) : '';
    params.week = '';
    S.week = wanted || time.mondayOf(time.today(tz()));
    if (!time.isDate(F.date.value)) F.date.value = time.today(tz());
    F.date.min = time.today(tz());
    F.date.max = r.max_advance_days ? time.addDays(time.today(tz()), r.max_advance_days) : '';
    updateSummary();
    loadWeek();
  }

  // The week grid

  function setWeek(monday) {
    S.week = monday;
    loadWeek();
  }

  async function loadWeek() {
    saveParams();
    const r = S.resource;
    const z = tz();
    const from = time.zonedToMs(S.week, '00:00', z);
    const to = time.zonedToMs(time.addDays(S.week, 7), '00:00', z);
    weekLabel.textContent = t('book.weekLabel', {
      from: time.fmtCalendarDate(S.week, { day: 'numeric', month: 'long' }),
      to: time.fmtCalendarDate(time.addDays(S.week, 6), { day: 'numeric', month: 'long', year: 'numeric' }),
    });
    const token = ++S.load;
    gridWrap.replaceChildren(loadingNote());
    try {
      const a = await get(`/resources/${r.id}/availability`, { from: time.rfc3339(from, z), to: time.rfc3339(to, z) });
      if (token !== S.load) return;
      S.avail = {
        capacity: a.capacity ?? r.capacity ?? 1,
        intervals: (a.intervals || []).map((iv) => ({ s: Date.parse(iv.start), e: Date.parse(iv.end), available: iv.available, state: iv.state })),
      };
      renderGrid();
    } catch (e) {
      if (token === S.load) gridWrap.replaceChildren(errorNote(errorText(e)));
    }
  }

  function cellLabel(sum) {
    if (sum.state === 'partly' && sum.left) return t('grid.left', { q: quantityText(sum.left, S.resource.unit) });
    return t(`grid.${sum.state}`);
  }

  function renderGrid() {
    const z = tz();
    const [h0, h1] = hourRange(S.site.opening_hours);
    const days = [0, 1, 2, 3, 4, 5, 6].map((i) => time.addDays(S.week, i));
    const today = time.today(z);
    const now = Date.now();
    S.cells = [];
    const head = h('tr', {}, h('th', { scope: 'col', class: 'corner' }, srOnly(t('book.hour'))),
      days.map((d) => h('th', { scope: 'col', class: d === today ? 'today' : null },
        h('span', { class: 'wd', text: time.fmtCalendarDate(d, { weekday: 'short' }) }), ' ',
        h('span', { class: 'dm', text: time.fmtCalendarDate(d, { day: 'numeric', month: 'numeric' }) }),
        d === today ? srOnly(` (${t('book.today')})`) : null)));
    const rows = [];
    for (let hour = h0; hour < h1; hour += 1) {
      const label = `${pad(hour)}:00`;
      const cells = days.map((d) => {
        const st = time.timeOf(hour * 60);
        const cs = time.zonedToMs(d, st, z);
        const ce = hour + 1 >= 24 ? time.zonedToMs(time.addDays(d, 1), '00:00', z) : time.zonedToMs(d, time.timeOf((hour + 1) * 60), z);
        if (ce <= cs || !time.existsLocal(d, st, z)) return h('td', { class: 'slot slot-none' }, h('span', { class: 'cell', text: '—' }));
        const sum = summarize(S.avail, cs, ce, now);
        const sel = h('span', { class: 'visually-hidden' });
        const content = [
          srOnly(`${time.fmtCalendarDate(d, { weekday: 'long', day: 'numeric', month: 'long' })}, ${label}: `),
          h('span', { class: 'cell-icon', 'aria-hidden': 'true', text: STATE_ICON[sum.state] }),
          h('span', { class: 'cell-text', text: cellLabel(sum) }), sel];
        const pickable = sum.state === 'free' || sum.state === 'partly';
        const el = pickable
          ? h('button', { type: 'button', class: 'cell', 'data-date': d, 'data-hour': String(hour), 'data-state': sum.state }, content)
          : h('span', { class: 'cell', 'data-state': sum.state }, content);
        S.cells.push({ el, sel, cs, ce });
        return h('td', { class: ['slot', `slot-${sum.state}`] }, el);
      });
      rows.push(h('tr', {}, h('th', { scope: 'row', text: label }), cells));
    }
    const table = h('table', { class: 'week-grid' },
      h('caption', { class: 'visually-hidden', text: `${S.resource.name} — ${weekLabel.textContent}` }),
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
    updateSelection();
  }

  function pickCell(date, hour) {
    const r = S.resource;
    const when = `${time.fmtCalendarDate(date, { weekday: 'long', day: 'numeric', month: 'long' })}`;
    if (S.pick && !S.pick.done && S.pick.date === date && hour * 60 >= S.pick.startMin) {
      F.end.value = time.timeOf(Math.min((hour + 1) * 60, 1440));
      S.pick.done = true;
      pickNote.textContent = t('book.pickedRange', { when, from: F.start.value, to: F.end.value });
    } else {
      F.date.value = date;
      F.start.value = time.timeOf(hour * 60);
      F.end.value = time.timeOf(Math.min(hour * 60 + defaultMinutes(r), 1440));
      S.pick = { date, startMin: hour * 60, done: false };
      pickNote.textContent = t('book.pickedStart', { when, from: F.start.value, to: F.end.value });
    }
    clearErrors(form, errBox);
    updateSummary();
  }

  /** readRange answers {startMs, endMs} from the form, or {error} in the contract's shape. */
  function readRange() {
    const z = tz();
    const date = F.date.value;
    const st = F.start.value;
    const en = F.end.value;
    const fields = {};
    if (!time.isDate(date)) fields.date = t('app.required');
    if (!st) fields.start = t('app.required');
    if (!en) fields.end = t('app.required');
    if (Object.keys(fields).length) return { error: { code: 'missing_fields', details: { fields } } };
    const endDate = en === '00:00' ? time.addDays(date, 1) : date;
    if (!time.existsLocal(date, st, z) || !time.existsLocal(endDate, en, z)) return { error: { code: 'nonexistent_time' } };
    const startMs = time.zonedToMs(date, st, z);
    const endMs = time.zonedToMs(endDate, en, z);
    if (endMs <= startMs) return { error: { code: 'end_before_start', details: { fields: { end: t('error.end_before_start') } } } };
    return { startMs, endMs };
  }

  function updateSelection() {
    const rg = readRange();
    for (const c of S.cells) {
      const on = !rg.error && c.cs < rg.endMs && c.ce > rg.startMs;
      c.el.classList.toggle('is-selected', on);
      c.sel.textContent = on ? ` (${t('book.selected')})` : '';
    }
  }

  function updateSummary() {
    const rg = readRange();
    if (rg.error) {
      summary.textContent = '';
    } else {
      const minutes = Math.round((rg.endMs - rg.startMs) / 60000);
      const parts = [time.fmtRange(rg.startMs, rg.endMs, tz()), time.fmtDuration(minutes)];
      if (S.resource && S.resource.kind === 'space') parts.push(quantityText(Number(F.quantity.value) || 0, S.resource.unit));
      summary.textContent = `${t('book.summary')}: ${parts.join(' · ')}`;
    }
    updateSelection();
  }

  // Sending

  function refusalParams(r) {
    return {
      slot: time.fmtDuration(r.slot_minutes || 0),
      example: r.slot_minutes ? `${time.timeOf(600)}, ${time.timeOf(600 + r.slot_minutes)}` : '',
      duration: durationRule(r),
      days: r.max_advance_days,
      hours: formatNumber(r.max_hours_per_week || 0),
      capacity: quantityText((S.avail && S.avail.capacity) || r.capacity, r.unit),
    };
  }

  function showRefusal(err) {
    const extra = [];
    const conflicts = err.details && err.details.conflicts;
    if (err.code === 'conflict' && Array.isArray(conflicts)) {
      for (const c of conflicts) extra.push(t('book.conflictWith', { range: time.fmtRange(c.start, c.end, tz()) }));
    }
    const next = err.details && err.details.next_start;
    if (next) extra.push(t('book.nextStart', { when: time.fmtDateTime(Date.parse(next), tz()) }));
    showErrors(form, errBox, err, refusalParams(S.resource), extra);
    errBox.dataset.code = err.code || '';
  }

  form.addEventListener('submit', (e) => {
    e.preventDefault();
    clearErrors(form, errBox);
    delete errBox.dataset.code;
    result.replaceChildren();
    const r = S.resource;
    const rg = readRange();
    if (rg.error) {
      showRefusal(rg.error);
      return;
    }
    const z = tz();
    const body = {
      resource_id: r.id,
      start: time.rfc3339(rg.startMs, z),
      end: time.rfc3339(rg.endMs, z),
      quantity: r.kind === 'space' ? Number(F.quantity.value) || 0 : 1,
      note: F.note.value.trim(),
    };
    busy(submit, async () => {
      try {
        const b = await post('/bookings', body);
        F.note.value = '';
        S.pick = null;
        pickNote.textContent = '';
        result.replaceChildren(h('div', { class: 'notice notice-ok', 'data-booking-id': String(b.id) },
          h('p', {}, t(b.status === 'pending' ? 'book.sentPending' : 'book.sentApproved', {
            name: r.name, range: time.fmtRange(b.start || rg.startMs, b.end || rg.endMs, z),
          })),
          h('p', {}, statusBadge(b.status), ' ', h('a', { href: '#/bookings', text: t('book.seeMine') }))));
        ctx.refreshPending();
        loadWeek();
      } catch (err) {
        showRefusal(err);
      }
    });
  });

  form.addEventListener('input', (e) => {
    if (e.target === F.date && time.isDate(F.date.value)) {
      const monday = time.mondayOf(F.date.value);
      if (monday !== S.week) setWeek(monday);
    }
    if (e.target === F.start || e.target === F.date) S.pick = null;
    updateSummary();
  });

  siteSelect.querySelector('select').addEventListener('change', (e) => {
    params.resource = '';
    chooseSite(e.target.value).then(saveParams);
  });
  resList.addEventListener('change', (e) => {
    if (e.target.name !== 'resource') return;
    clearTimeout(S.timer);
    // Arrow keys move through radios one by one: wait a moment before loading.
    S.timer = setTimeout(() => chooseResource(Number(e.target.value)), 150);
  });
  prev.addEventListener('click', () => setWeek(time.addDays(S.week, -7)));
  next.addEventListener('click', () => setWeek(time.addDays(S.week, 7)));
  thisWeek.addEventListener('click', () => setWeek(time.mondayOf(time.today(tz()))));
  weekPart.querySelector('.skip-grid').addEventListener('click', (e) => {
    e.preventDefault();
    F.date.focus();
  });

  // A link may name only the resource (#/book?resource=7): find its site.
  if (params.resource && !params.site) {
    const r = (await store.resources()).find((x) => String(x.id) === String(params.resource));
    if (r) params.site = String(r.site_id);
  }
  const first = sites.find((s) => String(s.id) === String(params.site)) || sites[0];
  siteSelect.querySelector('select').value = String(first.id);
  await chooseSite(first.id);
  return () => clearTimeout(S.timer);
}

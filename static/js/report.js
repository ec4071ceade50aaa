// The usage report (hosts): how a site's machines and floor were used over a
// period, for the hosts and for the Region. Figures are the API's
// (GET /reports/usage, approved bookings only, against open hours less
// closures); this screen sorts, sums per kind and draws them. Members are
// counted, never named. The page prints as a report (report.css).

import { h, announce } from './dom.js';
import { get, qs } from './api.js';
import { t, formatNumber, errorText, locale } from './i18n.js';
import * as store from './store.js';
import * as time from './time.js';
import { useLabel, quantityText, kwText, loadingNote, errorNote, emptyNote } from './format.js';
import { field, readValue, errorBox, showErrors, clearErrors } from './forms.js';
import { pctText, niceMax, scaleRow, barCell, lineChart } from './charts.js';

const PERIODS = [
  ['this-month', 'report.thisMonth'],
  ['last-month', 'report.lastMonth'],
  ['this-year', 'report.thisYear'],
  ['custom', 'report.custom'],
];
const MAX_DAYS = 366; // the API's longest window
const PRINT_PX = 680; // an A4 page's width inside report.css's margins
// The kinds of capacity a trend line sums: machines in machine-hours,
// spaces in m²-hours or in seat-hours (never added to one another).
const GROUPS = [
  { key: 'machine', shape: 'circle', of: (r) => r.kind === 'machine' },
  { key: 'm2', shape: 'square', of: (r) => r.kind === 'space' && r.unit === 'm2' },
  { key: 'seat', shape: 'triangle', of: (r) => r.kind === 'space' && r.unit === 'seat' },
];

const pad = (n) => String(n).padStart(2, '0');
const hoursText = (n) => t('report.hours', { n: formatNumber(n) });
const m2 = (n) => t('unit.m2', { n: formatNumber(n) });

/** windowOf answers a period's calendar days as {from, to}, to excluded. */
export function windowOf(period, today, from, to) {
  if (period === 'last-month') return { from: time.monthStart(today, -1), to: time.monthStart(today, 0) };
  if (period === 'this-year') {
    const y = Number(today.slice(0, 4));
    return { from: `${y}-01-01`, to: `${y + 1}-01-01` };
  }
  if (period === 'custom') return { from, to: time.addDays(to, 1) };
  return { from: time.monthStart(today, 0), to: time.monthStart(today, 1) };
}

/** rangeText writes calendar days from first to last, both included ("1–30 November 2026"). */
function rangeText(first, last) {
  const f = new Intl.DateTimeFormat(locale(), { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' });
  return first === last ? f.format(time.dateMs(first)) : f.formatRange(time.dateMs(first), time.dateMs(last));
}

/** isoWeek answers the ISO week number of a calendar date. */
function isoWeek(date) {
  const thursday = time.addDays(date, 4 - time.isoWeekday(date));
  return Math.floor(time.daysBetween(`${thursday.slice(0, 4)}-01-01`, thursday) / 7) + 1;
}

/**
 * groupShare is the utilization of a group of resources over a period: the
 * booked capacity-hours inside open hours (utilization x capacity x open
 * hours, summed) over the capacity-hours open; null with nothing open.
 */
function groupShare(rows, capacityOf) {
  let booked = 0;
  let open = 0;
  for (const r of rows) {
    const cap = capacityOf(r.resource_id) * r.open_hours;
    booked += r.utilization * cap;
    open += cap;
  }
  return open > 0 ? booked / open : null;
}

/**
 * section is a report card: its heading, an optional line under it, lead
 * (kept on the same printed page as the heading: a chart, a short table)
 * and the rest.
 */
function section(id, title, intro, lead, ...rest) {
  return h('section', { class: ['card', 'report-section'], id, 'aria-labelledby': `${id}-h` },
    h('div', { class: 'section-lead' },
      h('h2', { id: `${id}-h`, text: title }),
      intro ? h('p', { class: 'hint', text: intro }) : null,
      lead),
    rest);
}

/** scrollTable wraps a long table in a region that scrolls on screen (by keyboard too) and prints in full. */
function scrollTable(table, label) {
  return h('div', { class: 'table-scroll', tabindex: '0', role: 'region', 'aria-label': label }, table);
}

const th = (text, num = false) => h('th', { scope: 'col', class: num ? 'num' : null, text });

let styled = null;
/**
 * stylesheet links report.css once, when the report is first opened (no
 * other screen needs it), and answers a promise of it applied (or failed:
 * the report still draws, plainly).
 */
function stylesheet() {
  if (!styled) {
    styled = new Promise((resolve) => {
      const link = h('link', { rel: 'stylesheet', href: new URL('../report.css', import.meta.url).pathname });
      link.addEventListener('load', resolve);
      link.addEventListener('error', resolve);
      document.head.append(link);
    });
  }
  return styled;
}

export function render(root, ctx) {
  const css = stylesheet();
  const meta = h('p', { class: 'report-meta', id: 'report-meta' });
  const controls = h('div', { class: ['card', 'report-controls'] }, loadingNote());
  const body = h('div', { class: 'report-body', id: 'report-body' });
  root.append(h('h1', { text: t('report.title') }), meta,
    h('p', { class: 'lead', text: t('report.intro') }), controls, body);

  let token = 0;
  let observer = null;
  let printing = false;
  const charts = new Set(); // what draws again at another width
  const fits = new WeakMap(); // what to do when an observed element changes size
  let sites = [];
  let shown = null; // the window on screen, {from, to}
  const state = {
    site: ctx.params.site,
    period: PERIODS.some(([p]) => p === ctx.params.period) ? ctx.params.period : 'this-month',
    from: time.isDate(ctx.params.from) ? ctx.params.from : '',
    to: time.isDate(ctx.params.to) ? ctx.params.to : '',
  };
  const siteOf = () => sites.find((s) => String(s.id) === String(state.site)) || sites[0];

  (async () => {
    try {
      // The charts measure what report.css lays out: draw them once it applies.
      [sites] = await Promise.all([store.sites(), css]);
    } catch (e) {
      controls.replaceChildren(errorNote(errorText(e)));
      return;
    }
    if (!sites.length) {
      controls.replaceChildren(emptyNote(t('ws.noSites')));
      return;
    }
    state.site = siteOf().id;
    buildControls();
    load();
  })();

  function buildControls() {
    const box = errorBox('report-error');
    const siteField = sites.length > 1
      ? field({ name: 'site', id: 'report-site', type: 'select', label: t('report.site'), options: sites.map((s) => ({ value: s.id, label: s.name })), value: state.site })
      : null;
    const radios = PERIODS.map(([p, key]) => h('div', { class: ['field-check', 'period-choice'] },
      h('input', { type: 'radio', name: 'period', id: `report-period-${p}`, value: p, checked: state.period === p }),
      h('label', { for: `report-period-${p}`, text: t(key) })));
    const custom = h('div', { class: ['report-custom'], hidden: state.period !== 'custom' },
      h('div', { class: 'row' },
        field({ name: 'from', id: 'report-from', type: 'date', label: t('report.from'), value: state.from }),
        field({ name: 'to', id: 'report-to', type: 'date', label: t('report.to'), value: state.to })),
      h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'btn btn-primary', id: 'report-submit', text: t('report.show') })));
    const form = h('form', { id: 'report-form', class: 'report-form', novalidate: true },
      siteField,
      h('fieldset', { class: 'period-pick' }, h('legend', { text: t('report.period') }), h('div', { class: 'choices' }, radios)),
      custom, box);
    controls.replaceChildren(form);

    if (siteField) {
      siteField.querySelector('select').addEventListener('change', (e) => {
        state.site = e.target.value;
        if (state.period !== 'custom' || readCustom(true)) load();
      });
    }
    form.addEventListener('change', (e) => {
      if (e.target.name !== 'period') return;
      state.period = e.target.value;
      custom.hidden = state.period !== 'custom';
      clearErrors(form, box);
      if (state.period === 'custom') {
        // Start from the dates shown, so that "other dates" begins as a small change.
        const fromEl = form.elements.from;
        const toEl = form.elements.to;
        if (shown && !readValue(fromEl)) fromEl.value = time.fmtDateInput(shown.from);
        if (shown && !readValue(toEl)) toEl.value = time.fmtDateInput(time.addDays(shown.to, -1));
        fromEl.focus();
        return;
      }
      load();
    });
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      if (readCustom(false)) load();
    });

    // readCustom takes the typed dates when they make a window the API
    // accepts, else says why next to the fields (quietly: only clears them).
    function readCustom(quiet) {
      clearErrors(form, box);
      const from = readValue(form.elements.from);
      const to = readValue(form.elements.to);
      const fields = {};
      if (!from) fields.from = form.elements.from.value.trim() ? t('fmt.badDate') : t('app.required');
      if (!to) fields.to = form.elements.to.value.trim() ? t('fmt.badDate') : t('app.required');
      if (from && to && to < from) fields.to = t('report.toBeforeFrom');
      else if (from && to && time.daysBetween(from, to) + 1 > MAX_DAYS) fields.to = t('report.tooLong', { n: MAX_DAYS });
      if (Object.keys(fields).length) {
        if (!quiet) showErrors(form, box, { code: 'validation', local: true, details: { fields } });
        return false;
      }
      state.from = from;
      state.to = to;
      return true;
    }
  }

  async function load() {
    const mine = ++token;
    const site = siteOf();
    const tz = site.timezone || time.DEFAULT_TZ;
    const win = windowOf(state.period, time.today(tz), state.from, state.to);
    shown = win;
    const last = time.addDays(win.to, -1);
    const range = rangeText(win.from, last);
    const params = {
      site_id: site.id,
      from: time.rfc3339(time.zonedToMs(win.from, '00:00', tz), tz),
      to: time.rfc3339(time.zonedToMs(win.to, '00:00', tz), tz),
    };
    const custom = state.period === 'custom';
    ctx.setParams({ site: site.id, period: state.period, from: custom ? state.from : '', to: custom ? state.to : '' });
    meta.textContent = t('report.meta', { site: site.name, range });
    document.title = `${t('report.title')} · ${site.name} · ${range} · Atelier`;
    body.setAttribute('aria-busy', 'true');
    body.replaceChildren(loadingNote());
    let rep;
    try {
      rep = await get('/reports/usage', params);
    } catch (e) {
      if (mine === token) {
        body.removeAttribute('aria-busy');
        body.replaceChildren(errorNote(errorText(e)));
      }
      return;
    }
    if (mine !== token) return;
    body.removeAttribute('aria-busy');
    draw(rep, site, params, range);
    announce(t('report.updated', { site: site.name, range }));
  }

  function draw(rep, site, params, range) {
    if (observer) observer.disconnect();
    charts.clear();
    const tz = site.timezone || time.DEFAULT_TZ;
    const resources = rep.resources || [];
    const byId = new Map(resources.map((r) => [r.resource_id, r]));
    const capacityOf = (id) => (byId.get(id) || { capacity: 1 }).capacity || 1;
    const groups = GROUPS.filter((g) => resources.some(g.of)).map((g) => ({
      ...g, label: t(`report.line.${g.key}`), ids: new Set(resources.filter(g.of).map((r) => r.resource_id)),
    }));
    const totalShare = (g) => groupShare(resources.filter((r) => g.ids.has(r.resource_id)), capacityOf);

    const csv = h('a', { class: 'btn', id: 'report-csv', href: `/api/v1/reports/usage${qs({ ...params, format: 'csv' })}`, download: '', text: t('report.csv') });
    const print = h('button', { type: 'button', class: 'btn', id: 'report-print', text: t('report.print') });
    print.addEventListener('click', () => window.print());

    const parts = [h('div', { class: ['actions', 'report-actions'] }, csv, print), figures(rep, groups, totalShare)];
    if (!resources.length) parts.push(emptyNote(t('report.noResources')));
    else parts.push(utilization(resources));
    parts.push(floor(rep, site));
    if (resources.length) parts.push(trend(rep, groups, capacityOf));
    parts.push(busiest(rep));
    if (Array.isArray(rep.peak_kw_days)) parts.push(power(rep.peak_kw_days, site));
    parts.push(h('p', { class: 'hint', text: t('report.countsOnly') }),
      h('p', { class: ['hint', 'print-only'], text: t('report.printed', { date: time.fmtCalendarDate(time.today(tz)), site: site.name, range }) }));
    body.replaceChildren(...parts);
  }

  /** figures: members active, bookings, hours, and each kind's utilization, as counts only. */
  function figures(rep, groups, totalShare) {
    const resources = rep.resources || [];
    const bookings = resources.reduce((n, r) => n + r.bookings, 0);
    const hours = resources.reduce((n, r) => n + r.booked_hours, 0);
    const stat = (id, label, value, hint) => h('div', { class: 'stat', id },
      h('dt', { text: label }), h('dd', {}, h('span', { class: 'stat-value', text: value }), hint ? h('span', { class: 'stat-hint', text: hint }) : null));
    const list = h('dl', { class: 'stats' },
      stat('report-members-active', t('report.membersActive'), formatNumber(rep.members_active, 0), t('report.membersActiveHint')),
      stat('report-bookings', t('report.bookings'), formatNumber(bookings, 0)),
      stat('report-hours', t('report.bookedHours'), hoursText(hours)),
      groups.map((g) => {
        const share = totalShare(g);
        return stat(`report-util-${g.key}`, t(`report.util.${g.key}`), share === null ? '–' : pctText(share));
      }));
    return section('report-figures', t('report.figures'), null,
      [bookings ? null : h('p', { class: 'empty', text: t('report.noBookings') }), list]);
  }

  /** utilization: each machine and space, fullest first, its bar on one scale and its figures beside it. */
  function utilization(resources) {
    const rows = [...resources].sort((a, b) => b.utilization - a.utilization || a.name.localeCompare(b.name, locale()));
    const max = niceMax(Math.max(0, ...rows.map((r) => r.utilization)));
    const table = h('table', { class: ['stack', 'bar-table'], id: 'report-resources' },
      h('caption', { class: 'visually-hidden', text: t('report.utilTitle') }),
      h('thead', {}, h('tr', {},
        th(t('report.resource')),
        h('th', { scope: 'col', class: 'bar-col' }, h('span', { class: 'bar-head', text: t('report.utilization') }), scaleRow(max)),
        th(t('report.booked'), true), th(t('report.open'), true), th(t('report.bookingsCol'), true), th(t('report.members'), true))),
      h('tbody', {}, rows.map((r) => {
        const space = r.kind === 'space';
        const booked = [hoursText(r.booked_hours), space && r.unit !== 'machine'
          ? h('span', { class: 'cap-hours', text: ` ${t(`report.capHours.${r.unit}`, { n: formatNumber(r.booked_capacity_hours) })}` })
          : null];
        return h('tr', { 'data-resource-id': String(r.resource_id), 'data-kind': r.kind },
          h('th', { scope: 'row' }, h('span', { class: 'res-name', text: r.name }),
            h('span', { class: 'res-kind', text: space ? t('report.kindCap', { kind: t('kind.space'), cap: quantityText(r.capacity, r.unit) }) : t('kind.machine') })),
          h('td', { class: 'bar-col', 'data-label': t('report.utilization') }, barCell(r.utilization, max, pctText(r.utilization), `bar-${r.kind}`)),
          h('td', { class: 'num', 'data-label': t('report.booked') }, booked),
          h('td', { class: 'num', 'data-label': t('report.open'), text: hoursText(r.open_hours) }),
          h('td', { class: 'num', 'data-label': t('report.bookingsCol'), text: formatNumber(r.bookings, 0) }),
          h('td', { class: 'num', 'data-label': t('report.members'), text: formatNumber(r.members, 0) }));
      })));
    return section('report-util', t('report.utilTitle'), t('report.utilIntro', { max: pctText(max) }), null, table);
  }

  /** floor: the floor by use drawn to scale, then each use's area, share and utilization. */
  function floor(rep, site) {
    const uses = rep.uses || [];
    const floorArea = Number(site.floor_area_m2) || uses.reduce((n, u) => n + u.area_m2, 0);
    const assigned = uses.reduce((n, u) => n + u.share_of_floor, 0);
    const rows = uses.map((u) => ({ key: u.use, label: useLabel(u.use), area: u.area_m2, share: u.share_of_floor, util: u.utilization }));
    if (assigned < 0.999 && floorArea > 0) rows.push({ key: 'free', label: t('floor.free'), area: floorArea * (1 - assigned), share: 1 - assigned, util: null, free: true });
    if (!rows.length) return section('report-floor', t('report.floorTitle'), null, emptyNote(t('zone.none')));

    const scale = Math.max(1, assigned);
    const bar = h('div', { class: 'rep-floor-bar', 'aria-hidden': 'true' }, rows.map((r) => {
      const seg = h('div', { class: ['rep-floor-seg', `use-${r.key}`], title: `${r.label}: ${m2(r.area)}`, 'data-share': String(r.share / scale) },
        h('span', { class: 'rep-seg-label', 'data-long': `${r.label} ${pctText(r.share)}`, 'data-short': pctText(r.share) }));
      seg.style.width = `${(100 * r.share) / scale}%`;
      return seg;
    }));
    // Each segment says its use where that fits, else its share, else
    // nothing; printing, the room is the segment's share of the page.
    const textWidth = (el) => {
      const range = document.createRange();
      range.selectNodeContents(el);
      return range.getBoundingClientRect().width;
    };
    const fit = () => {
      for (const seg of bar.children) {
        const label = seg.firstChild;
        label.hidden = false;
        label.textContent = label.dataset.long;
        const room = printing ? Number(seg.dataset.share) * PRINT_PX - 14 : label.clientWidth + 1;
        if (textWidth(label) > room) label.textContent = label.dataset.short;
        if (textWidth(label) > room) label.hidden = true;
      }
    };
    watch(bar, fit);
    const ticks = h('div', { class: 'rep-floor-scale', 'aria-hidden': 'true' }, [0, 0.5, 1].map((f) => {
      const tick = h('span', { class: 'tick', text: f === 1 ? m2(floorArea * scale) : formatNumber(f * floorArea * scale, 0) });
      tick.style.left = `${f * 100}%`;
      return tick;
    }));

    const utilMax = niceMax(Math.max(0, ...rows.map((r) => r.util || 0)));
    const table = h('table', { class: ['stack', 'bar-table'], id: 'report-uses' },
      h('caption', { class: 'visually-hidden', text: t('report.floorTitle') }),
      h('thead', {}, h('tr', {},
        th(t('floor.use')), th(t('floor.area'), true),
        h('th', { scope: 'col', class: 'bar-col' }, h('span', { class: 'bar-head', text: t('floor.share') }), scaleRow(1)),
        h('th', { scope: 'col', class: 'bar-col' }, h('span', { class: 'bar-head', text: t('report.utilization') }), scaleRow(utilMax)))),
      h('tbody', {}, rows.map((r) => h('tr', { 'data-use': r.key },
        h('th', { scope: 'row' }, h('span', { class: ['swatch', `use-${r.key}`], 'aria-hidden': 'true' }), r.label),
        h('td', { class: 'num', 'data-label': t('floor.area'), text: m2(r.area) }),
        h('td', { class: 'bar-col', 'data-label': t('floor.share') }, barCell(r.share, 1, pctText(r.share), 'bar-share')),
        h('td', { class: 'bar-col', 'data-label': t('report.utilization') },
          r.util === null
            ? h('span', { class: 'bar-none', text: r.free ? '–' : t('report.noM2') })
            : barCell(r.util, utilMax, pctText(r.util), 'bar-space'))))),
      h('tfoot', {}, h('tr', {}, h('th', { scope: 'row', text: t('floor.total') }), h('td', { class: 'num', 'data-label': t('floor.area'), text: m2(floorArea) }), h('td', {}), h('td', {}))));
    return section('report-floor', t('report.floorTitle'), t('report.floorIntro', { floor: m2(floorArea), max: pctText(utilMax) }),
      h('div', { class: 'rep-floor' }, bar, ticks), table);
  }

  /** trend: each kind's utilization per day or week as lines, and the figures per period in a table. */
  function trend(rep, groups, capacityOf) {
    const daily = rep.period === 'day';
    const periods = (rep.periods || []).map((p) => {
      const date = p.start.slice(0, 10); // the site's calendar day: the API writes it in the site's zone
      const lastDay = time.addDays(p.end.slice(0, 10), p.end.slice(11, 16) === '00:00' ? -1 : 0);
      const short = time.fmtCalendarDate(date, { day: 'numeric', month: 'short' });
      const long = daily
        ? time.fmtCalendarDate(date, { weekday: 'short', day: 'numeric', month: 'short' })
        : t('report.weekLabel', { n: isoWeek(date), range: rangeText(date, lastDay) });
      const values = groups.map((g) => groupShare(p.resources.filter((r) => g.ids.has(r.resource_id)), capacityOf));
      const bookings = p.resources.reduce((n, r) => n + r.bookings, 0);
      return { date, short, long, values, bookings, members: p.members_active };
    });
    const series = groups.map((g, k) => ({ key: g.key, label: g.label, shape: g.shape, values: periods.map((p) => p.values[k]) }));
    const max = niceMax(Math.max(0.05, ...periods.flatMap((p) => p.values.filter((v) => v !== null))));

    const box = h('div', { class: 'chart-box', id: 'report-trend' });
    let drawnAt = 0;
    // Drawn at the width it has, its text stays at its size; printing draws
    // it again at the page's width.
    const redraw = () => {
      const width = printing ? PRINT_PX : Math.floor(box.clientWidth);
      if (!width || Math.abs(width - drawnAt) < 2) return;
      drawnAt = width;
      box.replaceChildren(lineChart({
        width, height: width < 500 ? 220 : 260, series, max,
        labels: periods.map((p) => p.short), titles: periods.map((p) => p.long),
      }));
    };
    watch(box, redraw);

    const table = h('table', { class: 'trend-table', id: 'report-trend-table' },
      h('caption', { class: 'visually-hidden', text: t(`report.trendTitle.${rep.period}`) }),
      h('thead', {}, h('tr', {}, th(t(`report.periodCol.${rep.period}`)), groups.map((g) => th(g.label, true)),
        th(t('report.bookingsCol'), true), th(t('report.membersActive'), true))),
      h('tbody', {}, periods.map((p) => h('tr', { 'data-start': p.date },
        h('th', { scope: 'row', text: p.long }),
        p.values.map((v) => h('td', { class: 'num', text: v === null ? t('report.closed') : pctText(v) })),
        h('td', { class: 'num', text: formatNumber(p.bookings, 0) }),
        h('td', { class: 'num', text: formatNumber(p.members, 0) })))));
    return section('report-trend-s', t(`report.trendTitle.${rep.period}`), t(`report.trendIntro.${rep.period}`, { max: pctText(max) }),
      box, scrollTable(table, t(`report.trendTitle.${rep.period}`)));
  }

  /** busiest: the hours of the week that hold the most booked time. */
  function busiest(rep) {
    const top = [...(rep.busiest_hours || [])].filter((x) => x.share > 0)
      .sort((a, b) => b.share - a.share || a.weekday - b.weekday || a.hour - b.hour).slice(0, 5);
    if (!top.length) return section('report-busy', t('report.busyTitle'), null, emptyNote(t('report.busyNone')));
    const max = niceMax(top[0].share);
    const table = h('table', { class: ['stack', 'bar-table'], id: 'report-busy-table' },
      h('caption', { class: 'visually-hidden', text: t('report.busyTitle') }),
      h('thead', {}, h('tr', {}, th(t('report.hour')),
        h('th', { scope: 'col', class: 'bar-col' }, h('span', { class: 'bar-head', text: t('report.share') }), scaleRow(max)),
        th(t('report.booked'), true))),
      h('tbody', {}, top.map((x) => h('tr', { 'data-weekday': String(x.weekday), 'data-hour': String(x.hour) },
        h('th', { scope: 'row', text: `${time.weekdayName(x.weekday, 'long')} ${pad(x.hour)}:00–${pad((x.hour + 1) % 24 || 24)}:00` }),
        h('td', { class: 'bar-col', 'data-label': t('report.share') }, barCell(x.share, max, pctText(x.share), 'bar-machine')),
        h('td', { class: 'num', 'data-label': t('report.booked'), text: hoursText(x.booked_hours) })))));
    return section('report-busy', t('report.busyTitle'), t('report.busyIntro', { max: pctText(max) }), table);
  }

  /** power: the day's highest draw and the hours spent at the site's budget, when the API gives them. */
  function power(days, site) {
    const intro = site.power_kw > 0 ? t('report.powerIntro', { kw: kwText(site.power_kw) }) : t('report.powerNoBudget');
    if (!days.length) return section('report-power', t('report.powerTitle'), intro, emptyNote(t('report.powerNone')));
    const table = h('table', { class: 'trend-table', id: 'report-power-table' },
      h('caption', { class: 'visually-hidden', text: t('report.powerTitle') }),
      h('thead', {}, h('tr', {}, th(t('report.date')), th(t('report.peak'), true), th(t('report.atLimit'), true))),
      h('tbody', {}, days.map((d) => h('tr', { 'data-date': String(d.date) },
        h('th', { scope: 'row', text: time.isDate(String(d.date).slice(0, 10)) ? time.fmtCalendarDate(String(d.date).slice(0, 10), { weekday: 'short', day: 'numeric', month: 'short', year: 'numeric' }) : String(d.date) }),
        h('td', { class: 'num', text: kwText(d.peak_kw) }),
        h('td', { class: 'num', text: hoursText(Number(d.hours_at_limit) || 0) })))));
    return section('report-power', t('report.powerTitle'), intro, null, days.length > 12 ? scrollTable(table, t('report.powerTitle')) : table);
  }

  /** watch calls fn now that el is in the page and whenever its size changes. */
  function onPrint(e) {
    printing = e.type === 'beforeprint';
    for (const fn of charts) fn();
  }
  window.addEventListener('beforeprint', onPrint);
  window.addEventListener('afterprint', onPrint);

  function watch(el, fn) {
    charts.add(fn);
    if (!observer) observer = new ResizeObserver((entries) => entries.forEach((e) => (fits.get(e.target) || (() => {}))()));
    fits.set(el, fn);
    observer.observe(el);
  }

  return () => {
    token += 1;
    if (observer) observer.disconnect();
    window.removeEventListener('beforeprint', onPrint);
    window.removeEventListener('afterprint', onPrint);
  };
}

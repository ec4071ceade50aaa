// My bookings: upcoming and past (a series as one item, series-mine.js),
// cancel, one .ics each, the waiting list (waitlist.js), and the calendar
// subscription address (copy, rotate).

import { h, busy, announce } from './dom.js';
import { get, post } from './api.js';
import { t, errorText } from './i18n.js';
import { fmtRange } from './time.js';
import * as store from './store.js';
import { statusBadge, quantityText, emptyNote, loadingNote, errorNote, okNote } from './format.js';
import { ask } from './forms.js';
import { seriesItem } from './series-mine.js';
import { waitlistSection } from './waitlist.js';

const LIMIT = 1000;
const ACTIVE = new Set(['pending', 'approved']);

export async function render(root, ctx) {
  const calendar = h('section', { class: 'card', 'aria-labelledby': 'cal-h' });
  const upcoming = h('section', { 'aria-labelledby': 'upcoming-h' });
  const past = h('section', { 'aria-labelledby': 'past-h' });
  const waiting = h('section', { 'aria-labelledby': 'waitlist-h' });
  const notice = h('div', { class: 'notices', tabindex: '-1' });
  root.append(h('h1', { text: t('mine.title') }), notice, upcoming, waiting, past, calendar);

  renderCalendar(calendar);

  async function load() {
    upcoming.replaceChildren(h('h2', { id: 'upcoming-h', text: t('mine.upcoming') }), loadingNote());
    past.replaceChildren();
    let res;
    let lk;
    let series;
    try {
      [res, lk, series] = await Promise.all([
        get('/bookings', { member_id: ctx.user.id, limit: LIMIT }), store.lookup(),
        get('/series', { member_id: ctx.user.id, limit: LIMIT }).then((r) => r.series, () => [])]);
    } catch (e) {
      upcoming.append(errorNote(errorText(e)));
      return;
    }
    waitlistSection(waiting, { user: ctx.user, lk });
    const now = Date.now();
    const at = (b) => Date.parse(b.start);
    // Items: single bookings, and one per series holding its bookings in date order.
    const groups = new Map();
    const items = [];
    for (const b of res.bookings) {
      if (!b.series_id) {
        items.push({ end: Date.parse(b.end), start: at(b), build: (up) => row(b, lk, up) });
        continue;
      }
      if (!groups.has(b.series_id)) groups.set(b.series_id, []);
      groups.get(b.series_id).push(b);
    }
    const seriesById = new Map(series.map((se) => [se.id, se]));
    for (const [id, list] of groups) {
      list.sort((a, b) => at(a) - at(b));
      const upcomingOne = list.find((b) => Date.parse(b.end) > now);
      items.push({
        end: Math.max(...list.map((b) => Date.parse(b.end))),
        start: upcomingOne ? at(upcomingOne) : at(list[list.length - 1]),
        build: (up) => seriesItem(seriesById.get(id) || null, list, { lk, upcoming: up, row: (b) => row(b, lk, up, true), onDone: reloaded }),
      });
    }
    const next = items.filter((i) => i.end > now).sort((a, b) => a.start - b.start);
    const done = items.filter((i) => i.end <= now).sort((a, b) => b.start - a.start);
    upcoming.replaceChildren(h('h2', { id: 'upcoming-h', tabindex: '-1' }, t('mine.upcoming'), ' ', h('span', { class: 'count', text: `(${next.length})` })),
      next.length ? h('ul', { class: 'cards', id: 'upcoming-list' }, next.map((i) => i.build(true))) : emptyNote(t('mine.noUpcoming')));
    past.replaceChildren(h('h2', { id: 'past-h' }, t('mine.past'), ' ', h('span', { class: 'count', text: `(${done.length})` })),
      done.length ? h('ul', { class: 'cards', id: 'past-list' }, done.map((i) => i.build(false))) : emptyNote(t('mine.noPast')));
  }

  // After a cancellation the focus goes to what happened (the button is gone).
  async function reloaded(note) {
    notice.replaceChildren(note);
    ctx.refreshPending();
    await load();
    notice.focus();
  }

  function row(b, lk, isUpcoming, inSeries = false) {
    const res = lk.resourceById.get(b.resource_id);
    const tz = lk.tzOfResource(b.resource_id);
    const name = b.resource_name || (res && res.name) || `#${b.resource_id}`;
    const actions = h('div', { class: 'actions' },
      h('a', { class: 'btn btn-small', href: `/api/v1/bookings/${b.id}/ics`, download: `atelier-booking-${b.id}.ics`, 'data-action': 'ics' },
        t('mine.ics'), h('span', { class: 'visually-hidden', text: ` — ${name}` })));
    if (isUpcoming && ACTIVE.has(b.status) && Date.parse(b.end) > Date.now()) {
      const cancel = h('button', { type: 'button', class: 'btn btn-small btn-danger', 'data-action': 'cancel' },
        t('mine.cancel'), h('span', { class: 'visually-hidden', text: ` — ${name}` }));
      cancel.addEventListener('click', () => cancelBooking(b, name, tz, cancel));
      actions.append(cancel);
    }
    return h('li', { class: ['card', 'booking', `booking-${b.status}`, inSeries && 'occ-card'], 'data-booking-id': String(b.id) },
      h('div', { class: 'booking-head' },
        inSeries ? h('p', { class: 'when', text: fmtRange(b.start, b.end, tz) }) : h('h3', { text: name }),
        statusBadge(b.status)),
      inSeries ? null : h('p', { class: 'when', text: fmtRange(b.start, b.end, tz) }),
      res && res.kind === 'space' ? h('p', { class: 'meta', text: quantityText(b.quantity, res.unit) }) : null,
      b.note && !inSeries ? h('p', { class: 'meta' }, `${t('mine.note')}: `, b.note) : null,
      b.reason ? h('p', { class: 'meta reason' }, `${t('mine.reason')}: `, b.reason) : null,
      actions);
  }

  async function cancelBooking(b, name, tz, button) {
    const reason = await ask({
      title: t('mine.cancelTitle'),
      message: `${name}, ${fmtRange(b.start, b.end, tz)}`,
      label: t('mine.cancelReason'),
      confirm: t('mine.cancelConfirm'),
      dismiss: t('mine.cancelKeep'),
      danger: true,
    });
    if (reason === null) return;
    await busy(button, async () => {
      try {
        await post(`/bookings/${b.id}/cancel`, { reason });
        notice.replaceChildren(okNote(t('mine.cancelled', { name })));
        announce(t('mine.cancelled', { name }));
        ctx.refreshPending();
      } catch (e) {
        notice.replaceChildren(errorNote(errorText(e)));
      }
    });
    await load();
    notice.focus();
  }

  await load();
  showAsked(root, ctx.params.booking);
  return null;
}

/**
 * showAsked brings the booking a link names (#/bookings?booking=7, from a
 * notification or an email) into view with the focus on it, its series'
 * dates unfolded. A booking not in the list (another member's) leaves the
 * screen as it is.
 */
function showAsked(root, id) {
  if (!/^\d+$/.test(id || '')) return;
  const li = root.querySelector(`[data-booking-id="${id}"]`);
  if (!li) return;
  const details = li.closest('details');
  if (details) details.open = true;
  li.classList.add('booking-asked');
  li.tabIndex = -1;
  li.scrollIntoView({ block: 'center' });
  li.focus({ preventScroll: true });
}

/** renderCalendar shows the secret feed address with copy and rotate. */
function renderCalendar(section) {
  const input = h('input', { type: 'text', id: 'calendar-url', readonly: true, 'data-testid': 'calendar-url', value: '' });
  const copy = h('button', { type: 'button', class: 'btn', id: 'calendar-copy', text: t('cal.copy') });
  const rotate = h('button', { type: 'button', class: 'btn btn-danger', id: 'calendar-rotate', text: t('cal.rotate') });
  const open = h('a', { class: 'btn', id: 'calendar-open', href: '#', hidden: true, text: t('cal.open') });
  const status = h('p', { class: 'cal-status', role: 'status' });
  section.append(
    h('h2', { id: 'cal-h', text: t('cal.title') }),
    h('p', { text: t('cal.intro') }),
    h('div', { class: 'field' }, h('label', { for: 'calendar-url', text: t('cal.url') }), input),
    h('div', { class: 'actions' }, copy, open, rotate),
    h('p', { class: 'hint', text: t('cal.secret') }),
    status);

  const show = (url) => {
    input.value = url || '';
    if (url) {
      open.href = url.replace(/^https?:/, 'webcal:');
      open.hidden = false;
    }
  };
  get('/me/calendar').then((r) => show(r.url)).catch((e) => { status.replaceChildren(errorNote(errorText(e))); });

  copy.addEventListener('click', async () => {
    if (!input.value) return;
    try {
      await navigator.clipboard.writeText(input.value);
    } catch {
      input.select();
      document.execCommand('copy');
    }
    status.replaceChildren(okNote(t('cal.copied')));
  });
  rotate.addEventListener('click', async () => {
    const ok = await ask({ title: t('cal.rotateTitle'), message: t('cal.rotateWarn'), confirm: t('cal.rotateConfirm'), dismiss: t('cal.rotateKeep'), danger: true });
    if (ok === null) return;
    await busy(rotate, async () => {
      try {
        const r = await post('/me/calendar/rotate');
        show(r.url);
        status.replaceChildren(okNote(t('cal.rotated')));
      } catch (e) {
        status.replaceChildren(errorNote(errorText(e)));
      }
    });
  });
}

// A series in My bookings: one item with the rule in words, how many dates and
// their states, the dates unfoldable; cancel the remaining dates, or a range
// of them (a holiday).

import { h, busy, announce } from './dom.js';
import { post } from './api.js';
import { t, tn, errorText } from './i18n.js';
import * as time from './time.js';
import { errorNote, okNote } from './format.js';
import { ask, askFields } from './forms.js';
import { ruleText, dateSpan } from './recurrence.js';

const ACTIVE = new Set(['pending', 'approved']);
const STATUSES = ['approved', 'pending', 'rejected', 'cancelled'];

/**
 * seriesItem builds the item of a series: se is the series (or null when
 * unknown), list its bookings (oldest first), row(b) the item of one of them.
 * onDone(note) hears a cancellation and the notice to show.
 */
export function seriesItem(se, list, { lk, row, upcoming, onDone }) {
  const first = list[0];
  const id = first.series_id;
  const tz = lk.tzOfResource(first.resource_id);
  const res = lk.resourceById.get(first.resource_id);
  const name = first.resource_name || (res && res.name) || `#${first.resource_id}`;
  const now = Date.now();
  const ahead = list.filter((b) => ACTIVE.has(b.status) && Date.parse(b.start) > now);
  const span = dateSpan(list, tz);
  const counts = STATUSES.map((s) => [s, list.filter((b) => b.status === s).length]).filter(([, n]) => n);

  const actions = h('div', { class: 'actions' });
  if (upcoming && ahead.length) {
    const all = h('button', { type: 'button', class: 'btn btn-small btn-danger', 'data-action': 'cancel-series' },
      t('series.cancelRest'), h('span', { class: 'visually-hidden', text: ` — ${name}` }));
    const some = h('button', { type: 'button', class: 'btn btn-small', 'data-action': 'cancel-range' },
      t('series.cancelRange'), h('span', { class: 'visually-hidden', text: ` — ${name}` }));
    all.addEventListener('click', () => cancelRest(all));
    some.addEventListener('click', () => cancelRange(some));
    actions.append(all, some);
  }
  const next = ahead[0] || list.find((b) => Date.parse(b.end) > now);

  return h('li', { class: ['card', 'booking', 'series-item'], 'data-series-id': String(id) },
    h('div', { class: 'booking-head' },
      h('h3', { text: name }),
      h('span', { class: 'tag', text: t('series.tag') })),
    h('p', { class: 'when', text: se ? ruleText(se.rrule, first, tz) : time.fmtTimes(first.start, first.end, tz) }),
    h('p', { class: 'meta', text: tn('series.dates', list.length, span) }),
    h('p', { class: 'meta series-states', text: counts.map(([s, n]) => `${t(`status.${s}`)}: ${n}`).join(' · ') }),
    upcoming && next ? h('p', { class: 'meta', text: t('series.next', { when: time.fmtRange(next.start, next.end, tz) }) }) : null,
    h('details', { class: 'occ-details' },
      h('summary', { text: tn('series.showDates', list.length) }),
      h('ul', { class: 'cards occ-list' }, list.map((b) => row(b)))),
    actions.childElementCount ? actions : null);

  async function send(body, button) {
    let note = null;
    await busy(button, async () => {
      try {
        const out = await post(`/series/${id}/cancel`, body);
        const left = new Set(out.bookings.filter((b) => ACTIVE.has(b.status)).map((b) => b.id));
        const n = ahead.filter((b) => !left.has(b.id)).length;
        note = okNote(tn('series.cancelledN', n, { name }));
        announce(note.textContent);
      } catch (e) {
        note = errorNote(errorText(e));
      }
    });
    onDone(note);
  }

  async function cancelRest(button) {
    const reason = await ask({
      title: t('series.cancelRestTitle'),
      message: `${name}: ${tn('series.cancelRestCount', ahead.length)}`,
      label: t('mine.cancelReason'),
      confirm: t('series.cancelRestConfirm'),
      dismiss: t('series.keepDates'),
      danger: true,
    });
    if (reason !== null) await send({ reason }, button);
  }

  async function cancelRange(button) {
    const dateOf = (b) => time.localDate(Date.parse(b.start), tz);
    const min = dateOf(ahead[0]);
    const max = dateOf(ahead[ahead.length - 1]);
    const within = (v) => ahead.filter((b) => dateOf(b) >= v.from && dateOf(b) <= v.to).length;
    const v = await askFields({
      title: t('series.cancelRangeTitle'),
      message: name,
      fields: [
        { name: 'from', type: 'date', label: t('series.rangeFrom'), value: min, min, max, required: true },
        { name: 'to', type: 'date', label: t('series.rangeTo'), value: min, min, max, required: true },
        { name: 'reason', type: 'textarea', label: t('mine.cancelReason'), maxlength: 500 },
      ],
      confirm: t('series.cancelRangeConfirm'),
      dismiss: t('series.keepDates'),
      danger: true,
      live: (x) => (time.isDate(x.from) && time.isDate(x.to) && x.to >= x.from ? tn('series.inRange', within(x)) : ''),
      check(x) {
        if (x.to < x.from) return { name: 'to', message: t('series.rangeOrder') };
        if (!within(x)) return { name: 'from', message: t('series.rangeEmpty') };
        return null;
      },
    });
    if (v === null) return;
    await send({
      reason: v.reason,
      from: time.rfc3339(time.zonedToMs(v.from, '00:00', tz), tz),
      to: time.rfc3339(time.zonedToMs(time.addDays(v.to, 1), '00:00', tz), tz),
    }, button);
  }
}

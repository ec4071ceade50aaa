// A series waiting in Approvals: one item for its pending occurrences ("6
// dates from ... to ..."), approve all or reject all, and the dates unfoldable
// to decide them one by one.

import { h } from './dom.js';
import { t, tn } from './i18n.js';
import { fmtRange, fmtDateTime } from './time.js';
import { statusBadge, quantityText } from './format.js';
import { ruleText, dateSpan } from './recurrence.js';

const button = (action, cls, label, what) => h('button', { type: 'button', class: ['btn', 'btn-small', cls], 'data-action': action },
  label, h('span', { class: 'visually-hidden', text: `: ${what}` }));

/**
 * seriesRequest builds the item of a series' pending occurrences (list, oldest
 * first); rrule words it when known. decide(kind, target, what, button) runs a
 * decision: kind 'series' with target the series id, or 'booking' with a booking.
 */
export function seriesRequest(list, rrule, { lk, decide }) {
  const first = list[0];
  const id = first.series_id;
  const res = lk.resourceById.get(first.resource_id);
  const tz = lk.tzOfResource(first.resource_id);
  const name = first.resource_name || (res && res.name) || `#${first.resource_id}`;
  const member = first.member_name || `#${first.member_id}`;
  const span = dateSpan(list, tz);
  const dates = tn('series.pendingDates', list.length, span);
  const what = `${member} — ${name}, ${dates}`;

  const approve = button('approve-series', 'btn-primary', tn('series.approveAll', list.length), what);
  const reject = button('reject-series', 'btn-danger', tn('series.rejectAll', list.length), what);
  approve.addEventListener('click', () => decide('series', { id, action: 'approve', n: list.length }, what, approve));
  reject.addEventListener('click', () => decide('series', { id, action: 'reject', n: list.length }, what, reject));

  const occurrence = (b) => {
    const when = fmtRange(b.start, b.end, tz);
    const one = `${member} — ${name}, ${when}`;
    const yes = button('approve', 'btn-quiet', t('appr.approve'), one);
    const no = button('reject', 'btn-quiet', t('appr.reject'), one);
    yes.addEventListener('click', () => decide('booking', { booking: b, action: 'approve' }, one, yes));
    no.addEventListener('click', () => decide('booking', { booking: b, action: 'reject' }, one, no));
    return h('li', { class: 'occ', 'data-booking-id': String(b.id) }, h('span', { class: 'occ-when', text: when }), h('span', { class: 'actions' }, yes, no));
  };

  return h('li', { class: 'card booking series-item', 'data-series-id': String(id) },
    h('div', { class: 'booking-head' },
      h('h2', { class: 'h3', text: name }),
      h('span', {}, h('span', { class: 'tag', text: t('series.tag') }), ' ', statusBadge('pending'))),
    h('dl', { class: 'facts' },
      h('dt', { text: t('appr.member') }), h('dd', { text: member }),
      h('dt', { text: t('appr.when') }), h('dd', {}, h('strong', { text: dates }), rrule ? [h('br'), ruleText(rrule, first, tz)] : null),
      res && res.kind === 'space' ? [h('dt', { text: t('appr.quantity') }), h('dd', { text: quantityText(first.quantity, res.unit) })] : null,
      h('dt', { text: t('appr.note') }), h('dd', { text: first.note || t('appr.noNote') }),
      first.created_at ? [h('dt', { text: t('appr.requested') }), h('dd', { text: fmtDateTime(Date.parse(first.created_at), tz) })] : null),
    h('details', { class: 'occ-details' },
      h('summary', { text: tn('series.showDates', list.length) }),
      h('ul', { class: 'occ-list plain-list' }, list.map(occurrence))),
    h('div', { class: 'actions' }, approve, reject));
}

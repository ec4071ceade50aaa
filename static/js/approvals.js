// Approvals: the pending queue, oldest request first; approve, or reject with a
// reason; a series' pending dates as one item (series-approval.js).

import { h, busy, announce } from './dom.js';
import { get, post } from './api.js';
import { t, tn, errorText } from './i18n.js';
import { fmtRange, fmtDateTime } from './time.js';
import * as store from './store.js';
import { statusBadge, quantityText, emptyNote, loadingNote, errorNote, okNote } from './format.js';
import { ask } from './forms.js';
import { seriesRequest } from './series-approval.js';

const LIMIT = 100;

export async function render(root, ctx) {
  const notice = h('div', { class: 'notices' });
  const list = h('div', { id: 'approvals-list' });
  root.append(h('h1', { text: t('appr.title') }), h('p', { class: 'lead', text: t('appr.intro') }), notice, list);

  async function load(focusIndex = -1) {
    list.replaceChildren(loadingNote());
    let res;
    let lk;
    try {
      [res, lk] = await Promise.all([get('/bookings', { status: 'pending', order: 'created', limit: LIMIT }), store.lookup()]);
    } catch (e) {
      list.replaceChildren(errorNote(errorText(e)));
      return;
    }
    const items = res.bookings;
    const total = res.total;
    // The pending dates of one series make one item, where the first of them stood.
    const bySeries = new Map();
    for (const b of items) if (b.series_id) bySeries.set(b.series_id, [...(bySeries.get(b.series_id) || []), b]);
    const entries = [];
    for (const b of items) {
      const group = b.series_id && bySeries.get(b.series_id);
      if (!group || group.length < 2) entries.push({ booking: b });
      else if (group[0] === b) entries.push({ group: group.sort((x, y) => Date.parse(x.start) - Date.parse(y.start)) });
    }
    const rules = new Map(await Promise.all(entries.filter((e) => e.group).map((e) => {
      const id = e.group[0].series_id;
      return get(`/series/${id}`).then((se) => [id, se.rrule], () => [id, '']);
    })));
    if (!items.length) {
      list.replaceChildren(emptyNote(t('appr.none')));
    } else {
      list.replaceChildren(
        h('p', { class: 'count', id: 'approvals-count' }, tn('appr.count', total),
          total > items.length ? ` ${t('appr.showing', { n: items.length })}` : ''),
        h('ul', { class: 'cards', id: 'approvals-items' }, entries.map((e) => (e.booking ? row(e.booking, lk)
          : seriesRequest(e.group, rules.get(e.group[0].series_id), { lk, decide: decideAny })))));
    }
    if (focusIndex >= 0) {
      const cards = list.querySelectorAll('#approvals-items > li');
      const card = cards[Math.min(focusIndex, cards.length - 1)];
      const target = (card && card.querySelector(':scope > .actions [data-action^="approve"]')) || root.querySelector('h1');
      target.focus();
    }
  }

  function row(b, lk) {
    const res = lk.resourceById.get(b.resource_id);
    const tz = lk.tzOfResource(b.resource_id);
    const name = b.resource_name || (res && res.name) || `#${b.resource_id}`;
    const member = b.member_name || `#${b.member_id}`;
    const what = `${member} — ${name}, ${fmtRange(b.start, b.end, tz)}`;
    const approve = h('button', { type: 'button', class: 'btn btn-primary btn-small', 'data-action': 'approve' },
      t('appr.approve'), h('span', { class: 'visually-hidden', text: `: ${what}` }));
    const reject = h('button', { type: 'button', class: 'btn btn-danger btn-small', 'data-action': 'reject' },
      t('appr.reject'), h('span', { class: 'visually-hidden', text: `: ${what}` }));
    approve.addEventListener('click', () => decideAny('booking', { booking: b, action: 'approve' }, what, approve));
    reject.addEventListener('click', () => decideAny('booking', { booking: b, action: 'reject' }, what, reject));
    return h('li', { class: 'card booking', 'data-booking-id': String(b.id) },
      h('div', { class: 'booking-head' }, h('h2', { class: 'h3', text: name }), statusBadge(b.status)),
      h('dl', { class: 'facts' },
        h('dt', { text: t('appr.member') }), h('dd', { text: member }),
        h('dt', { text: t('appr.when') }), h('dd', { text: fmtRange(b.start, b.end, tz) }),
        res && res.kind === 'space' ? [h('dt', { text: t('appr.quantity') }), h('dd', { text: quantityText(b.quantity, res.unit) })] : null,
        h('dt', { text: t('appr.note') }), h('dd', { text: b.note || t('appr.noNote') }),
        b.created_at ? [h('dt', { text: t('appr.requested') }), h('dd', { text: fmtDateTime(Date.parse(b.created_at), tz) })] : null),
      h('div', { class: 'actions' }, approve, reject));
  }

  /**
   * decideAny approves or rejects one booking (kind 'booking', {booking, action})
   * or every pending date of a series (kind 'series', {id, action, n}).
   */
  async function decideAny(kind, { booking, id, action, n }, what, button) {
    const whole = kind === 'series';
    let body = {};
    if (action === 'reject') {
      const reason = await ask({
        title: whole ? tn('series.rejectTitle', n) : t('appr.rejectTitle'), message: what, label: t('appr.reason'), required: true,
        confirm: whole ? tn('series.rejectAll', n) : t('appr.reject'), dismiss: t('appr.rejectKeep'), danger: true,
      });
      if (reason === null) return;
      body = { reason };
    }
    const index = [...list.querySelectorAll('#approvals-items > li')].findIndex((li) => li.contains(button));
    await busy(button, async () => {
      try {
        await post(whole ? `/series/${id}/${action}` : `/bookings/${booking.id}/${action}`, body);
        const msg = t(action === 'approve' ? 'appr.approved' : 'appr.rejected', { what });
        notice.replaceChildren(okNote(msg));
        announce(msg);
      } catch (e) {
        notice.replaceChildren(errorNote(e.code === 'invalid_transition' || e.code === 'conflict' ? t('appr.alreadyDecided') : errorText(e)));
      }
    });
    ctx.refreshPending();
    await load(Math.max(index, 0));
  }

  await load();
  return null;
}

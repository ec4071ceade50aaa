// Closures of a resource (maintenance, repair): list, create, delete.
// Creating one cancels the bookings it overlaps: they are looked up and shown
// first, and the host confirms with a button that says how many it cancels;
// the answer lists those cancelled.

import { h, busy, announce } from './dom.js';
import { get, post, del } from './api.js';
import { t, tn, errorText } from './i18n.js';
import * as time from './time.js';
import { statusBadge, emptyNote, loadingNote, errorNote, okNote } from './format.js';
import { field, errorBox, showErrors, clearErrors, ask, readValue, formatProblem } from './forms.js';

const MAX = 1000;

/** liveBookingsIn answers the pending and approved bookings of resource r overlapping [start, end) and how many there are in all. */
async function liveBookingsIn(r, start, end, tz) {
  const span = { resource_id: r.id, from: time.rfc3339(start, tz), to: time.rfc3339(end, tz), limit: MAX };
  const [pending, approved] = await Promise.all([
    get('/bookings', { ...span, status: 'pending' }), get('/bookings', { ...span, status: 'approved' })]);
  const list = [...pending.bookings, ...approved.bookings]
    .filter((b) => b.resource_id === r.id && Date.parse(b.start) < end && Date.parse(b.end) > start)
    .sort((a, b) => Date.parse(a.start) - Date.parse(b.start));
  return { list, total: Math.max(list.length, (pending.total || 0) + (approved.total || 0)) };
}

/** closuresSection picks a resource of the site and manages its closures. */
export function closuresSection(site, resources, ctx) {
  const tz = site.timezone || time.DEFAULT_TZ;
  const section = h('section', { class: 'card', 'aria-labelledby': 'ws-closures-h' },
    h('h2', { id: 'ws-closures-h', text: t('clo.title') }),
    h('p', { class: 'hint', text: t('clo.intro', { tz }) }));
  if (!resources.length) {
    section.append(emptyNote(t('res.none')));
    return section;
  }
  const sorted = [...resources].sort((a, b) => a.name.localeCompare(b.name));
  const pick = field({ name: 'resource', id: 'closure-resource', type: 'select', label: t('clo.resource'), options: sorted.map((r) => ({ value: r.id, label: r.name })) });
  const notice = h('div', { class: 'notices', tabindex: '-1' });
  const list = h('div', { id: 'closure-list' });

  const today = time.today(tz);
  const box = errorBox('closure-error');
  const submit = h('button', { type: 'submit', class: 'btn btn-primary', id: 'closure-submit', text: t('clo.create') });
  const form = h('form', { class: 'stack-form card-inner', id: 'closure-form', novalidate: true, 'aria-labelledby': 'clo-form-h' },
    h('h3', { id: 'clo-form-h', text: t('clo.new') }),
    h('div', { class: 'row' },
      field({ name: 'start_date', id: 'closure-start-date', type: 'date', label: t('clo.startDate'), value: today, required: true }),
      field({ name: 'start_time', id: 'closure-start-time', type: 'time', label: t('clo.startTime'), value: '08:00', required: true })),
    h('div', { class: 'row' },
      field({ name: 'end_date', id: 'closure-end-date', type: 'date', label: t('clo.endDate'), value: today, required: true }),
      field({ name: 'end_time', id: 'closure-end-time', type: 'time', label: t('clo.endTime'), value: '18:00', required: true })),
    field({ name: 'reason', id: 'closure-reason', label: t('clo.reason'), required: true, maxlength: 200, hint: t('clo.reasonHint') }),
    box, h('div', { class: 'actions' }, submit));
  const F = form.elements;
  const selected = () => sorted.find((r) => String(r.id) === pick.querySelector('select').value);

  async function load() {
    const r = selected();
    list.replaceChildren(loadingNote());
    try {
      const res = await get(`/resources/${r.id}/closures`);
      const items = res.closures.sort((a, b) => Date.parse(a.start) - Date.parse(b.start));
      if (!items.length) {
        list.replaceChildren(emptyNote(t('clo.none', { name: r.name })));
        return;
      }
      list.replaceChildren(h('ul', { class: 'plain-list' }, items.map((c) => {
        const range = time.fmtRange(c.start, c.end, tz);
        const remove = h('button', { type: 'button', class: 'btn btn-small btn-danger', 'data-action': 'delete-closure' },
          t('app.delete'), h('span', { class: 'visually-hidden', text: ` ${range}` }));
        remove.addEventListener('click', () => removeClosure(r, c, range, remove));
        const past = Date.parse(c.end) <= Date.now();
        return h('li', { 'data-closure-id': String(c.id), class: past ? 'is-past' : null },
          h('span', { class: 'when', text: range }), past ? h('span', { class: 'tag', text: t('clo.past') }) : null,
          h('span', { class: 'meta', text: c.reason || '' }), remove);
      })));
    } catch (e) {
      list.replaceChildren(errorNote(errorText(e)));
    }
  }

  async function removeClosure(r, c, range, button) {
    const ok = await ask({ title: t('clo.deleteTitle'), message: `${r.name}: ${range}`, confirm: t('clo.deleteConfirm'), dismiss: t('clo.deleteKeep'), danger: true });
    if (ok === null) return;
    await busy(button, async () => {
      try {
        await del(`/resources/${r.id}/closures/${c.id}`);
        notice.replaceChildren(okNote(t('clo.deleted')));
        announce(t('clo.deleted'));
      } catch (e) {
        notice.replaceChildren(errorNote(errorText(e)));
      }
    });
    await load();
    pick.querySelector('select').focus();
  }

  const who = (b) => `${b.member_name || `#${b.member_id}`} — ${time.fmtRange(b.start, b.end, tz)}`;

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearErrors(form, box);
    const r = selected();
    const fields = {};
    for (const k of ['start_date', 'start_time', 'end_date', 'end_time', 'reason']) {
      if (!readValue(F[k])) fields[k] = formatProblem(F[k]) || t('app.required');
    }
    if (Object.keys(fields).length) {
      showErrors(form, box, { code: 'missing_fields', local: true, details: { fields } });
      return;
    }
    const [sd, st, ed, et] = ['start_date', 'start_time', 'end_date', 'end_time'].map((k) => readValue(F[k]));
    if (!time.existsLocal(sd, st, tz) || !time.existsLocal(ed, et, tz)) {
      showErrors(form, box, { code: 'nonexistent_time' });
      return;
    }
    const start = time.zonedToMs(sd, st, tz);
    const end = time.zonedToMs(ed, et, tz);
    if (end <= start) {
      showErrors(form, box, { code: 'end_before_start' });
      return;
    }
    const reason = readValue(F.reason);
    // First what it would do: the bookings it would cancel, named.
    let inWay = null;
    await busy(submit, async () => {
      try {
        inWay = await liveBookingsIn(r, start, end, tz);
      } catch (err) {
        showErrors(form, box, err, { tz });
      }
    });
    if (!inWay) return;
    const n = inWay.total;
    const range = time.fmtRange(start, end, tz);
    const message = h('div', { class: 'dialog-body' },
      h('p', {}, h('strong', { text: `${r.name}, ${range}` }), h('br'), `${t('clo.reason')}: ${reason}`),
      n ? [h('p', { text: tn('clo.willCancel', n) }),
        h('ul', { class: 'dialog-list', id: 'closure-preview' }, inWay.list.map((b) => h('li', { 'data-booking-id': String(b.id) }, who(b), ' ', statusBadge(b.status)))),
        n > inWay.list.length ? h('p', { class: 'hint', text: t('clo.andMore', { n: n - inWay.list.length }) }) : null]
        : h('p', { id: 'closure-preview', text: t('clo.noneInWay') }));
    const ok = await ask({
      title: t('clo.confirmTitle', { name: r.name }), message,
      confirm: n ? tn('clo.confirmCancel', n, { name: r.name }) : t('clo.confirmClose', { name: r.name }),
      dismiss: t('clo.keepOpen'), danger: n > 0,
    });
    if (ok === null) return;
    await busy(submit, async () => {
      try {
        const res = await post(`/resources/${r.id}/closures`, { start: time.rfc3339(start, tz), end: time.rfc3339(end, tz), reason });
        const { cancelled } = res;
        notice.replaceChildren(h('div', { class: 'notice notice-ok', role: 'status' },
          h('p', {}, h('span', { 'aria-hidden': 'true', class: 'notice-icon', text: '✓' }), t('clo.created', { name: r.name }), ' ', tn('clo.cancelledCount', cancelled.length)),
          cancelled.length ? h('ul', {}, cancelled.map((b) => h('li', {}, who(b)))) : null));
        F.reason.value = '';
        ctx.refreshPending();
        await load();
        notice.focus();
      } catch (err) {
        showErrors(form, box, err, { tz });
      }
    });
  });
  pick.querySelector('select').addEventListener('change', () => {
    notice.replaceChildren();
    load();
  });

  section.append(pick, notice, h('h3', { text: t('clo.list') }), list, form);
  load();
  return section;
}

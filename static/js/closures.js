// Closures of a resource (maintenance, repair): list, create, delete.
// Creating one cancels the bookings it overlaps; the answer lists them.

import { h, busy, announce } from './dom.js';
import { get, post, del } from './api.js';
import { t, tn, errorText } from './i18n.js';
import * as time from './time.js';
import { emptyNote, loadingNote, errorNote, okNote } from './format.js';
import { field, errorBox, showErrors, clearErrors, ask } from './forms.js';

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
  const notice = h('div', { class: 'notices' });
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
    const ok = await ask({ title: t('clo.deleteTitle'), message: `${r.name}: ${range}`, confirm: t('app.delete'), danger: true });
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

  form.addEventListener('submit', (e) => {
    e.preventDefault();
    clearErrors(form, box);
    const r = selected();
    const fields = {};
    for (const k of ['start_date', 'start_time', 'end_date', 'end_time', 'reason']) if (!F[k].value.trim()) fields[k] = t('app.required');
    if (Object.keys(fields).length) {
      showErrors(form, box, { code: 'missing_fields', details: { fields } });
      return;
    }
    if (!time.existsLocal(F.start_date.value, F.start_time.value, tz) || !time.existsLocal(F.end_date.value, F.end_time.value, tz)) {
      showErrors(form, box, { code: 'nonexistent_time' });
      return;
    }
    const start = time.zonedToMs(F.start_date.value, F.start_time.value, tz);
    const end = time.zonedToMs(F.end_date.value, F.end_time.value, tz);
    if (end <= start) {
      showErrors(form, box, { code: 'end_before_start' });
      return;
    }
    busy(submit, async () => {
      try {
        const res = await post(`/resources/${r.id}/closures`, { start: time.rfc3339(start, tz), end: time.rfc3339(end, tz), reason: F.reason.value.trim() });
        const { cancelled } = res;
        notice.replaceChildren(h('div', { class: 'notice notice-ok', role: 'status' },
          h('p', {}, h('span', { 'aria-hidden': 'true', class: 'notice-icon', text: '✓' }), t('clo.created', { name: r.name }), ' ', tn('clo.cancelledCount', cancelled.length)),
          cancelled.length ? h('ul', {}, cancelled.map((b) => h('li', {}, `${b.member_name || `#${b.member_id}`} — ${time.fmtRange(b.start, b.end, tz)}`))) : null));
        F.reason.value = '';
        ctx.refreshPending();
        await load();
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

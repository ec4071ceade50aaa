// The request form of Book: date, start, end, quantity, note and repeat;
// sending the request (a repeating one through its preview, series.js), and
// explaining a refusal next to the fields in the chosen language, with the
// waiting list offered when the slot is taken.

import { h, busy } from './dom.js';
import { post } from './api.js';
import { t, tn, formatNumber, errorText, locale } from './i18n.js';
import * as time from './time.js';
import { rulesLine, limitsParts, durationRule, quantityText, statusBadge } from './format.js';
import { field, errorBox, showErrors, clearErrors } from './forms.js';
import { seriesPart } from './series.js';
import { waitlistOffer } from './waitlist.js';

/**
 * requestForm builds the request section, hidden until show(site, resource).
 * onRange(range) hears every change of the range in the form ({startMs, endMs},
 * or null while it is incomplete or wrong); onTyped(name, value) a date or a
 * start typed by hand; onBooked() a request the API accepted; capacity()
 * answers the capacity to quote in a refusal; resourceName(id) the name of a
 * resource of the site, to say which machines hold the power or the noise.
 * It answers the section (el), fill({date, start, end}) for a range picked in
 * the grid and focus() for the link that skips the grid.
 */
export function requestForm({ onRange, onTyped, onBooked, capacity, resourceName = () => '' }) {
  let site = null;
  let resource = null;

  const errBox = errorBox('book-error');
  errBox.dataset.testid = 'book-error';
  const result = h('div', { id: 'book-result', role: 'status' });
  const offer = h('div', { class: 'offer' });
  const series = seriesPart({
    refusalText: (code) => errorText({ code }, refusalParams(resource)),
    onError: showRefusal,
    onBooked() {
      // The refusal of an earlier try no longer applies.
      clearErrors(form, errBox);
      F.note.value = '';
      onBooked();
    },
    onChange: () => {
      series.clear();
      label();
    },
  });
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
    series.el,
    summary, errBox, offer,
    h('div', { class: 'actions' }, submit),
    series.preview,
    result);
  const el = h('section', { class: 'card', 'aria-labelledby': 'book-form-h', hidden: true },
    h('h2', { id: 'book-form-h', text: t('book.step.request') }), form);
  const F = form.elements;

  function show(s, r) {
    site = s;
    resource = r;
    el.hidden = false;
    const limits = limitsParts(r);
    resourceLine.replaceChildren(h('strong', { text: r.name }), ' — ', rulesLine(r), limits.length ? ` · ${limits.join(' · ')}` : '');
    quantityField.hidden = r.kind !== 'space';
    F.quantity.max = String(r.capacity || '');
    F.quantity.value = '1';
    quantityField.querySelector('label').textContent = t('book.quantityOf', { unit: t(`unit.name.${r.unit}`), max: quantityText(r.capacity, r.unit) });
    const step = r.slot_minutes ? String(r.slot_minutes * 60) : '60';
    F.start.step = step;
    F.end.step = step;
    series.show(s, r);
    label();
    clearErrors(form, errBox);
    offer.replaceChildren();
    result.replaceChildren();
    const today = time.today(site.timezone);
    if (!time.isDate(F.date.value)) F.date.value = today;
    F.date.min = today;
    F.date.max = r.max_advance_days ? time.addDays(today, r.max_advance_days) : '';
    changed();
  }

  function label() {
    if (series.active()) submit.textContent = t('series.previewSubmit');
    else submit.textContent = resource.requires_approval ? t('book.submitRequest') : t('book.submitBook');
  }

  function fill({ date, start, end }) {
    F.date.value = date;
    F.start.value = start;
    F.end.value = end;
    clearErrors(form, errBox);
    offer.replaceChildren();
    series.clear();
    changed();
  }

  /** readRange answers {startMs, endMs} from the form, or {error} in the contract's shape. */
  function readRange() {
    const z = site.timezone;
    const date = F.date.value;
    const st = F.start.value;
    const en = F.end.value;
    const fields = {};
    if (!time.isDate(date)) fields.date = t('app.required');
    if (!st) fields.start = t('app.required');
    if (!en) fields.end = t('app.required');
    if (Object.keys(fields).length) return { error: { code: 'missing_fields', details: { fields } } };
    // An end at midnight is the end of the day, not its start.
    const endDate = en === '00:00' ? time.addDays(date, 1) : date;
    if (!time.existsLocal(date, st, z) || !time.existsLocal(endDate, en, z)) return { error: { code: 'nonexistent_time' } };
    const startMs = time.zonedToMs(date, st, z);
    const endMs = time.zonedToMs(endDate, en, z);
    if (endMs <= startMs) return { error: { code: 'end_before_start', details: { fields: { end: t('error.end_before_start') } } } };
    return { startMs, endMs };
  }

  function changed() {
    const rg = readRange();
    if (rg.error) {
      summary.textContent = '';
    } else {
      const minutes = Math.round((rg.endMs - rg.startMs) / 60000);
      const parts = [time.fmtRange(rg.startMs, rg.endMs, site.timezone), time.fmtDuration(minutes)];
      if (resource.kind === 'space') parts.push(quantityText(Number(F.quantity.value) || 0, resource.unit));
      summary.textContent = `${t('book.summary')}: ${parts.join(' · ')}`;
    }
    onRange(rg.error ? null : rg);
  }

  function refusalParams(r) {
    return {
      slot: time.fmtDuration(r.slot_minutes || 0),
      example: r.slot_minutes ? `${time.timeOf(600)}, ${time.timeOf(600 + r.slot_minutes)}` : '',
      duration: durationRule(r),
      days: r.max_advance_days,
      hours: formatNumber(r.max_hours_per_week || 0),
      capacity: quantityText(capacity(), r.unit),
    };
  }

  /** limitLines explains power_exceeded and noise_limit by the machines that run then. */
  function limitLines(err) {
    const d = err.details || {};
    const z = site.timezone;
    const conflicts = Array.isArray(d.conflicts) ? d.conflicts : [];
    const nameOf = (id) => resourceName(id) || t('refusal.otherMachine');
    const others = [...new Set(conflicts.filter((c) => c.resource_id !== resource.id).map((c) => nameOf(c.resource_id)))];
    const at = d.at ? time.fmtDateTime(Date.parse(d.at), z) : '';
    const list = (names) => new Intl.ListFormat(locale(), { type: 'conjunction' }).format(names);
    const lines = [];
    if (err.code === 'power_exceeded' && d.power_kw) {
      const kw = (n) => formatNumber(Number(n) || 0, 2);
      lines.push(others.length
        ? t('refusal.power', { at, names: list([resource.name, ...others]), peak: kw(d.peak_kw), limit: kw(d.power_kw) })
        : t('refusal.powerAlone', { name: resource.name, peak: kw(d.peak_kw), limit: kw(d.power_kw) }));
    } else if (err.code === 'noise_limit' && d.loud_at_once) {
      const busyLine = others.length ? ` ${tn('refusal.noiseBusy', others.length, { at, names: list(others) })}` : '';
      lines.push(tn('refusal.noiseLimit', d.loud_at_once) + busyLine);
    }
    for (const c of conflicts) lines.push(t('refusal.booked', { name: nameOf(c.resource_id), range: time.fmtRange(c.start, c.end, z) }));
    return lines;
  }

  function showRefusal(err) {
    const extra = [];
    const conflicts = err.details && err.details.conflicts;
    if (err.code === 'conflict' && Array.isArray(conflicts)) {
      for (const c of conflicts) extra.push(t('book.conflictWith', { range: time.fmtRange(c.start, c.end, site.timezone) }));
    }
    if (err.code === 'power_exceeded' || err.code === 'noise_limit') extra.push(...limitLines(err));
    const next = err.details && err.details.next_start;
    if (next) extra.push(t('book.nextStart', { when: time.fmtDateTime(Date.parse(next), site.timezone) }));
    const occurrences = err.details && err.details.occurrences;
    if (Array.isArray(occurrences)) {
      for (const o of occurrences) extra.push(t('series.occRefused', { range: time.fmtRange(o.start, o.end, site.timezone), why: errorText(o, refusalParams(resource)) }));
    }
    showErrors(form, errBox, err, refusalParams(resource), extra);
    errBox.dataset.code = err.code || '';
  }

  form.addEventListener('submit', (e) => {
    e.preventDefault();
    clearErrors(form, errBox);
    delete errBox.dataset.code;
    offer.replaceChildren();
    result.replaceChildren();
    const r = resource;
    const rg = readRange();
    const rule = series.active() && !rg.error ? series.rule(F.date.value) : {};
    if (rg.error || rule.error) {
      showRefusal(rg.error || rule.error);
      return;
    }
    const z = site.timezone;
    const body = {
      resource_id: r.id,
      start: time.rfc3339(rg.startMs, z),
      end: time.rfc3339(rg.endMs, z),
      quantity: r.kind === 'space' ? Number(F.quantity.value) || 0 : 1,
      note: F.note.value.trim(),
    };
    if (rule.rrule) {
      busy(submit, () => series.showPreview({ ...body, rrule: rule.rrule }));
      return;
    }
    busy(submit, async () => {
      try {
        const b = await post('/bookings', body);
        F.note.value = '';
        result.replaceChildren(h('div', { class: 'notice notice-ok', 'data-booking-id': String(b.id) },
          h('p', {}, t(b.status === 'pending' ? 'book.sentPending' : 'book.sentApproved', {
            name: r.name, range: time.fmtRange(b.start, b.end, z),
          })),
          h('p', {}, statusBadge(b.status), ' ', h('a', { href: '#/bookings', text: t('book.seeMine') }))));
        onBooked();
      } catch (err) {
        showRefusal(err);
        if (err.code === 'conflict') {
          const slot = { resource_id: body.resource_id, start: body.start, end: body.end, quantity: body.quantity };
          offer.append(waitlistOffer(slot, { name: r.name, range: time.fmtRange(body.start, body.end, z) }));
        }
      }
    });
  });

  form.addEventListener('input', (e) => {
    if (series.preview.contains(e.target)) return; // the preview's own choice
    if (e.target === F.date || e.target === F.start) onTyped(e.target.name, e.target.value);
    series.clear();
    offer.replaceChildren();
    changed();
  });

  return { el, show, fill, focus: () => F.date.focus() };
}

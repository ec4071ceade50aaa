// The request form of Book: date, start, end, quantity, note and repeat;
// sending the request (a repeating one through its preview, series.js), and
// explaining a refusal next to the fields in the chosen language, with the
// waiting list offered when the slot is taken.

import { h, busy } from './dom.js';
import { post } from './api.js';
import { t, tn, formatNumber, errorText, locale } from './i18n.js';
import * as time from './time.js';
import { rulesLine, limitsParts, durationRule, quantityText, statusBadge } from './format.js';
import { field, errorBox, showErrors, clearErrors, readValue, writeValue, formatProblem } from './forms.js';
import { seriesPart } from './series.js';
import { waitlistOffer } from './waitlist.js';

/**
 * requestForm builds the request section, hidden until show(site, resource).
 * onRange(range) hears every change of the range in the form ({startMs, endMs},
 * or null while it is incomplete or wrong); onTyped(name, value) a date or a
 * start typed by hand; onBooked() a request the API accepted (it may answer
 * a promise, of the grid drawn again: the answer is shown after); capacity()
 * answers the capacity to quote in a refusal; resourceName(id) the name of a
 * resource of the site, to say which machines hold the power or the noise.
 * It answers the section (el), the bar with the summary and the button that
 * sends (bar: kept in view on a narrow screen), fill({date, start, end}) for a
 * range picked in the grid, clearRange() when the resource changes,
 * setCertified(held) once it is known whether the user holds the
 * certification the resource asks for, focus()
 * for the link that skips the grid and focusSend() for the one to the button.
 */
export function requestForm({ onRange, onTyped, onBooked, capacity, resourceName = () => '' }) {
  let site = null;
  let resource = null;

  const errBox = errorBox('book-error');
  errBox.dataset.testid = 'book-error';
  errBox.tabIndex = -1;
  const result = h('div', { id: 'book-result', role: 'status' });
  const offer = h('div', { class: 'offer' });
  const series = seriesPart({
    refusalText: (code) => errorText({ code }, refusalParams(resource)),
    onError: showRefusal,
    onBooked() {
      // The refusal of an earlier try no longer applies.
      clearErrors(form, errBox);
      F.note.value = '';
      answered(series.preview.firstChild);
    },
    onChange: () => {
      series.clear();
      label();
    },
  });
  // The button lives in the bar, outside the form's box, and sends it (form=).
  const submit = h('button', { type: 'submit', class: 'btn btn-primary', id: 'book-submit', 'data-testid': 'book-submit', form: 'book-form' });
  const quantityField = field({ name: 'quantity', id: 'book-quantity', type: 'number', label: t('book.quantity'), value: 1, min: 1, step: 1, inputmode: 'numeric' });
  const summary = h('p', { class: 'summary', id: 'book-summary', 'aria-live': 'polite' });
  const bar = h('div', { class: 'book-bar', hidden: true }, summary, submit);
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
    errBox, offer,
    series.preview,
    result);
  const el = h('section', { class: 'card', 'aria-labelledby': 'book-form-h', hidden: true },
    h('h2', { id: 'book-form-h', text: t('book.step.request') }), form);
  const F = form.elements;

  function show(s, r) {
    site = s;
    resource = r;
    el.hidden = false;
    bar.hidden = false;
    describe(null);
    quantityField.hidden = r.kind !== 'space';
    F.quantity.max = String(r.capacity || '');
    F.quantity.value = '1';
    quantityField.querySelector('label').textContent = t('book.quantityOf', { unit: t(`unit.name.${r.unit}`), max: quantityText(r.capacity, r.unit) });
    series.show(s, r);
    label();
    clearErrors(form, errBox);
    offer.replaceChildren();
    result.replaceChildren();
    // A range chosen for another resource does not follow to this one.
    const today = time.today(site.timezone);
    const date = readValue(F.date);
    const last = r.max_advance_days ? time.addDays(today, r.max_advance_days) : '';
    writeValue(F.date, date && date >= today && (!last || date <= last) ? date : today);
    F.start.value = '';
    F.end.value = '';
    changed();
  }

  /** describe writes the resource's rules over the form; certified as for rulesLine. */
  function describe(certified) {
    const limits = limitsParts(resource);
    resourceLine.replaceChildren(h('strong', { text: resource.name }), ' — ', rulesLine(resource, { certified }), limits.length ? ` · ${limits.join(' · ')}` : '');
  }

  function label() {
    if (series.active()) submit.textContent = t('series.previewSubmit');
    else submit.textContent = resource.requires_approval ? t('book.submitRequest') : t('book.submitBook');
  }

  function fill({ date, start, end }) {
    writeValue(F.date, date);
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
    const date = readValue(F.date);
    const st = readValue(F.start);
    const en = readValue(F.end);
    const fields = {};
    for (const [name, v] of [['date', date], ['start', st], ['end', en]]) {
      if (!v) fields[name] = formatProblem(F[name]) || t('app.required');
    }
    if (Object.keys(fields).length) return { error: { code: 'missing_fields', local: true, details: { fields } } };
    // An end at midnight is the end of the day, not its start.
    const endDate = en === '00:00' ? time.addDays(date, 1) : date;
    if (!time.existsLocal(date, st, z) || !time.existsLocal(endDate, en, z)) return { error: { code: 'nonexistent_time' } };
    const startMs = time.zonedToMs(date, st, z);
    const endMs = time.zonedToMs(endDate, en, z);
    if (endMs <= startMs) return { error: { code: 'end_before_start', local: true, details: { fields: { end: t('error.end_before_start') } } } };
    return { startMs, endMs };
  }

  function changed() {
    const rg = readRange();
    if (rg.error) {
      summary.textContent = t('book.summaryNone');
    } else {
      const minutes = Math.round((rg.endMs - rg.startMs) / 60000);
      const parts = [time.fmtRange(rg.startMs, rg.endMs, site.timezone), time.fmtDuration(minutes)];
      if (resource.kind === 'space') parts.push(quantityText(Number(F.quantity.value) || 0, resource.unit));
      summary.textContent = t('book.summaryOf', { what: parts.join(' · ') });
    }
    onRange(rg.error ? null : rg);
  }

  /** gridExample writes two starts on the resource's grid, from 10:00 on ("10:00, 10:30"); a day-long grid has only midnight. */
  function gridExample(slot) {
    if (!slot) return '';
    if (slot >= 1440) return time.timeOf(0);
    const a = Math.ceil(600 / slot) * slot;
    return a + slot < 1440 ? `${time.timeOf(a)}, ${time.timeOf(a + slot)}` : time.timeOf(0);
  }

  function refusalParams(r) {
    return {
      slot: time.fmtDuration(r.slot_minutes || 0),
      example: gridExample(r.slot_minutes),
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
    const rule = series.active() && !rg.error ? series.rule(readValue(F.date)) : {};
    if (rg.error || rule.error) {
      showRefusal(rg.error || rule.error);
      reveal(errBox);
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
        result.replaceChildren(h('div', { class: 'notice notice-ok', 'data-booking-id': String(b.id), tabindex: '-1' },
          h('p', {}, t(b.status === 'pending' ? 'book.sentPending' : 'book.sentApproved', {
            name: r.name, range: time.fmtRange(b.start, b.end, z),
          })),
          h('p', {}, statusBadge(b.status), ' ', h('a', { href: '#/bookings', text: t('book.seeMine') }))));
        // The range is booked now: sending it again would only clash with itself.
        F.start.value = '';
        F.end.value = '';
        changed();
        answered(result.firstChild);
      } catch (err) {
        showRefusal(err);
        if (err.code === 'conflict') {
          const slot = { resource_id: body.resource_id, start: body.start, end: body.end, quantity: body.quantity };
          offer.append(waitlistOffer(slot, { name: r.name, range: time.fmtRange(body.start, body.end, z) }));
        }
        reveal(errBox);
      }
    });
  });

  /**
   * answered tells onBooked, then brings the answer into view once the grid
   * above it is drawn again: revealed earlier, the grid's new height would
   * push it off a phone's screen.
   */
  function answered(node) {
    Promise.resolve(onBooked()).catch(() => {}).then(() => reveal(node));
  }

  /** reveal brings an answer into view and gives it the focus, so that the keyboard goes on from there. */
  function reveal(node) {
    if (!node || !node.isConnected) return;
    node.focus({ preventScroll: true });
    const bottom = bar.getBoundingClientRect().height || 0;
    const rect = node.getBoundingClientRect();
    if (rect.top < 0 || rect.bottom > window.innerHeight - bottom) {
      node.scrollIntoView({ block: 'center', behavior: matchMedia('(prefers-reduced-motion: reduce)').matches ? 'auto' : 'smooth' });
    }
  }

  form.addEventListener('input', (e) => {
    if (series.preview.contains(e.target)) return; // the preview's own choice
    if (e.target === F.date || e.target === F.start) onTyped(e.target.name, readValue(e.target));
    series.clear();
    offer.replaceChildren();
    changed();
  });

  function clearRange() {
    F.start.value = '';
    F.end.value = '';
    clearErrors(form, errBox);
    delete errBox.dataset.code;
    offer.replaceChildren();
    result.replaceChildren();
    series.clear();
    if (resource) changed();
  }

  return { el, bar, show, fill, clearRange, setCertified: describe, focus: () => F.date.focus(), focusSend: () => submit.focus() };
}

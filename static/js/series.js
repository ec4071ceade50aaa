// Book's repeat controls and the series preview: how the request repeats,
// the dates it would take right now (a refused one with why), whether to skip
// the refused ones, and the confirmation (POST /api/v1/series).

import { h, append, busy, uniqueId, announce } from './dom.js';
import { post } from './api.js';
import { t, tn } from './i18n.js';
import * as time from './time.js';
import { statusBadge, errorNote } from './format.js';
import { field, readValue, formatProblem } from './forms.js';
import { MAX_OCCURRENCES, buildRule, countUntil, ruleText } from './recurrence.js';

/**
 * seriesPart builds the "Repeat" fieldset (el) and the preview region (preview)
 * of the request form. refusalText(code) words a refusal code for the
 * resource; onError(err) shows an error next to the form; onBooked(series) hears
 * a series the API stored; onChange() any change of the repeat choice.
 * It answers {el, preview, show(site, resource), active(), rule(date),
 * showPreview(body), clear()}.
 */
export function seriesPart({ refusalText, onError, onBooked, onChange }) {
  let site = null;
  let resource = null;

  const freq = field({
    name: 'repeat', id: 'book-repeat', type: 'select', label: t('series.repeat'),
    options: [
      { value: '', label: t('series.none') },
      { value: 'weekly', label: t('series.weekly') },
      { value: 'daily', label: t('series.daily') },
    ],
  });
  const radio = (value, label) => {
    const id = `book-repeat-by-${value}`;
    return h('div', { class: 'field-check' },
      h('input', { type: 'radio', name: 'repeat_end', id, value, checked: value === 'count' }),
      h('label', { for: id, text: label }));
  };
  const count = field({ name: 'repeat_count', id: 'book-repeat-count', type: 'number', label: t('series.count'), value: 4, min: 2, max: MAX_OCCURRENCES, step: 1, inputmode: 'numeric' });
  const until = field({ name: 'repeat_until', id: 'book-repeat-until', type: 'date', label: t('series.untilDate') });
  until.hidden = true;
  const ends = h('fieldset', { class: 'repeat-ends', hidden: true },
    h('legend', { text: t('series.ends') }),
    h('div', { class: 'choices' }, radio('count', t('series.byCount')), radio('until', t('series.byUntil'))),
    count, until);
  const el = h('fieldset', { class: 'repeat', id: 'book-repeat-set' },
    h('legend', { text: t('series.legend') }), freq, ends,
    h('p', { class: 'hint', id: 'book-repeat-hint', text: t('series.hint') }));
  const preview = h('div', { id: 'series-preview', class: 'series-preview', hidden: true });

  const F = {
    repeat: freq.querySelector('select'),
    count: count.querySelector('input'),
    until: until.querySelector('input'),
  };
  const byUntil = () => el.querySelector('#book-repeat-by-until').checked;

  el.addEventListener('change', () => {
    ends.hidden = !F.repeat.value;
    count.hidden = byUntil();
    until.hidden = !byUntil();
    onChange();
  });

  function show(s, r) {
    site = s;
    resource = r;
    clear();
  }

  const active = () => !!F.repeat.value;

  /** rule answers {rrule} for a first occurrence on date, or {error} in the contract's shape. */
  function rule(date) {
    const kind = F.repeat.value;
    const bad = (name, message) => ({ error: { code: 'validation', local: true, details: { fields: { [name]: message } } } });
    if (byUntil()) {
      const u = readValue(F.until);
      if (!time.isDate(u)) return bad('repeat_until', formatProblem(F.until) || t('app.required'));
      if (u <= date) return bad('repeat_until', t('series.untilAfter'));
      if (countUntil(kind, date, u) > MAX_OCCURRENCES) return bad('repeat_until', t('series.tooMany', { max: MAX_OCCURRENCES }));
      return { rrule: buildRule(kind, { until: u }) };
    }
    const n = Number(F.count.value);
    if (!Number.isInteger(n) || n < 2) return bad('repeat_count', t('series.countMin'));
    if (n > MAX_OCCURRENCES) return bad('repeat_count', t('series.tooMany', { max: MAX_OCCURRENCES }));
    return { rrule: buildRule(kind, { count: n }) };
  }

  /** fieldsOf moves the API's complaint about the rule to the field that sets it. */
  function fieldsOf(err) {
    const d = err.details || {};
    const to = byUntil() ? 'repeat_until' : 'repeat_count';
    for (const part of [d.fields, d.field_codes, d.field_params]) {
      if (part && 'rrule' in part) {
        part[to] = part.rrule;
        delete part.rrule;
      }
    }
    return err;
  }

  function clear() {
    preview.replaceChildren();
    preview.hidden = true;
  }

  async function showPreview(body) {
    clear();
    let res;
    try {
      res = await post('/series/preview', body);
    } catch (e) {
      onError(fieldsOf(e));
      return;
    }
    const z = site.timezone;
    const ok = res.bookings.map((b) => ({ ...b, ok: true }));
    const refused = res.skipped.map((s) => ({ ...s, ok: false }));
    const all = [...ok, ...refused].sort((a, b) => Date.parse(a.start) - Date.parse(b.start));
    const headId = uniqueId('series-preview-h');
    const line = (o) => h('li', { class: ['occ', o.ok ? 'occ-ok' : 'occ-refused'], 'data-start': o.start, 'data-code': o.ok ? null : o.code },
      h('span', { class: 'occ-icon', 'aria-hidden': 'true', text: o.ok ? '✓' : '✕' }),
      h('span', { class: 'occ-when', text: time.fmtRange(o.start, o.end, z) }),
      h('span', { class: 'occ-state', text: o.ok ? t('series.free') : t('series.refusedWhy', { why: refusalText(o.code) }) }));
    const summaryText = refused.length
      ? t('series.previewSome', { ok: ok.length, total: all.length })
      : tn('series.previewAll', all.length);
    const skip = h('input', { type: 'checkbox', id: 'series-skip', name: 'on_conflict', checked: true });
    const confirm = h('button', { type: 'button', class: 'btn btn-primary', id: 'series-confirm', 'data-testid': 'series-confirm' });
    const label = () => {
      const n = refused.length && !skip.checked ? all.length : ok.length;
      confirm.textContent = tn(resource.requires_approval ? 'series.confirmRequest' : 'series.confirmBook', n);
    };
    skip.addEventListener('change', label);
    label();
    append(preview, [
      h('h3', { id: headId, tabindex: '-1', text: t('series.previewTitle') }),
      h('p', { class: 'summary', text: `${ruleText(body.rrule, all[0], z)}. ${summaryText}` }),
      h('ol', { class: 'occurrences', 'aria-labelledby': headId }, all.map(line)),
      refused.length && ok.length ? h('div', { class: 'field-check' }, skip,
        h('label', { for: 'series-skip', text: tn('series.skip', refused.length) }),
        h('p', { class: 'hint', text: t('series.skipHint') })) : null,
      ok.length ? h('div', { class: 'actions' }, confirm) : errorNote(t('series.noneFree'))]);
    preview.setAttribute('aria-labelledby', headId);
    preview.hidden = false;
    preview.querySelector('h3').focus();
    announce(summaryText);
    confirm.addEventListener('click', () => create(body, refused.length && !skip.checked ? 'fail' : 'skip', confirm));
  }

  async function create(body, onConflict, button) {
    await busy(button, async () => {
      let se;
      try {
        se = await post('/series', { ...body, on_conflict: onConflict });
      } catch (e) {
        onError(fieldsOf(e));
        return;
      }
      const z = site.timezone;
      const first = se.bookings[0];
      const n = se.bookings.length;
      const note = h('div', { class: 'notice notice-ok', 'data-series-id': String(se.id), tabindex: '-1' },
        h('p', {}, tn(first && first.status === 'pending' ? 'series.sentPending' : 'series.sentApproved', n, { name: resource.name })),
        h('p', {}, ruleText(se.rrule, first, z)),
        se.skipped.length ? h('p', {}, tn('series.skipped', se.skipped.length)) : null,
        h('p', {}, first ? statusBadge(first.status) : null, ' ', h('a', { href: '#/bookings', text: t('book.seeMine') })));
      preview.replaceChildren(note);
      preview.removeAttribute('aria-labelledby');
      note.focus();
      onBooked(se);
    });
  }

  return { el, preview, show, active, rule, showPreview, clear };
}

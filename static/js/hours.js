// Opening and quiet hours: {days: [1..7], from: "HH:MM", to: "HH:MM"} rules,
// written as words and edited as rows of weekday boxes and two times.

import { h, uniqueId } from './dom.js';
import { t } from './i18n.js';
import { weekdayName } from './time.js';
import { dateTimeInput, readValue } from './forms.js';

/** daysText writes [1,2,3,4,5,7] as "Mon–Fri, Sun". */
function daysText(days) {
  const sorted = [...new Set(days)].sort((a, b) => a - b);
  const runs = [];
  for (const d of sorted) {
    const last = runs[runs.length - 1];
    if (last && d === last[1] + 1) last[1] = d;
    else runs.push([d, d]);
  }
  return runs.map(([a, b]) => {
    if (a === b) return weekdayName(a);
    if (b === a + 1) return `${weekdayName(a)}, ${weekdayName(b)}`;
    return `${weekdayName(a)}–${weekdayName(b)}`;
  }).join(', ');
}

/** hoursText writes a list of rules as "Mon–Fri 08:00–18:00; Sat 09:00–13:00". */
export function hoursText(rules, emptyKey = 'hours.none') {
  if (!rules || !rules.length) return t(emptyKey);
  return rules.map((r) => `${daysText(r.days || [])} ${r.from}–${r.to}`).join('; ');
}

/** hourRange answers the first and last hour (0..24) to show in a day grid. */
export function hourRange(openingHours) {
  let lo = 24;
  let hi = 0;
  for (const r of openingHours || []) {
    const [fh] = r.from.split(':').map(Number);
    const [th, tm] = r.to.split(':').map(Number);
    const end = r.to <= r.from ? 24 : th + (tm > 0 ? 1 : 0);
    lo = Math.min(lo, fh);
    hi = Math.max(hi, end);
  }
  if (lo >= hi) return [7, 22];
  return [lo, hi];
}

/**
 * hoursEditor edits a list of rules. It answers {el, read}; read() answers the
 * rules (rows with no day ticked are left out).
 */
export function hoursEditor(legend, rules, prefix) {
  const list = h('div', { class: 'hours-rows' });
  const addRow = (rule = { days: [1, 2, 3, 4, 5], from: '08:00', to: '18:00' }) => {
    const id = uniqueId(prefix);
    const days = h('div', { class: 'days' }, [1, 2, 3, 4, 5, 6, 7].map((d) => {
      const cid = `${id}-d${d}`;
      return h('span', { class: 'day-check' },
        h('input', { type: 'checkbox', id: cid, value: String(d), checked: (rule.days || []).includes(d), 'data-day': String(d) }),
        h('label', { for: cid }, weekdayName(d)));
    }));
    const from = dateTimeInput('time', { id: `${id}-from`, 'data-part': 'from', required: true }, rule.from);
    const to = dateTimeInput('time', { id: `${id}-to`, 'data-part': 'to', required: true }, rule.to);
    const remove = h('button', { type: 'button', class: 'btn btn-small', text: t('hours.remove') });
    const row = h('fieldset', { class: 'hours-row' },
      h('legend', { class: 'visually-hidden', text: t('hours.period') }),
      days,
      h('span', { class: 'times' },
        h('label', { for: `${id}-from` }, t('hours.from')), from,
        h('label', { for: `${id}-to` }, t('hours.to')), to),
      remove);
    remove.addEventListener('click', () => {
      const next = row.nextElementSibling || row.previousElementSibling;
      row.remove();
      (next ? next.querySelector('input') : add).focus();
    });
    list.append(row);
    return row;
  };
  const add = h('button', { type: 'button', class: 'btn btn-small', text: t('hours.add') });
  add.addEventListener('click', () => addRow().querySelector('input').focus());
  for (const r of rules || []) addRow(r);

  const el = h('fieldset', { class: 'hours-editor' }, h('legend', { text: legend }),
    h('p', { class: 'hint', text: t('hours.hint') }), list, add);
  const read = () => [...list.querySelectorAll('.hours-row')].map((row) => ({
    days: [...row.querySelectorAll('[data-day]')].filter((c) => c.checked).map((c) => Number(c.value)),
    from: readValue(row.querySelector('[data-part="from"]')),
    to: readValue(row.querySelector('[data-part="to"]')),
  })).filter((r) => r.days.length && r.from && r.to);
  return { el, read };
}

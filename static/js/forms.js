// Form building blocks: labelled fields, reading values, showing the API's
// validation errors next to the fields they name, and a modal question.

import { h, append, uniqueId, srOnly, busy } from './dom.js';
import { t, errorText, fieldText } from './i18n.js';
import { parseDateInput, fmtDateInput, parseTimeInput } from './time.js';

/**
 * readValue answers a control's value: a typed date as "YYYY-MM-DD" and a
 * typed time as "HH:MM" ('' when it cannot be read), anything else trimmed.
 */
export function readValue(el) {
  if (el.dataset.type === 'date') return parseDateInput(el.value);
  if (el.dataset.type === 'time') return parseTimeInput(el.value);
  return el.value.trim();
}

/** writeValue puts a value in a control: a date ("YYYY-MM-DD") is shown day first. */
export function writeValue(el, value) {
  el.value = el.dataset.type === 'date' ? fmtDateInput(value) || String(value || '') : String(value ?? '');
}

/** formatProblem answers why a typed date or time cannot be read, or ''. */
export function formatProblem(el) {
  if (!el.value.trim() || !el.dataset.type || readValue(el)) return '';
  return t(el.dataset.type === 'date' ? 'fmt.badDate' : 'fmt.badTime');
}

/**
 * dateTimeInput is a text input (type 'date' or 'time', attributes common)
 * for a date (day first) or a 24-hour time,
 * whatever the browser's locale: it reads what is typed and, once left,
 * shows it again in the one form (31/12/2026, 14:00).
 */
export function dateTimeInput(type, common, value) {
  const { min, max, step, ...rest } = common; // a text input has no range
  const el = h('input', {
    type: 'text', ...rest, 'data-type': type, inputmode: 'decimal', autocomplete: 'off', spellcheck: 'false',
    maxlength: type === 'date' ? 10 : 5, class: `input-${type}`,
  });
  writeValue(el, value ?? '');
  el.addEventListener('change', () => {
    const v = readValue(el);
    if (v) writeValue(el, v);
  });
  return el;
}

/**
 * field builds a labelled control. opts: name, label, type (text, number, date,
 * time, email, password, select, textarea, checkbox), value, options [{value,label}],
 * id, hint, required and any other attribute (min, max, step, autocomplete...).
 */
export function field(opts) {
  const { name, label, type = 'text', value, options, hint, id = uniqueId(name || 'f'), wide, ...attrs } = opts;
  const hintId = hint ? `${id}-hint` : null;
  const common = { id, name, 'aria-describedby': hintId, ...attrs };
  let control;
  if (type === 'select') {
    control = h('select', common, (options || []).map((o) => h('option', { value: String(o.value), selected: String(o.value) === String(value) }, o.label)));
  } else if (type === 'textarea') {
    control = h('textarea', { rows: 3, ...common, value: value ?? '' });
  } else if (type === 'checkbox') {
    control = h('input', { type, ...common, checked: !!value });
    return h('div', { class: ['field', 'field-check'] }, control, h('label', { for: id }, label),
      hint ? h('p', { class: 'hint', id: hintId }, hint) : null);
  } else if (type === 'date' || type === 'time') {
    control = dateTimeInput(type, common, value);
  } else {
    control = h('input', { type, ...common, value: value ?? '' });
  }
  const format = type === 'date' || type === 'time' ? h('span', { class: 'fmt', text: ` (${t(`fmt.${type}`)})` }) : null;
  return h('div', { class: ['field', wide && 'field-wide'] },
    h('label', { for: id }, label, format, attrs.required ? h('span', { class: 'req', 'aria-hidden': 'true' }, ' *') : null),
    hint ? h('p', { class: 'hint', id: hintId }, hint) : null,
    control);
}

/** values reads a form: numbers as numbers (empty is 0), checkboxes as booleans. */
export function values(form) {
  const out = {};
  for (const el of form.elements) {
    if (!el.name || el.disabled && el.dataset.keep !== 'true') continue;
    if (el.type === 'checkbox') out[el.name] = el.checked;
    else if (el.type === 'number') out[el.name] = el.value === '' ? 0 : Number(el.value);
    else if (el.tagName === 'BUTTON') continue;
    else out[el.name] = readValue(el);
  }
  return out;
}

/** errorBox is the place for a form's error summary (an alert, empty until needed). */
export function errorBox(id) {
  return h('div', { class: 'form-error', id: id || uniqueId('form-error'), role: 'alert', 'aria-live': 'assertive', hidden: true });
}

/** clearErrors removes field messages and hides the summary. */
export function clearErrors(form, box) {
  for (const el of form.querySelectorAll('.field-error')) el.remove();
  for (const el of form.querySelectorAll('[aria-invalid]')) {
    el.removeAttribute('aria-invalid');
    const ids = (el.getAttribute('aria-describedby') || '').split(' ').filter((x) => x && !x.endsWith('-err'));
    if (ids.length) el.setAttribute('aria-describedby', ids.join(' '));
    else el.removeAttribute('aria-describedby');
  }
  if (box) {
    box.replaceChildren();
    box.hidden = true;
  }
}

/**
 * showErrors explains an error: the summary in the box (translated by code, with
 * params), and each details.fields message next to the field of that name.
 * extra: more lines for the summary (conflicting ranges, for instance).
 */
export function showErrors(form, box, err, params = {}, extra = []) {
  clearErrors(form, box);
  const fields = (err.details && err.details.fields) || {};
  const codes = (err.details && err.details.field_codes) || {};
  const fieldParams = (err.details && err.details.field_params) || {};
  const lines = [];
  for (const [name, raw] of Object.entries(fields)) {
    const el = form.querySelector(`[name="${CSS.escape(name)}"]`);
    const label = el && el.labels && el.labels[0] ? el.labels[0].firstChild.textContent.trim() : '';
    // Messages made here are in the language already; the API's are English.
    const said = err.local ? { text: String(raw) } : fieldText(name, raw, codes[name], fieldParams[name], label);
    const message = [said.text, said.detail ? h('span', { class: 'detail', lang: 'en' }, ` (${said.detail})`) : null];
    if (el) {
      const id = `${el.id}-err`;
      el.setAttribute('aria-invalid', 'true');
      el.setAttribute('aria-describedby', `${el.getAttribute('aria-describedby') || ''} ${id}`.trim());
      (el.closest('.field') || el.parentElement).append(h('p', { class: 'field-error', id }, srOnly(t('app.errorPrefix')), message));
    } else {
      lines.push(h('span', {}, message));
    }
  }
  if (box) {
    append(box, [
      h('p', { class: 'form-error-title' }, h('span', { 'aria-hidden': 'true', class: 'notice-icon', text: '⚠' }), errorText(err, params)),
      lines.length || extra.length ? h('ul', {}, [...extra, ...lines].map((l) => h('li', {}, l))) : null,
    ]);
    box.hidden = false;
  }
}

/**
 * onSubmit makes a form send itself: on submit it clears the old errors, reads
 * values(form) and, with the submit button busy, awaits send(values); a refusal
 * is explained in the box and next to the fields, with params for its figures.
 */
export function onSubmit(form, box, submit, send, params = {}) {
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    clearErrors(form, box);
    const v = values(form);
    busy(submit, async () => {
      try {
        await send(v);
      } catch (err) {
        showErrors(form, box, err, params);
      }
    });
  });
}

/**
 * openDialog shows a modal form and resolves to read() when confirmed, or to
 * null when cancelled (button or Escape). controls: the fields inside;
 * check() answers the first control to complain about (after setCustomValidity), or null.
 */
function openDialog({ title, message, controls = [], confirm, dismiss, danger, check = () => null, read = () => '', first = null }) {
  return new Promise((resolve) => {
    const opener = document.activeElement;
    const titleId = uniqueId('dialog-title');
    const cancel = h('button', { type: 'button', class: 'btn', id: 'dialog-cancel', text: dismiss || t('app.cancel') });
    const form = h('form', { method: 'dialog' },
      h('h2', { id: titleId, text: title }),
      message ? (message instanceof Node ? message : h('p', { text: message })) : null,
      controls,
      h('div', { class: 'actions' },
        h('button', { type: 'submit', class: ['btn', danger ? 'btn-danger' : 'btn-primary'], id: 'dialog-confirm', value: 'ok', text: confirm || t('app.confirm') }),
        cancel));
    const dialog = h('dialog', { class: 'dialog', 'aria-labelledby': titleId }, form);
    cancel.addEventListener('click', () => dialog.close('cancel'));
    form.addEventListener('submit', (e) => {
      const bad = check();
      if (bad) {
        e.preventDefault();
        bad.reportValidity();
      }
    });
    form.addEventListener('input', (e) => e.target.setCustomValidity && e.target.setCustomValidity(''));
    dialog.addEventListener('close', () => {
      const ok = dialog.returnValue === 'ok';
      const value = ok ? read() : null;
      dialog.remove();
      // Cancelled, focus goes back where it was; confirmed, the caller moves
      // it to the answer once there is one (the opener may be gone by then).
      if (opener && opener.isConnected) opener.focus();
      resolve(value);
    });
    document.body.append(dialog);
    dialog.showModal();
    (first || dialog.querySelector('#dialog-confirm')).focus();
  });
}

const reqMark = (required) => (required ? h('span', { class: 'req', 'aria-hidden': 'true' }, ' *') : null);

/**
 * ask opens a modal dialog and resolves to the typed text (or '' without a text
 * field) when confirmed, or to null when cancelled. opts: title, message (text
 * or a node), label (shows a text field #dialog-reason), required, confirm and
 * dismiss (the two buttons' words: say what each does), danger.
 */
export function ask({ title, message, label, required = false, confirm, dismiss, danger = false }) {
  const input = label ? h('textarea', { id: 'dialog-reason', name: 'reason', rows: 3, 'aria-required': required ? 'true' : null, maxlength: 500 }) : null;
  return openDialog({
    title, message, confirm, dismiss, danger, first: input,
    controls: input ? h('div', { class: 'field' }, h('label', { for: 'dialog-reason' }, label, reqMark(required)), input) : [],
    check() {
      if (input && required && !input.value.trim()) {
        input.setCustomValidity(t('app.required'));
        return input;
      }
      return null;
    },
    read: () => (input ? input.value.trim() : ''),
  });
}

/**
 * askFields opens a modal form of several fields and resolves to their values
 * by name when confirmed, or to null. opts: title, message, fields (as for
 * field(), with ids dialog-<name>), confirm, danger; check(values) answers
 * {name, message} for the first wrong value, or null; live(values) a line
 * shown under the fields as they change.
 */
export function askFields({ title, message, fields, confirm, dismiss, danger = false, check = () => null, live = null }) {
  const controls = fields.map((f) => field({ id: `dialog-${f.name}`, ...f }));
  const liveLine = live ? h('p', { class: 'hint dialog-live', 'aria-live': 'polite' }) : null;
  const box = h('div', {}, controls, liveLine);
  const read = () => Object.fromEntries(fields.map((f) => [f.name, readValue(box.querySelector(`[name="${f.name}"]`))]));
  if (live) {
    const update = () => { liveLine.textContent = live(read()); };
    box.addEventListener('input', update);
    update();
  }
  return openDialog({
    title, message, confirm, dismiss, danger, controls: box, read,
    first: box.querySelector('input, select, textarea'),
    check() {
      for (const f of fields) {
        const el = box.querySelector(`[name="${f.name}"]`);
        const bad = formatProblem(el) || (f.required && !readValue(el) ? t('app.required') : '');
        if (bad) {
          el.setCustomValidity(bad);
          return el;
        }
      }
      const bad = check(read());
      if (!bad) return null;
      const el = box.querySelector(`[name="${bad.name}"]`);
      el.setCustomValidity(bad.message);
      return el;
    },
  });
}

// Form building blocks: labelled fields, reading values, showing the API's
// validation errors next to the fields they name, and a modal question.

import { h, append, uniqueId, srOnly } from './dom.js';
import { t, errorText } from './i18n.js';

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
  } else {
    control = h('input', { type, ...common, value: value ?? '' });
  }
  return h('div', { class: ['field', wide && 'field-wide'] },
    h('label', { for: id }, label, attrs.required ? h('span', { class: 'req', 'aria-hidden': 'true' }, ' *') : null),
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
    else out[el.name] = el.value.trim();
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
  const lines = [];
  for (const [name, message] of Object.entries(fields)) {
    const el = form.querySelector(`[name="${CSS.escape(name)}"]`);
    if (el) {
      const id = `${el.id}-err`;
      el.setAttribute('aria-invalid', 'true');
      el.setAttribute('aria-describedby', `${el.getAttribute('aria-describedby') || ''} ${id}`.trim());
      el.closest('.field').append(h('p', { class: 'field-error', id }, srOnly(`${t('app.error')}: `), message));
    } else {
      lines.push(`${name}: ${message}`);
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
 * openDialog shows a modal form and resolves to read() when confirmed, or to
 * null when cancelled (button or Escape). controls: the fields inside;
 * check() answers the first control to complain about (after setCustomValidity), or null.
 */
function openDialog({ title, message, controls = [], confirm, danger, check = () => null, read = () => '', first = null }) {
  return new Promise((resolve) => {
    const opener = document.activeElement;
    const titleId = uniqueId('dialog-title');
    const cancel = h('button', { type: 'button', class: 'btn', id: 'dialog-cancel', text: t('app.cancel') });
    const form = h('form', { method: 'dialog' },
      h('h2', { id: titleId, text: title }),
      message ? h('p', { text: message }) : null,
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
 * field) when confirmed, or to null when cancelled. opts: title, message,
 * label (shows a text field #dialog-reason), required, confirm, danger.
 */
export function ask({ title, message, label, required = false, confirm, danger = false }) {
  const input = label ? h('textarea', { id: 'dialog-reason', name: 'reason', rows: 3, 'aria-required': required ? 'true' : null, maxlength: 500 }) : null;
  return openDialog({
    title, message, confirm, danger, first: input,
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
export function askFields({ title, message, fields, confirm, danger = false, check = () => null, live = null }) {
  const controls = fields.map((f) => field({ id: `dialog-${f.name}`, ...f }));
  const liveLine = live ? h('p', { class: 'hint dialog-live', 'aria-live': 'polite' }) : null;
  const box = h('div', {}, controls, liveLine);
  const read = () => Object.fromEntries(fields.map((f) => [f.name, box.querySelector(`[name="${f.name}"]`).value.trim()]));
  if (live) {
    const update = () => { liveLine.textContent = live(read()); };
    box.addEventListener('input', update);
    update();
  }
  return openDialog({
    title, message, confirm, danger, controls: box, read,
    first: box.querySelector('input, select, textarea'),
    check() {
      for (const f of fields) {
        const el = box.querySelector(`[name="${f.name}"]`);
        if (f.required && !el.value.trim()) {
          el.setCustomValidity(t('app.required'));
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

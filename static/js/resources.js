// Resources of a site and their rules: list, create, edit.

import { h } from './dom.js';
import { post, patch } from './api.js';
import { t, tn } from './i18n.js';
import { rulesLine, limitsParts, useLabel, quantityText, kwText } from './format.js';
import { field, errorBox, onSubmit } from './forms.js';

const LIMITS = ['min_minutes', 'max_minutes', 'slot_minutes', 'buffer_minutes', 'max_hours_per_week', 'max_advance_days'];

const NUISANCE_ICON = { quiet: '○', moderate: '♪\uFE0E', loud: '♫\uFE0E' };

/** drawCell says what a machine draws and how loud a resource is, in words with a symbol. */
function drawCell(r) {
  const power = r.kind === 'machine'
    ? h('span', { class: ['draw', !(r.power_kw > 0) && 'draw-none'] }, h('span', { class: 'draw-icon', 'aria-hidden': 'true', text: '⚡\uFE0E' }), r.power_kw > 0 ? kwText(r.power_kw) : t('res.noPower'))
    : null;
  const noise = h('span', { class: ['draw', `draw-${r.nuisance}`] },
    h('span', { class: 'draw-icon', 'aria-hidden': 'true', text: NUISANCE_ICON[r.nuisance] || '·' }), t(`nuisance.${r.nuisance}`));
  return [power, noise];
}

/** resourcesSection lists the site's resources with their rules and edits them. */
export function resourcesSection(site, zones, resources, refresh) {
  const zoneById = new Map(zones.map((z) => [z.id, z]));
  const formHolder = h('div');
  const add = h('button', { type: 'button', class: 'btn', id: 'resource-add', text: t('res.add'), disabled: !zones.length });
  add.addEventListener('click', () => openForm(null));

  const rows = [...resources].sort((a, b) => a.name.localeCompare(b.name)).map((r) => {
    const z = zoneById.get(r.zone_id);
    const edit = h('button', { type: 'button', class: 'btn btn-small', 'data-action': 'edit-resource' }, t('app.edit'), h('span', { class: 'visually-hidden', text: ` ${r.name}` }));
    edit.addEventListener('click', () => openForm(r));
    const limits = limitsParts(r);
    return h('tr', { 'data-resource-id': String(r.id) },
      h('th', { scope: 'row', 'data-label': t('res.name'), text: r.name }),
      h('td', { 'data-label': t('res.zone'), text: z ? `${z.name} · ${useLabel(z.use)}` : `#${r.zone_id}` }),
      h('td', { 'data-label': t('res.kind') }, t(`kind.${r.kind}`), r.kind === 'space' ? ` · ${quantityText(r.capacity, r.unit)}` : ''),
      h('td', { 'data-label': t('res.powerNoise') }, drawCell(r)),
      h('td', { 'data-label': t('res.rules') }, rulesLine(r), limits.length ? h('span', { class: 'rules' }, ` · ${limits.join(' · ')}`) : ''),
      h('td', {}, edit));
  });
  const table = resources.length
    ? h('table', { class: 'stack' },
      h('caption', { class: 'visually-hidden', text: t('res.title') }),
      h('thead', {}, h('tr', {}, [t('res.name'), t('res.zone'), t('res.kind'), t('res.powerNoise'), t('res.rules')].map((c) => h('th', { scope: 'col', text: c })),
        h('th', {}, h('span', { class: 'visually-hidden', text: t('app.actions') })))),
      h('tbody', {}, rows))
    : h('p', { class: 'empty', text: zones.length ? t('res.none') : t('res.needZone') });

  function openForm(r) {
    const v = r || {
      zone_id: zones[0] && zones[0].id, name: '', kind: 'machine', capacity: 1, unit: 'machine', nuisance: 'quiet',
      requires_approval: false, requires_certification: false, min_minutes: 0, max_minutes: 0, slot_minutes: 30,
      buffer_minutes: 0, max_hours_per_week: 0, max_advance_days: 0, power_kw: 0,
    };
    const box = errorBox();
    const submit = h('button', { type: 'submit', class: 'btn btn-primary', text: r ? t('app.save') : t('res.create') });
    const cancel = h('button', { type: 'button', class: 'btn', text: t('app.cancel') });
    const num = (name, hint) => field({ name, id: `res-${name}`, type: 'number', label: t(`res.${name}`), value: v[name] ?? 0, min: 0, step: 1, hint });
    // What a machine draws, against the site's power budget; a space draws nothing.
    const powerField = field({ name: 'power_kw', id: 'res-power_kw', type: 'number', label: t('res.power_kw'), value: v.power_kw || 0, min: 0, step: 'any', inputmode: 'decimal',
      hint: site.power_kw > 0 ? `${t('res.powerHint')} ${t('res.powerBudget', { kw: kwText(site.power_kw) })}` : t('res.powerHint') });
    const form = h('form', { class: 'stack-form card-inner', novalidate: true, 'aria-labelledby': 'res-form-h' },
      h('h3', { id: 'res-form-h', text: r ? t('res.editTitle', { name: r.name }) : t('res.add') }),
      field({ name: 'name', id: 'res-name', label: t('res.name'), value: v.name, required: true }),
      field({ name: 'zone_id', id: 'res-zone', type: 'select', label: t('res.zone'), value: v.zone_id, options: zones.map((z) => ({ value: z.id, label: `${z.name} · ${useLabel(z.use)}` })) }),
      h('div', { class: 'row' },
        field({ name: 'kind', id: 'res-kind', type: 'select', label: t('res.kind'), value: v.kind, options: ['machine', 'space'].map((k) => ({ value: k, label: t(`kind.${k}`) })), hint: r ? t('res.kindFixed') : undefined }),
        field({ name: 'unit', id: 'res-unit', type: 'select', label: t('res.unit'), value: v.unit, options: ['machine', 'm2', 'seat'].map((u) => ({ value: u, label: t(`unit.name.${u}`) })) }),
        field({ name: 'capacity', id: 'res-capacity', type: 'number', label: t('res.capacity'), value: v.capacity, min: 1, step: 'any', required: true })),
      powerField,
      field({ name: 'nuisance', id: 'res-nuisance', type: 'select', label: t('res.nuisance'), value: v.nuisance, options: ['quiet', 'moderate', 'loud'].map((n) => ({ value: n, label: t(`nuisance.${n}`) })), hint: site.loud_at_once > 0 ? `${t('res.nuisanceHint')} ${tn('refusal.noiseLimit', site.loud_at_once)}` : t('res.nuisanceHint') }),
      field({ name: 'requires_approval', id: 'res-approval', type: 'checkbox', label: t('res.requires_approval'), value: v.requires_approval }),
      field({ name: 'requires_certification', id: 'res-cert', type: 'checkbox', label: t('res.requires_certification'), value: v.requires_certification }),
      h('fieldset', { class: 'limits' }, h('legend', { text: t('res.limits') }), h('p', { class: 'hint', text: t('res.zeroNone') }),
        h('div', { class: 'grid-fields' }, num('slot_minutes'), num('min_minutes'), num('max_minutes'), num('buffer_minutes'), num('max_hours_per_week'), num('max_advance_days'))),
      box, h('div', { class: 'actions' }, submit, cancel));
    const F = form.elements;
    // A machine is booked whole: capacity 1, unit machine.
    const syncKind = () => {
      const machine = F.kind.value === 'machine';
      if (machine) {
        F.capacity.value = '1';
        F.unit.value = 'machine';
      } else if (F.unit.value === 'machine') {
        F.unit.value = 'm2';
      }
      F.capacity.readOnly = machine;
      F.unit.disabled = machine;
      F.unit.dataset.keep = 'true';
      powerField.hidden = !machine;
      if (!machine) F.power_kw.value = '0';
    };
    F.kind.addEventListener('change', syncKind);
    // Bookings were made under its kind: an existing resource keeps it (the API refuses a kind in a PATCH).
    F.kind.disabled = !!r;
    syncKind();
    cancel.addEventListener('click', () => {
      formHolder.replaceChildren();
      add.focus();
    });
    onSubmit(form, box, submit, async (data) => {
      data.zone_id = Number(data.zone_id);
      for (const k of LIMITS) data[k] = Math.max(0, Math.round(data[k] || 0));
      if (r) await patch(`/resources/${r.id}`, data);
      else await post('/resources', data);
      await refresh(t(r ? 'res.saved' : 'res.created', { name: data.name }));
    });
    formHolder.replaceChildren(form);
    F.name.focus();
  }

  return h('section', { class: 'card', 'aria-labelledby': 'ws-res-h' },
    h('h2', { id: 'ws-res-h', text: t('res.title') }), table, h('div', { class: 'actions' }, add), formHolder);
}

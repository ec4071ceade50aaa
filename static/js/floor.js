// The floor of a site split by use, drawn to scale, with its zones.
// Widths are set through the CSSOM (element.style.width), which a
// Content-Security-Policy without 'unsafe-inline' allows.

import { h } from './dom.js';
import { post, patch } from './api.js';
import { t, formatNumber } from './i18n.js';
import { USES, useLabel } from './format.js';
import { field, errorBox, onSubmit } from './forms.js';

const m2 = (n) => t('unit.m2', { n: formatNumber(n) });
const pct = (part, whole) => (whole > 0 ? `${formatNumber((100 * part) / whole, 0)} %` : '–');

/** shareBar draws one use's share of the floor to scale, in its colour (the figures are in the cells beside it). */
function shareBar(key, share) {
  const bar = h('span', { class: ['share-bar', `use-${key}`], 'aria-hidden': 'true' });
  bar.style.width = `${Math.max(100 * share, 0.5)}%`;
  return h('span', { class: 'share-track', 'aria-hidden': 'true' }, bar);
}

/** floorSection draws the floor bar, lists the zones and edits them. */
export function floorSection(site, zones, refresh) {
  const floor = Number(site.floor_area_m2) || 0;
  const byUse = new Map();
  for (const z of zones) byUse.set(z.use, (byUse.get(z.use) || 0) + Number(z.area_m2 || 0));
  const assigned = [...byUse.values()].reduce((a, b) => a + b, 0);
  const free = Math.max(floor - assigned, 0);
  const scale = Math.max(floor, assigned) || 1;
  const uses = [...USES.filter((u) => byUse.has(u)), ...[...byUse.keys()].filter((u) => !USES.includes(u))];

  // The bar: one segment per use, then what is not assigned.
  const segments = uses.map((u) => ({ key: u, label: useLabel(u), area: byUse.get(u) }));
  if (free > 0) segments.push({ key: 'free', label: t('floor.free'), area: free });
  const description = segments.map((s) => `${s.label} ${m2(s.area)} (${pct(s.area, floor)})`).join(', ');
  const bar = h('div', { class: 'floor-bar', role: 'img', 'aria-label': t('floor.barLabel', { floor: m2(floor), parts: description }) },
    segments.map((s) => {
      const share = s.area / scale;
      const seg = h('div', { class: ['floor-seg', `use-${s.key}`], title: `${s.label}: ${m2(s.area)}` },
        h('span', { class: 'seg-label', 'aria-hidden': 'true', 'data-long': `${s.label} ${formatNumber(s.area)}`, 'data-short': pct(s.area, floor) }));
      seg.style.width = `${100 * share}%`;
      return seg;
    }));
  // Each segment says its use and area where that fits, else its share,
  // else nothing; the table under the bar names every use with a bar of its own.
  new ResizeObserver(() => {
    for (const label of bar.querySelectorAll('.seg-label')) {
      label.hidden = false;
      label.textContent = label.dataset.long;
      if (label.scrollWidth > label.clientWidth) label.textContent = label.dataset.short;
      if (label.scrollWidth > label.clientWidth) label.hidden = true;
    }
  }).observe(bar);
  const ticks = h('div', { class: 'floor-scale', 'aria-hidden': 'true' }, [0, 0.25, 0.5, 0.75, 1].map((f) => {
    const tick = h('span', { class: 'tick', text: f === 1 ? m2(scale) : formatNumber(f * scale, 0) });
    tick.style.left = `${f * 100}%`;
    return tick;
  }));

  const legend = h('table', { class: 'floor-legend' },
    h('caption', { text: t('floor.byUse') }),
    h('thead', {}, h('tr', {}, h('th', { scope: 'col', text: t('floor.use') }), h('th', { scope: 'col', class: 'num', text: t('floor.area') }), h('th', { scope: 'col', class: 'num', text: t('floor.share') }))),
    h('tbody', {}, segments.map((s) => h('tr', {},
      h('th', { scope: 'row' }, h('span', { class: ['swatch', `use-${s.key}`], 'aria-hidden': 'true' }), s.label, shareBar(s.key, s.area / scale)),
      h('td', { class: 'num', text: m2(s.area) }), h('td', { class: 'num', text: pct(s.area, floor) })))),
    h('tfoot', {}, h('tr', {}, h('th', { scope: 'row', text: t('floor.total') }), h('td', { class: 'num', text: m2(floor) }), h('td', { class: 'num', text: '100 %' }))));

  const over = assigned > floor
    ? h('p', { class: 'notice notice-error', role: 'alert' }, h('span', { 'aria-hidden': 'true', text: '⚠ ' }), t('floor.over', { assigned: m2(assigned), floor: m2(floor) }))
    : null;

  // The zones and their form.
  const formHolder = h('div');
  const zoneRows = [...zones].sort((a, b) => a.name.localeCompare(b.name)).map((z) => {
    const edit = h('button', { type: 'button', class: 'btn btn-small', 'data-action': 'edit-zone' }, t('app.edit'), h('span', { class: 'visually-hidden', text: ` ${z.name}` }));
    edit.addEventListener('click', () => openForm(z));
    return h('tr', { 'data-zone-id': String(z.id) },
      h('th', { scope: 'row', 'data-label': t('zone.name'), text: z.name }),
      h('td', { 'data-label': t('zone.use') }, h('span', { class: ['swatch', `use-${z.use}`], 'aria-hidden': 'true' }), useLabel(z.use)),
      h('td', { class: 'num', 'data-label': t('floor.area'), text: m2(z.area_m2) }),
      h('td', { class: 'num', 'data-label': t('floor.share'), text: pct(z.area_m2, floor) }),
      h('td', {}, edit));
  });
  const zoneTable = zones.length
    ? h('table', { class: 'stack' },
      h('caption', { class: 'visually-hidden', text: t('zone.list') }),
      h('thead', {}, h('tr', {}, [t('zone.name'), t('zone.use'), t('floor.area'), t('floor.share')].map((c, i) => h('th', { scope: 'col', class: i > 1 ? 'num' : null, text: c })), h('th', {}, h('span', { class: 'visually-hidden', text: t('app.actions') })))),
      h('tbody', {}, zoneRows))
    : h('p', { class: 'empty', text: t('zone.none') });

  const add = h('button', { type: 'button', class: 'btn', id: 'zone-add', text: t('zone.add') });
  add.addEventListener('click', () => openForm(null));

  function openForm(zone) {
    const box = errorBox();
    const submit = h('button', { type: 'submit', class: 'btn btn-primary', text: zone ? t('app.save') : t('zone.create') });
    const cancel = h('button', { type: 'button', class: 'btn', text: t('app.cancel') });
    const form = h('form', { class: 'stack-form card-inner', novalidate: true, 'aria-labelledby': 'zone-form-h' },
      h('h3', { id: 'zone-form-h', text: zone ? t('zone.editTitle', { name: zone.name }) : t('zone.add') }),
      field({ name: 'name', id: 'zone-name', label: t('zone.name'), value: zone ? zone.name : '', required: true }),
      field({ name: 'use', id: 'zone-use', type: 'select', label: t('zone.use'), options: USES.map((u) => ({ value: u, label: useLabel(u) })), value: zone ? zone.use : 'production' }),
      field({ name: 'area_m2', id: 'zone-area', type: 'number', label: t('zone.areaM2'), value: zone ? zone.area_m2 : '', min: 0, step: 'any', required: true, hint: t('zone.areaHint', { free: m2(free + (zone ? Number(zone.area_m2) : 0)) }) }),
      box, h('div', { class: 'actions' }, submit, cancel));
    cancel.addEventListener('click', () => {
      formHolder.replaceChildren();
      add.focus();
    });
    onSubmit(form, box, submit, async (v) => {
      if (zone) await patch(`/zones/${zone.id}`, v);
      else await post('/zones', { site_id: site.id, ...v });
      await refresh(t(zone ? 'zone.saved' : 'zone.created', { name: v.name }));
    }, { floor: m2(floor), free: m2(free + (zone ? Number(zone.area_m2) : 0)) });
    formHolder.replaceChildren(form);
    form.elements.name.focus();
  }

  return h('section', { class: 'card', 'aria-labelledby': 'ws-floor-h' },
    h('h2', { id: 'ws-floor-h', text: t('floor.title') }),
    h('p', { class: 'hint', text: t('floor.intro', { floor: m2(floor), assigned: m2(assigned), free: m2(free) }) }),
    h('div', { class: 'floor' }, bar, ticks),
    over, legend,
    h('h3', { text: t('zone.list') }), zoneTable,
    h('div', { class: 'actions' }, add), formHolder);
}

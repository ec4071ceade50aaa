// The workshop (hosts): sites with opening and quiet hours, the floor split by
// use, resources and their rules, closures. Sites are written by admins only.

import { h, busy } from './dom.js';
import { post, patch } from './api.js';
import { t, formatNumber, errorText } from './i18n.js';
import * as store from './store.js';
import { emptyNote, loadingNote, errorNote, okNote } from './format.js';
import { field, values, errorBox, showErrors, clearErrors } from './forms.js';
import { hoursText, hoursEditor } from './hours.js';
import { DEFAULT_TZ } from './time.js';
import { floorSection } from './floor.js';
import { resourcesSection } from './resources.js';
import { closuresSection } from './closures.js';

export async function render(root, ctx) {
  const isAdmin = ctx.user.role === 'admin';
  const flash = h('div', { class: 'notices', tabindex: '-1' });
  const body = h('div', {}, loadingNote());
  root.append(h('h1', { text: t('ws.title') }), h('p', { class: 'lead', text: t('ws.intro') }), flash, body);

  // refresh reloads everything after a change and says what happened.
  async function refresh(message, siteId) {
    store.invalidate();
    flash.replaceChildren(okNote(message));
    await show(siteId);
    flash.focus();
  }

  async function show(siteId) {
    let sites;
    try {
      sites = await store.sites();
    } catch (e) {
      body.replaceChildren(errorNote(errorText(e)));
      return;
    }
    body.replaceChildren();
    if (!sites.length) {
      body.append(emptyNote(t('ws.noSites')));
      if (isAdmin) body.append(newSite(refresh));
      return;
    }
    const site = sites.find((s) => String(s.id) === String(siteId)) || sites[0];
    ctx.setParams({ site: site.id });
    if (sites.length > 1) {
      const pick = field({ name: 'site', id: 'ws-site', type: 'select', label: t('ws.chooseSite'), options: sites.map((s) => ({ value: s.id, label: s.name })), value: site.id });
      pick.querySelector('select').addEventListener('change', (e) => {
        flash.replaceChildren();
        show(e.target.value);
      });
      body.append(h('div', { class: 'card' }, pick));
    }
    const detail = h('div', {}, loadingNote());
    body.append(detail);
    if (isAdmin) body.append(newSite(refresh));

    let zones;
    let resources;
    try {
      [zones, resources] = await Promise.all([store.zones(site.id), store.resources()]);
    } catch (e) {
      detail.replaceChildren(errorNote(errorText(e)));
      return;
    }
    resources = resources.filter((r) => r.site_id === site.id);
    detail.replaceChildren(
      siteSection(site, isAdmin, refresh),
      floorSection(site, zones, (msg) => refresh(msg, site.id)),
      resourcesSection(site, zones, resources, (msg) => refresh(msg, site.id)),
      closuresSection(site, resources, ctx));
  }

  await show(ctx.params.site);
  return null;
}

function siteSection(site, isAdmin, refresh) {
  const dl = h('dl', { class: 'facts' },
    h('dt', { text: t('site.timezone') }), h('dd', { text: site.timezone }),
    h('dt', { text: t('site.floor') }), h('dd', { text: t('unit.m2', { n: formatNumber(site.floor_area_m2) }) }),
    h('dt', { text: t('site.opening') }), h('dd', { text: hoursText(site.opening_hours) }),
    h('dt', { text: t('site.quiet') }), h('dd', { text: hoursText(site.quiet_hours, 'hours.noneQuiet') }));
  const section = h('section', { class: 'card', 'aria-labelledby': 'ws-site-h' },
    h('h2', { id: 'ws-site-h', text: site.name }), dl);
  if (isAdmin) {
    section.append(h('details', { class: 'editor' }, h('summary', { text: t('site.edit') }),
      siteForm(site, (saved) => refresh(t('site.saved', { name: saved.name || site.name }), site.id))));
  } else {
    section.append(h('p', { class: 'hint', text: t('site.adminOnly') }));
  }
  return section;
}

function newSite(refresh) {
  return h('section', { class: 'card', 'aria-labelledby': 'ws-newsite-h' },
    h('details', { class: 'editor' },
      h('summary', {}, h('span', { id: 'ws-newsite-h', text: t('site.new') })),
      siteForm(null, (saved) => refresh(t('site.created', { name: saved.name }), saved.id))));
}

/** siteForm creates (site null) or edits a site; onSaved gets the answer. */
function siteForm(site, onSaved) {
  const s = site || { name: '', timezone: DEFAULT_TZ, floor_area_m2: '', opening_hours: [{ days: [1, 2, 3, 4, 5], from: '08:00', to: '18:00' }], quiet_hours: [] };
  const prefix = site ? `site-${site.id}` : 'site-new';
  const opening = hoursEditor(t('site.opening'), s.opening_hours, `${prefix}-open`);
  const quiet = hoursEditor(t('site.quiet'), s.quiet_hours, `${prefix}-quiet`);
  const zonesList = typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('timeZone') : [DEFAULT_TZ];
  const listId = `${prefix}-tzlist`;
  const box = errorBox();
  const submit = h('button', { type: 'submit', class: 'btn btn-primary', text: site ? t('app.save') : t('site.create') });
  const form = h('form', { class: 'stack-form', novalidate: true },
    field({ name: 'name', id: `${prefix}-name`, label: t('site.name'), value: s.name, required: true }),
    field({ name: 'timezone', id: `${prefix}-tz`, label: t('site.timezone'), value: s.timezone, list: listId, required: true }),
    h('datalist', { id: listId }, zonesList.map((z) => h('option', { value: z }))),
    field({ name: 'floor_area_m2', id: `${prefix}-floor`, type: 'number', label: t('site.floorM2'), value: s.floor_area_m2, min: 0, step: 'any', required: true }),
    opening.el, quiet.el, box, h('div', { class: 'actions' }, submit));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    clearErrors(form, box);
    const v = values(form);
    const payload = { name: v.name, timezone: v.timezone, floor_area_m2: v.floor_area_m2, opening_hours: opening.read(), quiet_hours: quiet.read() };
    busy(submit, async () => {
      try {
        const saved = site ? await patch(`/sites/${site.id}`, payload) : await post('/sites', payload);
        await onSaved(saved || payload);
      } catch (err) {
        showErrors(form, box, err);
      }
    });
  });
  return form;
}

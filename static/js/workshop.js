// The workshop (hosts): sites with opening and quiet hours, the floor split by
// use, resources and their rules, closures. Sites are written by admins only.

import { h, busy } from './dom.js';
import { post, patch } from './api.js';
import { t, tn, formatNumber, errorText } from './i18n.js';
import * as store from './store.js';
import { emptyNote, loadingNote, errorNote, okNote, siteLimits } from './format.js';
import { field, values, errorBox, showErrors, clearErrors, ask, onSubmit } from './forms.js';
import { hoursText, hoursEditor } from './hours.js';
import * as time from './time.js';
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
      siteSection(site, resources, isAdmin, refresh),
      floorSection(site, zones, (msg) => refresh(msg, site.id)),
      resourcesSection(site, zones, resources, (msg) => refresh(msg, site.id)),
      closuresSection(site, resources, ctx));
  }

  await show(ctx.params.site);
  return null;
}

function siteSection(site, resources, isAdmin, refresh) {
  const limits = siteLimits(site);
  const drawn = resources.reduce((sum, r) => sum + (r.kind === 'machine' && r.power_kw > 0 ? r.power_kw : 0), 0);
  const dl = h('dl', { class: 'facts' },
    h('dt', { text: t('site.timezone') }), h('dd', { text: site.timezone }),
    h('dt', { text: t('site.floor') }), h('dd', { text: t('unit.m2', { n: formatNumber(site.floor_area_m2) }) }),
    h('dt', { text: t('site.opening') }), h('dd', { text: hoursText(site.opening_hours) }),
    h('dt', { text: t('site.quiet') }), h('dd', { text: hoursText(site.quiet_hours, 'hours.noneQuiet') }),
    h('dt', { text: t('site.power') }), h('dd', { id: 'ws-site-power',
      text: site.power_kw > 0 && drawn > 0 ? t('site.powerOf', { n: formatNumber(site.power_kw, 2), sum: formatNumber(drawn, 2) }) : limits.power }),
    h('dt', { text: t('site.loud') }), h('dd', { id: 'ws-site-loud', text: limits.loud }));
  const section = h('section', { class: 'card', 'aria-labelledby': 'ws-site-h' },
    h('h2', { id: 'ws-site-h', text: site.name }), dl);
  if (isAdmin) {
    section.append(
      h('details', { class: 'editor' }, h('summary', { text: t('site.limitsEdit') }),
        limitsForm(site, resources, (msg) => refresh(msg, site.id))),
      h('details', { class: 'editor' }, h('summary', { text: t('site.edit') }),
        siteForm(site, (saved) => refresh(t('site.saved', { name: saved.name || site.name }), site.id))));
  } else {
    section.append(h('p', { class: 'hint', text: t('site.adminOnly') }));
  }
  return section;
}

/**
 * limitsForm changes the site's power budget and loud machines at once. When
 * the new limits would not hold the bookings already made, the API answers a
 * conflict listing them: they are shown, and can be cancelled with a reason
 * (the same request again with force).
 */
function limitsForm(site, resources, onSaved) {
  const tz = site.timezone || time.DEFAULT_TZ;
  const nameOf = (id) => (resources.find((r) => r.id === id) || {}).name || `#${id}`;
  const box = errorBox('site-limits-error');
  const way = h('div', { id: 'site-limits-conflicts', class: 'notice notice-warn', role: 'alert', hidden: true });
  const submit = h('button', { type: 'submit', class: 'btn btn-primary', id: 'site-limits-submit', text: t('site.limitsSave') });
  const form = h('form', { class: 'stack-form', id: 'site-limits-form', novalidate: true },
    h('div', { class: 'row' },
      field({ name: 'power_kw', id: 'site-power-kw', type: 'number', label: t('site.powerKw'), value: site.power_kw || 0, min: 0, step: 'any', inputmode: 'decimal', hint: t('site.powerHint') }),
      field({ name: 'loud_at_once', id: 'site-loud-at-once', type: 'number', label: t('site.loud'), value: site.loud_at_once || 0, min: 0, step: 1, inputmode: 'numeric', hint: t('site.loudHint') })),
    box, way, h('div', { class: 'actions' }, submit));

  const read = () => {
    const v = values(form);
    return { power_kw: v.power_kw, loud_at_once: v.loud_at_once };
  };
  // cancelled: how many bookings a forced change cancels, for the message.
  const send = async (payload, button, cancelled = 0) => {
    clearErrors(form, box);
    await busy(button, async () => {
      try {
        await patch(`/sites/${site.id}`, payload);
        await onSaved(payload.force ? tn('site.limitsCancelled', cancelled) : t('site.limitsSaved'));
      } catch (err) {
        if (err.code === 'conflict' && err.details && Array.isArray(err.details.bookings) && !payload.force) {
          showWay(err.details.bookings, payload);
        } else {
          showErrors(form, box, err);
        }
      }
    });
  };

  // The bookings in the way of the limits typed, and the offer to cancel them.
  function showWay(bookings, payload) {
    const list = [...bookings].sort((a, b) => Date.parse(a.start) - Date.parse(b.start));
    const force = h('button', { type: 'button', class: 'btn btn-danger', id: 'site-limits-force', 'data-action': 'force-limits', text: t('site.forceButton') });
    force.addEventListener('click', async () => {
      const reason = await ask({
        title: t('site.forceTitle'), message: tn('site.forceMessage', list.length),
        label: t('site.forceReason'), required: true, confirm: t('site.forceButton'), dismiss: t('site.forceKeep'), danger: true,
      });
      if (reason === null) return;
      await send({ ...payload, force: true, reason }, force, list.length);
    });
    way.replaceChildren(
      h('p', { class: 'form-error-title' }, h('span', { 'aria-hidden': 'true', class: 'notice-icon', text: '⚠' }), tn('site.inTheWay', list.length)),
      h('ul', {}, list.map((b) => h('li', { 'data-booking-id': String(b.booking_id) },
        t('refusal.booked', { name: nameOf(b.resource_id), range: time.fmtRange(b.start, b.end, tz) })))),
      h('p', { class: 'hint', text: t('site.inTheWayHint') }),
      h('div', { class: 'actions' }, force));
    way.hidden = false;
  }
  const hideWay = () => {
    way.replaceChildren();
    way.hidden = true;
  };

  // A changed value makes the list of bookings in the way stale.
  form.addEventListener('input', hideWay);
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    hideWay();
    send(read(), submit);
  });
  return form;
}

function newSite(refresh) {
  return h('section', { class: 'card', 'aria-labelledby': 'ws-newsite-h' },
    h('details', { class: 'editor' },
      h('summary', {}, h('span', { id: 'ws-newsite-h', text: t('site.new') })),
      siteForm(null, (saved) => refresh(t('site.created', { name: saved.name }), saved.id))));
}

/** siteForm creates (site null) or edits a site; onSaved gets the answer. */
function siteForm(site, onSaved) {
  const s = site || { name: '', timezone: time.DEFAULT_TZ, floor_area_m2: '', opening_hours: [{ days: [1, 2, 3, 4, 5], from: '08:00', to: '18:00' }], quiet_hours: [] };
  const prefix = site ? `site-${site.id}` : 'site-new';
  const opening = hoursEditor(t('site.opening'), s.opening_hours, `${prefix}-open`);
  const quiet = hoursEditor(t('site.quiet'), s.quiet_hours, `${prefix}-quiet`);
  const zonesList = typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('timeZone') : [time.DEFAULT_TZ];
  const listId = `${prefix}-tzlist`;
  const box = errorBox();
  const submit = h('button', { type: 'submit', class: 'btn btn-primary', text: site ? t('app.save') : t('site.create') });
  const form = h('form', { class: 'stack-form', novalidate: true },
    field({ name: 'name', id: `${prefix}-name`, label: t('site.name'), value: s.name, required: true }),
    field({ name: 'timezone', id: `${prefix}-tz`, label: t('site.timezone'), value: s.timezone, list: listId, required: true }),
    h('datalist', { id: listId }, zonesList.map((z) => h('option', { value: z }))),
    field({ name: 'floor_area_m2', id: `${prefix}-floor`, type: 'number', label: t('site.floorM2'), value: s.floor_area_m2, min: 0, step: 'any', required: true }),
    opening.el, quiet.el, box, h('div', { class: 'actions' }, submit));
  onSubmit(form, box, submit, async (v) => {
    const payload = { name: v.name, timezone: v.timezone, floor_area_m2: v.floor_area_m2, opening_hours: opening.read(), quiet_hours: quiet.read() };
    const saved = site ? await patch(`/sites/${site.id}`, payload) : await post('/sites', payload);
    await onSaved(saved || payload);
  });
  return form;
}

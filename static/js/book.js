// Book: pick a site, a resource (grouped by zone and use), a range in the
// resource's week (week.js) and send the request (request.js). The two talk
// only through this screen, so either can change without the other. Picking
// a resource lands on its time; on a narrow screen the summary and the button
// that sends stay at the bottom of the screen.

import { h } from './dom.js';
import { get } from './api.js';
import { t, errorText } from './i18n.js';
import * as time from './time.js';
import * as store from './store.js';
import { USES, rulesLine, useLabel, siteLimits, emptyNote, loadingNote, errorNote } from './format.js';
import { field } from './forms.js';
import { hoursText } from './hours.js';
import { weekGrid } from './week.js';
import { requestForm } from './request.js';

/**
 * certificationOf says whether the user may use r as the rules judge it, on
 * the site's today: {held: true, until} (until: the last valid day, or ''),
 * {held: 'expired'}, {held: false}; {held: null} while it is not known.
 * certs maps resource ids to expires_on, or is null.
 */
function certificationOf(certs, r, site) {
  if (!r.requires_certification) return { held: true, until: '' };
  if (!certs) return { held: null, until: '' };
  if (!certs.has(r.id)) return { held: false, until: '' };
  const until = certs.get(r.id) || '';
  if (until && until < time.today(site.timezone)) return { held: 'expired', until };
  return { held: true, until };
}

export async function render(root, ctx) {
  root.append(h('h1', { text: t('book.title') }), h('p', { class: 'lead', text: t('book.intro') }));
  const body = h('div', { class: 'book' }, loadingNote());
  root.append(body);

  // Which machines the user is certified on, asked for alongside the sites:
  // known by the time a machine is picked. Without it the grid says
  // neither "you are certified" nor "you are not".
  let certs = null;
  const certsLoaded = get('/me/certifications').then((res) => {
    certs = new Map(res.certifications.map((c) => [c.resource_id, c.expires_on]));
  }, () => { /* unknown: the API's refusal will say it */ });

  store.prefetch(); // zones and resources are needed with the sites: asked for beside them
  const sites = await store.sites();
  body.replaceChildren();
  if (!sites.length) {
    body.append(emptyNote(t('book.noSites')));
    return null;
  }

  const params = ctx.params;
  let site = null;
  let resources = [];
  let resource = null;
  let week = '';
  let timer = 0;
  let lastPointer = 0;
  const saveParams = () => ctx.setParams({ site: site?.id, resource: resource?.id, week });

  const siteSelect = field({
    name: 'site', id: 'book-site', type: 'select', label: t('book.site'),
    options: sites.map((s) => ({ value: s.id, label: s.name })),
  });
  const siteInfo = h('p', { class: 'hint site-info' });
  const sitePart = h('section', { class: 'card', 'aria-labelledby': 'book-site-h' },
    h('h2', { id: 'book-site-h', text: t('book.step.site') }), siteSelect, siteInfo);

  const resList = h('div', { class: 'resource-list' });
  const resPart = h('section', { class: 'card', 'aria-labelledby': 'book-res-h' },
    h('h2', { id: 'book-res-h', text: t('book.step.resource') }), resList);

  const grid = weekGrid({
    user: ctx.user,
    onPick: (range) => request.fill(range),
    onWeek(monday) {
      week = monday;
      saveParams();
    },
    onSkip: () => request.focus(),
    onSend: () => request.focusSend(),
    onBack() {
      const checked = resList.querySelector('input[name="resource"]:checked') || siteSelect.querySelector('select');
      checked.scrollIntoView({ block: 'center' });
      checked.focus({ preventScroll: true });
    },
  });
  const request = requestForm({
    onRange: (range) => grid.highlight(range),
    onTyped(name, value) {
      // A start typed by hand replaces the one picked in the grid.
      grid.forgetPick();
      if (name === 'date' && time.isDate(value)) grid.goTo(time.mondayOf(value), value);
    },
    onBooked() {
      ctx.refreshPending();
      return grid.reload();
    },
    capacity: () => grid.capacity(),
    resourceName: (id) => resources.find((r) => r.id === id)?.name || '',
  });

  // Side by side on a wide screen, the request stays in view beside the grid.
  const timePart = h('div', { class: 'book-time' }, grid.el, h('div', { class: 'book-side' }, request.el, request.bar));
  body.append(sitePart, resPart, timePart);

  async function chooseSite(id) {
    site = sites.find((s) => String(s.id) === String(id)) || sites[0];
    resource = null;
    grid.el.hidden = true;
    request.el.hidden = true;
    request.bar.hidden = true;
    siteInfo.replaceChildren(
      h('span', {}, `${t('site.opening')}: ${hoursText(site.opening_hours)}`), h('br'),
      h('span', {}, `${t('site.quiet')}: ${hoursText(site.quiet_hours, 'hours.noneQuiet')}`), h('br'),
      ...(site.power_kw > 0 || site.loud_at_once > 0 ? [h('span', {}, t('site.limitsLine', siteLimits(site))), h('br')] : []),
      h('span', {}, t('book.timesIn', { tz: site.timezone })));
    resList.replaceChildren(loadingNote());
    try {
      const [zones, all] = await Promise.all([store.zones(site.id), store.resources()]);
      resources = all.filter((r) => r.site_id === site.id);
      renderResources(zones);
    } catch (e) {
      resList.replaceChildren(errorNote(errorText(e)));
    }
  }

  function renderResources(zones) {
    const order = (z) => (USES.indexOf(z.use) + 1 || 99);
    const sorted = [...zones].sort((a, b) => order(a) - order(b) || a.name.localeCompare(b.name));
    const groups = sorted.map((z) => ({ title: `${z.name} · ${useLabel(z.use)}`, items: resources.filter((r) => r.zone_id === z.id) }));
    const known = new Set(zones.map((z) => z.id));
    groups.push({ title: t('book.otherZone'), items: resources.filter((r) => !known.has(r.zone_id)) });
    const shown = groups.filter((g) => g.items.length);
    if (!shown.length) {
      resList.replaceChildren(emptyNote(t('book.noResources')));
      return;
    }
    resList.replaceChildren(...shown.map((g) => h('fieldset', { class: 'zone-group' },
      h('legend', { text: g.title }),
      h('ul', {}, g.items.sort((a, b) => a.name.localeCompare(b.name)).map((r) => h('li', {},
        h('input', { type: 'radio', name: 'resource', id: `resource-${r.id}`, value: String(r.id), 'data-testid': `resource-${r.id}` }),
        h('label', { for: `resource-${r.id}` }, h('span', { class: 'res-name', text: r.name }), rulesLine(r))))))));
    // Whether this member holds each certification a resource asks for.
    certsLoaded.then(() => {
      for (const r of resources.filter((x) => x.requires_certification)) {
        const label = resList.querySelector(`label[for="resource-${r.id}"]`);
        const { held } = certificationOf(certs, r, site);
        if (label && held !== null) label.replaceChildren(h('span', { class: 'res-name', text: r.name }), rulesLine(r, { certified: held }));
      }
    });
    const wanted = params.resource && resList.querySelector(`#resource-${CSS.escape(params.resource)}`);
    if (wanted) {
      wanted.checked = true;
      chooseResource(Number(params.resource), 'auto');
    }
    params.resource = '';
  }

  /**
   * chooseResource shows a resource's time; land ('smooth' after a tap or a
   * click, 'auto' for a link) brings it into view and moves the focus there.
   */
  function chooseResource(id, land) {
    const r = resources.find((x) => x.id === id);
    if (!r) return;
    const changed = resource && resource.id !== r.id;
    resource = r;
    if (changed) grid.clear();
    request.show(site, r);
    // The address names a week only for the first resource shown.
    const wanted = time.isDate(params.week) ? time.mondayOf(params.week) : '';
    params.week = '';
    const cert = certificationOf(certs, r, site);
    grid.show(site, r, wanted || time.mondayOf(time.today(site.timezone)), { certified: cert.held, until: cert.until });
    if (r.requires_certification) request.setCertified(cert.held);
    if (cert.held === null) {
      certsLoaded.then(() => {
        if (resource !== r) return;
        const known = certificationOf(certs, r, site);
        grid.setCertified(known.held, known.until);
        request.setCertified(known.held);
      });
    }
    saveParams();
    if (land) {
      const calm = land === 'auto' || matchMedia('(prefers-reduced-motion: reduce)').matches;
      grid.el.scrollIntoView({ block: 'start', behavior: calm ? 'auto' : 'smooth' });
      grid.focusTitle();
    }
  }

  siteSelect.querySelector('select').addEventListener('change', (e) => {
    params.resource = '';
    chooseSite(e.target.value).then(saveParams);
  });
  resList.addEventListener('pointerdown', () => { lastPointer = Date.now(); });
  resList.addEventListener('change', (e) => {
    if (e.target.name !== 'resource') return;
    clearTimeout(timer);
    // A tap or a click lands on the resource's time. Arrow keys move through
    // the radios one by one: wait a moment, and leave the focus where it is.
    const byPointer = Date.now() - lastPointer < 1500;
    timer = setTimeout(() => chooseResource(Number(e.target.value), byPointer ? 'smooth' : ''), byPointer ? 0 : 150);
  });

  // A link may name only the resource (#/book?resource=7): find its site.
  if (params.resource && !params.site) {
    const r = (await store.resources()).find((x) => String(x.id) === String(params.resource));
    if (r) params.site = String(r.site_id);
  }
  const first = sites.find((s) => String(s.id) === String(params.site)) || sites[0];
  siteSelect.querySelector('select').value = String(first.id);
  await chooseSite(first.id);
  return () => clearTimeout(timer);
}

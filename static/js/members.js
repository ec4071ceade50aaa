// Members (hosts): create, list, certify on machines, revoke.

import { h, busy, announce } from './dom.js';
import { get, post, del } from './api.js';
import { t, tn, errorText } from './i18n.js';
import { fmtCalendarDate } from './time.js';
import * as store from './store.js';
import { ROLES, roleLabel, emptyNote, loadingNote, errorNote, okNote } from './format.js';
import { field, errorBox, onSubmit, ask, readValue, formatProblem } from './forms.js';

const LIMIT = 1000;
const SHORT_DATE = { day: 'numeric', month: 'short', year: 'numeric' };

export async function render(root, ctx) {
  const isAdmin = ctx.user.role === 'admin';
  const notice = h('div', { class: 'notices', tabindex: '-1' });
  const listPart = h('section', { class: 'card', 'aria-labelledby': 'members-h' });
  const certPart = h('section', { class: 'card', 'aria-labelledby': 'cert-h', id: 'certifications', hidden: true });
  root.append(h('h1', { text: t('mem.title') }), notice, createForm(), listPart, certPart);

  let members = [];
  const filter = h('input', { type: 'search', id: 'member-filter', autocomplete: 'off' });
  const tableHolder = h('div');
  filter.addEventListener('input', () => renderTable());

  async function load() {
    listPart.replaceChildren(h('h2', { id: 'members-h', text: t('mem.list') }), loadingNote());
    try {
      const res = await get('/members', { limit: LIMIT });
      members = res.members.sort((a, b) => (a.name || '').localeCompare(b.name || ''));
      const total = res.total;
      listPart.replaceChildren(
        h('h2', { id: 'members-h' }, t('mem.list'), ' ', h('span', { class: 'count', text: `(${total})` })),
        h('div', { class: 'field' }, h('label', { for: 'member-filter', text: t('mem.filter') }), filter),
        tableHolder);
      renderTable();
    } catch (e) {
      listPart.append(errorNote(errorText(e)));
    }
  }

  function renderTable() {
    const q = filter.value.trim().toLowerCase();
    const shown = members.filter((m) => !q || `${m.name} ${m.email}`.toLowerCase().includes(q));
    if (!shown.length) {
      tableHolder.replaceChildren(emptyNote(t('mem.none')));
      return;
    }
    tableHolder.replaceChildren(h('table', { class: 'stack', id: 'members-table' },
      h('caption', { class: 'visually-hidden', text: t('mem.list') }),
      h('thead', {}, h('tr', {}, [t('mem.name'), t('mem.email'), t('mem.role')].map((c) => h('th', { scope: 'col', text: c })),
        h('th', {}, h('span', { class: 'visually-hidden', text: t('app.actions') })))),
      h('tbody', {}, shown.map((m) => {
        const open = h('button', { type: 'button', class: 'btn btn-small', 'data-action': 'certifications' },
          t('mem.certs'), h('span', { class: 'visually-hidden', text: ` — ${m.name}` }));
        open.addEventListener('click', () => showCerts(m));
        return h('tr', { 'data-member-id': String(m.id) },
          h('th', { scope: 'row', 'data-label': t('mem.name'), text: m.name }),
          h('td', { 'data-label': t('mem.email'), text: m.email }),
          h('td', { 'data-label': t('mem.role'), text: roleLabel(m.role) }),
          h('td', {}, open));
      }))));
  }

  function createForm() {
    const roles = isAdmin ? ROLES : ['member'];
    const box = errorBox('member-error');
    const submit = h('button', { type: 'submit', class: 'btn btn-primary', id: 'member-submit', text: t('mem.create') });
    const form = h('form', { class: 'stack-form', id: 'member-form', novalidate: true },
      h('div', { class: 'row' },
        field({ name: 'name', id: 'member-name', label: t('mem.name'), required: true, autocomplete: 'off' }),
        field({ name: 'email', id: 'member-email', type: 'email', label: t('mem.email'), required: true, autocomplete: 'off' })),
      h('div', { class: 'row' },
        field({ name: 'password', id: 'member-password', type: 'password', label: t('mem.password'), required: true, autocomplete: 'new-password', hint: t('mem.passwordHint') }),
        field({ name: 'role', id: 'member-role', type: 'select', label: t('mem.role'), value: 'member', options: roles.map((r) => ({ value: r, label: roleLabel(r) })) })),
      box, h('div', { class: 'actions' }, submit));
    onSubmit(form, box, submit, async (v) => {
      const u = await post('/members', v);
      form.reset();
      notice.replaceChildren(okNote(t('mem.created', { name: u.name || v.name })));
      notice.focus();
      await load();
    });
    return h('section', { class: 'card', 'aria-labelledby': 'member-new-h' },
      h('details', { class: 'editor' }, h('summary', {}, h('span', { id: 'member-new-h', text: t('mem.new') })), form));
  }

  async function showCerts(m) {
    certPart.hidden = false;
    certPart.replaceChildren(h('h2', { id: 'cert-h', tabindex: '-1', text: t('mem.certsOf', { name: m.name }) }), loadingNote());
    certPart.querySelector('h2').focus();
    let certs;
    let lk;
    try {
      const [res, l] = await Promise.all([get(`/members/${m.id}/certifications`), store.lookup()]);
      certs = new Map(res.certifications.map((c) => [c.resource_id, c]));
      lk = l;
    } catch (e) {
      certPart.append(errorNote(errorText(e)));
      return;
    }
    const machines = [...lk.resourceById.values()].filter((r) => r.requires_certification || certs.has(r.id))
      .sort((a, b) => a.name.localeCompare(b.name));
    const status = h('div', { class: 'notices' });
    const today = new Date().toISOString().slice(0, 10);
    const rows = machines.map((r) => {
      const c = certs.get(r.id);
      const site = lk.siteById.get(r.site_id);
      const expired = c && c.expires_on && c.expires_on < today;
      let state;
      if (!c) state = h('span', { class: 'status status-none' }, h('span', { 'aria-hidden': 'true', class: 'status-icon', text: '–' }), t('cert.none'));
      else if (expired) state = h('span', { class: 'status status-rejected' }, h('span', { 'aria-hidden': 'true', class: 'status-icon', text: '✕' }), t('cert.expired', { date: fmtCalendarDate(c.expires_on, SHORT_DATE) }));
      else state = h('span', { class: 'status status-approved' }, h('span', { 'aria-hidden': 'true', class: 'status-icon', text: '✓' }),
        c.expires_on ? t('cert.until', { date: fmtCalendarDate(c.expires_on, SHORT_DATE) }) : t('cert.yes'));
      const expiry = field({ name: `expires_${r.id}`, id: `cert-exp-${r.id}`, type: 'date', label: '' }).querySelector('input');
      const certify = h('button', { type: 'button', class: 'btn btn-small btn-primary', 'data-action': 'certify', 'data-resource-id': String(r.id) },
        c && !expired ? t('cert.renew') : t('cert.certify'), h('span', { class: 'visually-hidden', text: ` — ${r.name}` }));
      certify.addEventListener('click', () => {
        const bad = formatProblem(expiry);
        if (bad) {
          status.replaceChildren(errorNote(`${r.name}: ${bad}`));
          expiry.focus();
          return;
        }
        change(m, r, 'certify', certify, readValue(expiry), status);
      });
      const actions = h('div', { class: 'cert-actions' },
        h('span', { class: 'field-inline' }, h('label', { for: `cert-exp-${r.id}` }, t('cert.expires'), h('span', { class: 'fmt', text: ` (${t('fmt.date')})` }), h('span', { class: 'visually-hidden', text: ` — ${r.name}` })), expiry),
        certify);
      if (c) {
        const revoke = h('button', { type: 'button', class: 'btn btn-small btn-danger', 'data-action': 'revoke', 'data-resource-id': String(r.id) },
          t('cert.revoke'), h('span', { class: 'visually-hidden', text: ` — ${r.name}` }));
        revoke.addEventListener('click', async () => {
          const ok = await ask({
            title: t('cert.revokeTitle', { name: m.name, machine: r.name }), message: t('cert.revokeWarn', { name: m.name, machine: r.name }),
            confirm: t('cert.revokeConfirm', { name: m.name }), dismiss: t('cert.revokeKeep'), danger: true,
          });
          if (ok !== null) change(m, r, 'revoke', revoke, '', status);
        });
        actions.append(revoke);
      }
      return h('tr', { 'data-resource-id': String(r.id) },
        h('th', { scope: 'row', 'data-label': t('cert.machine') }, r.name, site ? h('span', { class: 'meta', text: ` · ${site.name}` }) : ''),
        h('td', { 'data-label': t('cert.state') }, state),
        h('td', {}, actions));
    });
    certPart.replaceChildren(certPart.querySelector('h2'),
      h('p', { class: 'hint', text: `${m.email} · ${roleLabel(m.role)} · ${tn('cert.count', [...certs.values()].length)}` }),
      status,
      machines.length
        ? h('table', { class: 'stack', id: 'cert-table' },
          h('caption', { class: 'visually-hidden', text: t('mem.certsOf', { name: m.name }) }),
          h('thead', {}, h('tr', {}, [t('cert.machine'), t('cert.state')].map((c) => h('th', { scope: 'col', text: c })),
            h('th', {}, h('span', { class: 'visually-hidden', text: t('app.actions') })))),
          h('tbody', {}, rows))
        : emptyNote(t('cert.noMachines')));
  }

  async function change(m, r, action, button, expiresOn, status) {
    await busy(button, async () => {
      try {
        if (action === 'certify') await post(`/members/${m.id}/certifications`, expiresOn ? { resource_id: r.id, expires_on: expiresOn } : { resource_id: r.id });
        else await del(`/members/${m.id}/certifications/${r.id}`);
        const msg = t(action === 'certify' ? 'cert.done' : 'cert.revoked', { name: m.name, machine: r.name });
        announce(msg);
        await showCerts(m);
        certPart.querySelector('.notices').replaceChildren(okNote(msg));
      } catch (e) {
        status.replaceChildren(errorNote(errorText(e)));
      }
    });
  }

  await load();
  return null;
}

// Notifications: the screen that lists them newest first (the bell of the
// navigation, with the unread count, is main.js's); one is marked read when opened or on
// request, or all at once; and the choice of an email copy (PATCH /me).

import { h, append, busy, announce } from './dom.js';
import { get, post, patch } from './api.js';
import { t, tn, errorText } from './i18n.js';
import { fmtDateTime, DEFAULT_TZ } from './time.js';
import * as store from './store.js';
import { emptyNote, loadingNote, errorNote, okNote } from './format.js';
import { field } from './forms.js';

const PAGE = 50;

/** targetOf answers the screen a notification is about, or ''. */
function targetOf(n, isHost) {
  if (n.kind === 'approval_requested') return isHost ? '#/approvals' : '';
  if (n.booking_id) return `#/bookings?booking=${n.booking_id}`;
  return n.series_id ? '#/bookings' : '';
}

export async function render(root, ctx) {
  const notice = h('div', { class: 'notices' });
  const listPart = h('section', { 'aria-labelledby': 'notif-h' });
  const settings = h('section', { class: 'card', 'aria-labelledby': 'notif-email-h' });
  root.append(h('h1', { text: t('notif.title') }), h('p', { class: 'lead', text: t('notif.intro') }), notice, listPart, settings);
  renderSettings(settings, ctx.user);

  let tz = DEFAULT_TZ;
  try {
    tz = (await store.sites())[0]?.timezone || DEFAULT_TZ;
  } catch { /* the default zone will do for showing times */ }

  let shown = [];
  let total = 0;
  let unread = 0;

  async function load(more = false) {
    if (!more) listPart.replaceChildren(h('h2', { id: 'notif-h', text: t('notif.list') }), loadingNote());
    let r;
    try {
      r = await get('/me/notifications', { limit: PAGE, offset: more ? shown.length : 0 });
    } catch (e) {
      listPart.append(errorNote(errorText(e)));
      return;
    }
    shown = more ? [...shown, ...r.notifications] : r.notifications;
    total = r.total ?? shown.length;
    unread = r.unread;
    draw();
  }

  function draw() {
    const readAll = h('button', { type: 'button', class: 'btn btn-small', id: 'notifications-read-all', disabled: !unread }, t('notif.readAll'));
    readAll.addEventListener('click', () => busy(readAll, async () => {
      try {
        await post('/me/notifications/read');
        notice.replaceChildren(okNote(t('notif.allRead')));
        announce(t('notif.allRead'));
      } catch (e) {
        notice.replaceChildren(errorNote(errorText(e)));
      }
      ctx.refreshUnread();
      await load();
      listPart.querySelector('h2').focus();
    }));
    const more = h('button', { type: 'button', class: 'btn', id: 'notifications-more' }, t('notif.more'));
    more.addEventListener('click', () => busy(more, () => load(true)));
    listPart.replaceChildren();
    append(listPart, [
      h('div', { class: 'list-head' },
        h('h2', { id: 'notif-h', tabindex: '-1' }, t('notif.list'), ' ', h('span', { class: 'count', id: 'notif-unread', text: `(${tn('notif.unread', unread)})` })),
        readAll),
      shown.length ? h('ul', { class: 'notif-list', id: 'notifications-list' }, shown.map(item)) : emptyNote(t('notif.none')),
      shown.length < total ? h('div', { class: 'actions' }, more) : null]);
  }

  function item(n) {
    const target = targetOf(n, ctx.isHost);
    const li = h('li', { class: ['notif', !n.read && 'notif-unread'], 'data-notification-id': String(n.id), 'data-kind': n.kind, tabindex: '-1' });
    const message = target ? h('a', { href: target, text: n.message }) : h('span', { text: n.message });
    const markButton = h('button', { type: 'button', class: 'btn btn-small btn-quiet', 'data-action': 'read' }, t('notif.markRead'));
    append(li, [
      h('p', { class: 'notif-meta' },
        n.read ? null : h('span', { class: 'tag tag-new', text: t('notif.new') }), n.read ? null : ' ',
        h('time', { datetime: n.created_at, text: fmtDateTime(Date.parse(n.created_at), tz) })),
      h('p', { class: 'notif-msg' }, message),
      n.read ? null : h('div', { class: 'actions' }, markButton)]);
    if (target) {
      message.addEventListener('click', async (e) => {
        if (n.read) return;
        e.preventDefault();
        await markRead(n);
        location.hash = target;
      });
    }
    markButton.addEventListener('click', () => busy(markButton, async () => {
      if (await markRead(n)) {
        const fresh = item(n);
        li.replaceWith(fresh);
        fresh.focus();
        announce(t('notif.marked'));
      }
    }));
    return li;
  }

  async function markRead(n) {
    try {
      await post(`/me/notifications/${n.id}/read`);
    } catch (e) {
      notice.replaceChildren(errorNote(errorText(e)));
      return false;
    }
    n.read = true;
    unread = Math.max(0, unread - 1);
    const count = listPart.querySelector('#notif-unread');
    if (count) count.textContent = `(${tn('notif.unread', unread)})`;
    const all = listPart.querySelector('#notifications-read-all');
    if (all) all.disabled = !unread;
    ctx.refreshUnread();
    return true;
  }

  await load();
  return null;
}

/** renderSettings shows the email copy choice, saved at once. */
function renderSettings(section, user) {
  const box = field({
    name: 'email_notifications', id: 'email-notifications', type: 'checkbox', label: t('notif.email'),
    value: user.email_notifications !== false, hint: t('notif.emailHint', { email: user.email }),
  });
  const status = h('div', { role: 'status' });
  section.append(h('h2', { id: 'notif-email-h', text: t('notif.emailTitle') }), box, status);
  const input = box.querySelector('input');
  input.addEventListener('change', async () => {
    const want = input.checked;
    input.disabled = true;
    try {
      const u = await patch('/me', { email_notifications: want });
      user.email_notifications = u ? u.email_notifications : want;
      input.checked = user.email_notifications;
      status.replaceChildren(okNote(t(input.checked ? 'notif.emailOn' : 'notif.emailOff')));
    } catch (e) {
      input.checked = !want;
      status.replaceChildren(errorNote(errorText(e)));
    }
    input.disabled = false;
    input.focus();
  });
}

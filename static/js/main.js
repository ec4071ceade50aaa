// Start-up, session, navigation and hash routing; the pending and unread counts.
// Each screen's module is fetched when it is first opened (import()): signing
// in loads none of them, a member never loads the hosts' ones.

import { h, focusHeading, srOnly } from './dom.js';
import { get, post, patch, setCsrf, qs } from './api.js';
import { t, setLang, storedLang, accountLang, keepAccountLang, browserLang, currentLang, translateStatic, errorText, LANGS } from './i18n.js';
import { errorNote, roleLabel } from './format.js';
import * as store from './store.js';
import * as signin from './signin.js';

const ROUTES = {
  book: { load: () => import('./book.js'), title: 'nav.book' },
  bookings: { load: () => import('./bookings.js'), title: 'nav.bookings' },
  approvals: { load: () => import('./approvals.js'), title: 'nav.approvals', host: true },
  workshop: { load: () => import('./workshop.js'), title: 'nav.workshop', host: true },
  members: { load: () => import('./members.js'), title: 'nav.members', host: true },
  report: { load: () => import('./report.js'), title: 'nav.report', host: true },
  notifications: { load: () => import('./notifications.js'), title: 'nav.notifications' },
};
const COUNTS_EVERY_MS = 60000;
const SVG = 'http://www.w3.org/2000/svg';

/** bellIcon is the bell drawn for the navigation (decorative: the link has words). */
function bellIcon() {
  const svg = document.createElementNS(SVG, 'svg');
  for (const [k, v] of Object.entries({ viewBox: '0 0 24 24', width: '18', height: '18', 'aria-hidden': 'true', focusable: 'false', class: 'bell' })) svg.setAttribute(k, v);
  const path = document.createElementNS(SVG, 'path');
  path.setAttribute('d', 'M6 17V11a6 6 0 0 1 12 0v6l2 2H4l2-2zM10 21a2 2 0 0 0 4 0');
  for (const [k, v] of Object.entries({ fill: 'none', stroke: 'currentColor', 'stroke-width': '2', 'stroke-linejoin': 'round' })) path.setAttribute(k, v);
  svg.append(path);
  return svg;
}

const main = document.getElementById('main');
const nav = document.getElementById('nav');
const langSelect = document.getElementById('lang');
const whoami = document.getElementById('whoami');
const signoutButton = document.getElementById('signout');

let user = null;
let expired = false;
let cleanup = null;
// The first screen of a page load leaves focus where the browser put it; later
// ones move it to their heading, so that screen readers hear the change.
let shown = false;
let pendingTimer = 0;
let pendingCount = null;
let unreadCount = null;
let routing = 0;

const isHost = () => !!user && (user.role === 'manager' || user.role === 'admin');
const mayOpen = (name) => !!ROUTES[name] && (!ROUTES[name].host || isHost());

function parseHash() {
  const raw = location.hash.replace(/^#\/?/, '');
  const [name, query = ''] = raw.split('?');
  return { name, params: Object.fromEntries(new URLSearchParams(query)) };
}

// Navigation

function renderNav(active) {
  nav.setAttribute('aria-label', t('nav.label'));
  if (!user) {
    nav.replaceChildren();
    return;
  }
  const link = (name, ...extra) => h('a', {
    href: `#/${name}`, id: `nav-${name}`, 'data-testid': `nav-${name}`,
    'aria-current': active === name ? 'page' : null,
  }, t(`nav.${name}`), ...extra);
  const items = [link('book'), link('bookings')];
  if (isHost()) {
    items.push(
      link('approvals', ' ', h('span', { class: ['badge', pendingCount ? 'badge-on' : ''] },
        h('span', { id: 'pending-count', 'data-testid': 'pending-count', text: pendingCount === null ? '…' : String(pendingCount) }),
        srOnly(` ${t('nav.pending')}`))),
      link('workshop'),
      link('members'),
      link('report'));
  }
  items.push(h('a', {
    href: '#/notifications', id: 'nav-notifications', 'data-testid': 'nav-notifications', class: 'nav-bell',
    'aria-current': active === 'notifications' ? 'page' : null,
  }, bellIcon(), h('span', { class: 'nav-text', text: t('nav.notifications') }), ' ',
  h('span', { class: ['badge', unreadCount ? 'badge-on' : ''] },
    h('span', { id: 'unread-count', 'data-testid': 'unread-count', text: unreadCount === null ? '…' : String(unreadCount) }),
    srOnly(` ${t('nav.unread')}`))));
  nav.replaceChildren(h('ul', {}, items.map((a) => h('li', {}, a))));
}

function renderHeader() {
  langSelect.value = currentLang();
  translateStatic();
  if (user) {
    whoami.replaceChildren(h('span', { class: 'who-name', text: user.name || user.email }), ' ',
      h('span', { class: 'who-role', text: `(${roleLabel(user.role)})` }));
    signoutButton.hidden = false;
  } else {
    whoami.replaceChildren();
    signoutButton.hidden = true;
  }
}

async function refreshPending() {
  if (!isHost()) return;
  try {
    const r = await get('/bookings', { status: 'pending', limit: 1 });
    pendingCount = r.total;
  } catch {
    return; // keep the last known count; the next refresh will try again
  }
  const el = document.getElementById('pending-count');
  if (el) {
    el.textContent = String(pendingCount);
    el.parentElement.classList.toggle('badge-on', pendingCount > 0);
  }
}

async function refreshUnread() {
  if (!user) return;
  try {
    unreadCount = (await get('/me/notifications', { limit: 1 })).unread;
  } catch {
    return; // as for the pending count
  }
  const el = document.getElementById('unread-count');
  if (el) {
    el.textContent = String(unreadCount);
    el.parentElement.classList.toggle('badge-on', unreadCount > 0);
  }
}

function refreshCounts() {
  refreshPending();
  refreshUnread();
}

function startCounts() {
  clearInterval(pendingTimer);
  if (!user) return;
  refreshPending(); // route() asks for the unread count
  pendingTimer = setInterval(refreshCounts, COUNTS_EVERY_MS);
}

// Session

/**
 * adopt makes u the signed-in user with the session's CSRF token and shows the
 * app: at start-up (GET /me) as after signing in.
 */
async function adopt(u, csrf) {
  user = u;
  expired = false;
  setCsrf(csrf);
  keepAccountLang(u.language);
  if (!storedLang() && LANGS.includes(u.language) && u.language !== currentLang()) {
    await setLang(u.language);
  }
  renderHeader();
  startCounts();
  // Signing in where this user may not go leads to Book as a new step in the
  // history; at start-up route() puts Book in place of the address instead.
  if (shown && !mayOpen(parseHash().name)) location.hash = '#/book';
  else route();
}

function signedOut(sessionEnded) {
  user = null;
  expired = sessionEnded;
  pendingCount = null;
  unreadCount = null;
  setCsrf('');
  clearInterval(pendingTimer);
  store.invalidate();
  renderHeader();
  route();
}

async function signOut() {
  try {
    await post('/auth/logout');
  } catch {
    // The session may already be gone; either way this page forgets it.
  }
  signedOut(false);
}

// Routing

const ctx = () => ({
  user,
  isHost: isHost(),
  refreshPending,
  refreshUnread,
  params: parseHash().params,
  setParams(params) {
    history.replaceState(null, '', `#/${parseHash().name}${qs(params)}`);
  },
});

async function route(moveFocus = shown) {
  shown = true;
  const token = ++routing;
  if (cleanup) {
    try { cleanup(); } catch { /* a view's cleanup must not stop navigation */ }
    cleanup = null;
  }
  const root = h('div', { class: 'view' });
  main.replaceChildren(root);

  if (!user) {
    renderNav('');
    document.title = `${t('signin.title')} · Atelier`;
    signin.render(root, { adopt, expired });
    // Signed out, the button that had the focus is gone: the form's heading takes it.
    if (moveFocus && !root.contains(document.activeElement)) focusHeading(root);
    return;
  }
  const { name } = parseHash();
  if (!mayOpen(name)) {
    location.replace('#/book');
    return;
  }
  const r = ROUTES[name];
  renderNav(name);
  refreshUnread(); // on every navigation, and every minute with the pending count
  root.classList.add(`view-${name}`);
  document.title = `${t(r.title)} · Atelier`;
  try {
    const view = await r.load();
    if (token !== routing) return; // another screen was asked for meanwhile
    const pending = view.render(root, ctx());
    if (moveFocus) focusHeading(root);
    cleanup = (await pending) || null;
  } catch (e) {
    if (token === routing) root.append(errorNote(errorText(e)));
  }
}

async function changeLanguage() {
  const l = await setLang(langSelect.value, true);
  renderHeader();
  // The server words notifications in the account's language: save it
  // before the screen asks for them again.
  if (user) {
    await patch('/me', { language: l }).then(() => keepAccountLang(l), () => { /* best effort */ });
  }
  route(false);
}

async function boot() {
  // Who is signed in is asked for while the language file loads: neither waits for the other.
  const meAnswer = get('/me').then((me) => ({ me }), (error) => ({ error }));
  await setLang(storedLang() || accountLang() || browserLang());
  renderHeader();
  langSelect.addEventListener('change', changeLanguage);
  signoutButton.addEventListener('click', signOut);
  document.querySelector('.skip-link').addEventListener('click', (e) => {
    e.preventDefault();
    main.focus();
  });
  window.addEventListener('atelier:unauthorized', () => { if (user) signedOut(true); });
  // A key missing from the language brought English in: the header shows it now, screens when drawn next.
  window.addEventListener('atelier:i18n', () => {
    renderHeader();
    if (user) renderNav(parseHash().name);
  });
  document.addEventListener('visibilitychange', () => { if (!document.hidden) refreshCounts(); });

  const { me = null, error: e } = await meAnswer;
  if (e && e.status !== 401) {
    const retry = h('button', { type: 'button', class: 'btn', id: 'retry', text: t('app.retry') });
    retry.addEventListener('click', () => location.reload());
    main.replaceChildren(errorNote(errorText(e)), retry);
    return;
  }
  window.addEventListener('hashchange', () => route());
  if (me) await adopt(me, me.csrf_token);
  else route();
}

boot();

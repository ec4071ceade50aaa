// The waiting list: the offer to join it when a slot is taken (Book), and the
// member's entries in My bookings, with their state and a way to leave.

import { h, busy, announce } from './dom.js';
import { get, post, del } from './api.js';
import { t, errorText } from './i18n.js';
import { fmtRange } from './time.js';
import { quantityText, emptyNote, errorNote, okNote } from './format.js';
import { ask } from './forms.js';

const STATE_ICON = { waiting: '◷', booked: '✓', expired: '⊘' };
const STATE_CLASS = { waiting: 'status-pending', booked: 'status-approved', expired: 'status-cancelled' };

/** waitStatus shows an entry's state as an icon plus words. */
function waitStatus(status) {
  return h('span', { class: ['status', STATE_CLASS[status] || 'status-none'], 'data-testid': 'waitlist-status', 'data-status': status },
    h('span', { class: 'status-icon', 'aria-hidden': 'true', text: STATE_ICON[status] || '•' }),
    t(`wait.status.${status}`));
}

/**
 * waitlistOffer is the "join the waiting list" button shown under a conflict:
 * slot is {resource_id, start, end, quantity}; name and range word it.
 */
export function waitlistOffer(slot, { name, range }) {
  const join = h('button', { type: 'button', class: 'btn', id: 'waitlist-join', 'data-action': 'join-waitlist' }, t('wait.join'));
  const status = h('div', { id: 'waitlist-result', role: 'status' });
  const box = h('div', { class: 'waitlist-offer' },
    h('p', { class: 'hint', text: t('wait.offer') }), h('div', { class: 'actions' }, join), status);
  join.addEventListener('click', () => busy(join, async () => {
    try {
      const w = await post('/waitlist', slot);
      const note = h('div', { class: 'notice notice-ok', tabindex: '-1', 'data-waitlist-id': String(w.id) },
        h('p', {}, t('wait.joined', { name, range })),
        h('p', {}, h('a', { href: '#/bookings', text: t('wait.seeMine') })));
      join.closest('.actions').remove();
      status.replaceChildren(note);
      note.focus();
    } catch (e) {
      status.replaceChildren(errorNote(errorText(e)));
    }
  }));
  return box;
}

/**
 * waitlistSection fills section with the signed-in member's entries: waiting
 * ones first (soonest first), then the others (latest first).
 */
export async function waitlistSection(section, { user, lk }) {
  const heading = (n) => h('h2', { id: 'waitlist-h', tabindex: '-1' }, t('wait.title'), n === null ? '' : [' ', h('span', { class: 'count', text: `(${n})` })]);
  section.replaceChildren(heading(null));
  let list;
  try {
    list = (await get('/waitlist')).waitlist.filter((w) => w.member_id === user.id);
  } catch (e) {
    section.append(errorNote(errorText(e)));
    return;
  }
  const at = (w) => Date.parse(w.start);
  const waiting = list.filter((w) => w.status === 'waiting').sort((a, b) => at(a) - at(b));
  const others = list.filter((w) => w.status !== 'waiting').sort((a, b) => at(b) - at(a));
  const notice = h('div', { class: 'notices' });
  section.replaceChildren(heading(waiting.length), h('p', { class: 'hint', text: t('wait.intro') }), notice,
    list.length ? h('ul', { class: 'cards', id: 'waitlist-list' }, [...waiting, ...others].map(item)) : emptyNote(t('wait.none')));

  function item(w) {
    const res = lk.resourceById.get(w.resource_id);
    const tz = lk.tzOfResource(w.resource_id);
    const name = (res && res.name) || `#${w.resource_id}`;
    const range = fmtRange(w.start, w.end, tz);
    const actions = h('div', { class: 'actions' });
    if (w.status === 'waiting') {
      const leave = h('button', { type: 'button', class: 'btn btn-small btn-danger', 'data-action': 'leave' },
        t('wait.leave'), h('span', { class: 'visually-hidden', text: ` — ${name}, ${range}` }));
      leave.addEventListener('click', () => leaveEntry(w, name, range, leave));
      actions.append(leave);
    }
    return h('li', { class: ['card', 'booking', 'wait-entry', `wait-${w.status}`], 'data-waitlist-id': String(w.id) },
      h('div', { class: 'booking-head' }, h('h3', { text: name }), waitStatus(w.status)),
      h('p', { class: 'when', text: range }),
      res && res.kind === 'space' ? h('p', { class: 'meta', text: quantityText(w.quantity, res.unit) }) : null,
      w.status === 'booked' ? h('p', { class: 'meta', text: t('wait.bookedNote') }) : null,
      actions.childElementCount ? actions : null);
  }

  async function leaveEntry(w, name, range, button) {
    const ok = await ask({ title: t('wait.leaveTitle'), message: `${name}, ${range}`, confirm: t('wait.leaveConfirm'), dismiss: t('wait.stay'), danger: true });
    if (ok === null) return;
    let msg = null;
    await busy(button, async () => {
      try {
        await del(`/waitlist/${w.id}`);
        msg = okNote(t('wait.left', { name }));
        announce(t('wait.left', { name }));
      } catch (e) {
        msg = errorNote(e.code === 'invalid_transition' ? t('wait.notWaiting') : errorText(e));
      }
    });
    await waitlistSection(section, { user, lk });
    section.querySelector('.notices').replaceChildren(msg);
    section.querySelector('#waitlist-h').focus();
  }
}

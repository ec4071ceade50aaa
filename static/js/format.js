// Shared wording: statuses, units, uses, roles, a resource's rules in one line.

import { h, srOnly } from './dom.js';
import { t, tn, formatNumber } from './i18n.js';
import { fmtDuration } from './time.js';

export const USES = ['production', 'storage', 'sales', 'events', 'office', 'circulation'];
export const ROLES = ['member', 'manager', 'admin'];

const STATUS_ICON = { pending: '◷', approved: '✓', rejected: '✕', cancelled: '⊘' };

/** statusBadge shows a booking status as an icon plus words, never by colour alone. */
export function statusBadge(status) {
  return h('span', { class: ['status', `status-${status}`], 'data-testid': 'booking-status', 'data-status': status },
    h('span', { class: 'status-icon', 'aria-hidden': 'true', text: STATUS_ICON[status] || '•' }),
    t(`status.${status}`));
}

/** quantityText writes "12 m²", "3 seats" or "1 machine". */
export function quantityText(n, unit) {
  if (unit === 'm2') return t('unit.m2', { n: formatNumber(n) });
  if (unit === 'seat') return tn('unit.seat', n);
  return tn('unit.machine', n);
}

export const useLabel = (use) => t(`use.${use}`);
export const roleLabel = (role) => t(`role.${role}`);

/**
 * rulesParts lists a resource's booking rules as short phrases; certified
 * (true, false or 'expired', when known) says whether the signed-in user
 * holds the certification it asks for.
 */
function rulesParts(r, certified = null) {
  const parts = [];
  if (r.kind === 'space') parts.push(t('rules.capacity', { q: quantityText(r.capacity, r.unit) }));
  if (r.slot_minutes) parts.push(t('rules.slot', { d: fmtDuration(r.slot_minutes) }));
  const duration = durationRule(r);
  if (duration) parts.push(duration);
  parts.push(r.requires_approval ? t('rules.approval') : t('rules.instant'));
  if (r.requires_certification) {
    const said = { true: 'rules.certified', false: 'rules.certMissing', expired: 'rules.certExpired' }[certified];
    parts.push(t(said || 'rules.certification'));
  }
  if (r.nuisance === 'loud') parts.push(t('rules.loud'));
  else if (r.nuisance === 'moderate') parts.push(t('rules.moderate'));
  return parts;
}

/** durationRule writes the shortest and longest booking allowed, or '' when free. */
export function durationRule(r) {
  if (r.min_minutes && r.max_minutes) return t('rules.minmax', { min: fmtDuration(r.min_minutes), max: fmtDuration(r.max_minutes) });
  if (r.min_minutes) return t('rules.min', { d: fmtDuration(r.min_minutes) });
  if (r.max_minutes) return t('rules.max', { d: fmtDuration(r.max_minutes) });
  return '';
}

/** rulesLine shows the rules in one line, separated by middle dots. opts.certified as for rulesParts. */
export function rulesLine(r, { certified = null } = {}) {
  return h('span', { class: 'rules' }, rulesParts(r, certified).join(' · '));
}

/** limitsParts lists the weekly quota and advance limit, when set. */
export function limitsParts(r) {
  const parts = [];
  if (r.max_hours_per_week) parts.push(t('rules.quota', { h: formatNumber(r.max_hours_per_week) }));
  if (r.max_advance_days) parts.push(tn('rules.advance', r.max_advance_days));
  if (r.buffer_minutes) parts.push(t('rules.buffer', { d: fmtDuration(r.buffer_minutes) }));
  return parts;
}

/** kwText writes a power in kW ("7,5 kW"). */
export const kwText = (n) => t('unit.kw', { n: formatNumber(Number(n) || 0, 2) });

/** siteLimits words a site's power budget and loud machines at once ('no limit' for 0). */
export function siteLimits(site) {
  return {
    power: site.power_kw > 0 ? kwText(site.power_kw) : t('site.noLimit'),
    loud: site.loud_at_once > 0 ? t('site.atMost', { n: formatNumber(site.loud_at_once) }) : t('site.noLimit'),
  };
}

/** emptyNote is the calm line shown for an empty list. */
export function emptyNote(text) {
  return h('p', { class: 'empty' }, text);
}

/** loadingNote is shown while a screen fetches its data. */
export function loadingNote() {
  return h('p', { class: 'loading', role: 'status' }, t('app.loading'));
}

/** errorNote shows an error in words, as an alert. */
export function errorNote(text) {
  return h('p', { class: 'notice notice-error', role: 'alert' },
    h('span', { 'aria-hidden': 'true', class: 'notice-icon', text: '⚠' }), srOnly(t('app.errorPrefix')), text);
}

/** okNote shows a success in words, politely. */
export function okNote(text) {
  return h('p', { class: 'notice notice-ok', role: 'status' },
    h('span', { 'aria-hidden': 'true', class: 'notice-icon', text: '✓' }), text);
}

// Recurrence rules: the RFC 5545 RRULE subset the API takes (FREQ DAILY or
// WEEKLY, INTERVAL, BYDAY, COUNT or UNTIL). Building one from the booking
// form's choice, and saying one in words, on the site's calendar.

import { t, tn } from './i18n.js';
import { localDate, isoWeekday, daysBetween, fmtCalendarDate, weekdayName, fmtTimes } from './time.js';

/** The API refuses a series of more occurrences. */
export const MAX_OCCURRENCES = 52;

const BYDAY = { MO: 1, TU: 2, WE: 3, TH: 4, FR: 5, SA: 6, SU: 7 };
const SHORT_DATE = { day: 'numeric', month: 'short', year: 'numeric' };

/**
 * buildRule writes the rule for freq ('weekly' or 'daily') ending after count
 * occurrences or on until ("YYYY-MM-DD", the whole local day, as the API reads
 * a bare date).
 */
export function buildRule(freq, { count, until }) {
  const end = count ? `COUNT=${count}` : `UNTIL=${until.replaceAll('-', '')}`;
  return `FREQ=${freq.toUpperCase()};${end}`;
}

/** countUntil answers how many occurrences from first to until, both dates included. */
export function countUntil(freq, first, until) {
  const days = daysBetween(first, until);
  if (days < 0) return 0;
  return freq === 'daily' ? days + 1 : Math.floor(days / 7) + 1;
}

/** parseRule reads a rule into {freq, interval, byday: [1..7], count, until}. */
function parseRule(rrule) {
  const o = {};
  for (const part of String(rrule || '').replace(/^RRULE:/i, '').split(';')) {
    const [k, v = ''] = part.split('=');
    if (k) o[k.toUpperCase()] = v.toUpperCase();
  }
  return {
    freq: o.FREQ || '',
    interval: Number(o.INTERVAL) || 1,
    byday: (o.BYDAY || '').split(',').map((d) => BYDAY[d.slice(-2)]).filter(Boolean),
    count: Number(o.COUNT) || 0,
    until: o.UNTIL || '',
  };
}

/** untilDate answers the local date an UNTIL names: a bare date, or a UTC instant seen in tz. */
function untilDate(until, tz) {
  const m = /^(\d{4})(\d{2})(\d{2})(?:T(\d{2})(\d{2})(\d{2})Z?)?$/.exec(until);
  if (!m) return '';
  if (!m[4]) return `${m[1]}-${m[2]}-${m[3]}`;
  return localDate(Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]), tz);
}

/**
 * ruleText says a rule in words: "Every week on Tuesday, 10:00–12:00 · 6 times".
 * first is the first occurrence ({start, end}), for its weekday and hours.
 */
export function ruleText(rrule, first, tz) {
  const r = parseRule(rrule);
  const parts = [];
  if (r.freq === 'DAILY') {
    parts.push(r.interval > 1 ? t('rule.everyNDays', { n: r.interval }) : t('rule.daily'));
  } else if (r.freq === 'WEEKLY') {
    const days = r.byday.length ? r.byday : first ? [isoWeekday(localDate(Date.parse(first.start), tz))] : [];
    const names = days.map((d) => weekdayName(d, 'long')).join(', ');
    const every = r.interval > 1 ? t('rule.everyNWeeks', { n: r.interval }) : t('rule.weekly');
    parts.push(names ? t('rule.onDays', { every, days: names }) : every);
  } else {
    parts.push(String(rrule));
  }
  let text = parts.join('');
  if (first) text += `, ${fmtTimes(first.start, first.end, tz)}`;
  const ends = [];
  if (r.count) ends.push(tn('rule.times', r.count));
  const u = r.until && untilDate(r.until, tz);
  if (u) ends.push(t('rule.until', { date: fmtCalendarDate(u, SHORT_DATE) }));
  return [text, ...ends].join(' · ');
}

/** dateSpan answers the first and last dates of a list of bookings, in words ("2 Dec 2026") and as YYYY-MM-DD. */
export function dateSpan(list, tz) {
  const first = localDate(Date.parse(list[0].start), tz);
  const last = localDate(Date.parse(list[list.length - 1].start), tz);
  return { from: fmtCalendarDate(first, SHORT_DATE), to: fmtCalendarDate(last, SHORT_DATE), firstDate: first, lastDate: last };
}

// Wall-clock time in a site's time zone, with Intl only.
// Dates are "YYYY-MM-DD" strings, times "HH:MM"; instants are epoch milliseconds.
// Sending: zonedToMs + rfc3339 give the right offset for that very date,
// so a booking on a daylight-saving day carries +01:00 or +02:00 as it should.

import { locale, t } from './i18n.js';

export const DEFAULT_TZ = 'Europe/Brussels';

const pad = (n) => String(n).padStart(2, '0');
const partsCache = new Map();

function partsFormatter(tz) {
  let f = partsCache.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: tz, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit',
      hour: '2-digit', minute: '2-digit', second: '2-digit',
    });
    partsCache.set(tz, f);
  }
  return f;
}

/** wallParts answers the local calendar fields of an instant in tz. */
function wallParts(ms, tz) {
  const o = {};
  for (const p of partsFormatter(tz).formatToParts(new Date(ms))) o[p.type] = p.value;
  return {
    year: Number(o.year), month: Number(o.month), day: Number(o.day),
    hour: Number(o.hour) % 24, minute: Number(o.minute), second: Number(o.second),
  };
}

/** offsetMinutes answers tz's offset from UTC at that instant (+60 for CET, +120 for CEST). */
function offsetMinutes(ms, tz) {
  const p = wallParts(ms, tz);
  const asUTC = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
  return Math.round((asUTC - Math.floor(ms / 1000) * 1000) / 60000);
}

/** localDate answers "YYYY-MM-DD" for an instant in tz. */
export function localDate(ms, tz) {
  const p = wallParts(ms, tz);
  return `${String(p.year).padStart(4, '0')}-${pad(p.month)}-${pad(p.day)}`;
}

/** localTime answers "HH:MM" for an instant in tz. */
export function localTime(ms, tz) {
  const p = wallParts(ms, tz);
  return `${pad(p.hour)}:${pad(p.minute)}`;
}

/**
 * zonedToMs answers the instant a wall clock in tz shows date and time.
 * An hour repeated when clocks go back gives its first occurrence; an hour skipped
 * when clocks go forward gives a nearby instant (existsLocal tells them apart).
 */
export function zonedToMs(date, time, tz) {
  const [y, m, d] = date.split('-').map(Number);
  const [hh, mm] = time.split(':').map(Number);
  const wall = Date.UTC(y, m - 1, d, hh, mm);
  const off1 = offsetMinutes(wall, tz);
  let ms = wall - off1 * 60000;
  const off2 = offsetMinutes(ms, tz);
  if (off2 !== off1) {
    const alt = wall - off2 * 60000;
    if (offsetMinutes(alt, tz) === off2) ms = alt;
  }
  // Prefer the earlier of two valid readings (clocks going back).
  const earlier = ms - 3600000;
  if (localDate(earlier, tz) === date && localTime(earlier, tz) === time.slice(0, 5)) ms = earlier;
  return ms;
}

/** existsLocal tells whether that wall-clock time happens at all in tz on that date. */
export function existsLocal(date, time, tz) {
  const ms = zonedToMs(date, time, tz);
  return localDate(ms, tz) === date && localTime(ms, tz) === time.slice(0, 5);
}

/** rfc3339 writes an instant as local time in tz with its offset: 2025-03-30T10:00:00+02:00. */
export function rfc3339(ms, tz) {
  const p = wallParts(ms, tz);
  const off = offsetMinutes(ms, tz);
  const sign = off < 0 ? '-' : '+';
  const a = Math.abs(off);
  return `${localDate(ms, tz)}T${pad(p.hour)}:${pad(p.minute)}:${pad(p.second)}${sign}${pad(Math.floor(a / 60))}:${pad(a % 60)}`;
}

/** addDays moves a calendar date. */
export function addDays(date, n) {
  const [y, m, d] = date.split('-').map(Number);
  const x = new Date(Date.UTC(y, m - 1, d + n));
  return `${x.getUTCFullYear()}-${pad(x.getUTCMonth() + 1)}-${pad(x.getUTCDate())}`;
}

/** dateMs answers the UTC midnight of a calendar date, for arithmetic and for Intl with timeZone 'UTC'. */
export function dateMs(date) {
  const [y, m, d] = date.split('-').map(Number);
  return Date.UTC(y, m - 1, d);
}

/** daysBetween answers how many days from one calendar date to another (negative when to is earlier). */
export const daysBetween = (from, to) => Math.round((dateMs(to) - dateMs(from)) / 86400000);

/** monthStart answers the first day of the month delta months from date's. */
export function monthStart(date, delta) {
  const [y, m] = date.split('-').map(Number);
  const x = new Date(Date.UTC(y, m - 1 + delta, 1));
  return `${x.getUTCFullYear()}-${pad(x.getUTCMonth() + 1)}-01`;
}

/** isoWeekday answers 1 (Monday) ... 7 (Sunday) for a calendar date. */
export function isoWeekday(date) {
  const [y, m, d] = date.split('-').map(Number);
  const wd = new Date(Date.UTC(y, m - 1, d)).getUTCDay();
  return wd === 0 ? 7 : wd;
}

export const mondayOf = (date) => addDays(date, 1 - isoWeekday(date));
export const today = (tz) => localDate(Date.now(), tz);
export const isDate = (s) => /^\d{4}-\d{2}-\d{2}$/.test(s || '');

/** timeOf turns minutes since midnight into "HH:MM" (1440 and more wrap to the next day). */
export function timeOf(minutes) {
  const m = ((minutes % 1440) + 1440) % 1440;
  return `${pad(Math.floor(m / 60))}:${pad(m % 60)}`;
}

// Typed dates and times. The browser's own date and time inputs follow the
// browser's locale (12/02/2026 is 2 December in en-US, 02:00 PM), not the
// interface's: Atelier's fields are text, day first and 24-hour in every
// language, and read what people type.

/** parseDateInput reads a typed date ("31/12/2026", also with . - or spaces, "31122026", or "2026-12-31") as "YYYY-MM-DD", or ''. */
export function parseDateInput(s) {
  const v = String(s || '').trim();
  let r = /^(\d{4})-(\d{1,2})-(\d{1,2})$/.exec(v);
  let y;
  let m;
  let d;
  if (r) [y, m, d] = [r[1], r[2], r[3]].map(Number);
  else if ((r = /^(\d{1,2})\s*[/.,\- ]\s*(\d{1,2})\s*[/.,\- ]\s*(\d{4}|\d{2})$/.exec(v))) [d, m, y] = [r[1], r[2], r[3]].map(Number);
  else if ((r = /^(\d{2})(\d{2})(\d{4})$/.exec(v))) [d, m, y] = [r[1], r[2], r[3]].map(Number);
  else return '';
  if (y < 100) y += 2000;
  const x = new Date(Date.UTC(y, m - 1, d));
  if (x.getUTCFullYear() !== y || x.getUTCMonth() !== m - 1 || x.getUTCDate() !== d) return '';
  return `${String(y).padStart(4, '0')}-${pad(m)}-${pad(d)}`;
}

/** fmtDateInput writes "YYYY-MM-DD" as it is typed: "31/12/2026" ('' for anything else). */
export function fmtDateInput(date) {
  if (!isDate(date)) return '';
  const [y, m, d] = date.split('-');
  return `${d}/${m}/${y}`;
}

/** parseTimeInput reads a typed time ("14:00", "14", "14h30", "14.30", "1430", "24:00" for midnight) as "HH:MM", or ''. */
export function parseTimeInput(s) {
  const v = String(s || '').trim().toLowerCase();
  const r = /^(\d{1,2})(?:\s*[:.,hu]\s*(\d{2})?)?$/.exec(v) || /^(\d{1,2})(\d{2})$/.exec(v);
  if (!r) return '';
  const hh = Number(r[1]);
  const mm = Number(r[2] || 0);
  if (mm > 59 || hh > 24 || (hh === 24 && mm > 0)) return '';
  return `${pad(hh % 24)}:${pad(mm)}`;
}

// Display, in the interface language and the site's zone.

const fmtCache = new Map();
function fmt(tz, opts) {
  const key = `${locale()}|${tz}|${JSON.stringify(opts)}`;
  let f = fmtCache.get(key);
  if (!f) {
    f = new Intl.DateTimeFormat(locale(), { timeZone: tz, ...opts });
    fmtCache.set(key, f);
  }
  return f;
}

const DAY = { weekday: 'short', day: 'numeric', month: 'short' };
const TIME = { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' };

const fmtTime = (ms, tz) => fmt(tz, TIME).format(ms);
const fmtDay = (ms, tz) => fmt(tz, DAY).format(ms);
export const fmtDateTime = (ms, tz) => fmt(tz, { ...DAY, ...TIME }).format(ms);

/** fmtTimes writes the hours of a range, "10:00–12:00" (an end at midnight is 24:00). */
export function fmtTimes(start, end, tz) {
  const ms = (x) => (typeof x === 'number' ? x : Date.parse(x));
  const e = ms(end);
  return `${fmtTime(ms(start), tz)}–${localTime(e, tz) === '00:00' ? '24:00' : fmtTime(e, tz)}`;
}

/** fmtRange writes "Mon 10 Mar, 10:00–12:00", or both ends in full across days. */
export function fmtRange(start, end, tz) {
  const s = typeof start === 'number' ? start : Date.parse(start);
  const e = typeof end === 'number' ? end : Date.parse(end);
  const sameDay = localDate(s, tz) === localDate(e, tz)
    || (localTime(e, tz) === '00:00' && localDate(e, tz) === addDays(localDate(s, tz), 1));
  if (sameDay) {
    const endTime = localTime(e, tz) === '00:00' ? '24:00' : fmtTime(e, tz);
    return `${fmtDay(s, tz)}, ${fmtTime(s, tz)}–${endTime}`;
  }
  return `${fmtDateTime(s, tz)} – ${fmtDateTime(e, tz)}`;
}

/** fmtCalendarDate writes a calendar date ("YYYY-MM-DD"), no zone involved. */
export function fmtCalendarDate(date, opts = { weekday: 'long', day: 'numeric', month: 'long', year: 'numeric' }) {
  const [y, m, d] = date.split('-').map(Number);
  return fmt('UTC', opts).format(Date.UTC(y, m - 1, d));
}

/** weekdayName answers the local name of an ISO weekday (1 = Monday). */
export function weekdayName(isoDay, style = 'short') {
  // 2024-01-01 was a Monday.
  return fmt('UTC', { weekday: style }).format(Date.UTC(2024, 0, isoDay));
}

/** fmtDuration writes minutes as "45 min", "2 h", "1 h 30". */
export function fmtDuration(minutes) {
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  if (!h) return t('dur.m', { m });
  if (!m) return t('dur.h', { h });
  return t('dur.hm', { h, m: pad(m) });
}

// Translations live in ../i18n/<lang>.json as flat "key": "text {param}" maps.
// The choice is remembered in localStorage; the default comes from the browser.
// Only the chosen language is downloaded: English, the fallback, is fetched
// only when a key is missing from it (the screen is then told to draw again).

export const LANGS = ['fr', 'nl', 'en'];
const LOCALES = { fr: 'fr-BE', nl: 'nl-BE', en: 'en-GB' };
const STORAGE_KEY = 'atelier.lang';

let lang = 'en';
let dict = {};
let fallback = null; // English, once a missing key asked for it
const loaded = {};

async function load(l) {
  if (!loaded[l]) {
    loaded[l] = fetch(new URL(`../i18n/${l}.json`, import.meta.url), { credentials: 'same-origin' })
      .then((r) => {
        if (!r.ok) throw new Error(`i18n ${l}: ${r.status}`);
        return r.json();
      })
      .catch((e) => {
        delete loaded[l];
        throw e;
      });
  }
  return loaded[l];
}

let fetchingFallback = false;
/** needFallback fetches English once, then fires "atelier:i18n" so that what showed a bare key is drawn again. */
function needFallback() {
  if (fallback || fetchingFallback || lang === 'en') return;
  fetchingFallback = true;
  load('en').then((en) => {
    fallback = en;
    window.dispatchEvent(new CustomEvent('atelier:i18n'));
  }, () => { /* keys stay visible, to be noticed */ }).finally(() => { fetchingFallback = false; });
}

/** storedLang answers the language chosen earlier in this browser, or ''. */
export function storedLang() {
  try {
    const v = localStorage.getItem(STORAGE_KEY);
    return LANGS.includes(v) ? v : '';
  } catch {
    return '';
  }
}

/** browserLang answers the first supported language in navigator.languages, else 'en'. */
export function browserLang() {
  const list = navigator.languages && navigator.languages.length ? navigator.languages : [navigator.language || 'en'];
  for (const tag of list) {
    const base = String(tag).toLowerCase().split('-')[0];
    if (LANGS.includes(base)) return base;
  }
  return 'en';
}

/** setLang loads a language and makes it current; remember=true stores the choice. */
export async function setLang(l, remember = false) {
  if (!LANGS.includes(l)) l = 'en';
  try {
    dict = await load(l);
  } catch {
    l = 'en';
    dict = await load('en');
  }
  if (l === 'en') fallback = dict;
  lang = l;
  document.documentElement.lang = l;
  if (remember) {
    try { localStorage.setItem(STORAGE_KEY, l); } catch { /* private mode: keep it for this page only */ }
  }
  return l;
}

export const currentLang = () => lang;
export const locale = () => LOCALES[lang];

/** has tells whether a key is translated (in the language or in English). */
function has(key) {
  return key in dict || (!!fallback && key in fallback);
}

/** t translates a key and fills {params}; a missing key shows itself until English comes. */
export function t(key, params = {}) {
  let s = dict[key];
  if (s === undefined) {
    s = fallback && fallback[key];
    if (s === undefined) {
      needFallback();
      s = key;
    }
  }
  return s.replace(/\{(\w+)\}/g, (m, name) => (name in params ? String(params[name]) : m));
}

/** tn picks key.one / key.other (etc.) with Intl.PluralRules and fills {n}. */
export function tn(key, n, params = {}) {
  const form = new Intl.PluralRules(locale()).select(n);
  const k = has(`${key}.${form}`) ? `${key}.${form}` : `${key}.other`;
  return t(k, { n: formatNumber(n), ...params });
}

/** formatNumber writes a number the local way (1 234,5). */
export function formatNumber(n, digits = 1) {
  return new Intl.NumberFormat(locale(), { maximumFractionDigits: digits }).format(n);
}

/**
 * errorText explains an API error in the current language: "error.<code>" when
 * translated, else the server's own (English) message.
 */
export function errorText(err, params = {}) {
  const code = err && err.code;
  if (code && has(`error.${code}`)) return t(`error.${code}`, params);
  return (err && err.message) || t('error.unknown');
}

/** translateStatic fills elements marked data-i18n (text) and data-i18n-aria (aria-label). */
export function translateStatic(root = document) {
  for (const el of root.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n);
  for (const el of root.querySelectorAll('[data-i18n-aria]')) el.setAttribute('aria-label', t(el.dataset.i18nAria));
}

// Field messages. The API words details.fields in English; each message it
// sends is known here and said in the interface's language (the table below
// reads the English, with its figures). A code beside a message, as
// details.field_codes[field] or {code, message}, wins once the API sends one.
// A message not known yet becomes a sentence in the language naming the
// field, with the server's English as a detail.
const FIELD_MESSAGES = [
  [/^Required\.$/, 'app.required'],
  [/^A password needs at least (\d+) characters\.$/, 'field.passwordShort', ['n']],
  [/^A password may have at most (\d+) bytes\.$/, 'field.passwordLong', ['n']],
  [/^A name is required\.$/, 'field.nameRequired'],
  [/^A name may have at most (\d+) characters\.$/, 'field.tooLong', ['n']],
  [/^An? \w+ may have at most (\d+) characters\.$/, 'field.tooLong', ['n']],
  [/^An? \w+ needs at least one visible character\.$/, 'field.invisible'],
  [/^An? \w+ cannot contain .+\.$/, 'field.badCharacters'],
  [/^An email address like name@example\.org is required\.$/, 'field.email'],
  [/^The role must be member, manager or admin\.$/, 'field.role'],
  [/^The language must be fr, nl or en\.$/, 'field.language'],
  [/^The end must be after the start\.$/, 'error.end_before_start'],
  [/^The end of the range must be after its start\.$/, 'error.end_before_start'],
  [/^A booking may last at most (\d+) days\.$/, 'field.bookingLong', ['n']],
  [/^The quantity must be at least 1\.$/, 'field.quantityMin'],
  [/^(.+) holds at most (\d+) .+\.$/, 'field.quantityMax', ['name', 'n']],
  [/^A machine's unit is machine\.$/, 'field.unitMachine'],
  [/^A machine is booked whole: its capacity is 1\.$/, 'field.capacityMachine'],
  [/^A space's unit is m2 or seat\.$/, 'field.unitSpace'],
  [/^A space's capacity is a whole number of at least 1\.$/, 'field.capacitySpace'],
  [/^A space cannot be larger than its zone \(([\d.]+) m²\)\.$/, 'field.capacityZone', ['area']],
  [/^A space of (\d+) m² lies in this zone: it cannot be smaller\.$/, 'field.areaSpace', ['area']],
  [/^The area must be a positive number of square metres\.$/, 'field.area'],
  [/^The kind must be machine or space\.$/, 'field.kind'],
  [/^A resource's kind cannot change: create another resource\.$/, 'field.kindFixed'],
  [/^The nuisance must be quiet, moderate or loud\.$/, 'field.nuisance'],
  [/^The power is a number of kW from 0 \(not counted\) to (\d+)\.$/, 'field.power', ['max']],
  [/^Only a machine draws power: a space has none\.$/, 'field.powerSpace'],
  [/^The power budget is a number of kW from 0 \(no limit\) to (\d+)\.$/, 'field.powerBudget', ['max']],
  [/^How many loud machines may run at once: from 0 \(no limit\) to (\d+)\.$/, 'field.loud', ['max']],
  [/^The longest booking cannot be shorter than the shortest\.$/, 'field.maxBelowMin'],
  [/^No (?:active )?(?:site|zone|resource|member) has this id\.$/, 'field.noSuch'],
  [/^A zone cannot move to another site\.$/, 'field.zoneSite'],
  [/^The time zone must be an IANA name such as Europe\/Brussels\.$/, 'field.timezone'],
  [/^The use must be one of .+$/, 'field.use'],
  [/^At most (\d+) windows\.$/, 'field.windows', ['n']],
  [/^Each day at most once.*$/, 'field.days'],
  [/^Give your current password to set a new one\.$/, 'field.currentPassword'],
  [/^The current password is wrong\.$/, 'field.currentPasswordWrong'],
  [/^Say why: the members whose bookings are cancelled will read it\.$/, 'field.reasonCancel'],
  [/^Say why the requests? (?:is|are) rejected: the member will read it\.$/, 'field.reasonReject'],
  [/^A closure may last at most a year\.$/, 'field.closureLong'],
  [/^A closure must end in the future\.$/, 'field.closurePast'],
  [/^The expiry is a date like .+$/, 'fmt.badDate'],
  [/^A series has at most (\d+) occurrences.*$/, 'series.tooMany', ['max']],
  [/^This rule gives no occurrence\.$/, 'field.noOccurrence'],
  [/^Unknown field: nothing here reads it\.$/, 'field.unknown'],
  [/^Must be an RFC 3339 time.*$/, 'fmt.badTime'],
];

/**
 * fieldText says a field's message from the API in the current language:
 * {text} when it is known, else {text, detail} with the server's words as
 * the detail. label names the field (its visible label), or '' for its name.
 */
export function fieldText(name, raw, code = '', label = '') {
  const message = raw && typeof raw === 'object' ? String(raw.message || '') : String(raw ?? '');
  const c = code || (raw && typeof raw === 'object' ? raw.code : '');
  if (c && has(`field.${c}`)) return { text: t(`field.${c}`, (raw && raw.params) || {}) };
  for (const [re, key, names = []] of FIELD_MESSAGES) {
    const m = re.exec(message);
    if (m) return { text: t(key, Object.fromEntries(names.map((n, i) => [n, m[i + 1]]))) };
  }
  if (lang === 'en') return { text: label ? `${label}: ${message}` : message };
  return { text: t('field.generic', { field: label || name }), detail: message };
}

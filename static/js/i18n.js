// Translations live in ../i18n/<lang>.json as flat "key": "text {param}" maps.
// A language picked in the menu is remembered in localStorage; else the one
// of the account last signed in here (remembered too, so that a visit
// fetches that file alone, before GET /me says it); else the browser's.
// Only the chosen language is downloaded: English, the fallback, is fetched
// only when a key is missing from it (the screen is then told to draw again).

export const LANGS = ['fr', 'nl', 'en'];
const LOCALES = { fr: 'fr-BE', nl: 'nl-BE', en: 'en-GB' };
const STORAGE_KEY = 'atelier.lang'; // picked in the menu
const ACCOUNT_KEY = 'atelier.account-lang'; // the account's, last seen

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

function readLang(key) {
  try {
    const v = localStorage.getItem(key);
    return LANGS.includes(v) ? v : '';
  } catch {
    return '';
  }
}

function writeLang(key, l) {
  try { localStorage.setItem(key, l); } catch { /* private mode: keep it for this page only */ }
}

/** storedLang answers the language chosen earlier in this browser, or ''. */
export const storedLang = () => readLang(STORAGE_KEY);

/** accountLang answers the language of the account last signed in in this browser, or ''. */
export const accountLang = () => readLang(ACCOUNT_KEY);

/** keepAccountLang remembers the signed-in account's language for the next visit. */
export function keepAccountLang(l) {
  if (LANGS.includes(l)) writeLang(ACCOUNT_KEY, l);
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
  if (remember) writeLang(STORAGE_KEY, l);
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

// Field messages. The API words details.fields in English and names each
// message's stable code in details.field_codes, with the figures it names
// in details.field_params: the code is said in the interface's language.
// A message the server gives no code (none should) becomes a sentence
// naming the field, with the server's English as a detail.

/**
 * fieldText says a field's message from the API in the current language:
 * {text} when its code is known, else {text, detail} with the server's
 * words as the detail. label names the field (its visible label), or '' for its name.
 */
export function fieldText(name, message, code = '', params = {}, label = '') {
  if (code && has(`field.${code}`)) {
    // Figures come as the English wrote them: a decimal one ("12.5") is
    // written the local way ("12,5"); whole ones are counts or years, kept.
    const local = Object.fromEntries(Object.entries(params || {}).map(([k, v]) => [k, /^\d+\.\d+$/.test(v) ? formatNumber(Number(v)) : v]));
    return { text: t(`field.${code}`, local) };
  }
  const text = String(message ?? '');
  if (lang === 'en') return { text: label ? `${label}: ${text}` : text };
  return { text: t('field.generic', { field: label || name }), detail: text };
}

// Translations live in ../i18n/<lang>.json as flat "key": "text {param}" maps.
// The choice is remembered in localStorage; the default comes from the browser;
// English is the fallback for a missing language and for a missing key.

export const LANGS = ['fr', 'nl', 'en'];
const LOCALES = { fr: 'fr-BE', nl: 'nl-BE', en: 'en-GB' };
const STORAGE_KEY = 'atelier.lang';

let lang = 'en';
let dict = {};
let fallback = {};
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
  fallback = await load('en');
  try {
    dict = await load(l);
  } catch {
    l = 'en';
    dict = fallback;
  }
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
  return key in dict || key in fallback;
}

/** t translates a key and fills {params}; a missing key shows itself, to be noticed. */
export function t(key, params = {}) {
  const s = dict[key] ?? fallback[key] ?? key;
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

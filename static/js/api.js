// Same-origin access to the JSON API under /api/v1.
// The session lives in an HttpOnly cookie; the CSRF token is kept in memory
// only (never in localStorage) and sent on every unsafe request.

const BASE = '/api/v1';
const SAFE = new Set(['GET', 'HEAD']);

let csrfToken = '';

/** setCsrf remembers the token given by POST /auth/session or GET /me. */
export function setCsrf(token) {
  csrfToken = token || '';
}

/** ApiError carries the contract's error shape: code, message, details. */
class ApiError extends Error {
  constructor(status, code, message, details) {
    super(message || code);
    this.status = status;
    this.code = code;
    this.details = details || {};
  }
}

const CODE_BY_STATUS = {
  400: 'bad_request', 401: 'unauthorized', 403: 'forbidden', 404: 'not_found',
  409: 'conflict', 413: 'payload_too_large', 422: 'validation', 429: 'rate_limited',
};

/** qs builds a query string, leaving out empty values. */
export function qs(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  }
  const s = q.toString();
  return s ? `?${s}` : '';
}

/**
 * api calls the API and answers the decoded JSON (null for 204).
 * It throws ApiError for any non-2xx answer and for network failures (code "network").
 * A 401 on anything but the sign-in routes fires the "atelier:unauthorized" event.
 */
async function api(method, path, body) {
  const headers = { Accept: 'application/json' };
  const init = { method, headers, credentials: 'same-origin', cache: 'no-store' };
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  if (!SAFE.has(method) && csrfToken) headers['X-CSRF-Token'] = csrfToken;

  let res;
  try {
    res = await fetch(BASE + path, init);
  } catch (e) {
    throw new ApiError(0, 'network', e.message);
  }
  if (res.status === 204) return null;
  let data = null;
  const text = await res.text();
  if (text) {
    try { data = JSON.parse(text); } catch { data = null; }
  }
  if (!res.ok) {
    const e = (data && data.error) || {};
    const err = new ApiError(res.status, e.code || CODE_BY_STATUS[res.status] || 'server_error',
      e.message || res.statusText, e.details);
    if (res.status === 401 && !path.startsWith('/auth/') && path !== '/me') {
      window.dispatchEvent(new CustomEvent('atelier:unauthorized'));
    }
    throw err;
  }
  return data;
}

export const get = (path, params = {}) => api('GET', path + qs(params));
export const post = (path, body = {}) => api('POST', path, body);
export const patch = (path, body) => api('PATCH', path, body);
export const del = (path) => api('DELETE', path);

// Calls to vigie's APIs with the session cookie. Every request that is not
// GET/HEAD carries the session's CSRF token; errors become ApiError with
// the server's own message.

let csrfToken = null;
let onUnauthorized = null;

export function setCsrf(token) { csrfToken = token; }

/** Called when an API answers 401 (the session ended). */
export function setUnauthorizedHandler(f) { onUnauthorized = f; }

export class ApiError extends Error {
  constructor(status, message, body) {
    super(message);
    this.status = status;
    this.body = body;
  }
}

function messageOf(status, data, statusText) {
  if (data && typeof data === 'object') {
    if (typeof data.error === 'string') {
      const p = data.position;
      return p ? `${data.error} (line ${p.line}, column ${p.column})` : data.error;
    }
    if (typeof data.message === 'string') return data.message;
  }
  if (typeof data === 'string' && data.trim()) return data.trim();
  return `${status} ${statusText || 'error'}`;
}

/**
 * fetch() an API: `body` as an object is sent as JSON, as a string as text.
 * Options: {quiet401: true} does not end the session on 401.
 */
export async function api(method, path, body, opts = {}) {
  const headers = { Accept: 'application/json' };
  if (method !== 'GET' && method !== 'HEAD' && csrfToken) headers['X-CSRF-Token'] = csrfToken;
  let payload;
  if (body !== undefined) {
    if (typeof body === 'string') {
      headers['Content-Type'] = 'text/plain; charset=utf-8';
      payload = body;
    } else {
      headers['Content-Type'] = 'application/json';
      payload = JSON.stringify(body);
    }
  }
  let res;
  try {
    res = await fetch(path, { method, headers, body: payload, credentials: 'same-origin' });
  } catch (e) {
    throw new ApiError(0, `cannot reach vigie (${e.message})`);
  }
  const text = await res.text();
  let data = null;
  if (text) {
    try { data = JSON.parse(text); } catch { data = text; }
  }
  if (!res.ok) {
    let message = messageOf(res.status, data, res.statusText);
    const retry = res.headers.get('Retry-After');
    if (res.status === 429 && retry && !message.includes(retry)) {
      message += ` (retry in ${retry} s)`;
    }
    if (res.status === 401 && !opts.quiet401 && onUnauthorized) onUnauthorized(message);
    throw new ApiError(res.status, message, data);
  }
  return data;
}

/** A query string from an object; arrays repeat the key, empty values are left out. */
export function qs(params) {
  const u = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v === undefined || v === null || v === '') continue;
    if (Array.isArray(v)) v.forEach((x) => u.append(k, x));
    else u.append(k, String(v));
  }
  const s = u.toString();
  return s ? `?${s}` : '';
}

// The portal's one way to the server: same-origin fetch with the session cookie, the CSRF token on every
// change, and the server's error shape turned into an Error with `kind` and `status`.
let csrf = null;

export class ApiError extends Error {
  constructor(status, body) {
    super(body?.error?.message ?? `HTTP ${status}`);
    this.status = status;
    this.kind = body?.error?.kind ?? 'internal';
    this.hint = body?.error?.hint;
  }
}

export async function session() {
  const res = await fetch('/auth/session', { headers: { accept: 'application/json' } });
  const body = await res.json();
  csrf = body.csrf ?? null;
  return body;
}

export function setCsrf(token) {
  csrf = token;
}

async function send(method, url, body) {
  const headers = { accept: 'application/json' };
  if (method !== 'GET') {
    headers['content-type'] = 'application/json';
    if (csrf) headers['x-csrf-token'] = csrf;
  }
  const res = await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const json = await res.json().catch(() => ({}));
  if (!res.ok && res.status !== 207) throw new ApiError(res.status, json);
  return json;
}

/** Run a command: GET with query parameters, POST/DELETE with a JSON body. Returns { ok, data, exitCode, message }. */
export function command(method, path, params = {}) {
  if (method === 'GET') {
    const query = new URLSearchParams();
    for (const [key, value] of Object.entries(params)) {
      if (value === undefined || value === null || value === '') continue;
      for (const v of Array.isArray(value) ? value : [value]) query.append(key, String(v));
    }
    const qs = query.toString();
    return send('GET', `/api/${path}${qs ? `?${qs}` : ''}`);
  }
  return send(method, `/api/${path}`, params);
}

export const loginPost = (path, body) => send('POST', path, body);

export async function logout() {
  await send('POST', '/auth/logout', {});
  csrf = null;
}

let openapi;
/** The server's OpenAPI document: which commands exist here and what they take. */
export async function operations() {
  openapi ??= fetch('/openapi.json').then((r) => r.json());
  return openapi;
}

/** The JSON-body schema of a command's route, or undefined when this server has no such command. */
export async function bodySchema(path, method = 'post') {
  const doc = await operations();
  return doc.paths?.[`/api/${path}`]?.[method]?.requestBody?.content?.['application/json']?.schema;
}

export async function hasRoute(path) {
  const doc = await operations();
  return !!doc.paths?.[`/api/${path}`];
}

/** "12s", "5m", "3h", "2d": how old a row's knowledge is. */
export function age(iso, now = Date.now()) {
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return '';
  const s = Math.max(0, Math.round((now - t) / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m`;
  if (s < 86400) return `${Math.floor(s / 3600)}h`;
  return `${Math.floor(s / 86400)}d`;
}

/**
 * @module providers/comet/client
 * The only file that talks HTTP to Comet's nucleus API. Response handling follows the original client:
 * 200 → JSON (or text), 204 → nothing, 201 + Location → poll the Location every second until the body no
 * longer carries a `status` field (how asynchronous operations finish), 303 → the Location (a console
 * URL), 400/401/403 → the service's `{error}` as one line. TLS is verified (the original turned it off).
 */
import { BackendError, UserError } from '../../core/errors.ts';
import { apiKeyHeaders } from './auth.ts';

export type CometAuth =
  | { kind: 'apikey'; apiKey: string; apiSecret: string }
  | { kind: 'userpass'; username: string; password: string };

export interface CometClientOptions {
  /** `<nucleus_base_url>/<api_version>/`, ending in a slash. */
  baseUrl: string;
  auth: CometAuth;
  /** Interval between polls of an asynchronous operation (default 1 s, as the service expects). */
  pollMs?: number;
  /** Longest wait for one asynchronous operation (default 10 minutes). */
  pollTimeoutMs?: number;
  /** Per-request timeout (default 30 s). */
  timeoutMs?: number;
}

export interface CometClient {
  get<T = unknown>(path: string, query?: Record<string, string | undefined>): Promise<T>;
  post<T = unknown>(path: string, body: unknown): Promise<T>;
  put<T = unknown>(path: string, query?: Record<string, string | undefined>): Promise<T>;
  /** A multipart upload (ISO images), with extra headers (`md5`). */
  upload<T = unknown>(path: string, form: FormData, headers: Record<string, string>): Promise<T>;
  /** GET without following redirects; the 303 Location (the console URL). */
  location(path: string): Promise<string>;
  close(): Promise<void>;
}

export function createCometClient(options: CometClientOptions): CometClient {
  const pollMs = options.pollMs ?? 1000;
  const pollTimeoutMs = options.pollTimeoutMs ?? 600_000;
  const timeoutMs = options.timeoutMs ?? 30_000;
  let token: string | undefined;

  async function authHeaders(): Promise<Record<string, string>> {
    if (options.auth.kind === 'apikey') return apiKeyHeaders(options.auth.apiKey, options.auth.apiSecret);
    token ??= await login(options.auth.username, options.auth.password);
    return { Authorization: `Token ${token}` };
  }

  async function login(username: string, password: string): Promise<string> {
    const response = await send(new URL('rest-auth/login/', options.baseUrl), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password }) });
    const body = (await readBody(response)) as { key?: string; token?: string } | string;
    if (!response.ok || typeof body !== 'object' || !(body.key ?? body.token)) throw failure(response, body, 'login');
    return (body.key ?? body.token)!;
  }

  async function send(url: URL, init: RequestInit): Promise<Response> {
    try {
      return await fetch(url, { ...init, redirect: 'manual', signal: AbortSignal.timeout(timeoutMs) });
    } catch (error) {
      throw new BackendError('comet', `${init.method ?? 'GET'} ${url.pathname}`, error, `Comet nucleus service down or unreachable at ${url.origin}`);
    }
  }

  async function call<T>(method: string, path: string, init: { query?: Record<string, string | undefined>; body?: string | FormData; headers?: Record<string, string> } = {}): Promise<T> {
    const url = resolve(options.baseUrl, path, init.query);
    const response = await send(url, { method, headers: { accept: 'application/json', ...(await authHeaders()), ...init.headers }, ...(init.body !== undefined ? { body: init.body } : {}) });
    if (response.status === 201 && response.headers.get('location')) return poll<T>(new URL(response.headers.get('location')!, url));
    if (response.status === 303) return (response.headers.get('location') ?? '') as T;
    const body = await readBody(response);
    if (!response.ok) throw failure(response, body, `${method} ${path}`);
    return body as T;
  }

  async function poll<T>(url: URL): Promise<T> {
    const deadline = Date.now() + pollTimeoutMs;
    for (;;) {
      const response = await send(url, { headers: { accept: 'application/json', ...(await authHeaders()) } });
      const body = await readBody(response);
      if (!response.ok) throw failure(response, body, `GET ${url.pathname}`);
      if (typeof body !== 'object' || body === null || !('status' in body)) return body as T;
      if (Date.now() > deadline) throw new BackendError('comet', `poll ${url.pathname}`, undefined, `Comet operation at ${url.pathname} still "${String((body as { status: unknown }).status)}" after ${pollTimeoutMs / 1000} s`);
      await new Promise((r) => setTimeout(r, pollMs));
    }
  }

  return {
    get: (path, query) => call('GET', path, query ? { query } : {}),
    post: (path, body) => call('POST', path, { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
    put: (path, query) => call('PUT', path, query ? { query } : {}),
    upload: (path, form, headers) => call('POST', path, { body: form, headers }),
    location: async (path) => {
      const url = resolve(options.baseUrl, path);
      const response = await send(url, { headers: await authHeaders() });
      const location = response.headers.get('location');
      if (response.status === 303 && location) return new URL(location, url).toString();
      throw failure(response, await readBody(response), `GET ${path}`);
    },
    async close() {
      token = undefined;
    },
  };
}

function resolve(base: string, path: string, query: Record<string, string | undefined> = {}): URL {
  const url = new URL(path.replace(/^\//, ''), base);
  for (const [key, value] of Object.entries(query)) if (value !== undefined) url.searchParams.set(key, value);
  return url;
}

async function readBody(response: Response): Promise<unknown> {
  if (response.status === 204) return undefined;
  const text = await response.text();
  try {
    return text === '' ? undefined : JSON.parse(text);
  } catch {
    return text;
  }
}

/** 400/401/403 carry `{error}` from the service: that is the user's problem, said in one line. */
function failure(response: Response, body: unknown, what: string): Error {
  const detail = typeof body === 'object' && body !== null && 'error' in body ? String((body as { error: unknown }).error)
    : typeof body === 'object' && body !== null && 'detail' in body ? String((body as { detail: unknown }).detail)
    : typeof body === 'string' ? body.slice(0, 200) : response.statusText;
  const message = `Comet refused ${what}: ${response.status} ${detail}`;
  if ([400, 401, 403, 404].includes(response.status)) {
    return new UserError(message, response.status === 401 || response.status === 403 ? { hint: 'check the API key (cm comet init) or the user name and password' } : {});
  }
  return new BackendError('comet', what, undefined, message);
}

/**
 * @module server/auth/guard
 * Who may call what. Checked in this order on every request:
 *   1. Host: only the names this server was bound for (a DNS-rebinding page cannot reach the API by name).
 *   2. Origin: a browser request from any other origin is refused (403) — there is no CORS, ever.
 *   3. Credentials on /api and /events: the bearer token, or a portal session cookie; with the cookie, a
 *      change (anything but GET/HEAD) also needs the session's CSRF token in X-CSRF-Token.
 */
import type { Context as HonoContext, MiddlewareHandler } from 'hono';
import { errorBody } from '../errors.ts';
import { cookieValue, sameSecret, SESSION_COOKIE, type Session, type SessionBook } from './session.ts';

export type ServerEnv = { Variables: { session?: Session; viaToken?: boolean } };

const LOOPBACK_NAMES = ['localhost', '127.0.0.1', '[::1]'];

export interface GuardOptions {
  token: () => string;
  sessions: SessionBook;
  /** Extra host names accepted besides the loopback ones (the --unsafe-bind address; `*` for a wildcard bind). */
  hosts?: readonly string[];
}

/** The origins a browser may call from: this server's own, under each of its names. */
export function allowedOrigins(url: URL, hosts: readonly string[]): string[] {
  const port = url.port ? `:${url.port}` : '';
  // Behind a wildcard bind the server has no one name: a page may call only the origin it was loaded from.
  const own = hosts.includes('*') ? [url.origin] : [];
  return [...own, ...[...LOOPBACK_NAMES, ...hosts].filter((n) => n !== '*').map((name) => `${url.protocol}//${name}${port}`)];
}

export function hostAndOriginGuard(options: GuardOptions): MiddlewareHandler<ServerEnv> {
  const names = new Set([...LOOPBACK_NAMES, ...(options.hosts ?? [])]);
  return async (c, next) => {
    const url = new URL(c.req.url);
    if (!names.has(url.hostname) && !names.has('*')) return c.json(errorBody('forbidden', `host "${url.hostname}" is not served here`), 403);
    const origin = c.req.header('origin');
    if (origin !== undefined && !allowedOrigins(url, options.hosts ?? []).includes(origin)) {
      return c.json(errorBody('forbidden', 'cross-origin requests are refused'), 403);
    }
    if (c.req.header('sec-fetch-site') === 'cross-site') return c.json(errorBody('forbidden', 'cross-site requests are refused'), 403);
    await next();
  };
}

export function sessionOf(c: HonoContext, sessions: SessionBook): Session | undefined {
  return sessions.get(cookieValue(c.req.header('cookie'), SESSION_COOKIE));
}

export function credentialGuard(options: GuardOptions): MiddlewareHandler<ServerEnv> {
  return async (c, next) => {
    const auth = c.req.header('authorization');
    if (auth !== undefined) {
      const match = /^Bearer\s+(\S+)$/i.exec(auth);
      if (!match || !sameSecret(match[1], options.token())) return c.json(errorBody('unauthorized', 'invalid bearer token'), 401);
      c.set('viaToken', true);
      return next();
    }
    const session = sessionOf(c, options.sessions);
    if (!session) {
      return c.json(errorBody('unauthorized', 'a bearer token or a portal session is required', 'run: cm server token'), 401);
    }
    const method = c.req.method;
    if (method !== 'GET' && method !== 'HEAD') {
      if (!sameSecret(c.req.header('x-csrf-token'), session.csrf)) return c.json(errorBody('forbidden', 'missing or wrong CSRF token'), 403);
      // A browser always sends Origin on a POST/DELETE; one without it did not come from our page.
      if (c.req.header('origin') === undefined) return c.json(errorBody('forbidden', 'changes from a browser session need an Origin header'), 403);
    }
    c.set('session', session);
    return next();
  };
}

/**
 * @module server/auth/routes
 * Portal login: a security key (WebAuthn) or, as the fallback, a TOTP code. Both are rate limited per
 * client address; success starts a session (cookie) and hands the page its CSRF token. Enrolment is not
 * here on purpose: factors are added only from the local CLI (`cm auth ...`).
 */
import type { Hono } from 'hono';
import { errorBody } from '../errors.ts';
import { hasTotp, verifyTotp } from '../../services/auth-totp.ts';
import { authenticationOptions, hasWebauthn, verifyAuthentication, type ChallengeBook } from '../../services/auth-webauthn.ts';
import { sameSecret, sessionCookie, type SessionBook } from './session.ts';
import { sessionOf, type ServerEnv } from './guard.ts';
import type { RateLimit } from './rate-limit.ts';

export interface LoginOptions {
  home: string;
  sessions: SessionBook;
  challenges: ChallengeBook;
  limiter: RateLimit;
  /** The client's address (socket peer), for the rate limit. */
  clientOf: (c: { env: unknown; req: { header(name: string): string | undefined } }) => string;
}

const SESSION_SECONDS = 8 * 3600;

export function mountLogin(app: Hono<ServerEnv>, options: LoginOptions): void {
  const { home, sessions, challenges, limiter } = options;

  app.get('/auth/session', (c) => {
    const session = sessionOf(c, sessions);
    return c.json({ ok: true, authenticated: !!session, ...(session ? { csrf: session.csrf } : {}), factors: { webauthn: hasWebauthn(home), totp: hasTotp(home) } });
  });

  // Every login step counts against the limit, before any work is done.
  app.use('/auth/login/*', async (c, next) => {
    if (!(c.req.header('content-type') ?? '').startsWith('application/json')) return c.json(errorBody('usage', 'send application/json'), 415);
    const wait = limiter.attempt(options.clientOf(c));
    if (wait > 0) {
      c.header('Retry-After', String(wait));
      return c.json(errorBody('rate_limited', `too many login attempts; try again in ${wait} s`), 429);
    }
    await next();
  });

  const start = (factor: string) => {
    const session = sessions.create(factor);
    return { session, cookie: sessionCookie(session.id, SESSION_SECONDS) };
  };

  app.post('/auth/login/webauthn/options', async (c) => {
    try {
      return c.json({ ok: true, options: await authenticationOptions(home, challenges) });
    } catch (error) {
      return c.json(errorBody('not_found', (error as Error).message), 404);
    }
  });

  app.post('/auth/login/webauthn', async (c) => {
    const origin = new URL(c.req.url).origin;
    try {
      const key = await verifyAuthentication(home, challenges, await c.req.json(), c.req.header('origin') ?? origin);
      const { session, cookie } = start(key.id);
      c.header('Set-Cookie', cookie);
      return c.json({ ok: true, factor: key.id, csrf: session.csrf });
    } catch (error) {
      return c.json(errorBody('unauthorized', (error as Error).message), 401);
    }
  });

  app.post('/auth/login/totp', async (c) => {
    const body = (await c.req.json().catch(() => ({}))) as { code?: unknown };
    const code = typeof body.code === 'string' ? body.code : '';
    let factor;
    try {
      factor = await verifyTotp(home, code);
    } catch (error) {
      return c.json(errorBody('not_found', (error as Error).message), 404);
    }
    if (!factor) return c.json(errorBody('unauthorized', 'wrong, expired or already used code'), 401);
    const { session, cookie } = start(factor.id);
    c.header('Set-Cookie', cookie);
    return c.json({ ok: true, factor: factor.id, csrf: session.csrf });
  });

  app.post('/auth/logout', (c) => {
    const session = sessionOf(c, sessions);
    if (session && !sameSecret(c.req.header('x-csrf-token'), session.csrf)) return c.json(errorBody('forbidden', 'missing or wrong CSRF token'), 403);
    if (session) sessions.end(session.id);
    c.header('Set-Cookie', sessionCookie('', 0));
    return c.json({ ok: true });
  });
}

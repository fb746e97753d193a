/**
 * @module server/auth/ceremony
 * A security-key ceremony on a one-off loopback page, for the terminal: `cm auth webauthn register`
 * (enrol a key) and the `auth require` gate (touch a registered key). The page is reachable only on
 * 127.0.0.1 by the name localhost, and only with the random token in its URL fragment (fragments are not
 * sent in requests or kept in logs), so another local user cannot complete someone else's ceremony.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { Hono } from 'hono';
import { UserError } from '../../core/errors.ts';
import type { FactorSummary } from '../../services/auth-store.ts';
import { authenticationOptions, ChallengeBook, registrationOptions, verifyAuthentication, verifyRegistration } from '../../services/auth-webauthn.ts';
import { errorBody } from '../errors.ts';
import { sameSecret } from './session.ts';
import { hostAndOriginGuard } from './guard.ts';
import { SessionBook } from './session.ts';
import { CEREMONY_CSS, CEREMONY_HTML, CEREMONY_JS } from './ceremony-page.ts';

export interface CeremonyOptions {
  home: string;
  mode: 'register' | 'authenticate';
  /** The name of a key being registered; the user name shown by the authenticator. */
  name: string;
  userName: string;
  timeoutMs: number;
  /** Told the URL to open once the page is up. */
  onUrl: (url: string) => void;
  signal?: AbortSignal;
}

const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

export async function runCeremony(options: CeremonyOptions): Promise<FactorSummary> {
  const token = randomBytes(24).toString('base64url');
  const book = new ChallengeBook();
  const app = new Hono();
  let finish!: (factor: FactorSummary) => void;
  const finished = new Promise<FactorSummary>((resolve) => (finish = resolve));
  app.use('*', async (c, next) => {
    await next();
    c.res.headers.set('Content-Security-Policy', CSP);
    c.res.headers.set('X-Frame-Options', 'DENY');
    c.res.headers.set('Cache-Control', 'no-store');
  });
  app.use('*', hostAndOriginGuard({ token: () => token, sessions: new SessionBook() }));
  app.get('/', (c) => c.html(CEREMONY_HTML));
  app.get('/ceremony.js', (c) => c.body(CEREMONY_JS, 200, { 'Content-Type': 'text/javascript; charset=utf-8' }));
  app.get('/ceremony.css', (c) => c.body(CEREMONY_CSS, 200, { 'Content-Type': 'text/css; charset=utf-8' }));
  app.get('/ceremony/mode', (c) => c.json({ mode: options.mode }));
  app.use('/ceremony/*', async (c, next) => {
    if (c.req.method === 'POST' && !sameSecret(c.req.header('x-ceremony-token'), token)) return c.json(errorBody('unauthorized', 'wrong ceremony token'), 401);
    await next();
  });
  app.post('/ceremony/options', async (c) =>
    c.json({ options: options.mode === 'register' ? await registrationOptions(options.home, book, options.userName) : await authenticationOptions(options.home, book) }),
  );
  app.post('/ceremony/verify', async (c) => {
    const origin = c.req.header('origin') ?? new URL(c.req.url).origin;
    try {
      const body = await c.req.json();
      const factor =
        options.mode === 'register'
          ? await verifyRegistration(options.home, book, body, origin, options.name)
          : await verifyAuthentication(options.home, book, body, origin);
      // Let this answer reach the page before the server closes under it.
      setTimeout(() => finish(factor), 250);
      return c.json({ ok: true, factor: factor.id });
    } catch (error) {
      return c.json(errorBody('unauthorized', (error as Error).message), 400);
    }
  });

  const { getRequestListener } = await import('@hono/node-server');
  const server = createServer(getRequestListener(app.fetch));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const url = `http://localhost:${(server.address() as AddressInfo).port}/#${token}`;
  options.onUrl(url);
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new UserError(`no security key was used within ${Math.round(options.timeoutMs / 1000)} s`)), options.timeoutMs);
    options.signal?.addEventListener('abort', () => reject(new UserError('interrupted')), { once: true });
  });
  try {
    return await Promise.race([finished, timedOut]);
  } finally {
    clearTimeout(timer);
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

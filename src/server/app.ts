/**
 * @module server/app
 * The REST face: one hono app built from the command registry. Every spec with a REST route becomes that
 * route (GET reads the query, POST/DELETE a JSON body), runs through `runCommand` like every other face
 * (audited, face `rest`) and answers `{ ok, data, exitCode, message? }` — HTTP 207 when some items of a
 * bulk command failed — or the one error shape of server/errors.ts. Commands added to the registry later
 * appear here, and in /openapi.json, without a change to this file.
 *
 * Tests call `app.request()` directly; `serve.ts` puts the same app on a loopback socket.
 */
import { statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { Hono, type Context as HonoContext } from 'hono';
import { restRoute, type CommandSpec } from '../core/command.ts';
import type { Config } from '../core/config.ts';
import { createContext, type OwnedContext } from '../services/context.ts';
import { runCommand } from '../services/run-command.ts';
import { ChallengeBook } from '../services/auth-webauthn.ts';
import { credentialGuard, hostAndOriginGuard, type ServerEnv } from './auth/guard.ts';
import { RateLimit } from './auth/rate-limit.ts';
import { mountLogin } from './auth/routes.ts';
import { SessionBook } from './auth/session.ts';
import { errorBody, fromError } from './errors.ts';
import { buildInput, fromBody, fromQuery } from './input.ts';
import { openApiDocument } from './openapi.ts';
import { mountEvents } from './sse.ts';
import { mountPortal } from './static.ts';

export interface ServerAppOptions {
  home: string;
  env: Record<string, string | undefined>;
  specs: readonly CommandSpec[];
  /** The current bearer token (read per request, so `cm server token --rotate` takes effect at once). */
  token: () => string;
  version: string;
  /** The built portal to serve at `/`, if any. */
  portalDir?: string;
  /** Host names besides the loopback ones (the address given with --unsafe-bind). */
  hosts?: readonly string[];
  /** Login attempts per client address; default 10 a minute. */
  loginLimit?: { limit: number; windowMs: number };
  eventIntervalMs?: number;
  /** How long a GET answer may be reused for the same query (ms); 0 turns the cache off. */
  readCacheMs?: number;
}

export interface ServerApp {
  app: Hono<ServerEnv>;
  close(): Promise<void>;
}

/** Headers on every answer: no framing, no sniffing, scripts and connections to this origin only. */
const SECURITY_HEADERS: Record<string, string> = {
  'Content-Security-Policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; " +
    "manifest-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'Permissions-Policy': 'camera=(), microphone=(), geolocation=()',
};

export function createServerApp(options: ServerAppOptions): ServerApp {
  const app = new Hono<ServerEnv>();
  const sessions = new SessionBook();
  const live = liveContext(options);
  const cache = new Map<string, CacheEntry>();
  const readCacheMs = options.readCacheMs ?? 1000;
  let writes: Promise<unknown> = Promise.resolve();
  const guardOptions = { token: options.token, sessions, ...(options.hosts ? { hosts: options.hosts } : {}) };

  app.use('*', async (c, next) => {
    await next();
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) c.res.headers.set(name, value);
  });
  app.use('*', hostAndOriginGuard(guardOptions));
  app.onError((error, c) => {
    if (!(error instanceof Error && 'exitCode' in error)) console.error(`cm server: ${error.stack ?? error}`);
    const { status, body } = fromError(error);
    return c.json(body, status);
  });
  app.notFound((c) => c.json(errorBody('not_found', `no route ${c.req.method} ${new URL(c.req.url).pathname}`, 'see /openapi.json'), 404));

  const openapi = JSON.stringify(openApiDocument(options.specs, options.version));
  app.get('/openapi.json', (c) => c.body(openapi, 200, { 'Content-Type': 'application/json' }));

  mountLogin(app, {
    home: options.home,
    sessions,
    challenges: new ChallengeBook(),
    limiter: new RateLimit(options.loginLimit ?? { limit: 10, windowMs: 60_000 }),
    clientOf: (c) => (c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined)?.incoming?.socket?.remoteAddress ?? 'local',
  });

  app.use('/api/*', credentialGuard(guardOptions));
  app.use('/events/*', credentialGuard(guardOptions));
  app.get('/api/whoami', (c) => c.json({ ok: true, data: { via: c.get('viaToken') ? 'token' : 'session', factor: c.get('session')?.factor ?? null }, exitCode: 0 }));
  mountEvents(app, { context: live.context, scrub: live.scrub, ...(options.eventIntervalMs ? { intervalMs: options.eventIntervalMs } : {}) });

  for (const spec of options.specs) {
    const route = restRoute(spec);
    if (!route) continue;
    const handle = async (c: HonoContext<ServerEnv>) => {
      const url = new URL(c.req.url);
      const gzip = (c.req.header('accept-encoding') ?? '').includes('gzip');
      if (route.method === 'GET' && readCacheMs > 0) {
        const hit = cache.get(url.pathname + url.search);
        if (hit && Date.now() - hit.at < readCacheMs) return send(c, hit, gzip);
      }
      let body: unknown;
      if (route.method !== 'GET') {
        const text = await c.req.text();
        try {
          body = text.trim() === '' ? undefined : JSON.parse(text);
        } catch {
          return c.json(errorBody('usage', 'the request body is not valid JSON'), 400);
        }
      }
      const { input, dryRun } = buildInput(spec, route.method === 'GET' ? fromQuery(url) : fromBody(body), route.method === 'GET');
      const run = () => runCommand(live.context(), spec, input, { face: 'rest', dryRun, signal: c.req.raw.signal, scrub: live.scrub });
      // Changes run one at a time: two portal tabs deleting the same VM must not race in the store.
      let result;
      try {
        result = spec.changesState ? await (writes = writes.then(run, run)) : await run();
      } finally {
        // Even a failed change may have changed something: no read may answer from before it.
        if (spec.changesState && !dryRun) cache.clear();
      }
      const ok = result.exitCode === 0;
      const entry = { at: Date.now(), body: await live.scrub(JSON.stringify({ ok, data: result.data ?? null, exitCode: result.exitCode, ...(result.message ? { message: result.message } : {}) })) };
      if (route.method === 'GET' && ok && readCacheMs > 0) cache.set(url.pathname + url.search, entry);
      return send(c, entry, gzip, ok ? 200 : 207);
    };
    if (route.method === 'GET') app.get(route.path, handle);
    else if (route.method === 'POST') app.post(route.path, handle);
    else app.delete(route.path, handle);
  }

  if (options.portalDir) mountPortal(app, options.portalDir);
  return { app, close: () => live.close() };
}

/** A serialized answer; its bytes and gzip form are made once, on first use, then reused for every hit. */
interface CacheEntry {
  at: number;
  body: string;
  bytes?: Uint8Array<ArrayBuffer>;
  gzip?: Uint8Array<ArrayBuffer>;
}

/** Answer with a cached JSON body, compressed once per entry for clients that accept gzip. */
function send(c: HonoContext<ServerEnv>, entry: CacheEntry, gzip: boolean, status: 200 | 207 = 200): Response {
  const headers: Record<string, string> = { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store', Vary: 'Accept-Encoding' };
  if (gzip && entry.body.length > 1024) {
    entry.gzip ??= new Uint8Array(gzipSync(entry.body, { level: 6 }));
    return c.body(entry.gzip, status, { ...headers, 'Content-Encoding': 'gzip' });
  }
  entry.bytes ??= new TextEncoder().encode(entry.body);
  return c.body(entry.bytes, status, headers);
}

/**
 * The server outlives many edits of cloudmesh.yaml (`cm register` in another terminal): when the file
 * changes, later requests get a fresh context that reads it, and the old one is closed after a grace time
 * for requests still using it. Secrets for scrubbing are collected once per loaded config.
 */
function liveContext(options: ServerAppOptions) {
  const configFile = join(options.home, 'cloudmesh.yaml');
  const stamp = () => {
    try {
      const s = statSync(configFile);
      return `${s.mtimeMs}:${s.size}`;
    } catch {
      return 'missing';
    }
  };
  const open = () => createContext({ home: options.home, env: options.env, face: 'rest', commands: () => options.specs });
  let current = open();
  let seen = stamp();
  let checkedAt = Date.now();
  let secrets: { config: Config; values: string[] } | undefined;
  const retired = new Set<OwnedContext>();
  return {
    context(): OwnedContext {
      const now = Date.now();
      if (now - checkedAt > 250) {
        checkedAt = now;
        const next = stamp();
        if (next !== seen) {
          seen = next;
          const old = current;
          current = open();
          retired.add(old);
          setTimeout(() => void old.close().finally(() => retired.delete(old)), 30_000).unref();
        }
      }
      return current;
    },
    async scrub(text: string): Promise<string> {
      // Load the config if no command has yet: a row could still quote a secret from it.
      const config = current.loadedConfig() ?? (await current.config().catch(() => undefined));
      if (!config) return text;
      const { collectSecrets, maskText } = await import('../config/secrets.ts');
      if (secrets?.config !== config) secrets = { config, values: collectSecrets(config, options.env, { baseDir: dirname(config.path) }) };
      return maskText(text, secrets.values);
    },
    async close() {
      await Promise.all([current.close(), ...[...retired].map((c) => c.close())]);
    },
  };
}

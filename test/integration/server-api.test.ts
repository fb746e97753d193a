/**
 * The REST face through `app.request()` (no socket): routes from the registry, the error shape, per-item
 * bulk results, auth (token, session cookie, CSRF, Origin, Host), login with TOTP (replay refused, rate
 * limit), masked secrets, security headers and the OpenAPI document. Jobs run on the real local cluster.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadCommands } from '../../src/commands/registry.ts';
import { restRoute } from '../../src/core/command.ts';
import { createServerApp, type ServerApp } from '../../src/server/app.ts';
import { serverToken } from '../../src/services/auth-store.ts';
import { createContext } from '../../src/services/context.ts';
import { enrollTotp, totpCode } from '../../src/services/auth-totp.ts';
import { cmJson, eventually, tempHome } from '../helpers.ts';

/** Responses whose JSON the assertions below look into. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type JsonResponse = Omit<Response, 'json'> & { json(): Promise<any> };

const SECRET = 'Sup3r-S3cret-Cloud-Passw0rd';
const BASE = 'http://localhost:8642';

describe('REST API (app.request)', () => {
  let home: string;
  let server: ServerApp;
  let token: string;
  const raw = (url: string, init?: RequestInit) => server.app.request(url, init) as Promise<JsonResponse>;
  const request = (path: string, init: RequestInit & { auth?: boolean } = {}) => {
    const headers = new Headers(init.headers);
    if (init.auth !== false) headers.set('authorization', `Bearer ${token}`);
    return raw(`${BASE}${path}`, { ...init, headers });
  };
  const json = (body: unknown) => ({ body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });

  before(async () => {
    home = tempHome('cm-server-api-');
    writeFileSync(
      join(home, 'cloudmesh.yaml'),
      `version: 1\nclouds:\n  lab:\n    kind: openstack\n    credentials:\n      username: ada\n      password: ${SECRET}\n`,
      { mode: 0o600 },
    );
    token = serverToken(home);
    server = createServerApp({ home, env: { ...process.env, CLOUDMESH_HOME: home }, specs: await loadCommands(), token: () => serverToken(home), version: 'test', loginLimit: { limit: 5, windowMs: 60_000 } });
  });
  after(async () => {
    await server.close();
  });

  test('no token is 401 with the stable error shape; a wrong token too', async () => {
    const res = await request('/api/status', { auth: false });
    assert.equal(res.status, 401);
    const body = await res.json();
    assert.equal(body.ok, false);
    assert.equal(body.error.kind, 'unauthorized');
    assert.equal(typeof body.error.message, 'string');
    assert.equal(body.error.exitCode, 1);
    assert.equal((await request('/api/status', { auth: false, headers: { authorization: 'Bearer nope' } })).status, 401);
  });

  test('a request from another Origin or to another Host name is 403', async () => {
    const cross = await request('/api/status', { headers: { origin: 'http://evil.example' } });
    assert.equal(cross.status, 403);
    assert.equal((await cross.json()).error.kind, 'forbidden');
    const rebound = await raw('http://evil.example:8642/api/status', { headers: { authorization: `Bearer ${token}` } });
    assert.equal(rebound.status, 403);
    const own = await request('/api/status', { headers: { origin: BASE } });
    assert.equal(own.status, 200);
  });

  test('every answer has a strict CSP; no CORS header, not even for a preflight', async () => {
    const res = await request('/api/status');
    assert.match(res.headers.get('content-security-policy') ?? '', /default-src 'none'.*script-src 'self'.*frame-ancestors 'none'/);
    assert.equal(res.headers.get('access-control-allow-origin'), null);
    const preflight = await raw(`${BASE}/api/var`, { method: 'OPTIONS', headers: { origin: 'http://evil.example', 'access-control-request-method': 'POST' } });
    assert.equal(preflight.headers.get('access-control-allow-origin'), null);
    assert.notEqual(preflight.status, 204);
  });

  test('a change through the API is state the CLI sees, and the other way round', async () => {
    const set = await request('/api/var', { method: 'POST', ...json({ assignment: 'color=teal' }) , headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` } });
    assert.equal(set.status, 200);
    assert.equal((await set.json()).data.value, 'teal');
    const vars = await cmJson<{ name: string; value: string }[]>(home, ['var', 'list']);
    assert.ok(vars.some((v) => v.name === 'color' && v.value === 'teal'));
    await cmJson(home, ['var', 'shape=round']);
    const listed = await (await request('/api/var/list')).json();
    assert.ok(listed.data.some((v: { name: string }) => v.name === 'shape'));
  });

  test('bad input is a usage error (400) naming the parameter', async () => {
    const missing = await request('/api/hpc/run', { method: 'POST', ...json({}), headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` } });
    assert.equal(missing.status, 400);
    const body = await missing.json();
    assert.equal(body.error.kind, 'usage');
    assert.match(body.error.message, /COMMAND|command/);
    const unknown = await request('/api/hpc/queue?colour=red');
    assert.equal(unknown.status, 400);
    assert.match((await unknown.json()).error.message, /unknown parameter "colour"/);
    const noRoute = await request('/api/nothing/here');
    assert.equal(noRoute.status, 404);
    assert.equal((await noRoute.json()).error.kind, 'not_found');
  });

  test('bulk kill: a dry run changes nothing; a partial failure is 207 with one result per item', async () => {
    const auth = { 'content-type': 'application/json', authorization: `Bearer ${token}` };
    const run = await request('/api/hpc/run', { method: 'POST', body: JSON.stringify({ command: ['sleep', '60'], name: 'api-kill' }), headers: auth });
    assert.equal(run.status, 200);
    const job = (await run.json()).data as { id: string };
    const plan = await request('/api/hpc/kill', { method: 'DELETE', body: JSON.stringify({ ids: [job.id], dryRun: true }), headers: auth });
    assert.equal(plan.status, 200);
    const [still] = (await (await request(`/api/hpc/status?ids=${job.id}`)).json()).data as { state: string }[];
    assert.ok(['PENDING', 'RUNNING'].includes(still!.state), `dry run left the job ${still!.state}`);
    const res = await request('/api/hpc/kill', { method: 'DELETE', body: JSON.stringify({ ids: [job.id, '987654'] }), headers: auth });
    assert.equal(res.status, 207);
    const body = await res.json();
    assert.equal(body.ok, false);
    assert.equal(body.exitCode, 1);
    assert.deepEqual(body.data.map((r: { id: string; ok: boolean }) => [r.id, r.ok]), [[job.id, true], ['987654', false]]);
    await eventually(async () => {
      const [row] = (await (await request(`/api/hpc/status?ids=${job.id}`)).json()).data as { state: string }[];
      return row?.state === 'CANCELLED' ? true : undefined;
    }, 20_000, 'the job to be cancelled');
  });

  test('secrets from the config never reach the API: the config is masked, and text quoting one too', async () => {
    const config = await (await request('/api/config')).text();
    assert.ok(config.includes('"lab"'), 'the cloud is listed');
    assert.ok(!config.includes(SECRET), 'the password is not sent');
    // Through a context like every face's, so the row lands where the server reads (whatever the scoping).
    const ctx = createContext({ home, env: { ...process.env, CLOUDMESH_HOME: home } });
    const store = await ctx.store();
    const now = new Date().toISOString();
    await store.collection('vms').put({ cloud: 'lab', name: 'leaky', id: 'v1', status: 'ACTIVE', image: null, flavor: null, key: null, group_name: null, public_ip: null, private_ip: null, created_at: now, data: { note: `pw ${SECRET}` }, source: 'lab', seen_at: now });
    await ctx.close();
    const vms = await (await request('/api/vm/list?names=leaky')).text();
    assert.ok(vms.includes('leaky'), vms);
    assert.ok(!vms.includes(SECRET));
  });

  test('TOTP login: cookie HttpOnly SameSite=Strict; a code works once; changes need the CSRF token and Origin', async () => {
    const enrolled = await enrollTotp(home, 'test', 'ada@test');
    const code = await totpCode(enrolled.secret);
    const login = (c: string) => raw(`${BASE}/auth/login/totp`, { method: 'POST', body: JSON.stringify({ code: c }), headers: { 'content-type': 'application/json', origin: BASE } });
    const ok = await login(code);
    assert.equal(ok.status, 200);
    const cookie = ok.headers.get('set-cookie') ?? '';
    assert.match(cookie, /^cm_session=[\w-]+; Path=\/; HttpOnly; SameSite=Strict/);
    const { csrf } = await ok.json();
    const replay = await login(code);
    assert.equal(replay.status, 401, 'a used code is refused');
    const session = cookie.split(';')[0]!;
    const read = await raw(`${BASE}/api/var/list`, { headers: { cookie: session } });
    assert.equal(read.status, 200);
    const noCsrf = await raw(`${BASE}/api/var`, { method: 'POST', body: JSON.stringify({ assignment: 'a=1' }), headers: { cookie: session, origin: BASE, 'content-type': 'application/json' } });
    assert.equal(noCsrf.status, 403);
    const good = await raw(`${BASE}/api/var`, { method: 'POST', body: JSON.stringify({ assignment: 'a=1' }), headers: { cookie: session, origin: BASE, 'content-type': 'application/json', 'x-csrf-token': csrf } });
    assert.equal(good.status, 200);
    const out = await raw(`${BASE}/auth/logout`, { method: 'POST', body: '{}', headers: { cookie: session, origin: BASE, 'content-type': 'application/json', 'x-csrf-token': csrf } });
    assert.equal(out.status, 200);
    assert.equal((await raw(`${BASE}/api/var/list`, { headers: { cookie: session } })).status, 401);
  });

  test('login attempts are rate limited (429 with Retry-After)', async () => {
    const attempt = () => raw(`${BASE}/auth/login/totp`, { method: 'POST', body: JSON.stringify({ code: '000000' }), headers: { 'content-type': 'application/json', origin: BASE } });
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++) statuses.push((await attempt()).status);
    assert.ok(statuses.includes(429), `statuses: ${statuses.join(',')}`);
    const limited = await attempt();
    assert.equal(limited.status, 429);
    assert.ok(Number(limited.headers.get('retry-after')) > 0);
  });

  test('/openapi.json lists every command with a REST route, with its input schema', async () => {
    const doc = await (await raw(`${BASE}/openapi.json`)).json();
    for (const spec of await loadCommands()) {
      const route = restRoute(spec);
      if (!route) continue;
      assert.ok(doc.paths[route.path]?.[route.method.toLowerCase()], `${route.method} ${route.path} documented`);
    }
    const run = doc.paths['/api/hpc/run'].post;
    assert.equal(run.requestBody.content['application/json'].schema.properties.command.type, 'array');
    assert.ok(doc.paths['/api/hpc/kill'].delete.requestBody.content['application/json'].schema.properties.dryRun);
    assert.equal(doc.paths['/api/server/token'], undefined, 'the token is never served');
    assert.equal(doc.paths['/api/auth/totp/enroll'], undefined, 'factors are enrolled at the terminal only');
  });

  test('/events/status streams the overall view as server-sent events', async () => {
    const res = await request('/events/status');
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /text\/event-stream/);
    const reader = res.body!.getReader();
    let text = '';
    while (!text.includes('\n\n')) text += new TextDecoder().decode((await reader.read()).value);
    await reader.cancel();
    assert.match(text, /^event: status\ndata: \[/);
  });
});

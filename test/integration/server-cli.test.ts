/**
 * The built `cm` as a user runs it: `cm server start` on a real loopback socket (token from
 * `cm server token`, rotation taking effect at once, a non-loopback bind refused), and `cm auth`:
 * TOTP enrolment stored 0600 outside the database, and `auth require on` asking destructive commands
 * and credential reads for a fresh code typed on stdin.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { totpCode } from '../../src/services/auth-totp.ts';
import { CM, cm, cmJson, eventually, tempHome } from '../helpers.ts';

/** Start `cm server start` and wait for the line with its URL. */
export async function startCmServer(home: string, args: string[] = []): Promise<{ child: ChildProcess; url: string; stderr: () => string }> {
  const child = spawn(process.execPath, [CM, 'server', 'start', '--port', '0', ...args], {
    env: { ...process.env, CLOUDMESH_HOME: home, NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const url = await eventually(async () => /on (http:\/\/localhost:\d+\/)/.exec(stderr)?.[1], 30_000, `server start (stderr: ${stderr})`);
  return { child, url, stderr: () => stderr };
}

function stop(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve(child.exitCode);
    child.once('exit', (code) => resolve(code));
    child.kill('SIGINT');
  });
}

describe('cm server (real loopback socket)', () => {
  const home = tempHome('cm-server-cli-');
  const children: ChildProcess[] = [];
  after(async () => {
    for (const child of children) await stop(child);
  });

  test('serves the API on localhost with the token from cm server token; rotation locks the old one out', async () => {
    const server = await startCmServer(home);
    children.push(server.child);
    const token = (await cm(home, ['server', 'token'])).stdout.trim();
    assert.match(token, /^[\w-]{40,}$/);
    assert.equal(statSync(join(home, 'auth', 'server-token')).mode & 0o777, 0o600);
    assert.equal((await fetch(`${server.url}api/status`)).status, 401);
    await cmJson(home, ['hpc', 'run', '--name', 'from-cli', 'true']);
    const res = await fetch(`${server.url}api/status`, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(res.status, 200);
    const rows = ((await res.json()) as { data: { name: string }[] }).data;
    assert.ok(rows.some((r) => r.name === 'from-cli'), 'a job submitted from the CLI is in the API');
    const rotated = (await cm(home, ['server', 'token', '--rotate'])).stdout.trim();
    assert.notEqual(rotated, token);
    assert.equal((await fetch(`${server.url}api/status`, { headers: { authorization: `Bearer ${token}` } })).status, 401);
    assert.equal((await fetch(`${server.url}api/status`, { headers: { authorization: `Bearer ${rotated}` } })).status, 200);
    assert.equal(await stop(server.child), 0);
    assert.match(server.stderr(), /server stopped/);
  });

  test('a non-loopback address is refused without --unsafe-bind', async () => {
    const result = await cm(home, ['server', 'start', '--host', '0.0.0.0', '--port', '0']);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /refusing to listen on 0\.0\.0\.0/);
    assert.match(result.stderr, /--unsafe-bind/);
  });

  test('--unsafe-bind allows another address, with a warning; the token is still required', async () => {
    const child = spawn(process.execPath, [CM, 'server', 'start', '--host', '0.0.0.0', '--port', '0', '--unsafe-bind'], {
      env: { ...process.env, CLOUDMESH_HOME: home, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(child);
    let stderr = '';
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const port = await eventually(async () => /on http:\/\/0\.0\.0\.0:(\d+)\//.exec(stderr)?.[1], 30_000, `server start (stderr: ${stderr})`);
    assert.match(stderr, /reachable from other machines/);
    const token = (await cm(home, ['server', 'token'])).stdout.trim();
    assert.equal((await fetch(`http://127.0.0.1:${port}/api/status`)).status, 401);
    assert.equal((await fetch(`http://127.0.0.1:${port}/api/status`, { headers: { authorization: `Bearer ${token}` } })).status, 200);
    assert.equal(await stop(child), 0);
  });

  test('portal start without the portal package says how to install it', async () => {
    const result = await cm(home, ['portal', 'start', '--port', '0'], { env: { CLOUDMESH_PORTAL: join(home, 'no-portal-here') } });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /portal is not installed/);
    assert.match(result.stderr, /npm install cloudmesh-portal/);
  });
});

describe('cm auth (TOTP, auth require)', () => {
  const home = tempHome('cm-auth-cli-');
  const jobs: string[] = [];
  after(async () => {
    // The home is this test's own: dropping the factors file is the quickest way past the gate.
    rmSync(join(home, 'auth', 'factors.json'), { force: true });
    for (const id of jobs) await cm(home, ['hpc', 'kill', id]);
  });
  let secret = '';

  test('enrol prints the secret once; it is stored 0600 in the home, listed without it, never in the database', async () => {
    const enrolled = await cmJson<{ id: string; secret: string; uri: string }>(home, ['auth', 'totp', 'enroll', '--name', 'phone']);
    secret = enrolled.secret;
    assert.match(enrolled.uri, /^otpauth:\/\/totp\/.*secret=/);
    assert.equal(statSync(join(home, 'auth', 'factors.json')).mode & 0o777, 0o600);
    assert.equal(statSync(join(home, 'auth')).mode & 0o777, 0o700);
    const list = await cm(home, ['--output', 'json', 'auth', 'list']);
    assert.ok(list.stdout.includes(enrolled.id) && !list.stdout.includes(secret));
    const exported = join(home, 'state.jsonl');
    await cm(home, ['db', 'export', exported]);
    assert.ok(!readFileSync(exported, 'utf8').includes(secret), 'no secret in the state');
    assert.ok(!readFileSync(join(home, 'audit.log'), 'utf8').includes(secret), 'no secret in the audit log');
  });

  test('with auth require on, kill asks for a code on stdin: none or a wrong one refuses, a good one works once', async () => {
    await cmJson(home, ['auth', 'require', 'on']);
    const job = await cmJson<{ id: string }>(home, ['hpc', 'run', '--name', 'gated', 'sleep', '60']);
    jobs.push(job.id);
    const none = await cm(home, ['hpc', 'kill', job.id]);
    assert.equal(none.code, 1);
    assert.match(none.stderr, /needs a second factor/);
    const wrong = await cm(home, ['hpc', 'kill', job.id], { input: '000000\n' });
    assert.equal(wrong.code, 1);
    assert.match(wrong.stderr, /wrong, expired or already used TOTP code/);
    const dry = await cm(home, ['hpc', 'kill', job.id, '--dry-run']);
    assert.equal(dry.code, 0, `a dry run is not asked: ${dry.stderr}`);
    const code = await totpCode(secret);
    const good = await cm(home, ['hpc', 'kill', job.id], { input: `${code}\n` });
    assert.equal(good.code, 0, good.stderr);
    const token = await cm(home, ['server', 'token'], { input: `${code}\n` });
    assert.equal(token.code, 1, 'the same code is not accepted twice');
    assert.match(token.stderr, /already used/);
  });

  test('removing a factor needs one too; with none left, require switches itself off', async () => {
    const [factor] = await cmJson<{ id: string }[]>(home, ['auth', 'list']);
    const refused = await cm(home, ['auth', 'remove', factor!.id]);
    assert.equal(refused.code, 1);
    // The previous test used this step's code; the next step's is within the accepted clock drift.
    const code = await totpCode(secret, Date.now() / 1000 + 30);
    const removed = await cm(home, ['--output', 'json', 'auth', 'remove', factor!.id], { input: `${code}\n` });
    assert.equal(removed.code, 0, removed.stderr);
    assert.deepEqual(await cmJson(home, ['auth', 'list']), []);
    const state = JSON.parse(readFileSync(join(home, 'auth', 'factors.json'), 'utf8'));
    assert.equal(state.require, false);
  });
});

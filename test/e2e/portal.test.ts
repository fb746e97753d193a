/**
 * The portal in Debian's Chromium (playwright-core, /usr/bin/chromium), against `cm portal start` on
 * loopback: a virtual security key (DevTools WebAuthn domain) is enrolled through `cm auth webauthn
 * register`'s page, logs in, the dashboard shows a VM row put in the store and a job run from the CLI, a
 * job submitted from the portal streams its output to the end, another is cancelled after a dry-run
 * preview, a replayed assertion is refused, and logging out ends the session. Screenshots of every page
 * go to test-artifacts/. Skipped (with the reason) when Chromium or the built portal is missing:
 * `.ci/chromium.sh` installs both.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createContext } from '../../src/services/context.ts';
import { totpCode } from '../../src/services/auth-totp.ts';
import { CM, cm, cmJson, eventually, ROOT, tempHome } from '../helpers.ts';

const CHROMIUM = '/usr/bin/chromium';
const SECRET = 'e2e-Cloud-Passw0rd-never-in-the-browser';
const PORTAL = join(ROOT, 'portal', 'dist', 'index.html');
const ARTIFACTS = join(ROOT, 'test-artifacts');
const skip = !existsSync(CHROMIUM)
  ? `${CHROMIUM} is missing (apt-get install chromium, or bash .ci/chromium.sh)`
  : !existsSync(PORTAL)
    ? 'the portal is not built (npm --prefix portal ci && npm --prefix portal run build)'
    : false;
const FLAGS = ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

type Page = import('playwright-core').Page;
/** The page's document inside waitForFunction callbacks (this project compiles without the DOM types). */
type Doc = { querySelector(selector: string): { textContent: string | null } | null };
type BrowserContext = import('playwright-core').BrowserContext;

/** Start a long-running cm command and wait until its stderr shows `pattern`. */
async function startCm(home: string, args: string[], pattern: RegExp): Promise<{ child: ChildProcess; match: RegExpExecArray; stderr: () => string; exited: Promise<number | null> }> {
  const child = spawn(process.execPath, [CM, ...args], { env: { ...process.env, CLOUDMESH_HOME: home, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  let stdout = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const match = await eventually(async () => pattern.exec(stderr) ?? undefined, 30_000, `cm ${args.join(' ')} to print ${pattern} (stderr: ${stderr}; stdout: ${stdout})`);
  return { child, match, stderr: () => stderr + stdout, exited };
}

describe('portal in Chromium', { skip }, () => {
  const home = tempHome('cm-e2e-');
  const profile = mkdtempSync(join(tmpdir(), 'cm-e2e-chromium-'));
  let portal: Awaited<ReturnType<typeof startCm>>;
  let context: BrowserContext;
  let page: Page;
  let url: string;
  const shot = (name: string) => page.screenshot({ path: join(ARTIFACTS, `portal-${name}.png`) });
  const extraJobs: string[] = [];
  let totpSecret = '';

  before(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    writeFileSync(join(home, 'cloudmesh.yaml'), `version: 1\nclouds:\n  chameleon:\n    kind: openstack\n    credentials:\n      username: ada\n      password: ${SECRET}\n`, { mode: 0o600 });
    // A VM row as a cloud refresh would leave it (the cloud providers are tested on their own).
    const ctx = createContext({ home, env: { ...process.env, CLOUDMESH_HOME: home } });
    const now = new Date(Date.now() - 90_000).toISOString();
    await (await ctx.store()).collection('vms').put({
      cloud: 'chameleon', name: 'e2e-vm-001', id: 'b7f1c2', status: 'ACTIVE', image: 'ubuntu-24.04', flavor: 'm1.small', key: 'ada',
      group_name: null, public_ip: '192.0.2.17', private_ip: '10.0.0.17', created_at: now, data: {}, source: 'chameleon', seen_at: now,
    });
    await ctx.close();
    await cmJson(home, ['hpc', 'run', '--name', 'cli-job', 'echo', 'hello from the CLI']);
    portal = await startCm(home, ['portal', 'start', '--port', '0'], /on (http:\/\/localhost:\d+\/)/);
    url = portal.match[1]!;
    const { chromium } = await import('playwright-core');
    context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: FLAGS, viewport: { width: 1280, height: 800 } });
    page = context.pages()[0] ?? (await context.newPage());
    const cdp = await context.newCDPSession(page);
    await cdp.send('WebAuthn.enable');
    await cdp.send('WebAuthn.addVirtualAuthenticator', {
      options: { protocol: 'ctap2', transport: 'usb', hasResidentKey: true, hasUserVerification: true, isUserVerified: true, automaticPresenceSimulation: true },
    });
  });

  after(async () => {
    await context?.close();
    portal?.child.kill('SIGINT');
    await portal?.exited;
    // This test's own home: dropping the factors file is the quickest way past `auth require`.
    rmSync(join(home, 'auth', 'factors.json'), { force: true });
    for (const id of extraJobs) await cm(home, ['hpc', 'kill', id]);
    rmSync(profile, { recursive: true, force: true });
  });

  test('enrol the virtual key through cm auth webauthn register', async () => {
    const enrol = await startCm(home, ['--output', 'json', 'auth', 'webauthn', 'register', '--name', 'virtual', '--timeout', '60'], /open (http:\/\/localhost:\d+\/#[\w-]+)/);
    await page.goto(enrol.match[1]!);
    await shot('enrol');
    await page.click('#go');
    await page.waitForSelector('text=Done', { timeout: 20_000 });
    assert.equal(await enrol.exited, 0, enrol.stderr());
    totpSecret = (await cmJson<{ secret: string }>(home, ['auth', 'totp', 'enroll', '--name', 'fallback'])).secret;
    const factors = await cmJson<{ id: string; kind: string }[]>(home, ['auth', 'list']);
    assert.deepEqual(factors.map((f) => f.kind).sort(), ['totp', 'webauthn']);
  });

  let assertion: string | undefined;
  test('log in with the key; the dashboard shows the VM and the CLI job with their ages', async () => {
    await page.goto(url);
    await page.waitForSelector('#login-key');
    await shot('login');
    page.on('request', (request) => {
      if (request.url().endsWith('/auth/login/webauthn') && request.method() === 'POST') assertion = request.postData() ?? undefined;
    });
    await page.click('#login-key');
    await page.waitForSelector('text=e2e-vm-001', { timeout: 20_000 });
    await page.waitForSelector('text=cli-job', { timeout: 20_000 });
    const vmRow = await page.textContent('tr[data-row="vm:chameleon:b7f1c2"]');
    assert.match(vmRow ?? '', /ACTIVE.*192\.0\.2\.17.*chameleon\s*\d+[sm]/);
    await page.waitForSelector('.live.on');
    await shot('dashboard');
  });

  test('a replayed WebAuthn assertion is refused', async () => {
    assert.ok(assertion, 'the login request was seen');
    const replay = await page.request.post(`${url}auth/login/webauthn`, { data: assertion, headers: { 'content-type': 'application/json', origin: url.replace(/\/$/, '') } });
    assert.equal(replay.status(), 401);
    assert.match(await replay.text(), /unknown, used or expired WebAuthn challenge/);
  });

  test('submit a local job from the portal and watch its output to the end', async () => {
    await page.click('nav >> text=HPC jobs');
    await page.fill('#job-name', 'portal-job');
    await page.fill('#job-command', 'sh -c "echo step one; sleep 1; echo portal says hi"');
    await page.click('#submit-job button[type=submit]');
    const notice = await page.waitForSelector('#hpc-notice');
    const id = /submitted job (\S+) to local/.exec((await notice.textContent()) ?? '')?.[1];
    assert.ok(id, 'the portal names the new job');
    await page.click(`a[href="#/hpc/job/local/${id}"]`);
    await page.waitForFunction(() => (globalThis as unknown as { document: Doc }).document.querySelector('#job-output')?.textContent?.includes('portal says hi'), undefined, { timeout: 30_000 });
    await page.waitForFunction(() => (globalThis as unknown as { document: Doc }).document.querySelector('#job-state')?.textContent === 'COMPLETED', undefined, { timeout: 30_000 });
    assert.match((await page.textContent('#job-output')) ?? '', /step one\nportal says hi/);
    await shot('job-detail');
    const [row] = await cmJson<{ state: string; name: string }[]>(home, ['hpc', 'status', id!]);
    assert.equal(row?.name, 'portal-job');
  });

  test('cancel a running job after the dry-run preview', async () => {
    const job = await cmJson<{ id: string }>(home, ['hpc', 'run', '--name', 'to-cancel', 'sleep', '120']);
    extraJobs.push(job.id);
    await page.goto(`${url}#/hpc`);
    const button = await page.waitForSelector(`button[aria-label="cancel job ${job.id}"]`, { timeout: 20_000 });
    await button.click();
    await page.waitForSelector('dialog[open] pre.plan');
    await shot('cancel-confirm');
    await page.click('dialog[open] button.danger');
    await page.waitForFunction((id) => (globalThis as unknown as { document: Doc }).document.querySelector(`tr[data-row="local:${id}"]`)?.textContent?.includes('CANCELLED'), job.id, { timeout: 30_000 });
    const [row] = await cmJson<{ state: string }[]>(home, ['hpc', 'status', job.id]);
    assert.equal(row?.state, 'CANCELLED');
    await shot('hpc');
  });

  test('with auth require on, a destructive CLI command given no TOTP code waits for a key touch on its loopback page', async () => {
    await cmJson(home, ['auth', 'require', 'on']);
    const job = await cmJson<{ id: string }>(home, ['hpc', 'run', '--name', 'gated-by-key', 'sleep', '120']);
    extraJobs.push(job.id);
    const kill = await startCm(home, ['hpc', 'kill', job.id], /open (http:\/\/localhost:\d+\/#[\w-]+)/);
    await page.goto(kill.match[1]!);
    await page.click('#go');
    await page.waitForSelector('text=Done', { timeout: 20_000 });
    assert.equal(await kill.exited, 0, kill.stderr());
    await shot('touch-key');
    await eventually(async () => ((await cmJson<{ state: string }[]>(home, ['hpc', 'status', job.id]))[0]?.state === 'CANCELLED' ? true : undefined), 20_000, 'the gated kill to cancel the job');
  });

  test('the other pages render; the config is masked', async () => {
    // Each page with what shows it has its data (not just its headings).
    for (const [hash, name, ready] of [
      ['#/vms', 'vms', 'text=e2e-vm-001'],
      ['#/catalog', 'catalog', 'section:nth-of-type(2) :is(table, p.empty)'],
      ['#/settings', 'settings', 'table[aria-label=Clouds] >> text=chameleon'],
    ] as const) {
      await page.goto(`${url}${hash}`);
      await page.waitForSelector(ready);
      await shot(name);
      assert.ok(!(await page.content()).includes(SECRET), `${name}: no secret in the page`);
    }
    assert.match((await page.content()).replace(/&quot;/g, '"'), /"password":"\*{8}"/);
  });

  test('log out ends the session', async () => {
    await page.click('#logout');
    await page.waitForSelector('#login-key');
    const res = await page.request.get(`${url}api/status`);
    assert.equal(res.status(), 401);
  });

  test('the TOTP fallback logs in too; a wrong code is refused', async () => {
    await page.fill('#totp-code', '000000');
    await page.click('.totp button');
    await page.waitForSelector('[role=alert] >> text=wrong, expired or already used code');
    // Codes of the current step may have been used by the CLI above; the next step's is within the drift.
    await page.fill('#totp-code', await totpCode(totpSecret, Date.now() / 1000 + 30));
    await page.click('.totp button');
    await page.waitForSelector('#logout', { timeout: 20_000 });
    assert.equal((await page.request.get(`${url}api/status`)).status(), 200);
    await page.click('#logout');
    await page.waitForSelector('#totp-code');
  });
});

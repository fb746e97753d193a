/**
 * `cm` end to end against the real OpenStack (../shared/backends/openstack-up.sh via .ci/openstack.sh):
 * registration from a clouds.yaml + secure.yaml and from an openrc, bad registrations (no auth_url, wrong
 * password, a silent Keystone), the VM lifecycle through the built binary, a token reused across commands,
 * and a boot whose answer a fault proxy loses: one VM on the cloud and one row in the DB.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { waitForVm } from '../contracts/compute.contract.ts';
import { ADMINRC, FIXTURE, openStackDown, proxiedOpenStack, testProvider, type ProxiedOpenStack } from '../../src/providers/compute/openstack/testbed.ts';
import { cm as cmRaw, tempHome } from '../helpers.ts';

/** `cm` with room for a busy test cloud (its Nova has one API worker shared by every test file). */
const cm = (home: string, args: readonly string[], options: Parameters<typeof cmRaw>[2] = {}) => cmRaw(home, args, { timeoutMs: 150_000, ...options });
async function cmJson<T>(home: string, args: readonly string[]): Promise<T> {
  const result = await cm(home, ['--output', 'json', ...args]);
  if (result.code !== 0) throw new Error(`cm ${args.join(' ')} exited ${result.code}: ${result.stderr}`);
  return JSON.parse(result.stdout) as T;
}

const down = await openStackDown();
// A skipped suite is not counted as a skipped test; this line makes the skip show in the totals too.
if (down) test('OpenStack backend', { skip: down }, () => {});
const LONG = { timeout: 400_000 };
const suffix = randomBytes(3).toString('hex');
const PASSWORD = 'secret'; // the test cloud's admin password, which must appear in no output and no cloudmesh file

/** A clouds.yaml for the test cloud at `authUrl`, its password in a secure.yaml beside it. */
function writeCloudsYaml(home: string, authUrl: string, extra = ''): string {
  const file = join(home, 'clouds.yaml');
  writeFileSync(file, `clouds:\n  devstack:\n    auth:\n      auth_url: ${authUrl}\n      username: admin\n      project_name: admin\n      user_domain_name: Default\n      project_domain_name: Default\n    region_name: RegionOne\n    keep_alive: false\n${extra}`);
  writeFileSync(join(home, 'secure.yaml'), `clouds:\n  devstack:\n    auth:\n      password: ${PASSWORD}\n`, { mode: 0o600 });
  return file;
}

/** The password as a value (`password: secret`, `OS_PASSWORD=secret`, `"secret"`), not the English word. */
function assertNoSecret(...texts: string[]): void {
  const asValue = new RegExp(`(password\\W{1,3}|["'])${PASSWORD}\\b`, 'i');
  for (const text of texts) assert.ok(!asValue.test(text), `the password appears in: ${text.slice(0, 400)}`);
}

describe('cm with the real OpenStack', { skip: down, timeout: 900_000 }, () => {
  const home = tempHome('cm-os-cli-');
  const cloud = `os${suffix}`;
  const servers: Server[] = [];
  let registration: Awaited<ReturnType<typeof cm>>;
  let file: string;
  before(async () => {
    file = writeCloudsYaml(home, 'http://127.0.0.1:5100/v3');
    registration = await cm(home, ['register', 'clouds.yaml', file, '--cloud', 'devstack', '--name', cloud]);
  });
  after(async () => {
    servers.forEach((s) => s.close());
    // Whatever a failed case left on the cloud.
    const provider = await testProvider();
    for (const vm of await provider.listVms()) if (vm.name.includes(suffix)) await provider.delete(vm.id);
  });

  test('register clouds.yaml with secure.yaml: the entry references the file, the password is nowhere', LONG, async () => {
    const result = registration;
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /ok \(compute, image, network\)/);
    const yaml = readFileSync(join(home, 'cloudmesh.yaml'), 'utf8');
    assert.match(yaml, new RegExp(`clouds_yaml: ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
    const shown = await cm(home, ['register', 'show', cloud]);
    const config = await cm(home, ['config']);
    assertNoSecret(yaml, result.stdout, result.stderr, shown.stdout, config.stdout);
    assert.equal((await cm(home, ['cloud', 'check', cloud])).code, 0);
  });

  test('register openrc: the file is read, not run, and not copied', LONG, async () => {
    const result = await cm(home, ['register', 'openrc', ADMINRC, '--name', `rc${suffix}`]);
    assert.equal(result.code, 0, result.stderr);
    assert.match(readFileSync(join(home, 'cloudmesh.yaml'), 'utf8'), new RegExp(`openrc: ${ADMINRC}`));
    assertNoSecret(result.stdout, result.stderr, readFileSync(join(home, 'cloudmesh.yaml'), 'utf8'));
    assert.equal((await cm(home, ['register', 'remove', `rc${suffix}`])).code, 0);
  });

  test('bad registrations: no auth_url, wrong password, a Keystone that never answers — each named, nothing written', LONG, async () => {
    const bad = tempHome('cm-os-bad-');
    const silent = createServer(() => {});
    servers.push(silent);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const file = join(bad, 'clouds.yaml');
    writeFileSync(
      file,
      `clouds:
  nourl: {auth: {username: admin, password: Hunter2-x, project_name: admin}}
  wrongpw: {auth: {auth_url: 'http://127.0.0.1:5100/v3', username: admin, password: Wr0ng-Passw0rd, project_name: admin}}
  silent: {api_timeout: 2, keep_alive: false, auth: {auth_url: 'http://127.0.0.1:${(silent.address() as { port: number }).port}/v3', username: a, password: Hunter2-y, project_name: p}}
`,
    );
    const started = Date.now();
    const result = await cm(bad, ['register', 'clouds.yaml', file], { timeoutMs: 90_000 });
    assert.equal(result.code, 1);
    assert.match(result.stdout, /cloud "nourl": no auth_url/);
    assert.match(result.stdout, /cloud "wrongpw": Keystone refused the credentials of user "admin" in project "admin" \(401\)/);
    assert.match(result.stdout, /cloud "silent": authenticate failed: no answer within 2 s/);
    assert.ok(Date.now() - started < 60_000, 'the silent cloud did not hold the command');
    for (const secret of ['Hunter2', 'Wr0ng-Passw0rd']) assert.ok(!(result.stdout + result.stderr).includes(secret), `${secret} printed`);
    const clouds = await cmJson<unknown[]>(bad, ['register', 'list']);
    assert.deepEqual(clouds.filter((c) => (c as { kind: string }).kind === 'cloud'), [], 'nothing registered');
  });

  test('vm boot, wait, list, stop, start, delete through the binary', LONG, async () => {
    const name = `cli-${suffix}`;
    const opts = ['--cloud', cloud, '--image', FIXTURE.image, '--flavor', FIXTURE.flavor, '--network', FIXTURE.network];
    const [booted] = await cmJson<Array<{ name: string; id: string }>>(home, ['vm', 'boot', '--name', name, ...opts]);
    assert.equal(booted?.name, name);
    assert.equal((await cm(home, ['vm', 'wait', name, '--timeout', '180'], { timeoutMs: 200_000 })).code, 0);
    const listed = await cmJson<Array<{ name: string; status: string; image: string }>>(home, ['vm', 'list', '--refresh', '--cloud', cloud]);
    assert.deepEqual(listed.filter((v) => v.name === name).map((v) => [v.status, v.image]), [['ACTIVE', FIXTURE.image]]);
    for (const [verb, state] of [['stop', 'STOPPED'], ['start', 'ACTIVE']]) {
      const acted = await cm(home, ['vm', verb!, name]);
      assert.equal(acted.code, 0, `${verb}: ${acted.stdout}${acted.stderr}`);
      const waited = await cm(home, ['vm', 'wait', name, '--state', state!, '--timeout', '180'], { timeoutMs: 200_000 });
      assert.equal(waited.code, 0, waited.stderr);
    }
    assert.equal((await cm(home, ['vm', 'delete', name])).code, 0);
    // `vm delete` drops the VM from the cache; waiting for DELETED asks the cloud, which may still list it.
    const gone = await cm(home, ['vm', 'wait', name, '--state', 'DELETED', '--timeout', '180'], { timeoutMs: 200_000 });
    assert.equal(gone.code, 0, gone.stderr);
    await waitForVm(await testProvider(), booted!.id, 'DELETED', 5_000);
    const after = await cmJson<Array<{ name: string }>>(home, ['vm', 'list', '--refresh', '--cloud', cloud]);
    assert.ok(!after.some((v) => v.name === name), 'gone from the cache after a refresh');
  });

  test('an unknown image names the close match; nothing is booted or recorded as booted', LONG, async () => {
    const result = await cm(home, ['vm', 'boot', '--name', `bad-${suffix}`, '--cloud', cloud, '--image', 'tinny', '--flavor', FIXTURE.flavor, '--network', FIXTURE.network]);
    assert.equal(result.code, 1);
    assert.match(result.stdout + result.stderr, /image "tinny".*"tiny"/);
    const cached = await cmJson<Array<{ name: string }>>(home, ['vm', 'list']);
    assert.ok(!cached.some((v) => v.name === `bad-${suffix}`), 'no row for the refused boot');
    assert.ok(!(await (await testProvider()).listVms()).some((v) => v.name === `bad-${suffix}`), 'no server');
  });
});

describe('cm through a fault proxy in front of the real OpenStack', { skip: down, timeout: 900_000 }, () => {
  const home = tempHome('cm-os-fault-');
  const cloud = `fx${suffix}`;
  let os: ProxiedOpenStack;

  before(async () => {
    os = await proxiedOpenStack();
    const file = writeCloudsYaml(home, os.authUrl, '    api_timeout: 20\n');
    const result = await cm(home, ['register', 'clouds.yaml', file, '--cloud', 'devstack', '--name', cloud]);
    assert.equal(result.code, 0, result.stderr);
  });
  after(() => os?.close());

  test('ten commands authenticate once: the token is reused from the 0600 cache', LONG, async (t) => {
    const commands = [
      ['vm', 'refresh', '--cloud', cloud], ['image', 'list', '--cloud', cloud, '--refresh'], ['flavor', 'list', '--cloud', cloud, '--refresh'],
      ['quota', '--cloud', cloud], ['vm', 'list', '--refresh', '--cloud', cloud], ['key', 'list', '--cloud', cloud], ['secgroup', 'list', '--cloud', cloud],
      ['cloud', 'check', cloud], ['vm', 'refresh', '--cloud', cloud], ['limits', '--cloud', cloud],
    ];
    const run = async (env: Record<string, string>) => {
      const before = os.keystone.log.filter((e) => e.method === 'POST').length;
      const started = Date.now();
      for (const args of commands) {
        const result = await cm(home, args, { timeoutMs: 120_000, env });
        assert.equal(result.code, 0, `cm ${args.join(' ')}: ${result.stderr}`);
      }
      return { auths: os.keystone.log.filter((e) => e.method === 'POST').length - before, ms: Date.now() - started };
    };
    const cached = await run({});
    const uncached = await run({ CM_OPENSTACK_CACHE_AUTH: '0' });
    t.diagnostic(`10 commands: ${cached.auths} Keystone auth(s) in ${cached.ms} ms with the token cache; ${uncached.auths} in ${uncached.ms} ms without`);
    assert.ok(cached.auths <= 1, `${cached.auths} Keystone authentications for 10 commands`);
    assert.ok(uncached.auths >= 10, 'without the cache each command authenticates');
  });

  test('vm boot whose answer is lost after Nova acted: one VM on the cloud, one row in the DB', LONG, async () => {
    const name = `lost-${suffix}`;
    const nova = os.services.get('compute')!;
    nova.inject({ method: 'POST', path: /^\/v2\.1\/servers$/, fault: { kind: 'reset-after' } });
    const result = await cm(home, ['--output', 'json', 'vm', 'boot', '--name', name, '--cloud', cloud, '--image', FIXTURE.image, '--flavor', FIXTURE.flavor, '--network', FIXTURE.network], { timeoutMs: 180_000 });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(nova.forwarded('POST', /^\/v2\.1\/servers$/), 1, 'Nova was asked once');
    const provider = await testProvider();
    const onCloud = (await provider.listVms()).filter((v) => v.name === name);
    assert.equal(onCloud.length, 1, 'one server on the cloud');
    const listed = await cm(home, ['--output', 'json', 'vm', 'list', '--refresh', '--cloud', cloud], { timeoutMs: 120_000 });
    assert.equal(listed.code, 0, listed.stderr);
    const cached = (JSON.parse(listed.stdout) as Array<{ name: string }>).filter((v) => v.name === name);
    assert.equal(cached.length, 1, 'one row in the DB');
    assert.equal((await cm(home, ['vm', 'delete', name])).code, 0);
  });

  test('a cloud that times out does not stop the others: refresh reports it and keeps the rest', LONG, async () => {
    const silent = createServer(() => {});
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const file = join(home, 'silent.yaml');
      writeFileSync(file, `clouds:\n  slow${suffix}:\n    api_timeout: 2\n    auth: {auth_url: 'http://127.0.0.1:${(silent.address() as { port: number }).port}/v3', username: a, password: p, project_name: p}\n`);
      const registered = await cm(home, ['register', 'clouds.yaml', file, '--no-check']);
      assert.equal(registered.code, 0, registered.stdout + registered.stderr);
      const started = Date.now();
      const result = await cm(home, ['--output', 'json', 'vm', 'refresh', '--cloud', `${cloud},slow${suffix}`], { timeoutMs: 120_000 });
      assert.equal(result.code, 1);
      const rows = JSON.parse(result.stdout) as Array<{ cloud: string; ok: boolean; error?: string }>;
      assert.equal(rows.find((r) => r.cloud === cloud)?.ok, true);
      assert.match(rows.find((r) => r.cloud === `slow${suffix}`)?.error ?? '', /no answer within 2 s/);
      assert.ok(Date.now() - started < 60_000);
    } finally {
      silent.close();
    }
  });
});

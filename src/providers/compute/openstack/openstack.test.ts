/**
 * The OpenStack provider against the real OpenStack of ../shared/backends/openstack-up.sh (started by
 * .ci/openstack.sh): the shared ComputeProvider contract, then what is OpenStack's own — token reuse,
 * paging, console output, bad names with close matches, wrong credentials and an unreachable or silent
 * Keystone. Without an answering Keystone every case is reported as skipped, with the reason.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:net';
import { randomBytes } from 'node:crypto';
import { after, describe, test } from 'node:test';
import { computeContract, waitForVm } from '../../../../test/contracts/compute.contract.ts';
import { CM_TAGS } from '../../../core/compute.ts';
import { BackendError, NotFoundError, UserError } from '../../../core/errors.ts';
import { forgetTokensInMemory } from './keystone.ts';
import { ADMINRC, FIXTURE, KEYSTONE, openStackDown, testHome, testProvider } from './testbed.ts';

const down = await openStackDown();
// A skipped suite is not counted as a skipped test; this line makes the skip show in the totals too.
if (down) test('OpenStack backend', { skip: down }, () => {});
const STATE_TIMEOUT = 180_000;

computeContract(
  'openstack',
  async () => {
    const provider = await testProvider();
    return {
      provider,
      ...FIXTURE,
      async cleanup() {
        const leftovers = (await provider.listVms()).filter((vm) => vm.metadata[CM_TAGS.group] === 'cm-contract');
        await Promise.all(leftovers.map((vm) => provider.delete(vm.id)));
        for (const key of await provider.listKeys()) if (key.name.startsWith('cm-contract-key-')) await provider.deleteKey(key.name);
        for (const group of await provider.listSecgroups()) if (group.name.startsWith('cm-contract-sg-')) await provider.deleteSecgroup(group.name);
      },
    };
  },
  { skip: down, stateTimeoutMs: STATE_TIMEOUT },
);

describe('OpenStack provider: its own behaviour', { skip: down }, () => {
  const suffix = randomBytes(3).toString('hex');
  const servers: Server[] = [];
  after(() => servers.forEach((s) => s.close()));

  test('one Keystone call serves many requests, and a second provider in the same home reuses the token', async () => {
    const home = testHome();
    forgetTokensInMemory();
    const first = await testProvider({}, home);
    await first.listFlavors();
    await first.listImages();
    await first.listVms();
    await first.quota();
    assert.equal(first.client.stats.keystoneCalls, 1);
    // A new process starts with an empty memory cache; the disk cache (0600) answers it.
    forgetTokensInMemory();
    const second = await testProvider({}, home);
    await second.listFlavors();
    assert.equal(second.client.stats.keystoneCalls, 0, 'the cached token was reused');
    const { statSync, readdirSync } = await import('node:fs');
    const dir = `${home}/.cache/openstack`;
    for (const file of readdirSync(dir)) assert.equal(statSync(`${dir}/${file}`).mode & 0o777, 0o600);
    const { readFileSync } = await import('node:fs');
    for (const file of readdirSync(dir)) assert.ok(!readFileSync(`${dir}/${file}`, 'utf8').includes('"secret"'), 'no password in the cache');
  });

  test('a rejected cached token is replaced once (re-auth on 401), and the request succeeds', async () => {
    const home = testHome();
    const provider = await testProvider({}, home);
    await provider.listFlavors();
    const token = await provider.client.token();
    token.value = 'gAAAAAB-not-a-valid-token';
    const before = provider.client.stats.keystoneCalls;
    assert.ok((await provider.listFlavors()).length > 0);
    assert.equal(provider.client.stats.keystoneCalls, before + 1);
  });

  test('lists page by page with limit/marker until the end', async () => {
    const provider = await testProvider();
    const key = `cm-page-${suffix}`;
    const groups = [0, 1, 2].map((i) => `${key}-${i}`);
    try {
      for (const name of groups) await provider.uploadSecgroup({ name, rules: [] });
      const before = provider.client.stats.requests;
      const paged = await provider.client.listAll<{ id: string; name: string }>('network', '/security-groups', 'security_groups', {}, 1);
      assert.ok(provider.client.stats.requests - before >= 4, 'at least one request per group');
      for (const name of groups) assert.ok(paged.some((g) => g.name === name), `${name} reached by paging`);
      assert.equal(new Set(paged.map((g) => g.id)).size, paged.length, 'no item twice');
    } finally {
      for (const name of groups) await provider.deleteSecgroup(name);
    }
  });

  test('an unknown image or flavor is a NotFoundError naming close matches; nothing is booted', async () => {
    const provider = await testProvider();
    const spec = { name: `cm-bad-${suffix}`, image: 'tinny', flavor: FIXTURE.flavor, network: FIXTURE.network, clientToken: `bad-${suffix}` };
    await assert.rejects(provider.boot(spec), (e: Error) => e instanceof NotFoundError && /no image named "tinny"; did you mean "tiny"/.test(e.message));
    await assert.rejects(provider.boot({ ...spec, image: FIXTURE.image, flavor: 'm1.tinny' }), (e: Error) => e instanceof NotFoundError && /"m1\.tiny"/.test(e.message));
    await assert.rejects(provider.boot({ ...spec, image: FIXTURE.image, network: 'net2' }), (e: Error) => e instanceof NotFoundError && /"net1"/.test(e.message));
    assert.ok(!(await provider.listVms()).some((vm) => vm.name === spec.name));
  });

  test('console output and rename of a real server', { timeout: STATE_TIMEOUT * 2 }, async () => {
    const provider = await testProvider();
    const vm = await provider.boot({ name: `cm-console-${suffix}`, ...FIXTURE, clientToken: `console-${suffix}`, group: 'cm-contract' });
    try {
      await waitForVm(provider, vm.id, 'ACTIVE', STATE_TIMEOUT);
      assert.match(await provider.console(vm.id), /\S/);
      await provider.rename(vm.id, `cm-renamed-${suffix}`);
      const seen = await provider.getVm(vm.id);
      assert.equal(seen?.name, `cm-renamed-${suffix}`);
      assert.equal(seen?.metadata[CM_TAGS.name], `cm-renamed-${suffix}`);
      assert.equal(seen?.image, FIXTURE.image, 'image id mapped to its name');
      assert.match(seen?.privateIp ?? '', /^10\.99\./);
    } finally {
      await provider.delete(vm.id);
    }
  });

  test('an application credential authenticates (no password, its own project scope)', async () => {
    const admin = await testProvider();
    const token = await admin.client.token();
    const keystone = new URL(KEYSTONE).origin;
    const headers = { 'x-auth-token': token.value, 'content-type': 'application/json' };
    const secret = `cm-ac-${suffix}-${randomBytes(8).toString('hex')}`;
    const created = await fetch(`${keystone}/v3/users/${token.userId}/application_credentials`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ application_credential: { name: `cm-test-${suffix}`, secret } }),
    });
    assert.equal(created.status, 201, await created.clone().text());
    const id = ((await created.json()) as { application_credential: { id: string } }).application_credential.id;
    try {
      process.env['CM_TEST_AC_SECRET'] = secret;
      const provider = await (await import('./index.ts')).createOpenStackProvider({
        cloud: 'appcred',
        config: { kind: 'openstack', settings: { auth_url: KEYSTONE, auth_type: 'v3applicationcredential', application_credential_id: id, region_name: 'RegionOne' }, credentials: { application_credential_secret: 'env:CM_TEST_AC_SECRET' } },
        home: testHome(),
        env: process.env,
      });
      assert.ok((await provider.listFlavors()).some((f) => f.name === FIXTURE.flavor));
      assert.equal((await provider.client.token()).projectId, token.projectId);
    } finally {
      await fetch(`${keystone}/v3/users/${token.userId}/application_credentials/${id}`, { method: 'DELETE', headers });
    }
  });

  test('wrong credentials: one clear line naming the cloud and user, nothing of the secret', async () => {
    process.env['CM_TEST_OS_PW'] = 'Wr0ng-S3cret-xyz';
    // Explicit credentials override the openrc's password.
    const bad = await (await import('./index.ts')).createOpenStackProvider({
      cloud: 'badpw',
      config: { kind: 'openstack', settings: { openrc: ADMINRC }, credentials: { password: 'env:CM_TEST_OS_PW' } },
      home: testHome(),
      env: process.env,
    });
    await assert.rejects(bad.listVms(), (e: Error) => {
      assert.ok(e instanceof UserError, String(e));
      assert.match(e.message, /cloud "badpw": Keystone refused the credentials of user "admin" in project "admin" \(401\)/);
      assert.ok(!JSON.stringify({ m: e.message, h: (e as UserError).hint }).includes('Wr0ng'), 'no secret in the error');
      return true;
    });
  });

  test('an auth_url where nothing listens is a BackendError naming the cloud, after bounded retries', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as { port: number }).port;
    await new Promise((resolve) => closed.close(resolve));
    const provider = await testProvider({ auth_url: `http://127.0.0.1:${port}/v3`, retries: 1, cache_auth: false }, testHome(), 'nowhere');
    await assert.rejects(provider.listVms(), (e: Error) => e instanceof BackendError && /cloud "nowhere": .*connection failed \(ECONNREFUSED\)/.test(e.message));
  });

  test('a Keystone that never answers times out with a clear error instead of hanging', async () => {
    const silent = createServer(() => {}); // accepts, never answers
    servers.push(silent);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as { port: number }).port;
    const started = Date.now();
    const provider = await testProvider({ auth_url: `http://127.0.0.1:${port}/v3`, timeout: 1, retries: 1, cache_auth: false }, testHome(), 'silent');
    await assert.rejects(provider.listVms(), (e: Error) => e instanceof BackendError && /cloud "silent": .*no answer within 1 s after 2 attempts/.test(e.message));
    assert.ok(Date.now() - started < 15_000);
  });
});

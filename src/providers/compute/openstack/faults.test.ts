/**
 * Fault tests: the OpenStack provider talks to the REAL OpenStack through loopback fault proxies
 * (test/support/fault-proxy.ts) that inject 500s, 429s, resets and timeouts, either instead of the request
 * or after the server acted on it. They show: idempotent calls are retried, a non-idempotent one is not
 * (a clear error instead), and a boot whose answer is lost finds its server instead of making a second.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { waitForVm } from '../../../../test/contracts/compute.contract.ts';
import type { Fault } from '../../../../test/support/fault-proxy.ts';
import { CM_TAGS } from '../../../core/compute.ts';
import { BackendError } from '../../../core/errors.ts';
import type { OpenStackProvider } from './index.ts';
import { FIXTURE, openStackDown, proxiedOpenStack, testHome, testProvider, type ProxiedOpenStack } from './testbed.ts';

const down = await openStackDown();
// A skipped suite is not counted as a skipped test; this line makes the skip show in the totals too.
if (down) test('OpenStack backend', { skip: down }, () => {});
const SERVERS = /^\/v2\.1\/servers(\?|$)/;
const DETAIL = /^\/v2\.1\/servers\/detail/;

describe('OpenStack provider under injected faults (real OpenStack behind a fault proxy)', { skip: down, timeout: 900_000 }, () => {
  const suffix = randomBytes(3).toString('hex');
  let os: ProxiedOpenStack;
  let provider: OpenStackProvider;
  const booted: string[] = [];
  const nova = () => os.services.get('compute')!;

  before(async () => {
    os = await proxiedOpenStack();
    // 20 s per request: a withheld answer costs little, yet the test Nova (one uwsgi worker, which every
    // other client's idle keep-alive connection holds for 4 s) is not mistaken for a silent one.
    provider = await testProvider({ auth_url: os.authUrl, timeout: 20, retries: 2, cache_auth: false, rate_limit_budget: 5 }, testHome(), 'faulty');
    await provider.listFlavors();
  });
  after(async () => {
    for (const id of booted) await provider?.delete(id).catch(() => undefined);
    await os?.close();
  });

  for (const [label, fault] of [
    ['two 500s', { kind: 'status', status: 500 }],
    ['a reset connection', { kind: 'reset' }],
    ['an answer that never comes', { kind: 'timeout' }],
    ['a 503 after the server answered', { kind: 'status-after', status: 503 }],
  ] as Array<[string, Fault]>) {
    test(`a listing survives ${label} by retrying (GET is idempotent)`, async () => {
      const before = nova().log.length;
      nova().inject({ method: 'GET', path: DETAIL, fault, times: label.startsWith('two') ? 2 : 1 });
      const retries = provider.client.stats.retries;
      await provider.listVms();
      assert.ok(provider.client.stats.retries > retries, 'it retried');
      assert.ok(nova().log.slice(before).filter((e) => e.method === 'GET' && DETAIL.test(e.path)).length >= 2);
    });
  }

  test('a 500 that persists ends in one clear error after the retries', async () => {
    nova().inject({ method: 'GET', path: /^\/v2\.1\/flavors/, fault: { kind: 'status', status: 500 }, times: 3 });
    await assert.rejects(provider.listFlavors(), (e: Error) => e instanceof BackendError && /cloud "faulty": GET compute\/flavors\/detail failed: 500/.test(e.message));
  });

  test('429 with Retry-After is honoured, for GET and POST alike (the cloud did nothing)', async () => {
    nova().inject({ method: 'GET', path: /^\/v2\.1\/flavors/, fault: { kind: 'status', status: 429, headers: { 'retry-after': '1' } } });
    const started = Date.now();
    assert.ok((await provider.listFlavors()).length > 0);
    assert.ok(Date.now() - started >= 900, 'waited for Retry-After');
  });

  test('429 beyond the rate-limit budget is a clear error, not an endless wait', async () => {
    nova().inject({ method: 'GET', path: /^\/v2\.1\/flavors/, fault: { kind: 'status', status: 429, headers: { 'retry-after': '30' } } });
    await assert.rejects(provider.listFlavors(), /rate limited; the cloud asks to wait 30 s more than the 5 s budget allows/);
  });

  test('the rate-limit budget refills after the cloud stops throttling (a long-lived cm server)', async () => {
    const budgeted = await testProvider({ auth_url: os.authUrl, timeout: 20, retries: 2, cache_auth: false, rate_limit_budget: 2 }, testHome(), 'budgeted');
    try {
      const throttle = (seconds: number) => nova().inject({ method: 'GET', path: /^\/v2\.1\/flavors/, fault: { kind: 'status', status: 429, headers: { 'retry-after': String(seconds) } } });
      throttle(2);
      assert.ok((await budgeted.listFlavors()).length > 0, 'a 2 s wait fits the 2 s budget');
      throttle(1);
      await assert.rejects(budgeted.listFlavors(), /more than the 2 s budget allows/);
      await new Promise((resolve) => setTimeout(resolve, 2_500));
      throttle(1);
      assert.ok((await budgeted.listFlavors()).length > 0, 'after 2.5 s without a 429 the budget is whole again');
    } finally {
      await budgeted.close();
    }
  });

  test('401 from a service re-authenticates once and repeats the request', async () => {
    const calls = provider.client.stats.keystoneCalls;
    nova().inject({ method: 'GET', path: /^\/v2\.1\/flavors/, fault: { kind: 'status', status: 401 } });
    assert.ok((await provider.listFlavors()).length > 0);
    assert.equal(provider.client.stats.keystoneCalls, calls + 1);
  });

  // The boot cases: the POST reaches Nova (or not), the answer is lost, and exactly one server must exist.
  for (const [label, fault, posts] of [
    ['a 500 after Nova created the server', { kind: 'status-after', status: 500 }, 1],
    ['a reset after Nova created the server', { kind: 'reset-after' }, 1],
    ['a timeout after Nova created the server', { kind: 'timeout-after' }, 1],
    ['a reset before Nova saw the request', { kind: 'reset' }, 1],
    ['a 429 before Nova saw the request', { kind: 'status', status: 429, headers: { 'retry-after': '1' } }, 1],
  ] as Array<[string, Fault, number]>) {
    test(`boot after ${label}: one server, no duplicate`, { timeout: 300_000 }, async () => {
      const name = `cm-fault-${suffix}-${booted.length}`;
      const token = `fault-${suffix}-${booted.length}`;
      const postsBefore = nova().forwarded('POST', SERVERS);
      nova().inject({ method: 'POST', path: SERVERS, fault });
      const vm = await provider.boot({ name, ...FIXTURE, clientToken: token, group: 'cm-fault' });
      booted.push(vm.id);
      assert.equal(vm.name, name);
      assert.equal(vm.metadata[CM_TAGS.token], token);
      assert.equal(nova().forwarded('POST', SERVERS) - postsBefore, posts, 'POSTs that reached Nova');
      const named = (await provider.listVms()).filter((s) => s.name === name);
      assert.deepEqual(named.map((s) => s.id), [vm.id], 'exactly one server with that name');
    });
  }

  test('a non-idempotent action (reboot) that fails is not repeated, and says so clearly', { timeout: 300_000 }, async () => {
    const id = booted[0]!;
    await waitForVm(provider, id, 'ACTIVE', 180_000);
    const action = new RegExp(`^/v2\\.1/servers/${id}/action`);
    nova().inject({ method: 'POST', path: action, fault: { kind: 'status-after', status: 502 } });
    await assert.rejects(provider.reboot(id), (e: Error) => e instanceof BackendError && /POST compute\/servers\/.*\/action failed: 502/.test(e.message));
    assert.equal(nova().forwarded('POST', action), 1, 'sent once');
  });

  test('stop whose answer was lost is retried, and the repeat (409: already stopping) counts as done', { timeout: 300_000 }, async () => {
    const id = booted[1]!;
    await waitForVm(provider, id, 'ACTIVE', 180_000);
    const action = new RegExp(`^/v2\\.1/servers/${id}/action`);
    nova().inject({ method: 'POST', path: action, fault: { kind: 'reset-after' } });
    await provider.stop(id);
    assert.ok(nova().forwarded('POST', action) >= 2, 'the stop was sent again');
    await waitForVm(provider, id, 'STOPPED', 180_000);
  });
});

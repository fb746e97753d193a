/**
 * Unit tests of the pure parts of the VM services: name counter arithmetic, picking VMs by names, globs and
 * hostlists, boot defaults precedence, security-rule diffs, close matches, ssh/scp argv, and the rate
 * budget's retry rules (driven by real timers and errors shaped as the SDKs and fetch produce them).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { VmRow } from '../core/collections.ts';
import { UserError } from '../core/errors.ts';
import { closeMatches, looksLikeId } from './images.ts';
import { classify, parseRetryAfter, RateBudget } from '../core/rate-budget.ts';
import { makeRule, ruleDiff } from './secgroups.ts';
import { copyArgv, guessLoginUser, loginFor, sshArgv } from './vm-access.ts';
import { resolveBootSettings } from './vm-defaults.ts';
import { formatVmName, highestVmNumber, requestedNames, selectVms, vmNameNumber } from './vm-names.ts';
import { rowsFromListing } from './vm-refresh.ts';

function row(name: string, extra: Partial<VmRow> = {}): VmRow {
  return { cloud: 'c1', name, id: `id-${name}`, status: 'ACTIVE', image: null, flavor: null, key: null, group_name: null, public_ip: null, private_ip: null, created_at: null, data: {}, source: 'c1', seen_at: new Date().toISOString(), ...extra };
}

test('generated names: <user>-<NNN>, numbers read back only from the user\'s own names', () => {
  assert.equal(formatVmName('ada', 7), 'ada-007');
  assert.equal(formatVmName('ada', 1234), 'ada-1234');
  assert.equal(vmNameNumber('ada', 'ada-012'), 12);
  assert.equal(vmNameNumber('ada', 'adam-012'), undefined);
  assert.equal(vmNameNumber('ada', 'ada-01x'), undefined);
  assert.equal(highestVmNumber('ada', ['ada-003', 'bob-099', 'ada-011', 'ada-web']), 11);
  assert.equal(highestVmNumber('ada', []), 0);
});

test('requested names: hostlists expand, --n must agree, bad names are refused before anything boots', () => {
  assert.deepEqual(requestedNames(undefined, 3), { generate: 3 });
  assert.deepEqual(requestedNames([], undefined), { generate: 1 });
  assert.deepEqual(requestedNames(['web-[1-3]'], 3), { names: ['web-1', 'web-2', 'web-3'] });
  assert.deepEqual(requestedNames([`it's;$(x)`], undefined), { names: [`it's;$(x)`] });
  assert.throws(() => requestedNames(['web-[1-3]'], 2), /--n 2 does not match the 3/);
  assert.throws(() => requestedNames(undefined, 0), /at least 1/);
  assert.throws(() => requestedNames(['a*'], undefined), /glob or hostlist/);
  assert.throws(() => requestedNames(['a\nb'], undefined), /control characters/);
});

test('selection: names, ids, globs and hostlists; unmatched expressions are reported', () => {
  const rows = [row('web-001'), row('web-002'), row('web-003'), row('db-1'), row('db-1', { cloud: 'c2', id: 'other' })];
  assert.deepEqual(selectVms(rows, ['web-[001-002]']).rows.map((r) => r.name), ['web-001', 'web-002']);
  assert.deepEqual(selectVms(rows, ['web-*', 'web-001']).rows.length, 3);
  assert.deepEqual(selectVms(rows, ['db-1']).rows.map((r) => r.cloud), ['c1', 'c2']);
  assert.deepEqual(selectVms(rows, ['id-web-003']).rows.map((r) => r.name), ['web-003']);
  assert.deepEqual(selectVms(rows, ['web-[001-005]', 'x*']).unmatched, ['web-004', 'web-005', 'x*']);
});

test('boot defaults: option, then per-cloud default, then general default, then cloudmesh.yaml', () => {
  const sources = { cloud: 'chi', scoped: { image: 'scoped-img' }, general: { image: 'general-img', flavor: 'general-fl', key: 'k1', secgroup: 'a, b' }, yaml: { flavor: 'yaml-fl', network: 'net1' } };
  const s = resolveBootSettings({}, sources);
  assert.equal(s.image, 'scoped-img');
  assert.equal(s.flavor, 'general-fl');
  assert.equal(s.network, 'net1');
  assert.deepEqual(s.secgroups, ['a', 'b']);
  assert.equal(s.group, 'default');
  assert.deepEqual(s.from, { image: 'default:chi', flavor: 'default', key: 'default', secgroup: 'default', network: 'cloudmesh.yaml', group: 'built-in' });
  const o = resolveBootSettings({ image: 'opt', secgroups: ['x'], group: 'g' }, sources);
  assert.equal(o.image, 'opt');
  assert.deepEqual(o.secgroups, ['x']);
  assert.equal(o.from.image, 'option');
  assert.throws(
    () => resolveBootSettings({}, { cloud: 'aws', scoped: {}, general: {}, yaml: {} }),
    (e: Error) => e instanceof UserError && /no image or flavor given for cloud "aws"/.test(e.message),
  );
});

test('security rules: checked on input; the diff adds, removes and keeps by protocol/ports/cidr', () => {
  const ssh = makeRule('ssh', 22, 22, 'TCP', '0.0.0.0/0');
  assert.deepEqual(ssh, { name: 'ssh', protocol: 'tcp', fromPort: 22, toPort: 22, cidr: '0.0.0.0/0' });
  assert.equal(makeRule('ping', -1, -1, 'icmp', '::/0').fromPort, -1);
  assert.throws(() => makeRule('x', 0, 22, 'tcp', '0.0.0.0/0'), /FROM port/);
  assert.throws(() => makeRule('x', 90, 80, 'tcp', '0.0.0.0/0'), /backwards/);
  assert.throws(() => makeRule('x', 80, 80, 'sctp', '0.0.0.0/0'), /protocol/);
  assert.throws(() => makeRule('x', 80, 80, 'tcp', '10.0.0.0/33'), /not a CIDR/);
  assert.throws(() => makeRule('x', 80, 80, 'tcp', '10.0.0.1'), /not a CIDR/);
  const http = makeRule('http', 80, 80, 'tcp', '0.0.0.0/0');
  const old = { protocol: 'tcp' as const, fromPort: 8080, toPort: 8080, cidr: '0.0.0.0/0' };
  const diff = ruleDiff([ssh, http], [{ ...ssh }, old]);
  assert.deepEqual(diff.add.map((r) => r.fromPort), [80]);
  assert.deepEqual(diff.remove, [old]);
  assert.deepEqual(diff.keep.map((r) => r.fromPort), [22]);
});

test('close matches rank prefixes and name parts; ids of common forms are recognised', () => {
  assert.deepEqual(closeMatches('m1.tinyy', ['m1.tiny', 'm1.small', 'm1.large']), ['m1.tiny']);
  assert.deepEqual(closeMatches('busybx', ['cm/busybox:local', 'alpine:3']), ['cm/busybox:local']);
  assert.deepEqual(closeMatches('ubuntu', ['ubuntu-22.04', 'ubuntu-24.04', 'centos-9']), ['ubuntu-22.04', 'ubuntu-24.04']);
  assert.deepEqual(closeMatches('zzzzzz', ['m1.tiny']), []);
  assert.ok(looksLikeId('ami-03cf127a'));
  assert.ok(looksLikeId('a1c9b80c-70b5-468b-86bc-2c8070c4c7f1'));
  assert.ok(!looksLikeId('ubuntu-24.04'));
});

test('refresh rows: deleted VMs dropped, duplicate names kept apart, recent pending boots survive, groups carried over', () => {
  const vm = (id: string, name: string, state = 'ACTIVE') => ({ id, name, state: state as 'ACTIVE', providerState: state, image: null, flavor: null, key: null, group: null, publicIp: null, privateIp: null, createdAt: null, metadata: {}, data: {} });
  const now = Date.now();
  const previous = [row('a', { id: 'i1', group_name: 'web' }), row('pending', { id: '', status: 'BOOTING' }), row('stale', { id: '', status: 'BOOTING', seen_at: new Date(now - 3_600_000).toISOString() })];
  const { rows, duplicates } = rowsFromListing('c1', [vm('i1', 'a'), vm('i2', 'b'), vm('i3', 'b'), vm('i4', 'gone', 'DELETED')], previous, new Date(now).toISOString(), now);
  assert.deepEqual(rows.map((r) => r.name).sort(), ['a', 'b', 'b@i3', 'pending']);
  assert.equal(rows.find((r) => r.name === 'a')!.group_name, 'web');
  assert.deepEqual(duplicates, ['b']);
});

test('ssh and scp argv: literal words, accept-new host keys, SFTP protocol, ports and identities', () => {
  const login = loginFor(row('web', { public_ip: '203.0.113.5', image: 'ubuntu-24.04' }), { identity: '/k/id' }, {});
  assert.deepEqual(login, { host: '203.0.113.5', port: 22, user: 'ubuntu', identity: '/k/id' });
  const argv = sshArgv({ ...login, knownHosts: '/h o/known_hosts' }, `echo "a b"; rm -rf $(x)`, true);
  assert.equal(argv[0], 'ssh');
  assert.deepEqual(argv.slice(-3), ['--', 'ubuntu@203.0.113.5', `echo "a b"; rm -rf $(x)`]);
  assert.ok(argv.includes('StrictHostKeyChecking=accept-new') && argv.includes('UserKnownHostsFile="/h o/known_hosts"') && argv.includes('BatchMode=yes'));
  assert.deepEqual(copyArgv(login, 'put', `it's a:file`, '/tmp/x y').slice(-3), ['--', `./it's a:file`, 'ubuntu@203.0.113.5:/tmp/x y']);
  assert.deepEqual(copyArgv({ host: '::1', port: 2222 }, 'get', 'out', '/r').slice(-2), ['[::1]:/r', 'out']);
  assert.ok(copyArgv(login, 'get', 'a', 'b').includes('-s'));
  assert.throws(() => loginFor(row('x'), {}, {}), /has no IP address/);
  assert.equal(guessLoginUser('CC-Ubuntu22.04'), 'cc');
  assert.equal(guessLoginUser('cirros-0.6'), 'cirros');
  assert.equal(guessLoginUser('mystery'), undefined);
});

test('errors are classified from status codes, vendor codes and Retry-After in any form', () => {
  assert.deepEqual(classify(Object.assign(new Error('x'), { status: 429, headers: new Headers({ 'retry-after': '2' }) })), { kind: 'throttled', retryAfterMs: 2000 });
  assert.deepEqual(classify(new Error('wrapped', { cause: { name: 'RequestLimitExceeded', $metadata: { httpStatusCode: 503 } } })), { kind: 'throttled' });
  assert.deepEqual(classify(Object.assign(new Error('x'), { statusCode: 502 })), { kind: 'transient' });
  assert.deepEqual(classify(new Error('fetch failed', { cause: Object.assign(new Error('reset'), { code: 'ECONNRESET' }) })), { kind: 'transient' });
  assert.deepEqual(classify(Object.assign(new Error('x'), { status: 404 })), { kind: 'fatal' });
  assert.equal(parseRetryAfter('1.5'), 1500);
  assert.equal(parseRetryAfter(new Date(Date.now() + 3000).toUTCString(), Date.now()) ! > 1000, true);
  assert.equal(parseRetryAfter('soon'), undefined);
});

test('rate budget: retries throttling for any call and transient failures only for idempotent ones', async () => {
  const budget = new RateBudget({ baseDelayMs: 10, retries: 2 });
  let calls = 0;
  const flaky = (error: object) => async () => {
    calls++;
    if (calls === 1) throw Object.assign(new Error('busy'), error);
    return 'ok';
  };
  assert.equal(await budget.run(flaky({ status: 429, retryAfterMs: 20 }), { idempotent: false }), 'ok');
  assert.equal(calls, 2);
  calls = 0;
  await assert.rejects(budget.run(flaky({ status: 500 }), { idempotent: false }), /busy/);
  assert.equal(calls, 1, 'a non-idempotent call is not repeated after a 500');
  calls = 0;
  assert.equal(await budget.run(flaky({ status: 500 }), { idempotent: true }), 'ok');
  let attempts = 0;
  await assert.rejects(budget.run(async () => { attempts++; throw Object.assign(new Error('down'), { status: 503 }); }, { idempotent: true }), /down/);
  assert.equal(attempts, 3, 'gives up after its retries');
  assert.ok(budget.stats.throttled >= 1);
});

test('rate budget: a throttled cloud makes every caller wait, and concurrency is bounded', async () => {
  const budget = new RateBudget({ concurrency: 2, baseDelayMs: 10 });
  let inFlight = 0;
  let peak = 0;
  const started = Date.now();
  let throttled = false;
  const call = async () => {
    inFlight++;
    peak = Math.max(peak, inFlight);
    await new Promise((r) => setTimeout(r, 20));
    inFlight--;
    if (!throttled) {
      throttled = true;
      throw Object.assign(new Error('slow down'), { status: 429, retryAfterMs: 300 });
    }
    return Date.now() - started;
  };
  const times = await Promise.all(Array.from({ length: 6 }, () => budget.run(call, { idempotent: true })));
  assert.equal(peak, 2);
  // Calls started after the 429 waited out its Retry-After.
  assert.ok(Math.max(...times) >= 300, `latest finished at ${Math.max(...times)} ms`);
});

test('rate budget without retries (the service layer over providers that retry) still spaces calls after a 429', async () => {
  const budget = new RateBudget({ retries: 0 });
  let calls = 0;
  await assert.rejects(budget.run(async () => { calls++; throw Object.assign(new Error('slow down'), { status: 429, retryAfterMs: 250 }); }, { idempotent: true }), /slow down/);
  assert.equal(calls, 1, 'not repeated: the provider below has its own retries');
  const started = Date.now();
  await budget.run(async () => 'next', { idempotent: true });
  assert.ok(Date.now() - started >= 200, 'the next call waited out the Retry-After');
});

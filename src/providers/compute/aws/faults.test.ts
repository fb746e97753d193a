/**
 * Fault tests: a loopback proxy (test/support/ec2-fault-proxy.ts) between the provider and the real moto
 * injects 500s, 429s, resets, hangs and lost responses. They show: retries where safe, no second VM when a
 * boot's response is lost, no retry of a call that is not safe to repeat, and a clear error when retries end.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { UserError } from '../../../core/errors.ts';
import { EC2_ERROR, startFaultProxy } from '../../../../test/support/ec2-fault-proxy.ts';
import type { FaultProxy } from '../../../../test/support/ec2-fault-proxy.ts';
import { MOTO, XENIAL, awsHome, motoCloud, motoSkip } from './moto-fixture.ts';
import { createAwsProvider } from './index.ts';

const skip = await motoSkip();
const REGION = 'eu-south-2'; // a region of its own in the shared moto
const home = awsHome('cmtest', REGION);
let proxy: FaultProxy;
let n = 0;

before(async () => {
  if (!skip) proxy = await startFaultProxy(MOTO);
});
after(async () => {
  await proxy?.close();
});

/** A provider through the proxy; each gets its own cloud name, so its rate budget starts fresh. */
function provider(timeout = 30) {
  return createAwsProvider({ cloud: `faulty-${process.pid}-${++n}`, config: motoCloud('cmtest', REGION, { endpoint: proxy.url, timeout }), home, env: { HOME: home } });
}

function count(list: string[], label: string): number {
  return list.filter((l) => l === label).length;
}

test('a 429 with Retry-After is waited out, then the call succeeds', { skip }, async () => {
  const p = await provider();
  proxy.inject({ match: 'DescribeInstances', fault: { kind: 'status', status: 429, headers: { 'retry-after': '1' }, body: EC2_ERROR('RequestLimitExceeded', 'slow down') } });
  const started = Date.now();
  const before = count(proxy.forwarded, 'DescribeInstances');
  await p.listVms();
  assert.ok(Date.now() - started >= 950, `waited ${Date.now() - started} ms`);
  assert.equal(count(proxy.forwarded, 'DescribeInstances') - before, 1);
  await p.close();
});

test('reads are retried after 500s, a connection reset and a hang (timeout)', { skip, timeout: 60_000 }, async () => {
  const p = await provider(2);
  proxy.inject({ match: 'DescribeInstances', fault: { kind: 'status', status: 500 }, times: 2 });
  await p.listVms();
  proxy.inject({ match: 'DescribeInstances', fault: { kind: 'reset' } });
  await p.listVms();
  proxy.inject({ match: 'DescribeInstances', fault: { kind: 'hang' } });
  const started = Date.now();
  await p.listVms();
  assert.ok(Date.now() - started >= 1900, 'the hung request was timed out, then retried');
  await p.close();
});

for (const fault of [{ kind: 'lost', status: 500 }, { kind: 'reset-after' }, { kind: 'status', status: 503 }] as const) {
  test(`a boot whose RunInstances meets "${fault.kind}" ends with exactly one VM`, { skip, timeout: 60_000 }, async () => {
    const p = await provider();
    const token = `fault-${fault.kind}-${Date.now()}`;
    const runs = count(proxy.forwarded, 'RunInstances');
    proxy.inject({ match: 'RunInstances', fault });
    const vm = await p.boot({ name: `cm-fault-${fault.kind}`, image: XENIAL, flavor: 't2.micro', clientToken: token, group: 'cm-faults' });
    try {
      const mine = (await p.listVms()).filter((v) => v.metadata['cm.token'] === token && v.state !== 'DELETED');
      assert.deepEqual(mine.map((v) => v.id), [vm.id]);
      assert.equal(count(proxy.forwarded, 'RunInstances') - runs, 1, 'RunInstances reached EC2 once');
    } finally {
      await p.delete(vm.id);
    }
    await p.close();
  });
}

test('AllocateAddress is not retried after a 500 (a repeat could allocate a second address); throttling is', { skip, timeout: 60_000 }, async () => {
  const p = await provider();
  const vm = await p.boot({ name: 'cm-fault-eip', image: XENIAL, flavor: 't2.micro', clientToken: `fault-eip-${Date.now()}`, group: 'cm-faults' });
  try {
    const allocations = count(proxy.received, 'AllocateAddress');
    proxy.inject({ match: 'AllocateAddress', fault: { kind: 'status', status: 500 } });
    await assert.rejects(p.assignIp(vm.id), /AllocateAddress failed/);
    assert.equal(count(proxy.received, 'AllocateAddress') - allocations, 1, 'asked once, not retried');

    proxy.inject({ match: 'AllocateAddress', fault: { kind: 'status', status: 503, body: EC2_ERROR('RequestLimitExceeded', 'Request limit exceeded.') } });
    const ip = await p.assignIp(vm.id);
    assert.match(ip, /^\d+\.\d+\.\d+\.\d+$/);
    assert.equal(count(proxy.received, 'AllocateAddress') - allocations, 3, 'the throttled request was repeated once');
  } finally {
    await p.delete(vm.id);
  }
  await p.close();
});

test('retries end: a persistent 500 is a backend error naming the cloud', { skip, timeout: 60_000 }, async () => {
  const p = await provider();
  const before = count(proxy.received, 'DescribeKeyPairs');
  proxy.inject({ match: 'DescribeKeyPairs', fault: { kind: 'status', status: 500 }, times: 10 });
  await assert.rejects(p.listKeys(), /cloud "faulty-\d+-\d+" \(aws\): DescribeKeyPairs failed: InternalError/);
  assert.equal(count(proxy.received, 'DescribeKeyPairs') - before, 4, 'first try + 3 retries');
  proxy.clear();
  await p.close();
});

test('refused credentials: one clear line naming the cloud and the profile, never the secret', { skip }, async () => {
  const p = await provider();
  proxy.inject({ match: 'DescribeInstances', fault: { kind: 'status', status: 401, body: EC2_ERROR('AuthFailure', 'AWS was not able to validate the provided access credentials') } });
  await assert.rejects(p.listVms(), (error: Error) => {
    assert.ok(error instanceof UserError);
    assert.match(error.message, /^cloud "faulty-\d+-\d+" \(aws\): EC2 refused the credentials of profile "cmtest" \(AuthFailure\)/);
    assert.doesNotMatch(error.message + (error.hint ?? ''), /cm-test-secret-value/);
    return true;
  });
  await p.close();
});

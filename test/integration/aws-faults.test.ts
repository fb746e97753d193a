/**
 * Faults between `cm` and moto's EC2: a loopback proxy (test/support/ec2-fault-proxy.ts; every EC2 call is
 * `POST /` with its Action in the form body, so faults are matched on the Action) loses a RunInstances
 * answer after moto acted, refuses AllocateAddress, and fails every DescribeInstances of a refresh. `cm`
 * must make no second VM, not repeat the unsafe call, say clearly what failed, and keep its cached view.
 */
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { startFaultProxy } from '../support/ec2-fault-proxy.ts';
import type { FaultProxy } from '../support/ec2-fault-proxy.ts';
import { cm, cmJson, tempHome } from '../helpers.ts';

const MOTO = process.env.CM_MOTO_URL ?? 'http://127.0.0.1:5000';
const up = await fetch(`${MOTO}/moto-api/`, { signal: AbortSignal.timeout(3000) }).then((r) => r.ok, () => false);
const skip = up ? false : `moto does not answer at ${MOTO} (start it with .ci/moto.sh)`;
const XENIAL_AMI = 'ami-785db401';
const home = tempHome('cm-aws-faults-');
const userHome = join(home, 'user');
mkdirSync(join(userHome, '.aws'), { recursive: true });
writeFileSync(join(userHome, '.aws', 'credentials'), '[cmf]\naws_access_key_id = AKIDCMF\naws_secret_access_key = cm-fault-secret\n', { mode: 0o600 });
writeFileSync(join(userHome, '.aws', 'config'), '[profile cmf]\nregion = me-central-1\n');
const env = { HOME: userHome, USER: 'cmf' };
const name = `cm-fault-${process.pid}`;
let proxy: FaultProxy;
type Row = { name: string; id: string; status: string };

before(async () => {
  if (skip) return;
  proxy = await startFaultProxy(MOTO);
  const reg = await cm(home, ['register', 'aws', '--profile', 'cmf', '--name', 'moto', '--endpoint', proxy.url], { env });
  assert.equal(reg.code, 0, reg.stderr);
});
after(async () => {
  if (skip) return;
  proxy.clear();
  await cm(home, ['vm', 'delete', name, '--cloud', 'moto'], { env, timeoutMs: 60_000 });
  await proxy.close();
});

test('a RunInstances answer lost after EC2 acted: cm vm boot succeeds with one VM, in the cloud and in the DB', { skip, timeout: 120_000 }, async () => {
  proxy.inject({ match: 'RunInstances', fault: { kind: 'lost', status: 500 } });
  const boot = await cmJson<Row[]>(home, ['vm', 'boot', '--name', name, '--cloud', 'moto', '--image', XENIAL_AMI, '--flavor', 't2.micro'], { env });
  assert.equal(boot.length, 1);
  assert.equal(proxy.forwarded.filter((a) => a === 'RunInstances').length, 1, 'RunInstances reached EC2 once');
  const listed = (await cmJson<Row[]>(home, ['vm', 'list', '--refresh', '--cloud', 'moto'], { env })).filter((v) => v.name === name && v.status !== 'DELETED');
  assert.deepEqual(listed.map((v) => v.id), [boot[0]!.id], 'one VM, and the DB row has its id');
});

test('AllocateAddress refused with a 500: one clear error, exit 1, not repeated', { skip, timeout: 60_000 }, async () => {
  const before = proxy.received.filter((a) => a === 'AllocateAddress').length;
  proxy.inject({ match: 'AllocateAddress', fault: { kind: 'status', status: 500 } });
  const r = await cm(home, ['vm', 'ip', 'assign', name, '--cloud', 'moto'], { env });
  assert.equal(r.code, 1);
  assert.match(r.stdout + r.stderr, /cloud "moto" \(aws\): AllocateAddress failed: InternalError/);
  assert.equal(proxy.received.filter((a) => a === 'AllocateAddress').length - before, 1);
});

test('a refresh whose listing keeps failing reports the cloud and keeps the cached VMs', { skip, timeout: 60_000 }, async () => {
  proxy.inject({ match: 'DescribeInstances', fault: { kind: 'status', status: 503 }, times: 1000 });
  const r = await cm(home, ['vm', 'refresh', '--cloud', 'moto'], { env, timeoutMs: 60_000 });
  proxy.clear();
  assert.equal(r.code, 1, `${r.stdout}\n${r.stderr}\n${proxy.received.slice(-12).join(' ')}`);
  assert.match(r.stdout + r.stderr, /DescribeInstances failed/);
  const cached = await cmJson<Row[]>(home, ['vm', 'list', '--cloud', 'moto'], { env });
  assert.ok(cached.some((v) => v.name === name), 'the cached row survived the failed refresh');
});

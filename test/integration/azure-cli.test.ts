/**
 * `cm` end to end for Azure against the loopback ARM + Entra ID server (test/support/azure-arm-server.ts;
 * no Azure emulator exists): register with a service principal whose secret is an env: reference, then
 * vm boot --n 2 / list / stop / delete, and the bad input a user meets.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { startArmServer } from '../support/azure-arm-server.ts';
import type { ArmServer } from '../support/azure-arm-server.ts';
import { cm, cmJson, eventually, tempHome } from '../helpers.ts';

let arm: ArmServer;
const home = tempHome('cm-azure-it-');
let env: Record<string, string>;
type Row = { name: string; id: string; status: string };
const vms = () => cmJson<Row[]>(home, ['vm', 'list', '--refresh', '--cloud', 'az'], { env });
const register = (secret: string, name = 'az') =>
  cm(home, ['register', 'azure', name, '--subscription', arm.subscription, '--tenant', arm.tenant, '--client-id', arm.clientId, '--client-secret', secret,
    '--endpoint', arm.url, '--authority', arm.url, '--ca-file', arm.caFile, '--output', 'json'], { env, timeoutMs: 60_000 });

before(async () => {
  arm = await startArmServer({ opMs: 100 });
  env = { CM_AZ_SECRET: arm.clientSecret, CM_AZ_WRONG: 'wrong-secret-value-123', USER: 'cmaz' };
});
after(async () => {
  await arm?.close();
});

test('register azure keeps only the env: reference and checks the service principal first', async () => {
  const literal = await register('a-literal-secret-value');
  assert.equal(literal.code, 1);
  assert.match(literal.stderr, /--client-secret must be a reference, env:VARIABLE or file:PATH/);
  assert.doesNotMatch(literal.stdout + literal.stderr, /a-literal-secret-value/);

  const wrong = await register('env:CM_AZ_WRONG', 'az-wrong');
  assert.equal(wrong.code, 1);
  assert.match(wrong.stderr, /cloud "az-wrong" \(azure\): Microsoft Entra ID refused service principal .* AADSTS7000215/);
  assert.doesNotMatch(wrong.stdout + wrong.stderr, /wrong-secret-value-123/);

  const ok = await register('env:CM_AZ_SECRET');
  assert.equal(ok.code, 0, ok.stderr);
  assert.match(JSON.parse(ok.stdout).checked, /credentials accepted; 5 sizes in eastus/);
  const yaml = readFileSync(join(home, 'cloudmesh.yaml'), 'utf8');
  assert.match(yaml, /client_secret: env:CM_AZ_SECRET/);
  assert.ok(!yaml.includes(arm.clientSecret));
});

test('vm boot --n 2, list, stop and delete on the loopback ARM server', { timeout: 180_000 }, async () => {
  const boot = await cmJson<Row[]>(home, ['vm', 'boot', '--n', '2', '--cloud', 'az', '--image', 'Ubuntu2204', '--flavor', 'Standard_B1s'], { env });
  assert.equal(boot.length, 2, JSON.stringify(boot));
  const names = boot.map((r) => r.name);
  await eventually(async () => ((await vms()).filter((v) => names.includes(v.name) && v.status === 'ACTIVE').length === 2 ? true : undefined), 60_000, 'both ACTIVE');
  assert.equal((await cm(home, ['vm', 'stop', ...names, '--cloud', 'az'], { env })).code, 0);
  await eventually(async () => ((await vms()).filter((v) => names.includes(v.name) && v.status === 'STOPPED').length === 2 ? true : undefined), 60_000, 'both STOPPED');
  const del = await cm(home, ['vm', 'delete', ...names, '--cloud', 'az'], { env, timeoutMs: 60_000 });
  assert.equal(del.code, 0, del.stderr);
  assert.deepEqual(await vms(), []);
  assert.ok(!arm.log.some((l) => l.includes(arm.clientSecret)));
});

test('an image that does not exist: one line with the close match, nothing booted', async () => {
  const r = await cm(home, ['vm', 'boot', '--cloud', 'az', '--image', 'Ubuntu2240', '--flavor', 'Standard_B1s'], { env, timeoutMs: 60_000 });
  assert.equal(r.code, 1);
  assert.match(r.stderr, /no image "Ubuntu2240".*Ubuntu2204/);
  assert.deepEqual(await vms(), []);
});

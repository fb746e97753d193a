/**
 * `cm cloud list|activate|deactivate|check` and `cm provider list|capabilities` through the built binary.
 * Activation is written to cloudmesh.yaml (the rest of the file kept as written) and decides what "all
 * clouds" means; capabilities come from the provider code that runs. The checks against live clouds use
 * moto's EC2 and the test OpenStack (a wrong password must be named, never printed).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { cm, cmJson } from '../helpers.ts';
import { cloudHome, motoDown, OPENRC, openStackDown } from './vm-fixture.ts';

const T = { timeout: 300_000 };
const moto = await motoDown();
const openstack = await openStackDown();

interface CloudRow { cloud: string; kind: string; active: boolean; default: boolean }
interface Check { cloud: string; ok: boolean; error?: string; vms: number | null }
interface Capability { provider: string; cloud: string; operation: string; supported: boolean; reason: string }

describe('cloud commands', () => {
  test('cloud list, deactivate and activate: the flag is written to cloudmesh.yaml, comments kept', T, async () => {
    const { home, env } = cloudHome(['moto', 'dock'], '  # a comment the edit must keep\n');
    const json = <R>(args: string[]) => cmJson<R>(home, args, { env });
    assert.deepEqual((await json<CloudRow[]>(['cloud', 'list'])).map((c) => [c.cloud, c.kind, c.active]), [['moto', 'aws', true], ['dock', 'docker', true]]);
    const plan = await json<{ plan: string }>(['cloud', 'deactivate', 'dock', '--dry-run']);
    assert.equal(plan.plan, 'would set clouds.dock.active to false');
    assert.doesNotMatch(readFileSync(join(home, 'cloudmesh.yaml'), 'utf8'), /active/);
    await json(['cloud', 'deactivate', 'dock']);
    const yaml = readFileSync(join(home, 'cloudmesh.yaml'), 'utf8');
    assert.match(yaml, /dock:[\s\S]*active: false/);
    assert.match(yaml, /# a comment the edit must keep/);
    assert.deepEqual((await json<CloudRow[]>(['cloud', 'list'])).map((c) => c.active), [true, false]);
    const again = await json<{ changed: boolean }>(['cloud', 'deactivate', 'dock']);
    assert.equal(again.changed, false);
    await json(['cloud', 'activate', 'dock']);
    assert.doesNotMatch(readFileSync(join(home, 'cloudmesh.yaml'), 'utf8'), /active/);
    const unknown = await cm(home, ['cloud', 'activate', 'dok'], { env });
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /no cloud named "dok" \(did you mean "dock"\?\)/);
  });

  test('with nothing registered, commands say how to register a cloud', T, async () => {
    const { home, env } = cloudHome([]);
    const result = await cm(home, ['vm', 'boot'], { env });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /no cloud is registered/);
    assert.match(result.stderr, /cm register/);
  });

  test('provider list and capabilities come from the code: every operation, unsupported ones with a reason', T, async () => {
    const { home, env } = cloudHome([]);
    const json = <R>(args: string[]) => cmJson<R>(home, args, { env });
    const providers = await json<{ provider: string; supported: string }[]>(['provider', 'list']);
    for (const kind of ['aws', 'docker', 'openstack']) assert.ok(providers.some((p) => p.provider === kind), `${kind} listed`);
    const docker = await json<Capability[]>(['provider', 'capabilities', 'docker']);
    assert.equal(docker.length, 20);
    assert.ok(docker.find((c) => c.operation === 'boot')!.supported);
    const unsupported = docker.filter((c) => !c.supported);
    assert.ok(unsupported.length > 0 && unsupported.every((c) => c.reason.length > 10), JSON.stringify(unsupported));
    assert.deepEqual(await json<Capability[]>(['provider', 'capabilities', 'docker', '--unsupported']), unsupported);
    const all = await json<Capability[]>(['provider', 'capabilities']);
    assert.ok(new Set(all.map((c) => c.provider)).size >= 3);
    const typo = await cm(home, ['provider', 'capabilities', 'opensatck'], { env });
    assert.equal(typo.code, 1);
    assert.match(typo.stderr, /no provider or cloud named "opensatck" \(did you mean "openstack"\?\)/);
  });

  test('cloud check: a cloud that answers is ok; wrong credentials are named, the secret never printed', { ...T, skip: moto || openstack }, async () => {
    const secret = 'Wr0ng-Passw0rd-cm-test';
    const bad = `  badpw:\n    kind: openstack\n    settings:\n      openrc: ${OPENRC}\n    credentials:\n      password: env:CM_TEST_BAD_PW\n`;
    const { home, env } = cloudHome(['moto'], bad);
    const result = await cm(home, ['--output', 'json', 'cloud', 'check'], { env: { ...env, CM_TEST_BAD_PW: secret } });
    assert.equal(result.code, 1, result.stderr);
    const checks = JSON.parse(result.stdout) as Check[];
    assert.deepEqual(checks.map((c) => [c.cloud, c.ok]), [['moto', true], ['badpw', false]]);
    assert.match(checks[1]!.error!, /cloud "badpw"/);
    assert.match(checks[1]!.error!, /credentials|401/);
    assert.ok(!result.stdout.includes(secret) && !result.stderr.includes(secret), 'the password is not printed');
    const audit = await cm(home, ['--output', 'json', 'audit', 'list'], { env });
    assert.ok(!audit.stdout.includes(secret));
  });

  test('cloud check of one named cloud, and provider capabilities of a registered cloud', { ...T, skip: moto }, async () => {
    const { home, env } = cloudHome(['moto']);
    const [check] = await cmJson<Check[]>(home, ['cloud', 'check', 'moto'], { env });
    assert.equal(check!.ok, true);
    const caps = await cmJson<Capability[]>(home, ['provider', 'capabilities', 'moto'], { env });
    assert.ok(caps.every((c) => c.provider === 'aws' && c.cloud === 'moto'));
  });
});

/**
 * `cm` end to end against moto's EC2: register from a temporary ~/.aws (HOME override) with
 * AWS_ENDPOINT_URL, then vm boot --n 2 / list / stop / delete, and the bad input a user meets. moto is shared
 * with other tests: this file works in a region of its own and deletes the VMs it boots.
 */
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { cm, cmJson, eventually, tempHome } from '../helpers.ts';

const MOTO = process.env.CM_MOTO_URL ?? 'http://127.0.0.1:5000';
const up = await fetch(`${MOTO}/moto-api/`, { signal: AbortSignal.timeout(3000) }).then((r) => r.ok, () => false);
const skip = up ? false : `moto does not answer at ${MOTO} (start it with .ci/moto.sh)`;
const XENIAL = 'ubuntu/images/hvm-ssd/ubuntu-xenial-16.04-amd64-server-20170721';
const SECRET = 'cm-it-secret-access-key-value';

const home = tempHome('cm-aws-it-');
const userHome = join(home, 'user');
mkdirSync(join(userHome, '.aws'), { recursive: true });
writeFileSync(join(userHome, '.aws', 'credentials'), `[cmit]\naws_access_key_id = AKIDCMIT\naws_secret_access_key = ${SECRET}\n`, { mode: 0o600 });
writeFileSync(join(userHome, '.aws', 'config'), '[profile cmit]\nregion = ap-southeast-7\n');
const env = { HOME: userHome, AWS_ENDPOINT_URL: MOTO, USER: 'cmit' };
const booted: string[] = [];

type Row = { name: string; id: string; status: string; cloud: string };
const vms = () => cmJson<Row[]>(home, ['vm', 'list', '--refresh', '--cloud', 'moto'], { env });

after(async () => {
  if (booted.length) await cm(home, ['vm', 'delete', ...booted, '--cloud', 'moto'], { env, timeoutMs: 60_000 });
});

test('register aws reads the profile, checks keys and region, and keeps the keys out of cloudmesh.yaml', { skip }, async () => {
  const out = await cmJson<Record<string, unknown>>(home, ['register', 'aws', '--profile', 'cmit', '--name', 'moto', '--image', 'ubuntu/images/hvm-ssd/ubuntu-xenial-*', '--image-owner', '099720109477'], { env });
  assert.equal(out.region, 'ap-southeast-7');
  assert.equal(out.endpoint, MOTO);
  const yaml = readFileSync(join(home, 'cloudmesh.yaml'), 'utf8');
  assert.match(yaml, /profile: cmit/);
  assert.doesNotMatch(yaml, new RegExp(`${SECRET}|AKIDCMIT`));
});

test('vm boot --n 2, list, stop and delete on moto', { skip, timeout: 180_000 }, async () => {
  const boot = await cmJson<Row[]>(home, ['vm', 'boot', '--n', '2', '--cloud', 'moto', '--image', XENIAL, '--flavor', 't2.micro'], { env });
  assert.equal(boot.length, 2);
  booted.push(...boot.map((r) => r.name));
  assert.ok(boot.every((r) => /^i-[0-9a-f]+$/.test(r.id)), JSON.stringify(boot));
  assert.equal(new Set(boot.map((r) => r.name)).size, 2);

  await eventually(async () => ((await vms()).filter((v) => booted.includes(v.name) && v.status === 'ACTIVE').length === 2 ? true : undefined), 60_000, 'both VMs ACTIVE');
  const stop = await cm(home, ['vm', 'stop', ...booted, '--cloud', 'moto'], { env });
  assert.equal(stop.code, 0, stop.stderr);
  await eventually(async () => ((await vms()).filter((v) => booted.includes(v.name) && v.status === 'STOPPED').length === 2 ? true : undefined), 60_000, 'both VMs STOPPED');

  const del = await cm(home, ['vm', 'delete', ...booted, '--cloud', 'moto'], { env });
  assert.equal(del.code, 0, del.stderr);
  await eventually(async () => ((await vms()).some((v) => booted.includes(v.name) && v.status !== 'DELETED') ? undefined : true), 60_000, 'both VMs gone');
  booted.length = 0;
});

test('bad input: unknown profile, unknown region, unknown image — one line each, exit 1, no secret', { skip, timeout: 60_000 }, async () => {
  const profile = await cm(home, ['register', 'aws', '--profile', 'cmti', '--name', 'bad'], { env });
  assert.equal(profile.code, 1);
  assert.match(profile.stderr, /cloud "bad" \(aws\): AWS profile "cmti" is not in ~\/.aws\/credentials or ~\/.aws\/config \(did you mean "cmit"\?\)/);
  const region = await cm(home, ['register', 'aws', '--profile', 'cmit', '--region', 'ap-southeast-9', '--name', 'bad'], { env });
  assert.equal(region.code, 1);
  assert.match(region.stderr, /region "ap-southeast-9" does not exist \(did you mean "ap-southeast-[1-7]"\?\)/);
  const image = await cm(home, ['vm', 'boot', '--cloud', 'moto', '--image', XENIAL.replace('xenial', 'xenail'), '--flavor', 't2.micro'], { env, timeoutMs: 60_000 });
  assert.equal(image.code, 1);
  assert.match(image.stderr, /no image ".*xenail.*".*xenial/);
  for (const r of [profile, region, image]) assert.doesNotMatch(r.stdout + r.stderr, new RegExp(SECRET));
  assert.ok(!(await vms()).some((v) => v.status !== 'DELETED' && !booted.includes(v.name)), 'the bad boot made no VM');
});

/**
 * The management surface across two real clouds at once: the test OpenStack (Keystone, Nova with the fake
 * driver, Glance, Neutron) and moto's EC2, plus a third "cloud" that accepts connections and never answers.
 * Refreshing all clouds reports each cloud's time and error and keeps the others' answers; boots honour
 * per-cloud defaults over cloudmesh.yaml; keys and security groups defined locally are synced to both.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { cm, eventually } from '../helpers.ts';
import { cloudHome, motoDown, openStackDown, OPENRC, silentServer } from './vm-fixture.ts';

const why = (await openStackDown()) || (await motoDown());
const user = `c${randomBytes(3).toString('hex')}`;
const T = { timeout: 600_000 };

interface Row { cloud: string; name: string; id: string; status: string; ok?: boolean; error?: string; public_ip?: string | null }
interface Report { cloud: string; ok: boolean; vms: number; ms: number; error?: string }

describe('vm commands across OpenStack and EC2 (moto), with a cloud that hangs', { skip: why }, () => {
  let home: string;
  let env: Record<string, string>;
  let silent: Awaited<ReturnType<typeof silentServer>>;
  const run = (args: string[], extra: Record<string, string> = {}) => cm(home, args, { env: { ...env, ...extra }, timeoutMs: 300_000 });
  // Like cmJson, with room for a loaded machine (booting and waiting can take minutes).
  const json = async <R = Row[]>(args: string[]): Promise<R> => {
    const result = await run(['--output', 'json', ...args]);
    if (result.code !== 0) throw new Error(`cm ${args.join(' ')} exited ${result.code}: ${result.stderr}`);
    return JSON.parse(result.stdout) as R;
  };

  before(async () => {
    silent = await silentServer();
    // The hanging cloud's own request timeout (8 s, no retries) is longer than cloudmesh's deadline for it
    // (settings.deadline: 3 s), so what is tested is cloudmesh's deadline; `cm` exits once the late request ends.
    // The OpenStack entry's flavor default names a flavor that does not exist: a per-cloud `cm default` must win over it.
    const hang = `  hang:\n    kind: openstack\n    settings:\n      openrc: ${OPENRC}\n      auth_url: http://127.0.0.1:${silent.port}/v3\n      timeout: 8\n      retries: 0\n      cache_auth: false\n      deadline: 3\n`;
    ({ home, env } = cloudHome(['os', 'moto'], hang, user));
    execFileSync('sed', ['-i', 's/flavor: m1.tiny/flavor: m1.tinyy/', join(home, 'cloudmesh.yaml')]);
  });
  after(async () => {
    await run(['vm', 'delete', `${user}-*`]).catch(() => undefined);
    await silent?.close();
  });

  test('vm refresh --all: every cloud at once; the one that hangs is reported, the others are kept', T, async () => {
    const started = Date.now();
    const result = await run(['--output', 'json', 'vm', 'refresh', '--all']);
    const wall = Date.now() - started;
    assert.equal(result.code, 1, result.stderr);
    const reports = JSON.parse(result.stdout) as Report[];
    assert.deepEqual(reports.map((r) => [r.cloud, r.ok]), [['os', true], ['moto', true], ['hang', false]]);
    assert.match(reports[2]!.error!, /cloud "hang": .*timed out after 3 s/);
    assert.ok(reports[2]!.ms >= 3000 && reports[2]!.ms < 6000, `hang reported after ${reports[2]!.ms} ms`);
    assert.match(result.stderr, /1 of 3 clouds failed/);
    // Bounded: the hanging cloud costs the deadline plus its own late request, never its retries on and on.
    assert.ok(wall < 30_000, `took ${wall} ms`);
  });

  test('a per-cloud default beats cloudmesh.yaml; a wrong flavor lists close matches; boots on both clouds', T, async () => {
    const bad = await run(['vm', 'boot', '--cloud', 'os']);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /no flavor "m1.tinyy" on cloud "os"; close matches: "m1.tiny"/);
    await json(['default', 'flavor=m1.tiny', '--cloud', 'os']);
    const os = await json(['vm', 'boot', '--cloud', 'os']);
    assert.equal(os[0]!.name, `${user}-001`);
    assert.ok(os[0]!.id && !os[0]!.error, JSON.stringify(os));
    const ec2 = await json(['vm', 'boot', '--cloud', 'moto', '--n', '2']);
    assert.deepEqual(ec2.map((r) => r.name), [`${user}-002`, `${user}-003`]);
    assert.ok(ec2.every((r) => r.id.startsWith('i-')), JSON.stringify(ec2));
    const waited = await json(['vm', 'wait', `${user}-*`, '--timeout', '300']);
    assert.deepEqual(waited.map((r) => [r.cloud, r.status]), [['moto', 'ACTIVE'], ['moto', 'ACTIVE'], ['os', 'ACTIVE']]);
  });

  test('vm list --refresh shows every cloud; lifecycle and an Elastic IP on the VMs where they live', T, async () => {
    const listed = await json(['vm', 'list', `${user}-*`, '--refresh', '--cloud', 'os,moto']);
    assert.deepEqual(listed.map((r) => r.name).sort(), [`${user}-001`, `${user}-002`, `${user}-003`]);
    const stopped = await json(['vm', 'stop', `${user}-001`, `${user}-002`]);
    assert.deepEqual(stopped.map((r) => r.ok), [true, true]);
    const waited = await json(['vm', 'wait', `${user}-00[1-2]`, '--state', 'STOPPED', '--timeout', '300']);
    assert.ok(waited.every((r) => r.status === 'STOPPED'), JSON.stringify(waited));
    const [ip] = await json<{ public_ip: string; ok: boolean }[]>(['vm', 'ip', 'assign', `${user}-003`]);
    assert.equal(ip!.ok, true);
    assert.match(ip!.public_ip, /^\d+\.\d+\.\d+\.\d+$/);
    const shown = await json<{ public_ip: string }[]>(['vm', 'ip', 'show', `${user}-003`]);
    assert.equal(shown[0]!.public_ip, ip!.public_ip);
  });

  test('a key registered locally is uploaded to both clouds and deleted from them', T, async () => {
    const keyFile = join(home, 'id_test');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'cm test', '-f', keyFile]);
    const name = `${user}-key`;
    const added = await json<{ name: string; fingerprint: string }>(['key', 'add', name, '--file', keyFile]);
    const expected = execFileSync('ssh-keygen', ['-lf', `${keyFile}.pub`], { encoding: 'utf8' }).split(' ')[1];
    assert.equal(added.fingerprint, expected, 'the fingerprint ssh-keygen prints');
    const refused = await run(['key', 'add', `${user}-other`, '--file', keyFile]);
    assert.match(refused.stderr, /already registered as/);
    const uploads = await json<{ cloud: string; ok: boolean }[]>(['key', 'upload', name, '--cloud', 'os,moto']);
    assert.deepEqual(uploads.map((u) => [u.cloud, u.ok]), [['os', true], ['moto', true]]);
    for (const cloud of ['os', 'moto']) {
      assert.ok((await json<{ name: string }[]>(['key', 'list', '--cloud', cloud])).some((k) => k.name === name), cloud);
      await json(['key', 'delete', name, '--cloud', cloud]);
      assert.ok(!(await json<{ name: string }[]>(['key', 'list', '--cloud', cloud])).some((k) => k.name === name), cloud);
    }
    await json(['key', 'delete', name]);
  });

  test('security group rules defined locally are synced to both clouds; --dry-run shows each cloud\'s plan', T, async () => {
    const group = `${user}-sg`;
    await json(['secgroup', 'add', group, 'ssh', '22', '22', 'tcp', '0.0.0.0/0']);
    await json(['secgroup', 'add', group, 'web', '8000', '8080', 'tcp', '10.0.0.0/8']);
    const plan = await json<{ cloud: string; plan: string }[]>(['secgroup', 'upload', group, '--cloud', 'os,moto', '--dry-run']);
    assert.ok(plan.every((p) => /would create the group; would add tcp:22-22:0.0.0.0\/0; would add tcp:8000-8080:10.0.0.0\/8/.test(p.plan)), JSON.stringify(plan));
    const synced = await json<{ cloud: string; ok: boolean; added: number }[]>(['secgroup', 'upload', group, '--cloud', 'os,moto']);
    assert.deepEqual(synced.map((s) => [s.cloud, s.ok, s.added]), [['os', true, 2], ['moto', true, 2]]);
    await json(['secgroup', 'delete', group, 'web']);
    const again = await json<{ plan: string }[]>(['secgroup', 'upload', group, '--cloud', 'os,moto', '--dry-run']);
    assert.ok(again.every((p) => p.plan === 'would remove tcp:8000-8080:10.0.0.0/8'), JSON.stringify(again));
    await json(['secgroup', 'upload', group, '--cloud', 'os,moto']);
    for (const cloud of ['os', 'moto']) {
      const rules = (await json<{ group: string; from: number; cidr: string }[]>(['secgroup', 'list', '--cloud', cloud])).filter((r) => r.group === group);
      assert.deepEqual(rules.map((r) => [r.from, r.cidr]), [[22, '0.0.0.0/0']], cloud);
      await json(['secgroup', 'delete', group, '--cloud', cloud]);
    }
  });

  test('quota and limits come from each cloud; a failing cloud is named and the others kept', T, async () => {
    const limits = await run(['--output', 'json', 'limits', '--cloud', 'os,hang']);
    assert.equal(limits.code, 1);
    const rows = JSON.parse(limits.stdout) as { cloud: string; resource: string }[];
    assert.ok(rows.length > 0 && rows.every((r) => r.cloud === 'os'), limits.stdout);
    assert.match(limits.stderr, /cloud "hang" failed: .*timed out/);
  });

  test('vm delete removes the VMs on both clouds, and a refresh confirms they are gone', T, async () => {
    const deleted = await json(['vm', 'delete', `${user}-*`]);
    assert.deepEqual(deleted.map((r) => r.ok), [true, true, true]);
    assert.deepEqual(await json(['vm', 'list', `${user}-*`]), []);
    // The clouds finish deleting in their own time; each refresh asks them again until none is listed.
    const gone = async () => {
      const listed = await json(['vm', 'list', `${user}-*`, '--refresh', '--cloud', 'os,moto']).catch(() => undefined);
      return listed?.length === 0 ? true : undefined;
    };
    await eventually(gone, 300_000, 'the clouds to forget the VMs');
  });
});

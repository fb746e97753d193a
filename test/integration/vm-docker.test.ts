/**
 * The VM management surface end to end: the built `cm` against a real Docker Engine (containers as VMs).
 * Boot with defaults and the name counter, dry runs, close matches for a bad image, literal names,
 * idempotent re-boots, lifecycle on hostlists and globs, rename, groups, delete, and ssh/scp through the
 * real OpenSSH client to the test sshd.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { cm } from '../helpers.ts';
import { cloudHome, dockerDown, dockerNames, SSHD, sshdDown } from './vm-fixture.ts';

const down = dockerDown();
const user = `u${randomBytes(3).toString('hex')}`;
const T = { timeout: 180_000 };

interface Row { cloud: string; name: string; id: string; status: string; group_name?: string; error?: string; ok?: boolean; image?: string }

describe('vm commands on a real Docker Engine', { skip: down }, () => {
  let home: string;
  let env: Record<string, string>;
  const run = (args: string[]) => cm(home, args, { env, timeoutMs: 150_000 });
  // Like cmJson, with room for a loaded machine (booting and waiting can take minutes).
  const json = async <R = Row[]>(args: string[]): Promise<R> => {
    const result = await run(['--output', 'json', ...args]);
    if (result.code !== 0) throw new Error(`cm ${args.join(' ')} exited ${result.code}: ${result.stderr}`);
    return JSON.parse(result.stdout) as R;
  };

  before(() => {
    ({ home, env } = cloudHome(['dock'], '', user));
  });
  after(() => {
    // Whatever a failed case left behind goes, by the label every container cloudmesh booted carries.
    const ids = execFileSync('docker', ['ps', '-aq', '--filter', `label=cm.user=${user}`], { encoding: 'utf8' }).split('\n').filter(Boolean);
    if (ids.length) execFileSync('docker', ['rm', '-f', ...ids], { stdio: 'ignore' });
  });

  test('vm boot --dry-run shows the plan and changes nothing, not even the name counter', T, async () => {
    const plan = await json(['vm', 'boot', '--n', '2', '--dry-run']);
    assert.deepEqual(plan.map((r) => [r.name, r.status]), [[`${user}-001`, 'would boot'], [`${user}-002`, 'would boot']]);
    assert.deepEqual(await json(['vm', 'list', `${user}-*`]), []);
    assert.deepEqual(dockerNames(user), []);
  });

  test('vm boot --n 2 takes image and flavor from cloudmesh.yaml and the group from cm default', T, async () => {
    await json(['default', 'group=web']);
    const booted = await json(['vm', 'boot', '--n', '2']);
    assert.deepEqual(booted.map((r) => r.name), [`${user}-001`, `${user}-002`]);
    assert.ok(booted.every((r) => r.id && !r.error), JSON.stringify(booted));
    assert.deepEqual(dockerNames(user), [`${user}-001`, `${user}-002`]);
    const listed = await json(['vm', 'list', `${user}-*`]);
    assert.deepEqual(listed.map((r) => [r.name, r.group_name, r.image]), [[`${user}-001`, 'web', 'cm/busybox:local'], [`${user}-002`, 'web', 'cm/busybox:local']]);
    const groups = await json<{ group: string; members: string }[]>(['group', 'list', 'web']);
    assert.equal(groups[0]!.members, `${user}-001 ${user}-002`);
    // The last VM booted is the default target of commands given no names.
    assert.equal((await json<{ value: string }>(['default', 'vm'])).value, `${user}-002`);
  });

  test('an unknown image is refused with its close matches, and nothing is booted', T, async () => {
    const result = await run(['vm', 'boot', '--image', 'busybx']);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /no image "busybx" on cloud "dock"; close matches: "cm\/busybox:local"/);
    const flavor = await run(['vm', 'boot', '--flavor', 'tinny']);
    assert.match(flavor.stderr, /no flavor "tinny" on cloud "dock"; close matches: "tiny"/);
    assert.equal(dockerNames(user).length, 2);
    // Neither refused boot used up a name.
    assert.equal((await json(['vm', 'boot', '--dry-run']))[0]!.name, `${user}-003`);
  });

  test('a name with quotes and shell metacharacters is kept literal end to end', T, async () => {
    const marker = join(home, 'pwned');
    const name = `${user}-q'"; touch ${marker}; $(touch ${marker})`;
    const [booted] = await json(['vm', 'boot', '--name', name]);
    assert.equal(booted!.name, name, JSON.stringify(booted));
    assert.ok(dockerNames(user).includes(name));
    const [status] = await json(['vm', 'status', name]);
    assert.equal(status!.name, name);
    const [deleted] = await json(['vm', 'delete', name]);
    assert.equal(deleted!.ok, true);
    assert.equal(existsSync(marker), false);
    assert.ok(!dockerNames(user).includes(name));
  });

  test('booting a name that already exists is refused for that name only; no second container', T, async () => {
    const result = await run(['--output', 'json', 'vm', 'boot', '--name', `${user}-001`, '--name', `${user}-x1`]);
    assert.equal(result.code, 1);
    const rows = JSON.parse(result.stdout) as Row[];
    assert.match(rows[0]!.error ?? '', /already exists/);
    assert.equal(rows[1]!.error, undefined);
    assert.match(result.stderr, /1 of 2 boots failed/);
    assert.equal(dockerNames(`${user}-001`).length, 1);
    await json(['vm', 'delete', `${user}-x1`]);
  });

  test('stop, wait, start and status work on hostlists and globs', T, async () => {
    const stopped = await json(['vm', 'stop', `${user}-[001-002]`]);
    assert.deepEqual(stopped.map((r) => r.ok), [true, true]);
    const waited = await json(['vm', 'wait', `${user}-*`, '--state', 'STOPPED', '--timeout', '120', '--interval', '0.5']);
    assert.deepEqual(waited.map((r) => r.status), ['STOPPED', 'STOPPED']);
    await json(['vm', 'start', `${user}-001`]);
    const waitedUp = await json(['vm', 'wait', `${user}-001`, '--timeout', '120', '--interval', '0.5']);
    assert.equal(waitedUp[0]!.status, 'ACTIVE');
    const live = await json(['vm', 'status', `${user}-*`]);
    assert.deepEqual(live.map((r) => [r.name, r.status]), [[`${user}-001`, 'ACTIVE'], [`${user}-002`, 'STOPPED']]);
    const missing = await run(['vm', 'stop', `${user}-[001-003]`]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, new RegExp(`no VM matches "${user}-003"`));
  });

  test('vm refresh rebuilds the cache from the cloud; a VM removed elsewhere leaves it', T, async () => {
    const [booted] = await json(['vm', 'boot', '--name', `${user}-gone`]);
    execFileSync('docker', ['rm', '-f', booted!.id], { stdio: 'ignore' });
    const [report] = await json<{ cloud: string; ok: boolean; vms: number; removed: number }[]>(['vm', 'refresh']);
    assert.equal(report!.ok, true);
    assert.ok(report!.removed >= 1);
    assert.ok(!(await json(['vm', 'list', `${user}-*`])).some((r) => r.name === `${user}-gone`));
    // A fresh database learns the counter from the names the cloud has.
    assert.equal((await json(['vm', 'boot', '--dry-run']))[0]!.name, `${user}-003`);
  });

  test('vm rename renames on the cloud, in the cache and in groups', T, async () => {
    const [renamed] = await json<{ ok: boolean; to: string }[]>(['vm', 'rename', `${user}-002`, `${user}-web`]);
    assert.equal(renamed!.ok, true);
    // What the cloud itself now calls it: a refresh rebuilds the cache from the engine's listing.
    await json(['vm', 'refresh']);
    const names = (await json(['vm', 'list', `${user}-*`])).map((r) => r.name);
    assert.ok(names.includes(`${user}-web`) && !names.includes(`${user}-002`), names.join(' '));
    assert.match((await json<{ members: string }[]>(['group', 'list', 'web']))[0]!.members, new RegExp(`${user}-web`));
    const [back] = await json<{ ok: boolean }[]>(['vm', 'rename', `${user}-web`, `${user}-002`]);
    assert.equal(back!.ok, true);
  });

  test('vm ssh, put and get run the real OpenSSH client with argv (to the test sshd)', { ...T, skip: sshdDown() }, async () => {
    const login = ['--ip', SSHD.host, '--port', String(SSHD.port), '--user', SSHD.user, '--identity', SSHD.identity];
    const ssh = await run(['vm', 'ssh', `${user}-001`, ...login, '--command', 'echo "hello $((6*7))"']);
    assert.equal(ssh.code, 0, ssh.stderr);
    assert.equal(ssh.stdout, 'hello 42\n');
    // ssh may hash the host name (Debian's HashKnownHosts); the key line is there either way.
    assert.match(readFileSync(join(home, 'known_hosts'), 'utf8'), /ssh-ed25519 /, "host key kept in cloudmesh's own known_hosts");
    const failing = await run(['vm', 'ssh', `${user}-001`, ...login, '--command', 'exit 3']);
    assert.equal(failing.code, 3);
    const dir = mkdtempSync(join(tmpdir(), 'cm-scp-'));
    const local = join(dir, `it's a "file" $(x);`);
    writeFileSync(local, 'payload\n');
    const remote = `/tmp/cm-${user} it's;$(x)`;
    const put = await run(['vm', 'put', `${user}-001`, local, remote, ...login]);
    assert.equal(put.code, 0, put.stderr);
    const back = join(dir, 'back copy');
    const get = await run(['vm', 'get', `${user}-001`, remote, back, ...login]);
    assert.equal(get.code, 0, get.stderr);
    assert.equal(readFileSync(back, 'utf8'), 'payload\n');
    await run(['vm', 'ssh', `${user}-001`, ...login, '--command', `rm -f '/tmp/cm-${user} it'"'"';$(x)'`]);
  });

  test('vm delete --dry-run changes nothing; vm delete removes containers, rows and group members', T, async () => {
    const plan = await json(['vm', 'delete', `${user}-*`, '--dry-run']);
    assert.ok(plan.every((r) => r.status === 'would delete'));
    assert.equal(dockerNames(user).length, 2);
    const deleted = await json(['vm', 'delete', `${user}-*`]);
    assert.deepEqual(deleted.map((r) => r.status), ['deleted', 'deleted']);
    assert.deepEqual(dockerNames(user), []);
    assert.deepEqual(await json(['vm', 'list', `${user}-*`]), []);
    // No longer cached: waiting for DELETED asks the engine, finds nothing, and is done.
    const gone = await run(['vm', 'wait', `${user}-*`, '--state', 'DELETED', '--timeout', '30']);
    assert.equal(gone.code, 0, gone.stderr);
    assert.deepEqual(await json(['vm', 'list', `${user}-*`]), []);
    const groups = await run(['group', 'list', 'web']);
    assert.equal(groups.code, 1);
  });
});

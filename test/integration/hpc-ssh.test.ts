// `cm` end to end against Slurm reached over ssh (hpcuser@127.0.0.1:2222, ../shared/backends/ssh-up.sh) and
// through slurmrestd: register hpc / ssh-config / list / show / remove, hpc run with stage-in and stage-out,
// status, output, kill, cm status; and the bad inputs (unreachable host, wrong key, changed host key, missing
// partition, missing script): one clear line, exit 1, nothing recorded. Skipped with the reason without them.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { cm, cmJson, eventually, tempHome } from '../helpers.ts';
import { SSH_TEST, sshBackendUnavailable } from './hpc-backends.ts';

const sshDown = await sshBackendUnavailable();
const slurmDown = /is UP/.test(spawnSync('scontrol', ['ping'], { encoding: 'utf8' }).stdout ?? '') ? null : 'no Slurm controller answers (run .ci/slurm.sh)';
const reason = sshDown ?? slurmDown;
const login = ['--host', SSH_TEST.host, '--port', String(SSH_TEST.port), '--user', SSH_TEST.user, '--key', SSH_TEST.key, '--known-hosts', SSH_TEST.knownHosts];
const TERMINAL = ['COMPLETED', 'FAILED', 'CANCELLED', 'TIMEOUT'];

type Job = { cluster: string; id: string; state: string; exit_code: number | null };

async function finished(home: string, id: string, cluster: string): Promise<Job> {
  return eventually(async () => {
    const [row] = await cmJson<Job[]>(home, ['hpc', 'status', id, '--cluster', cluster]);
    return row && TERMINAL.includes(row.state) ? row : undefined;
  }, 40_000, `job ${id} to finish`);
}

/** Exit 1, one error line (plus at most a hint), and no job recorded. */
async function refused(home: string, args: string[], message: RegExp): Promise<void> {
  const result = await cm(home, args);
  assert.equal(result.code, 1, `${args.join(' ')}: ${result.stderr}`);
  const lines = result.stderr.trim().split('\n').filter((line) => !line.startsWith('hint: '));
  assert.equal(lines.length, 1, `one line: ${result.stderr}`);
  assert.match(lines[0]!, message);
  assert.doesNotMatch(result.stderr, /\n\s+at /, 'no stack trace');
}

describe('cm with Slurm over ssh', { skip: reason ?? false }, () => {
  let home: string;
  const workdir = `cm-e2e-${randomBytes(4).toString('hex')}`;
  before(async () => {
    home = tempHome();
    const result = await cm(home, ['register', 'hpc', 'hpc1', ...login, '--partition', 'debug', '--workdir', workdir]);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /checked\s+ok \(1 partition: debug\)/);
  });
  after(() => {
    spawnSync('ssh', ['-i', SSH_TEST.key, '-o', `UserKnownHostsFile=${SSH_TEST.knownHosts}`, '-o', 'BatchMode=yes', '-p', String(SSH_TEST.port), `${SSH_TEST.user}@${SSH_TEST.host}`, 'rm', '-rf', workdir]);
  });

  test('register list / show; default cluster; run, status, output, queue, info, kill, cm status', async () => {
    const list = await cmJson<{ name: string; kind: string; transport: string; where: string }[]>(home, ['register', 'list']);
    assert.deepEqual(list.find((row) => row.name === 'hpc1'), { name: 'hpc1', kind: 'cluster', type: 'slurm', transport: 'ssh', where: 'hpcuser@127.0.0.1:2222', default: '' });
    const shown = await cmJson<Record<string, unknown>>(home, ['register', 'show', 'hpc1']);
    assert.equal(shown.host, '127.0.0.1');
    assert.equal((await cm(home, ['default', 'cluster=hpc1'])).code, 0);
    const job = await cmJson<Job>(home, ['hpc', 'run', '--name', "it's; $(x)", 'printf', '%s|', 'a b', '$(touch /tmp/never)', "'q'"]);
    assert.equal(job.cluster, 'hpc1');
    assert.deepEqual([(await finished(home, job.id, 'hpc1')).state], ['COMPLETED']);
    assert.equal((await cm(home, ['hpc', 'output', job.id])).stdout, "a b|$(touch /tmp/never)|'q'|");
    const long = await cmJson<Job>(home, ['hpc', 'run', 'sleep', '60']);
    await eventually(async () => ((await cmJson<{ id: string }[]>(home, ['hpc', 'queue'])).some((q) => q.id === long.id) ? true : undefined), 20_000, 'the queue');
    assert.ok((await cmJson<{ partition: string }[]>(home, ['hpc', 'info'])).some((p) => p.partition.startsWith('debug')));
    assert.equal((await cm(home, ['hpc', 'kill', long.id])).code, 0);
    assert.equal((await finished(home, long.id, 'hpc1')).state, 'CANCELLED');
    const status = await cmJson<{ where: string; id: string; source: string; age: string }[]>(home, ['status']);
    const row = status.find((r) => r.where === 'hpc1' && r.id === job.id);
    assert.ok(row, 'cm status lists the remote job');
    assert.equal(row.source, 'hpc1');
    assert.match(row.age, /\S/);
  });

  test('--stage-in and --stage-out go over SFTP; results come back at the next status', async () => {
    const here = tempHome('cm-stage-cwd-');
    writeFileSync(join(here, 'input data.txt'), 'shout this\n');
    const run = await cm(home, ['--output', 'json', 'hpc', 'run', '--cluster', 'hpc1', '--stage-in', 'input data.txt', '--stage-out', 'out/upper.txt', '--shell', 'mkdir -p out && tr a-z A-Z < "input data.txt" > out/upper.txt'], { cwd: here });
    assert.equal(run.code, 0, run.stderr);
    const job = JSON.parse(run.stdout) as Job;
    // The status call that sees the job end copies the file back into the directory hpc run was given in.
    assert.equal((await finished(home, job.id, 'hpc1')).state, 'COMPLETED');
    assert.equal(readFileSync(join(here, 'out', 'upper.txt'), 'utf8'), 'SHOUT THIS\n');
    const [row] = await cmJson<{ spec: { stagedOut: { file: string; bytes: number }[] } }[]>(home, ['hpc', 'status', job.id, '--cluster', 'hpc1']);
    assert.deepEqual(row?.spec.stagedOut.map((s) => [s.file, s.bytes]), [['out/upper.txt', 11]]);
    rmSync(here, { recursive: true, force: true });
  });

  test('ssh-config import; remove --dry-run changes nothing, remove does', async () => {
    const file = join(home, 'ssh_config');
    writeFileSync(file, [
      'Host *',
      `  IdentityFile ${SSH_TEST.key}`,
      `  UserKnownHostsFile ${SSH_TEST.knownHosts}`,
      'Host login2 other',
      `  HostName ${SSH_TEST.host}`,
      `  Port ${SSH_TEST.port}`,
      `  User ${SSH_TEST.user}`,
      '  ProxyJump hpcuser@127.0.0.1:2222',
      'Host *.example.org',
      '  User nobody',
      '',
    ].join('\n'));
    const rows = await cmJson<{ name: string; action: string; key: string; proxy_jump: string }[]>(home, ['register', 'ssh-config', file, '--host', 'login2']);
    assert.deepEqual(rows.map((r) => [r.name, r.action, r.key, r.proxy_jump]), [['login2', 'added', SSH_TEST.key, 'hpcuser@127.0.0.1:2222']]);
    // The imported alias works as a cluster (through the jump host).
    assert.ok((await cmJson<{ partition: string }[]>(home, ['hpc', 'info', '--cluster', 'login2'])).length >= 1);
    const before = readFileSync(join(home, 'cloudmesh.yaml'), 'utf8');
    assert.match((await cm(home, ['register', 'remove', 'login2', '--dry-run'])).stdout, /would remove cluster login2/);
    assert.equal(readFileSync(join(home, 'cloudmesh.yaml'), 'utf8'), before);
    assert.equal((await cm(home, ['register', 'remove', 'login2'])).code, 0);
    assert.doesNotMatch(readFileSync(join(home, 'cloudmesh.yaml'), 'utf8'), /login2/);
  });

  test('bad input: one clear line, exit 1, nothing recorded', async () => {
    const bad = tempHome();
    const other = join(bad, 'wrongkey');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', other]);
    const forged = join(bad, 'known_hosts');
    writeFileSync(forged, `[${SSH_TEST.host}]:${SSH_TEST.port} ${readFileSync(`${other}.pub`, 'utf8').split(' ').slice(0, 2).join(' ')}\n`);
    const reg = (name: string, extra: string[]) => cm(bad, ['register', 'hpc', name, ...extra]);
    // Registration checks the cluster: nothing is written when it fails.
    await refused(bad, ['register', 'hpc', 'down', ...login, '--port', '59999'], /cannot reach hpcuser@127\.0\.0\.1:59999 over ssh: connection refused/);
    await refused(bad, ['register', 'hpc', 'wrongkey', ...login, '--key', other], /refused the login as hpcuser/);
    await refused(bad, ['register', 'hpc', 'changed', ...login, '--known-hosts', forged], /host key of \[127\.0\.0\.1\]:2222 has CHANGED/);
    await refused(bad, ['register', 'hpc', 'changed', ...login, '--known-hosts', forged, '--accept-host-key'], /has CHANGED/);
    await refused(bad, ['register', 'hpc', 'nopart', ...login, '--partition', 'nosuch'], /cluster "nopart" has no partition "nosuch"; nothing was registered/);
    assert.deepEqual((await cmJson<{ name: string }[]>(bad, ['register', 'list'])).map((r) => r.name), ['local']);
    // Registered without the check, the same problems stop hpc run, and no job is recorded.
    for (const [name, extra] of [['down', ['--port', '59999']], ['wrongkey', ['--key', other]], ['changed', ['--known-hosts', forged]]] as const) {
      assert.equal((await reg(name, [...login, ...extra, '--no-check'])).code, 0);
    }
    await refused(bad, ['hpc', 'run', '--cluster', 'down', 'true'], /cannot reach .* connection refused/);
    await refused(bad, ['hpc', 'run', '--cluster', 'wrongkey', 'true'], /refused the login as hpcuser \(tried: key .*wrongkey\)/);
    await refused(bad, ['hpc', 'run', '--cluster', 'changed', 'true'], /has CHANGED .*refusing to connect/);
    assert.equal((await reg('good', [...login, '--no-check'])).code, 0);
    await refused(bad, ['hpc', 'run', '--cluster', 'good', '--partition', 'nosuch', 'true'], /^error: slurm refused the job: .*invalid partition specified: nosuch/i);
    await refused(bad, ['hpc', 'run', '--cluster', 'good', './no-such-script.sh'], /script not found: \.\/no-such-script\.sh/);
    await refused(bad, ['hpc', 'run', '--cluster', 'good', '--stage-in', join(bad, 'absent.txt'), 'true'], /stage-in file not found/);
    assert.deepEqual(await cmJson<unknown[]>(bad, ['hpc', 'status']), []);
    // cm status still answers with a cluster down: a warning, exit 0.
    const status = await cm(bad, ['status']);
    assert.equal(status.code, 0, status.stderr);
  });
});

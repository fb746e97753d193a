// `cm hpc` against the real single-node Grid Engine that .ci/gridengine.sh starts, registered in cloudmesh.yaml
// as a cluster with scheduler sge and the local transport (cm runs on the submit host, through the /usr/bin
// q* wrappers as a user's PATH has them). Skipped, with the reason, when no Grid Engine answers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cm, cmJson, eventually, tempHome } from '../helpers.ts';
import { gridEngine } from '../../src/providers/hpc/sge/testing.ts';
import { SSH_TEST, sshBackendUnavailable } from './hpc-backends.ts';
import { createSshTransport } from '../../src/transport/ssh.ts';

const ge = gridEngine();
const wrapper = spawnSync('qstat', ['-g', 'c'], { encoding: 'utf8', timeout: 20_000 });
const skip = ge.unavailable ?? (wrapper.status === 0 ? false : `qstat on PATH does not answer: ${(wrapper.stderr || String(wrapper.error)).trim()}`);
const TERMINAL = ['COMPLETED', 'FAILED', 'CANCELLED', 'TIMEOUT'];

test('cm hpc run/status/output/kill/queue/info on a Grid Engine cluster', { skip, timeout: 120_000 }, async (t) => {
  const home = tempHome();
  t.after(() => rmSync(home, { recursive: true, force: true }));
  await cm(home, ['config', 'check']);
  writeFileSync(join(home, 'cloudmesh.yaml'), [
    'version: 1',
    'clusters:',
    '  ge:',
    '    scheduler: sge',
    '    transport: local',
    '    partition: all.q',
    `    workdir: ${join(home, 'ge-jobs')}`,
    '',
  ].join('\n'), { mode: 0o600 });
  await cm(home, ['default', 'cluster=ge']);

  const job = await cmJson<{ cluster: string; id: string; name: string }>(home, ['hpc', 'run', '--name', 'cm e2e; $(x)', 'echo', 'hello; $(not run)']);
  assert.equal(job.cluster, 'ge');
  assert.equal(job.name, 'cm e2e; $(x)');
  const done = await eventually(async () => {
    const [row] = await cmJson<{ state: string; exit_code: number | null }[]>(home, ['hpc', 'status', job.id]);
    return row && TERMINAL.includes(row.state) ? row : undefined;
  }, 60_000, 'the Grid Engine job to finish');
  assert.deepEqual([done.state, done.exit_code], ['COMPLETED', 0]);
  assert.equal((await cm(home, ['hpc', 'output', job.id])).stdout, 'hello; $(not run)\n');

  // Options from the command line reach Grid Engine (its own view of the job).
  const sized = await cmJson<{ id: string }>(home, ['hpc', 'run', '--time', '5', '--mem', '50M', 'sleep', '30']);
  const shown = spawnSync('qstat', ['-j', sized.id], { encoding: 'utf8' }).stdout;
  assert.match(shown, /h_rt=300/);
  assert.match(shown, /h_vmem=50M/);
  assert.match(shown, /hard_queue_list:\s+all\.q/);

  const failing = await cmJson<{ id: string }>(home, ['hpc', 'run', 'sh', '-c', 'exit 7']);
  assert.ok((await cmJson<{ id: string }[]>(home, ['hpc', 'queue'])).some((q) => q.id === sized.id), 'the running job is queued');
  const kill = await cm(home, ['hpc', 'kill', sized.id]);
  assert.equal(kill.code, 0, kill.stderr);
  const killed = await eventually(async () => {
    const [row] = await cmJson<{ state: string }[]>(home, ['hpc', 'status', sized.id]);
    return row?.state === 'CANCELLED' ? row : undefined;
  }, 30_000, 'the cancelled job');
  assert.equal(killed.state, 'CANCELLED');
  const failed = await eventually(async () => {
    const [row] = await cmJson<{ state: string; exit_code: number | null }[]>(home, ['hpc', 'status', failing.id]);
    return row && TERMINAL.includes(row.state) ? row : undefined;
  }, 60_000, 'the failing job');
  assert.deepEqual([failed.state, failed.exit_code], ['FAILED', 7]);

  const info = await cmJson<{ partition: string; nodes: number }[]>(home, ['hpc', 'info']);
  assert.ok(info.some((p) => p.partition === 'all.q' && p.nodes >= 1));
  const tracked = (await cmJson<unknown[]>(home, ['hpc', 'status'])).length;
  const refused = await cm(home, ['hpc', 'run', '--partition', 'no-such-queue', 'true']);
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /^error: sge: submit the job failed: .*unknown queue "no-such-queue"$/m, "Grid Engine's own message");
  assert.equal((await cmJson<unknown[]>(home, ['hpc', 'status'])).length, tracked, 'nothing refused was recorded');
  const status = await cmJson<{ where: string; id: string }[]>(home, ['status', '--refresh']);
  assert.ok(status.some((r) => r.where === 'ge' && r.id === job.id));
});

const sshSkip = skip || (await sshBackendUnavailable()) || false;

test('cm hpc on a Grid Engine cluster registered with an ssh login (hpcuser@127.0.0.1:2222)', { skip: sshSkip, timeout: 120_000 }, async (t) => {
  const home = tempHome();
  const workdir = `cm-sge-cli-${Date.now().toString(36)}`;
  t.after(async () => {
    rmSync(home, { recursive: true, force: true });
    const sweep = createSshTransport({ host: SSH_TEST.host, port: SSH_TEST.port, user: SSH_TEST.user, key: SSH_TEST.key, knownHosts: [SSH_TEST.knownHosts] });
    await sweep.exec(['rm', '-rf', '--', workdir]).catch(() => undefined);
    await sweep.close();
  });
  await cm(home, ['config', 'check']);
  writeFileSync(join(home, 'cloudmesh.yaml'), [
    'version: 1',
    'clusters:',
    '  ge-ssh:',
    '    scheduler: sge',
    '    transport: ssh',
    `    host: ${SSH_TEST.host}`,
    `    port: ${SSH_TEST.port}`,
    `    user: ${SSH_TEST.user}`,
    `    key: ${SSH_TEST.key}`,
    `    known_hosts: ${SSH_TEST.knownHosts}`,
    `    workdir: ${workdir}`,
    '',
  ].join('\n'), { mode: 0o600 });
  const job = await cmJson<{ id: string; dir: string }>(home, ['hpc', 'run', '-c', 'ge-ssh', '--env', "V=it's $(x)", '--shell', 'printf "%s|%s\\n" "$V" "$(id -un)"']);
  assert.ok(job.dir.includes(`/${workdir}/`), job.dir);
  const done = await eventually(async () => {
    const [row] = await cmJson<{ state: string }[]>(home, ['hpc', 'status', '-c', 'ge-ssh', job.id]);
    return row && TERMINAL.includes(row.state) ? row : undefined;
  }, 60_000, 'the Grid Engine job over ssh');
  assert.equal(done.state, 'COMPLETED');
  assert.equal((await cm(home, ['hpc', 'output', '-c', 'ge-ssh', job.id])).stdout, `it's $(x)|${SSH_TEST.user}\n`);
  const queue = await cmJson<{ user: string }[]>(home, ['hpc', 'queue', '-c', 'ge-ssh']);
  assert.ok(queue.every((row) => row.user === SSH_TEST.user), 'hpc queue lists the ssh user\'s jobs only');
});

// `cm hpc` against the real single-node Slurm that .ci/slurm.sh starts, registered in cloudmesh.yaml as a
// cluster with the local transport (cm runs on the login node). Skipped, with the reason, when no Slurm answers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cm, cmJson, eventually, tempHome } from '../helpers.ts';

const ping = spawnSync('scontrol', ['ping'], { encoding: 'utf8' });
const slurmUp = ping.status === 0 && /is UP/.test(ping.stdout);

test('cm hpc run/status/output/kill/queue/info on a Slurm cluster', { skip: slurmUp ? false : 'no Slurm controller answers scontrol ping (run .ci/slurm.sh)' }, async () => {
  const home = tempHome();
  await cm(home, ['config', 'check']);
  writeFileSync(join(home, 'cloudmesh.yaml'), [
    'version: 1',
    'clusters:',
    '  cmtest:',
    '    scheduler: slurm',
    '    transport: local',
    '    partition: debug',
    `    workdir: ${join(home, 'slurm-jobs')}`,
    '',
  ].join('\n'), { mode: 0o600 });
  await cm(home, ['default', 'cluster=cmtest']);
  const job = await cmJson<{ cluster: string; id: string }>(home, ['hpc', 'run', '--name', 'cm-e2e', 'echo', 'hello; $(not run)']);
  assert.equal(job.cluster, 'cmtest');
  const done = await eventually(async () => {
    const [row] = await cmJson<{ state: string; exit_code: number | null }[]>(home, ['hpc', 'status', job.id]);
    return row && ['COMPLETED', 'FAILED', 'CANCELLED', 'TIMEOUT'].includes(row.state) ? row : undefined;
  }, 30_000, 'the Slurm job to finish');
  assert.deepEqual([done.state, done.exit_code], ['COMPLETED', 0]);
  assert.equal((await cm(home, ['hpc', 'output', job.id])).stdout, 'hello; $(not run)\n');

  // Scheduler options from the command line reach Slurm.
  const sized = await cmJson<{ id: string }>(home, ['hpc', 'run', '--partition', 'debug', '--ntasks', '1', '--cpus-per-task', '1', '--mem', '50M', '--time', '5', 'true']);
  const shown = spawnSync('scontrol', ['show', 'job', sized.id], { encoding: 'utf8' }).stdout;
  assert.match(shown, /Partition=debug/);
  assert.match(shown, /TimeLimit=00:05:00/);
  assert.match(shown, /MinMemoryNode=50M/);

  const long = await cmJson<{ id: string }>(home, ['hpc', 'run', 'sleep', '60']);
  assert.ok((await cmJson<{ id: string }[]>(home, ['hpc', 'queue'])).some((q) => q.id === long.id));
  assert.equal((await cm(home, ['hpc', 'kill', long.id])).code, 0);
  const killed = await eventually(async () => {
    const [row] = await cmJson<{ state: string }[]>(home, ['hpc', 'status', long.id]);
    return row?.state === 'CANCELLED' ? row : undefined;
  }, 20_000, 'the cancelled job');
  assert.equal(killed.state, 'CANCELLED');
  const info = await cmJson<{ partition: string }[]>(home, ['hpc', 'info']);
  assert.ok(info.some((p) => p.partition.startsWith('debug')));
  const status = await cmJson<{ where: string; id: string }[]>(home, ['status', '--refresh']);
  assert.ok(status.some((r) => r.where === 'cmtest' && r.id === job.id));
});

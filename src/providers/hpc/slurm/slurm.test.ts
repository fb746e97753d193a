/**
 * Tests of the Slurm scheduler against a real Slurm (started by .ci/slurm.sh): the shared Scheduler
 * contract, then what is Slurm's own — one squeue per status call, arrays, hostile names and values,
 * script jobs, the scontrol fallbacks and a host without Slurm. Without `sbatch` on PATH or an answering
 * controller, the whole file is reported as skipped.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { BackendError, UserError } from '../../../core/errors.ts';
import type { Scheduler } from '../../../core/scheduler.ts';
import { CONTRACT_CASES, isTerminal, readAll, schedulerContract, waitFor } from '../../../../test/contracts/scheduler.contract.ts';
import { createLocalTransport, createSlurmScheduler } from './index.ts';
import type { AccountingMode, Transport } from './index.ts';

/** Why Slurm cannot be tested here, or null when it can. */
function slurmUnavailable(): string | null {
  const sbatch = spawnSync('sbatch', ['--version'], { encoding: 'utf8' });
  if (sbatch.error) return 'sbatch is not on PATH (run .ci/slurm.sh to start a test Slurm)';
  const ping = spawnSync('scontrol', ['ping'], { encoding: 'utf8', timeout: 15_000 });
  if (!/is UP/.test(ping.stdout ?? '')) return `the Slurm controller does not answer scontrol ping: ${(ping.stdout || ping.stderr || '').trim()}`;
  return null;
}

/** A local transport that counts commands by program name. */
function counting(inner: Transport): { transport: Transport; calls: Map<string, number> } {
  const calls = new Map<string, number>();
  const transport: Transport = {
    ...inner,
    exec(argv, options) {
      calls.set(argv[0] ?? '', (calls.get(argv[0] ?? '') ?? 0) + 1);
      return inner.exec(argv, options);
    },
  };
  return { transport, calls };
}

const unavailable = slurmUnavailable();
const SLOW = process.env['CM_SLURM_SLOW'] === '1';

if (unavailable !== null) {
  test('Slurm scheduler (real Slurm)', { skip: unavailable }, () => {});
} else {
  schedulerContract(
    'slurm',
    async () => {
      const workdir = await mkdtemp(join(tmpdir(), 'cm-slurm-contract-'));
      const scheduler = createSlurmScheduler({ cluster: 'cmtest', transport: createLocalTransport(), workdir });
      return { scheduler, cleanup: () => rm(workdir, { recursive: true, force: true }) };
    },
    {
      skip: {
        [CONTRACT_CASES.timeLimit]:
          'Slurm keeps time limits in whole minutes and enforces them on a 30 s sweep, so a 1 s limit ends the job ' +
          'after 60-90 s; covered by "stops a job at its 1-minute limit" (opt-in: CM_SLURM_SLOW=1)',
      },
    },
  );
  slurmTests();
}

function slurmTests(): void {
  describe('slurm cluster', () => {
    let workdir: string;
    let scheduler: Scheduler;
    let calls: Map<string, number>;
    const submitted: string[] = [];
    const make = (accounting: AccountingMode = 'auto') => {
      const counted = counting(createLocalTransport());
      return { scheduler: createSlurmScheduler({ cluster: 'cmtest', transport: counted.transport, workdir, accounting }), calls: counted.calls };
    };
    const submit = async (spec: Parameters<Scheduler['submit']>[0], on = scheduler) => {
      const ref = await on.submit(spec);
      submitted.push(ref.id);
      return ref;
    };
    /** What squeue says the job's name is, straight from Slurm. */
    const slurmName = (id: string) =>
      spawnSync('squeue', ['--noheader', '--states=all', `--jobs=${id}`, '--Format=Name:0'], { encoding: 'utf8' }).stdout.replace(/\n$/, '');

    before(async () => {
      workdir = await mkdtemp(join(tmpdir(), 'cm-slurm-'));
      ({ scheduler, calls } = make());
    });
    after(async () => {
      await scheduler.cancel(submitted).catch(() => {});
      await scheduler.close();
      await rm(workdir, { recursive: true, force: true });
    });

    test('status of 20 jobs is one squeue call', { timeout: 20_000 }, async () => {
      const refs = [];
      for (let i = 0; i < 20; i++) refs.push(await submit({ command: ['true'] }));
      calls.clear();
      const states = await scheduler.status(refs.map((ref) => ref.id));
      assert.deepEqual([...calls], [['squeue', 1]]);
      assert.deepEqual(states.map((state) => state.id), refs.map((ref) => ref.id));
      assert.ok(states.every((state) => state.state !== 'UNKNOWN'), JSON.stringify(states));
    });

    test('an array job is tracked per task', { timeout: 15_000 }, async () => {
      const ref = await submit({ command: ['sh', '-c', 'echo task $SLURM_ARRAY_TASK_ID; exit $((SLURM_ARRAY_TASK_ID - 1))'], array: '1-3' });
      const whole = await waitFor(scheduler, ref.id, isTerminal, 10_000);
      const tasks = await scheduler.status([1, 2, 3].map((n) => `${ref.id}_${n}`));
      assert.deepEqual(tasks.map((task) => [task.id, task.state, task.exitCode]), [
        [`${ref.id}_1`, 'COMPLETED', 0],
        [`${ref.id}_2`, 'FAILED', 1],
        [`${ref.id}_3`, 'FAILED', 2],
      ]);
      assert.deepEqual([whole.state, whole.exitCode, whole.reason], ['FAILED', 2, 'array: 1 COMPLETED, 2 FAILED']);
      assert.equal(await readAll(scheduler, `${ref.id}_2`), 'task 2\n');
      await assert.rejects(scheduler.output(ref.id), /is an array/);
    });

    test('hostile names, arguments and environment values stay literal', { timeout: 15_000 }, async () => {
      const marker = `/tmp/PWNED-${randomBytes(6).toString('hex')}`;
      const name = `it's "odd" # %j \\ $(touch ${marker}) \`touch ${marker}\`\t; x`;
      const value = `a,b=c 'q' "d" $(touch ${marker}) \`touch ${marker}\` \\ %j`;
      const command = await submit({ command: ['printenv', 'V'], name, env: { V: value } });
      const shell = await submit({ shell: 'printf "%s|" "$V" "$#"', name, env: { V: value } });
      // A user's own script: its bytes unchanged, our options on sbatch's argv beat its #SBATCH line.
      const path = join(workdir, 'user script.sh');
      await writeFile(path, '#!/bin/bash\n#SBATCH --job-name=from-the-script\nprintf "%s\\n" "$V" "$0"\n');
      const script = await submit({ script: path, name, env: { V: value } });
      for (const ref of [command, shell, script]) {
        assert.equal(ref.name, name);
        assert.equal((await waitFor(scheduler, ref.id, isTerminal, 6_000)).state, 'COMPLETED');
      }
      assert.equal(slurmName(command.id), name);
      assert.equal(slurmName(script.id), name);
      assert.equal(await readAll(scheduler, command.id), `${value}\n`);
      assert.equal(await readAll(scheduler, shell.id), `${value}|0|`);
      const [printed, scriptPath] = (await readAll(scheduler, script.id)).split('\n');
      assert.equal(printed, value);
      assert.match(scriptPath ?? '', /^\//, 'the script ran as a file, not through a command line');
      assert.equal(existsSync(marker), false, 'nothing was evaluated by a shell');
      await assert.rejects(scheduler.submit({ command: ['true'], name: 'two\nlines' }), UserError);
    });

    test("Slurm refusing what the user asked for is a UserError with Slurm's message; other refusals are BackendErrors", async () => {
      const error = await scheduler.submit({ command: ['true'], partition: 'no-such-partition' }).catch((e: unknown) => e);
      assert.ok(error instanceof UserError, String(error));
      assert.match(error.message, /^slurm refused the job: sbatch: error: invalid partition specified: no-such-partition$/);
      const other = await scheduler.submit({ command: ['true'], mem: '999999999G' }).catch((e: unknown) => e);
      assert.ok(other instanceof UserError || other instanceof BackendError, String(other));
    });

    test('without accounting, ids that left the queue go to scontrol, never sacct', async () => {
      const bare = make('scontrol');
      const ref = await submit({ command: ['true'] }, bare.scheduler);
      bare.calls.clear();
      const states = await bare.scheduler.status([ref.id, '987654321']);
      assert.deepEqual(states.map((state) => state.state === 'UNKNOWN'), [false, true]);
      assert.deepEqual([...bare.calls].sort(), [['scontrol', 1], ['squeue', 1]]);
    });

    test('output is found through scontrol when the index entry is gone', { timeout: 10_000 }, async () => {
      const ref = await submit({ command: ['echo', 'found'] });
      await waitFor(scheduler, ref.id, isTerminal, 6_000);
      await unlink(join(workdir, 'index', ref.id));
      assert.equal(await readAll(scheduler, ref.id), 'found\n');
    });

    test('a host without Slurm is a clear UserError', async () => {
      const empty = await mkdtemp(join(tmpdir(), 'cm-nopath-'));
      const none = createSlurmScheduler({ cluster: 'nowhere', transport: createLocalTransport({ env: { PATH: empty } }), workdir });
      try {
        await assert.rejects(none.submit({ command: ['true'] }), (error: unknown) => {
          assert.ok(error instanceof UserError);
          assert.match(error.message, /^Slurm is not installed on this host \(cluster "nowhere"\): sbatch not found/);
          return true;
        });
        await assert.rejects(none.status(['1']), /Slurm is not installed/);
      } finally {
        await rm(empty, { recursive: true, force: true });
      }
    });

    test('stops a job at its 1-minute limit', { skip: SLOW ? false : 'takes 60-90 s (set CM_SLURM_SLOW=1)', timeout: 120_000 }, async () => {
      const ref = await submit({ command: ['sleep', '300'], time: '1' });
      const done = await waitFor(scheduler, ref.id, isTerminal, 110_000);
      assert.deepEqual([done.state, done.exitCode, done.reason], ['TIMEOUT', null, 'time limit reached']);
    });
  });
}

/**
 * Tests of the Grid Engine scheduler against a real Son of Grid Engine (started by .ci/gridengine.sh):
 * the shared Scheduler contract, then what is Grid Engine's own — one qstat (and at most one qacct) per
 * status call, arrays per task, dependencies, hostile names and values, user scripts, refusals. Without
 * a cell that answers, the whole file is reported as skipped with the reason.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { BackendError, UnsupportedError, UserError } from '../../../core/errors.ts';
import type { Scheduler } from '../../../core/scheduler.ts';
import { isTerminal, readAll, schedulerContract, waitFor } from '../../../../test/contracts/scheduler.contract.ts';
import { createLocalTransport, createSgeScheduler } from './index.ts';
import type { Transport } from './index.ts';
import { gridEngine, GE_BIN, SGE_CONTRACT_DIALECT } from './testing.ts';

/** A transport that counts commands by program name (the last path element). */
function counting(inner: Transport): { transport: Transport; calls: Map<string, number> } {
  const calls = new Map<string, number>();
  const transport: Transport = {
    ...inner,
    exec(argv, options) {
      const program = (argv[0] ?? '').split('/').at(-1) ?? '';
      calls.set(program, (calls.get(program) ?? 0) + 1);
      return inner.exec(argv, options);
    },
  };
  return { transport, calls };
}

const ge = gridEngine();

if (ge.unavailable !== null) {
  test('Grid Engine scheduler (real Grid Engine)', { skip: ge.unavailable }, () => {});
} else {
  schedulerContract(
    'sge',
    async () => {
      const workdir = await mkdtemp(join(tmpdir(), 'cm-sge-contract-'));
      const scheduler = createSgeScheduler({ cluster: 'ge', transport: createLocalTransport(), workdir, bin: GE_BIN, env: ge.env });
      return { scheduler, cleanup: () => rm(workdir, { recursive: true, force: true }) };
    },
    { dialect: SGE_CONTRACT_DIALECT },
  );
  sgeTests(ge.env);
}

function sgeTests(env: Record<string, string>): void {
  describe('Grid Engine cluster', () => {
    let workdir: string;
    let scheduler: Scheduler;
    let calls: Map<string, number>;
    const submitted: string[] = [];
    const submit = async (spec: Parameters<Scheduler['submit']>[0]) => {
      const ref = await scheduler.submit(spec);
      submitted.push(ref.id);
      return ref;
    };

    before(async () => {
      workdir = await mkdtemp(join(tmpdir(), 'cm-sge-'));
      const counted = counting(createLocalTransport());
      calls = counted.calls;
      scheduler = createSgeScheduler({ cluster: 'ge', transport: counted.transport, workdir, bin: GE_BIN, env });
    });
    after(async () => {
      await scheduler.cancel(submitted).catch(() => {});
      await scheduler.close();
      await rm(workdir, { recursive: true, force: true });
    });

    test('status of 20 finished and running jobs is one qstat and one qacct call', { timeout: 60_000 }, async () => {
      const refs = [];
      for (let i = 0; i < 20; i++) refs.push(await submit({ command: ['true'] }));
      for (const ref of refs) await waitFor(scheduler, ref.id, isTerminal, 30_000);
      await scheduler.queue(); // the cluster user is learned once per scheduler
      calls.clear();
      const states = await scheduler.status([...refs.map((ref) => ref.id), '987654321']);
      assert.deepEqual([...calls].sort(), [['ls', 1], ['qacct', 1], ['qstat', 1]]);
      assert.deepEqual(states.map((state) => state.state), [...refs.map(() => 'COMPLETED'), 'UNKNOWN']);
    });

    test('an array job is tracked per task', { timeout: 30_000 }, async () => {
      const ref = await submit({ command: ['sh', '-c', 'echo task $SGE_TASK_ID; exit $((SGE_TASK_ID - 1))'], array: '1-3' });
      const whole = await waitFor(scheduler, ref.id, isTerminal, 20_000);
      const tasks = await scheduler.status([1, 2, 3].map((n) => `${ref.id}.${n}`));
      assert.deepEqual(tasks.map((task) => [task.id, task.state, task.exitCode]), [
        [`${ref.id}.1`, 'COMPLETED', 0],
        [`${ref.id}.2`, 'FAILED', 1],
        [`${ref.id}.3`, 'FAILED', 2],
      ]);
      assert.deepEqual([whole.state, whole.exitCode, whole.reason], ['FAILED', 2, 'array: 1 COMPLETED, 2 FAILED']);
      assert.equal(await readAll(scheduler, `${ref.id}.2`), 'task 2\n');
      await assert.rejects(scheduler.output(ref.id), /is an array/);
    });

    test('a dependent job waits for the one it holds on', { timeout: 30_000 }, async () => {
      const first = await submit({ command: ['sleep', '2'] });
      const second = await submit({ command: ['true'], dependency: `afterany:${first.id}` });
      const [held] = await scheduler.status([second.id]);
      assert.equal(held?.state, 'PENDING');
      const firstDone = await waitFor(scheduler, first.id, isTerminal, 20_000);
      const secondDone = await waitFor(scheduler, second.id, isTerminal, 20_000);
      assert.equal(secondDone.state, 'COMPLETED');
      assert.ok((secondDone.startedAt ?? '') >= (firstDone.endedAt ?? ''), `${secondDone.startedAt} after ${firstDone.endedAt}`);
    });

    test('hostile names, arguments and environment values stay literal', { timeout: 30_000 }, async () => {
      const marker = `/tmp/PWNED-${randomBytes(6).toString('hex')}`;
      const name = `1 it's "odd" # @:*?\\/ $(touch ${marker}) \`touch ${marker}\`\t; ünï %41`;
      const value = `a,b=c 'q' "d" $(touch ${marker}) \`touch ${marker}\` \\ $TASK_ID #x`;
      const command = await submit({ command: ['printenv', 'V'], name, env: { V: value } });
      const shell = await submit({ shell: 'printf "%s|" "$V" "$#"', name, env: { V: value } });
      const path = join(workdir, "user's script.sh");
      await writeFile(path, '#!/bin/bash\n#$ -N from-the-script\nprintf "%s\\n" "$V" "$0"\n');
      const script = await submit({ script: path, name, env: { V: value } });
      const queued = await scheduler.queue();
      for (const ref of [command, shell, script]) {
        assert.equal(ref.name, name);
        assert.equal((await waitFor(scheduler, ref.id, isTerminal, 20_000)).state, 'COMPLETED');
      }
      assert.ok(queued.filter((entry) => [command.id, shell.id, script.id].includes(entry.id)).every((entry) => entry.name === name));
      assert.equal(await readAll(scheduler, command.id), `${value}\n`);
      assert.equal(await readAll(scheduler, shell.id), `${value}|0|`);
      const [printed, scriptPath] = (await readAll(scheduler, script.id)).split('\n');
      assert.equal(printed, value);
      assert.match(scriptPath ?? '', /^\//, 'the script ran as a file, not through a command line');
      assert.equal(existsSync(marker), false, 'nothing was evaluated by a shell');
      await assert.rejects(scheduler.submit({ command: ['true'], name: 'two\nlines' }), UserError);
    });

    test('a working directory with blanks and quotes is used as given', { timeout: 30_000 }, async () => {
      const dir = join(workdir, `it's a "dir" #1`);
      const ref = await submit({ command: ['pwd'], dir });
      assert.equal(ref.dir, dir);
      assert.equal((await waitFor(scheduler, ref.id, isTerminal, 20_000)).state, 'COMPLETED');
      assert.equal(await readAll(scheduler, ref.id), `${dir}\n`);
    });

    test('a job deleted before it started is CANCELLED, not forgotten', { timeout: 30_000 }, async () => {
      const ref = await submit({ command: ['true'], dependency: '987654321' });
      const [result] = await scheduler.cancel([ref.id]);
      assert.equal(result?.ok, true, result?.message);
      const done = await waitFor(scheduler, ref.id, isTerminal, 10_000);
      assert.equal(done.state, 'CANCELLED');
    });

    test('what Grid Engine cannot honour is refused before anything is submitted', async () => {
      await assert.rejects(scheduler.submit({ command: ['true'], nodes: 2 }), UnsupportedError);
      await assert.rejects(scheduler.submit({ command: ['true'], qos: 'high' }), UnsupportedError);
      await assert.rejects(scheduler.submit({ command: ['true'], dependency: 'afterok:1' }), UnsupportedError);
      await assert.rejects(scheduler.submit({ command: ['true'], array: '1,3,5' }), UserError);
    });

    test('Grid Engine refusing a job is a BackendError with its message', async () => {
      const error = await scheduler.submit({ command: ['true'], partition: 'no-such-queue' }).catch((e: unknown) => e);
      assert.ok(error instanceof BackendError, String(error));
      assert.match(error.message, /^sge: submit the job failed: .*no-such-queue/);
    });

    test('a host without Grid Engine is a clear UserError', async () => {
      const empty = await mkdtemp(join(tmpdir(), 'cm-nopath-'));
      const none = createSgeScheduler({ cluster: 'nowhere', transport: createLocalTransport({ env: { PATH: empty } }), workdir });
      try {
        await assert.rejects(none.submit({ command: ['true'] }), /^UserError: Grid Engine is not installed on this host \(cluster "nowhere"\): qsub not found/);
        await assert.rejects(none.status(['1']), /Grid Engine is not installed/);
      } finally {
        await rm(empty, { recursive: true, force: true });
      }
    });

    test('info lists the queue with its hosts and slots', async () => {
      const [queue] = (await scheduler.info()).filter((q) => q.partition === 'all.q');
      assert.ok(queue, 'all.q is listed');
      assert.equal(queue.state, 'up');
      assert.ok(queue.nodes >= 1 && (queue.cpus ?? 0) >= 1);
    });
  });
}


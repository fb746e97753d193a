/**
 * @module test/contracts/scheduler.contract
 * The behaviour every `Scheduler` (local, Slurm, PBS …) must show, as a reusable node:test suite. A
 * provider's test file calls `schedulerContract(name, make)`; a provider that cannot honour a case (e.g.
 * Slurm's minute-granular time limits) skips it by title with a reason, so the gap stays visible.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { TERMINAL_STATES } from '../../src/core/scheduler.ts';
import type { JobState, Scheduler } from '../../src/core/scheduler.ts';
import { canStageOut } from '../../src/transport/stage.ts';

/** What a provider's test supplies: a fresh scheduler and how to tear it down. */
export type SchedulerFactory = () => Promise<{ scheduler: Scheduler; cleanup(): Promise<void> }>;

/** The titles of the contract's cases, for `options.skip`. */
export const CONTRACT_CASES = {
  command: 'runs an argv command to completion and serves its stdout',
  failure: 'reports a non-zero exit as FAILED with the exit code',
  status: 'answers many ids, unknown ones as UNKNOWN, in one status call',
  cancel: 'cancels a running job',
  timeLimit: 'stops a job at its time limit with TIMEOUT',
  queue: 'lists a running job in the queue and not a finished one',
  info: 'describes at least one partition',
  literal: 'passes names and arguments literally, never through a shell',
  shell: 'runs an explicit shell line with a pipeline',
  array: 'tracks an array of 10 per task, each with its own output',
  dependency: 'starts a dependent job only after the job it depends on',
  staging: 'stages a file in and a result out (round trip)',
  many: 'answers 1000 tracked jobs in one status call',
  hostileDir: 'runs in a working directory named with quotes, spaces, ; and $(...)',
} as const;

/** How a scheduler spells what the contract cannot know: a task's id, a dependency, its task variable. */
export interface ContractDialect {
  /** The id of task `n` of array job `id` (default `id_n`, Slurm's). */
  taskId?: (id: string, n: number) => string;
  /** The `dependency` value that waits for `id` to succeed (default `afterok:id`). */
  afterOk?: (id: string) => string;
  /** The environment variable holding the task number (default SLURM_ARRAY_TASK_ID). */
  taskVariable?: string;
}

/**
 * How much longer than on an idle machine a wait may take: CI runs every suite at once on two cores, next to
 * OpenStack and Slurm. The cases check what happens, not how fast (the 1000-job case keeps its own bound).
 */
const SLACK = Number(process.env.CM_TEST_SLACK ?? 4);

/** Poll `status` until `predicate` holds for job `id`; fail with the last state seen after `timeoutMs` (× SLACK). */
export async function waitFor(
  scheduler: Scheduler,
  id: string,
  predicate: (state: JobState) => boolean,
  timeoutMs: number,
): Promise<JobState> {
  const deadline = Date.now() + timeoutMs * SLACK;
  let last: JobState | undefined;
  for (;;) {
    const [state] = await scheduler.status([id]);
    last = state;
    if (state !== undefined && predicate(state)) return state;
    if (Date.now() >= deadline) break;
    await sleep(50);
  }
  assert.fail(`job ${id} did not reach the expected state within ${timeoutMs * SLACK} ms; last: ${JSON.stringify(last)}`);
}

/** True once a job can no longer change. */
export function isTerminal(state: JobState): boolean {
  return TERMINAL_STATES.has(state.state);
}

/** Read a whole output stream by paging on `offset` until nothing more comes. */
export async function readAll(scheduler: Scheduler, id: string, stream: 'stdout' | 'stderr' = 'stdout'): Promise<string> {
  let text = '';
  let offset = 0;
  for (let page = 0; page < 1000; page++) {
    const chunk = await scheduler.output(id, { stream, offset });
    if (chunk.offset === offset) break;
    text += chunk.text;
    offset = chunk.offset;
  }
  return text;
}

/** Register the contract suite for one Scheduler implementation. */
export function schedulerContract(
  name: string,
  make: SchedulerFactory,
  options: { skip?: Record<string, string>; dialect?: ContractDialect } = {},
): void {
  const taskId = options.dialect?.taskId ?? ((id: string, n: number) => `${id}_${n}`);
  const afterOk = options.dialect?.afterOk ?? ((id: string) => `afterok:${id}`);
  const taskVariable = options.dialect?.taskVariable ?? 'SLURM_ARRAY_TASK_ID';
  describe(`Scheduler contract: ${name}`, () => {
    let scheduler: Scheduler;
    let cleanup: (() => Promise<void>) | undefined;
    const submitted: string[] = [];

    before(async () => {
      ({ scheduler, cleanup } = await make());
    });
    after(async () => {
      // Leave nothing running behind, whatever failed above.
      if (submitted.length > 0) {
        const states = await scheduler.status(submitted).catch(() => []);
        const live = states.filter((state) => !isTerminal(state) && state.state !== 'UNKNOWN');
        if (live.length > 0) await scheduler.cancel(live.map((state) => state.id)).catch(() => {});
        for (const state of live) await waitFor(scheduler, state.id, isTerminal, 6_000).catch(() => {});
      }
      await scheduler?.close();
      await cleanup?.();
    });

    const run = (title: string, fn: () => Promise<void>, timeout = 10_000 * SLACK) =>
      test(title, { skip: options.skip?.[title] ?? false, timeout }, fn);
    const submit = async (spec: Parameters<Scheduler['submit']>[0]) => {
      const ref = await scheduler.submit(spec);
      submitted.push(ref.id);
      return ref;
    };

    run(CONTRACT_CASES.command, async () => {
      const ref = await submit({ command: ['echo', 'hello', 'world'] });
      assert.match(ref.id, /\S/);
      assert.match(ref.name, /\S/);
      assert.ok(!Number.isNaN(Date.parse(ref.submittedAt)), 'submittedAt is a timestamp');
      const done = await waitFor(scheduler, ref.id, isTerminal, 4_000);
      assert.equal(done.state, 'COMPLETED');
      assert.equal(done.exitCode, 0);
      assert.equal(await readAll(scheduler, ref.id), 'hello world\n');
      assert.deepEqual(await scheduler.output(ref.id, { offset: 6 }), { text: 'world\n', offset: 12 });
    });

    run(CONTRACT_CASES.failure, async () => {
      const ref = await submit({ command: ['sh', '-c', 'exit 3'] });
      const done = await waitFor(scheduler, ref.id, isTerminal, 4_000);
      assert.equal(done.state, 'FAILED');
      assert.equal(done.exitCode, 3);
    });

    run(CONTRACT_CASES.status, async () => {
      const refs = await Promise.all([1, 2, 3].map((n) => submit({ command: ['sh', '-c', `exit ${n - 1}`] })));
      for (const ref of refs) await waitFor(scheduler, ref.id, isTerminal, 4_000);
      const unknown = '987654321';
      const states = await scheduler.status([...refs.map((ref) => ref.id), unknown]);
      assert.deepEqual(
        states.map((state) => [state.id, state.state, state.exitCode]),
        [
          [refs[0]?.id, 'COMPLETED', 0],
          [refs[1]?.id, 'FAILED', 1],
          [refs[2]?.id, 'FAILED', 2],
          [unknown, 'UNKNOWN', null],
        ],
      );
      assert.deepEqual(await scheduler.status([]), []);
    });

    run(CONTRACT_CASES.cancel, async () => {
      const ref = await submit({ command: ['sleep', '30'] });
      await waitFor(scheduler, ref.id, (state) => state.state === 'RUNNING', 3_000);
      const [result] = await scheduler.cancel([ref.id]);
      assert.equal(result?.ok, true, result?.message);
      const done = await waitFor(scheduler, ref.id, isTerminal, 4_000);
      assert.equal(done.state, 'CANCELLED');
      const [again, unknown] = await scheduler.cancel([ref.id, '987654321']);
      assert.equal(again?.ok, false);
      assert.match(again?.message ?? '', /already CANCELLED/);
      assert.equal(unknown?.ok, false);
    });

    run(CONTRACT_CASES.timeLimit, async () => {
      const ref = await submit({ command: ['sleep', '30'], time: '0:01' });
      const done = await waitFor(scheduler, ref.id, isTerminal, 4_500);
      assert.equal(done.state, 'TIMEOUT');
    });

    run(CONTRACT_CASES.queue, async () => {
      const running = await submit({ command: ['sleep', '30'] });
      const finished = await submit({ command: ['true'] });
      await waitFor(scheduler, running.id, (state) => state.state === 'RUNNING', 3_000);
      await waitFor(scheduler, finished.id, isTerminal, 3_000);
      try {
        const entries = await scheduler.queue();
        const mine = entries.find((entry) => entry.id === running.id);
        assert.ok(mine, `job ${running.id} is in the queue`);
        assert.equal(mine.state, 'RUNNING');
        assert.equal(mine.name, running.name);
        assert.match(mine.user, /\S/);
        assert.ok(!entries.some((entry) => entry.id === finished.id), 'a finished job is not queued');
      } finally {
        await scheduler.cancel([running.id]);
      }
    });

    run(CONTRACT_CASES.info, async () => {
      const partitions = await scheduler.info();
      assert.ok(partitions.length >= 1);
      for (const partition of partitions) {
        assert.match(partition.partition, /\S/);
        assert.ok(partition.nodes >= 1);
      }
    });

    run(CONTRACT_CASES.literal, async () => {
      const marker = `/tmp/PWNED-${randomBytes(6).toString('hex')}`;
      const name = `it's "odd"; $(touch ${marker}) \`touch ${marker}\``;
      const args = [
        `$(touch ${marker})`,
        `\`touch ${marker}\``,
        `'; touch ${marker}; '`,
        `"; touch ${marker}; "`,
        `two\nlines && touch ${marker}`,
        '$HOME * ? ~ | > <',
        '',
      ];
      const ref = await submit({ command: ['printf', '%s\\n', ...args], name });
      assert.equal(ref.name, name);
      const done = await waitFor(scheduler, ref.id, isTerminal, 4_000);
      assert.equal(done.state, 'COMPLETED', done.reason ?? '');
      assert.equal(await readAll(scheduler, ref.id), args.map((arg) => `${arg}\n`).join(''));
      assert.equal(existsSync(marker), false, 'no argument was evaluated by a shell');
    });

    run(CONTRACT_CASES.shell, async () => {
      const ref = await submit({ shell: "printf 'a\\nb\\nc\\n' | grep -c . ; echo to-stderr >&2" });
      const done = await waitFor(scheduler, ref.id, isTerminal, 4_000);
      assert.equal(done.state, 'COMPLETED', done.reason ?? '');
      assert.equal((await readAll(scheduler, ref.id)).trim(), '3');
      assert.equal(await readAll(scheduler, ref.id, 'stderr'), 'to-stderr\n');
    });

    run(CONTRACT_CASES.array, async () => {
      const ref = await submit({ shell: `echo task $${taskVariable}`, array: '1-10' });
      const ids = Array.from({ length: 10 }, (_, i) => taskId(ref.id, i + 1));
      const deadline = Date.now() + 25_000;
      let states = await scheduler.status(ids);
      while (!states.every(isTerminal) && Date.now() < deadline) {
        await sleep(200);
        states = await scheduler.status(ids);
      }
      assert.deepEqual(states.map((state) => [state.id, state.state]), ids.map((id) => [id, 'COMPLETED']));
      for (const [i, id] of ids.entries()) assert.equal(await readAll(scheduler, id), `task ${i + 1}\n`);
    }, 40_000 * SLACK);

    run(CONTRACT_CASES.dependency, async () => {
      const first = await submit({ command: ['sleep', '2'] });
      const second = await submit({ command: ['true'], dependency: afterOk(first.id) });
      const [early] = await scheduler.status([second.id]);
      assert.equal(early?.state, 'PENDING', 'the dependent job waits');
      const done = await waitFor(scheduler, second.id, isTerminal, 15_000);
      const [before] = await scheduler.status([first.id]);
      assert.equal(before?.state, 'COMPLETED');
      assert.equal(done.state, 'COMPLETED', done.reason ?? '');
      // Times are whole seconds on most schedulers: the second may start in the second the first ended.
      assert.ok(Date.parse(done.startedAt ?? '') >= Date.parse(before?.endedAt ?? ''), `started ${done.startedAt}, after ${before?.endedAt}`);
    }, 25_000 * SLACK);

    run(CONTRACT_CASES.staging, async () => {
      const here = await mkdtemp(join(tmpdir(), 'cm-stage-'));
      try {
        const input = join(here, "in put's.txt");
        await writeFile(input, 'round trip\n');
        const ref = await submit({
          command: ['sh', '-c', 'mkdir -p res && tr a-z A-Z < "$1" > res/out.txt', 'sh', "in put's.txt"],
          stageIn: [input],
          stageOut: ['res/out.txt', 'missing.txt'],
        });
        const done = await waitFor(scheduler, ref.id, isTerminal, 8_000);
        assert.equal(done.state, 'COMPLETED', done.reason ?? '');
        assert.ok(canStageOut(scheduler), 'the scheduler can stage out');
        const back = join(here, 'back');
        const results = await scheduler.stageOut(ref.id, ['res/out.txt', 'missing.txt'], back);
        assert.deepEqual(results.map((r) => [r.file, r.bytes, r.error === null]), [['res/out.txt', 11, true], ['missing.txt', null, false]]);
        assert.equal(await readFile(join(back, 'res', 'out.txt'), 'utf8'), 'ROUND TRIP\n');
      } finally {
        await rm(here, { recursive: true, force: true });
      }
    }, 15_000 * SLACK);

    run(CONTRACT_CASES.many, async () => {
      // An array makes 1000 tracked task ids with one submit; the point is the one status call for all.
      const ref = await submit({ command: ['sleep', '60'], array: '1-1000' });
      const ids = Array.from({ length: 1000 }, (_, i) => taskId(ref.id, i + 1));
      try {
        const started = Date.now();
        const states = await scheduler.status(ids);
        const took = Date.now() - started;
        assert.equal(states.length, 1000);
        assert.deepEqual(states.map((state) => state.id), ids);
        assert.ok(states.every((state) => state.state !== 'UNKNOWN'), 'every task is known');
        assert.ok(took < 10_000, `one status call for 1000 jobs took ${took} ms`);
      } finally {
        await scheduler.cancel([ref.id]);
      }
    }, 30_000 * SLACK);

    run(CONTRACT_CASES.hostileDir, async () => {
      // No `/` inside the substitutions: each would make a nested directory. pwd printing the name unchanged
      // (and the job running at all) shows no shell on the way evaluated it.
      const dir = `/tmp/cm dir 'q' "d"; $(echo x) \`echo y\` ${randomBytes(4).toString('hex')}`;
      try {
        const ref = await submit({ command: ['pwd'], dir, name: `semi;colon $(echo x) 'q'` });
        const done = await waitFor(scheduler, ref.id, isTerminal, 6_000);
        assert.equal(done.state, 'COMPLETED', done.reason ?? '');
        assert.equal(await readAll(scheduler, ref.id), `${dir}\n`);
      } finally {
        await rm(dir, { recursive: true, force: true }).catch(() => undefined);
      }
    });
  });
}

/**
 * Tests of the built-in `local` cluster: the shared Scheduler contract, then what only a local cluster
 * has — jobs that outlive their submitter, orphan detection, script files, concurrent id allocation.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { NotFoundError, UnsupportedError, UserError } from '../../../core/errors.ts';
import type { Scheduler } from '../../../core/scheduler.ts';
import { CONTRACT_CASES, isTerminal, readAll, schedulerContract, waitFor } from '../../../../test/contracts/scheduler.contract.ts';
import { createLocalScheduler } from './index.ts';
import { completeUtf8Length, parseTimeLimit, toJobState, VANISHED_REASON } from './map.ts';
import type { StateRecord } from './map.ts';

const run = promisify(execFile);

schedulerContract('local', async () => {
  const home = await mkdtemp(join(tmpdir(), 'cm-local-contract-'));
  return { scheduler: createLocalScheduler({ home }), cleanup: () => rm(home, { recursive: true, force: true }) };
}, {
  // The local cluster refuses these (UnsupportedError) rather than run something else than asked.
  skip: {
    [CONTRACT_CASES.array]: 'the local cluster does not run job arrays',
    [CONTRACT_CASES.dependency]: 'the local cluster does not support job dependencies',
    [CONTRACT_CASES.staging]: 'local jobs run on this machine: there is nothing to stage',
    [CONTRACT_CASES.many]: 'without arrays, 1000 local jobs would be 1000 processes; status of many ids is the "status" case',
  },
});

describe('local cluster', () => {
  let home: string;
  let scheduler: Scheduler;
  /** A separate `cm`-like process: submits `count` jobs, prints their ids as JSON and exits at once. */
  let submitter: string;

  before(async () => {
    home = await mkdtemp(join(tmpdir(), 'cm-local-'));
    scheduler = createLocalScheduler({ home });
    submitter = join(home, 'submit.ts');
    const entry = new URL('./index.ts', import.meta.url).href;
    await writeFile(
      submitter,
      [
        `import { createLocalScheduler } from ${JSON.stringify(entry)};`,
        'const [home, count, ...command] = process.argv.slice(2);',
        'const scheduler = createLocalScheduler({ home });',
        'const ids = [];',
        'for (let i = 0; i < Number(count); i++) ids.push((await scheduler.submit({ command })).id);',
        'console.log(JSON.stringify(ids));',
      ].join('\n'),
    );
  });
  after(async () => {
    await rm(home, { recursive: true, force: true });
  });

  const submitFromChild = async (count: number, command: string[]): Promise<string[]> => {
    const { stdout } = await run(process.execPath, [submitter, home, String(count), ...command], { timeout: 5_000 });
    return JSON.parse(stdout) as string[];
  };
  const stateOf = async (id: string) =>
    JSON.parse(await readFile(join(home, 'jobs', id, 'state.json'), 'utf8')) as StateRecord;

  test('a job outlives the process that submitted it', { timeout: 8_000 }, async () => {
    const [id] = await submitFromChild(1, ['sh', '-c', 'sleep 1; echo done']);
    assert.ok(id !== undefined);
    // The submitter has exited by now; only the detached runner is left to move the job on.
    await waitFor(scheduler, id, (state) => state.state === 'RUNNING', 2_000);
    const done = await waitFor(scheduler, id, isTerminal, 4_000);
    assert.equal(done.state, 'COMPLETED');
    assert.equal(await readAll(scheduler, id), 'done\n');
  });

  test('a killed runner makes its job FAILED, not RUNNING forever', { timeout: 8_000 }, async () => {
    const ref = await scheduler.submit({ command: ['sleep', '30'] });
    await waitFor(scheduler, ref.id, (state) => state.state === 'RUNNING', 3_000);
    const { runnerPid } = await stateOf(ref.id);
    assert.ok(runnerPid);
    process.kill(runnerPid, 'SIGKILL');
    try {
      const done = await waitFor(scheduler, ref.id, isTerminal, 3_000);
      assert.equal(done.state, 'FAILED');
      assert.equal(done.reason, VANISHED_REASON);
      assert.equal((await scheduler.cancel([ref.id]))[0]?.message, 'already FAILED');
    } finally {
      process.kill(-runnerPid, 'SIGKILL'); // the orphaned `sleep` is still in the group
    }
  });

  test('runs script files, with and without a shebang', { timeout: 8_000 }, async () => {
    const withShebang = join(home, 'shebang.sh');
    const plain = join(home, 'plain.sh');
    await writeFile(withShebang, '#!/bin/sh\necho "shebang $CM_JOB_ID $CM_JOB_NAME $GREETING"\n');
    await writeFile(plain, 'echo "plain $(basename "$0")"\npwd\n');
    const a = await scheduler.submit({ script: withShebang, name: 'sb', env: { GREETING: 'hi' } });
    const b = await scheduler.submit({ script: plain, dir: join(home, 'work', 'here') });
    for (const ref of [a, b]) assert.equal((await waitFor(scheduler, ref.id, isTerminal, 4_000)).state, 'COMPLETED');
    assert.equal(await readAll(scheduler, a.id), `shebang ${a.id} sb hi\n`);
    assert.equal(await readAll(scheduler, b.id), `plain script\n${join(home, 'work', 'here')}\n`);
    assert.equal(b.dir, join(home, 'work', 'here'));
    assert.equal((await stat(join(home, 'jobs', a.id, 'script'))).mode & 0o777, 0o700);
  });

  test('concurrent submitters never share an id', { timeout: 10_000 }, async () => {
    const batches = await Promise.all([1, 2, 3, 4].map(() => submitFromChild(3, ['true'])));
    const ids = batches.flat();
    assert.equal(ids.length, 12);
    assert.equal(new Set(ids).size, 12, `distinct ids: ${ids.join(' ')}`);
    for (const id of ids) await waitFor(scheduler, id, isTerminal, 4_000);
  });

  test('a missing program is FAILED with a clear reason', { timeout: 5_000 }, async () => {
    const ref = await scheduler.submit({ command: ['no-such-program-cm-test', '--x'] });
    const done = await waitFor(scheduler, ref.id, isTerminal, 3_000);
    assert.deepEqual([done.state, done.exitCode, done.reason], ['FAILED', 127, 'command not found: no-such-program-cm-test']);
  });

  test('rejects malformed specs before creating anything', async () => {
    const before = await scheduler.queue();
    await assert.rejects(scheduler.submit({}), UserError);
    await assert.rejects(scheduler.submit({ command: ['true'], shell: 'true' }), UserError);
    await assert.rejects(scheduler.submit({ command: [] }), UserError);
    await assert.rejects(scheduler.submit({ command: ['echo', 'a\0b'] }), UserError);
    await assert.rejects(scheduler.submit({ command: ['true'], time: 'soon' }), UserError);
    await assert.rejects(scheduler.submit({ command: ['true'], partition: 'gpu' }), UserError);
    await assert.rejects(scheduler.submit({ command: ['true'], array: '1-3' }), UnsupportedError);
    await assert.rejects(scheduler.submit({ script: join(home, 'missing.sh') }), NotFoundError);
    assert.deepEqual(await scheduler.queue(), before);
  });

  test('unknown and path-like ids are UNKNOWN / not found', async () => {
    const states = await scheduler.status(['424242', '../..', '1/../1']);
    assert.deepEqual(states.map((state) => state.state), ['UNKNOWN', 'UNKNOWN', 'UNKNOWN']);
    await assert.rejects(scheduler.output('424242'), NotFoundError);
    assert.equal((await scheduler.cancel(['../1']))[0]?.ok, false);
  });

  test('info describes this machine', async () => {
    const [partition] = await scheduler.info();
    assert.equal(partition?.partition, 'local');
    assert.ok((partition?.cpus ?? 0) >= 1);
    assert.match(partition?.detail ?? '', /^load \d+\.\d\d, \d+\.\d\/\d+\.\d GiB free$/);
  });
});

describe('local map', () => {
  test('parses time limits', () => {
    assert.equal(parseTimeLimit('5'), 300);
    assert.equal(parseTimeLimit('0:02'), 2);
    assert.equal(parseTimeLimit('1:30'), 90);
    assert.equal(parseTimeLimit('01:02:03'), 3723);
    assert.equal(parseTimeLimit('2-01:00:00'), 2 * 86_400 + 3600);
    assert.equal(parseTimeLimit(' 10 '), 600);
  });

  test('rejects invalid time limits with a UserError', () => {
    for (const bad of ['', 'abc', '0', '0:00', '1:60', '1:00:60', '1:2:3:4', '1-2', '1-02:00', '-5', '1.5', '5m']) {
      assert.throws(() => parseTimeLimit(bad), UserError, bad);
    }
  });

  test('judges a live-looking record by its runner', () => {
    const record: StateRecord = { state: 'RUNNING', submittedAt: new Date().toISOString(), runnerPid: 4242, runnerStart: '1' };
    const now = Date.now();
    assert.equal(toJobState('1', record, { runnerAlive: true, cancelRequested: false, now }).state, 'RUNNING');
    assert.equal(toJobState('1', record, { runnerAlive: false, cancelRequested: false, now }).reason, VANISHED_REASON);
    assert.equal(toJobState('1', record, { runnerAlive: false, cancelRequested: true, now }).state, 'CANCELLED');
    const done = { ...record, state: 'COMPLETED' as const, exitCode: 0 };
    assert.equal(toJobState('1', done, { runnerAlive: false, cancelRequested: false, now }).state, 'COMPLETED');
    const orphan = { ...record, state: 'PENDING' as const, runnerPid: null, submittedAt: '2000-01-01T00:00:00Z' };
    assert.equal(toJobState('1', orphan, { runnerAlive: false, cancelRequested: false, now }).reason, 'runner never started');
  });

  test('never splits a UTF-8 character across output chunks', () => {
    const bytes = Buffer.from('aé€😀');
    assert.equal(completeUtf8Length(bytes), bytes.length);
    for (let cut = 0; cut <= bytes.length; cut++) {
      const usable = completeUtf8Length(bytes.subarray(0, cut));
      assert.ok(!bytes.subarray(0, usable).toString('utf8').includes('\uFFFD'), `cut ${cut}`);
      assert.ok(cut - usable < 4);
    }
  });
});

test('a script\'s #! line is read like the kernel reads it', async () => {
  const { interpreterOf } = await import('./index.ts');
  assert.deepEqual(interpreterOf(Buffer.from('#!/bin/bash\necho')), ['/bin/bash']);
  assert.deepEqual(interpreterOf(Buffer.from('#! /usr/bin/env python3 -u\n')), ['/usr/bin/env', 'python3 -u']);
  assert.deepEqual(interpreterOf(Buffer.from('echo no shebang\n')), ['/bin/sh']);
  assert.deepEqual(interpreterOf(Buffer.from('#!\n')), ['/bin/sh']);
});

/**
 * The PBS scheduler through the shared Scheduler contract, against RECORDINGS: no PBS Pro, OpenPBS or
 * Torque server is packaged for this machine, so each run replays recorded server replies
 * (test/fixtures/pbs/*.json, written to the vendors' documented formats) through a Transport that answers
 * argv with the recorded output and fails on any command it has no recording for. What a recording cannot
 * show (output holding random names) is checked on the job script the adapter wrote instead.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CONTRACT_CASES, schedulerContract } from '../../../../test/contracts/scheduler.contract.ts';
import { createRecordingReplayTransport, loadRecording } from '../../../../test/fixtures/pbs/replay.ts';
import { UnsupportedError, UserError } from '../../../core/errors.ts';
import { createPbsScheduler } from './index.ts';
import type { PbsFlavor } from './index.ts';

/** Cases a recording cannot replay, and why; each is covered by a test below or by the real Grid Engine run. */
const REPLAY_SKIPS = {
  [CONTRACT_CASES.literal]:
    'its expected output holds a random marker path a recording cannot know; the quoting is checked on the written job script below, and run for real by the Grid Engine contract',
  [CONTRACT_CASES.hostileDir]:
    'its directory name is random, so no recording can echo it; the quoting of the directory is checked on the written job script below',
  [CONTRACT_CASES.many]:
    'a recording of 1000 subjobs is not kept; one qstat for many ids is checked below, and 1000 tasks in one call run for real against Grid Engine',
};

for (const [flavor, file, taskVariable] of [['pro', 'pro.json', 'PBS_ARRAY_INDEX'], ['torque', 'torque-moab.json', 'PBS_ARRAYID']] as const) {
  const recording = loadRecording(file);
  schedulerContract(
    `pbs ${flavor} (recorded replies, not a live server)`,
    async () => ({ scheduler: createPbsScheduler({ cluster: `rec-${flavor}`, transport: createRecordingReplayTransport(recording), workdir: recording.workdir }), cleanup: async () => {} }),
    { skip: REPLAY_SKIPS, dialect: { taskId: (id, n) => id.replace('[]', `[${n}]`), afterOk: (id) => `afterok:${id}`, taskVariable } },
  );
}

describe('pbs adapter on recorded replies', () => {
  const make = (file: string, flavor?: PbsFlavor) => {
    const recording = loadRecording(file);
    const transport = createRecordingReplayTransport(recording);
    return { transport, scheduler: createPbsScheduler({ cluster: 'rec', transport, workdir: recording.workdir, ...(flavor ? { flavor } : {}) }) };
  };
  const script = (transport: ReturnType<typeof make>['transport']) =>
    [...transport.files].filter(([path]) => path.endsWith('/job.pbs')).map(([, content]) => content.toString()).at(-1) ?? '';

  test('the flavour is asked once, then one qstat answers every id', async () => {
    const { transport, scheduler } = make('pro.json');
    await scheduler.submit({ command: ['echo', 'hello', 'world'] });
    await scheduler.status(['4101.pbs01']);
    await scheduler.status(['4103.pbs01', '4104.pbs01', '4105.pbs01', '987654321']);
    assert.deepEqual(transport.commands.map((argv) => argv.slice(0, 2).join(' ')), ['qstat --version', 'qsub <jobdir>/job.pbs', 'qstat -x', 'qstat -x']);
    assert.equal(transport.commands.at(-1)?.length, 10, 'all four ids on one qstat');
  });

  test('Torque jobs that left qstat are answered by Moab: checkjob for one, one showq -c for many', async () => {
    const { transport, scheduler } = make('torque-moab.json', 'torque');
    assert.equal((await scheduler.status(['4102.tq01']))[0]?.state, 'RUNNING');
    assert.deepEqual((await scheduler.status(['4102.tq01'])).map((s) => [s.state, s.exitCode]), [['FAILED', 3]]);
    const states = await scheduler.status(['4103.tq01', '4104.tq01', '4105.tq01', '987654321']);
    assert.deepEqual(states.map((s) => [s.state, s.exitCode]), [['COMPLETED', 0], ['FAILED', 1], ['FAILED', 2], ['UNKNOWN', null]]);
    assert.deepEqual(transport.commands.map((argv) => argv[0]), ['qstat', 'qstat', 'checkjob', 'qstat', 'showq']);
  });

  test('hostile arguments, names and directories are quoted in the job script, never on a command line', async () => {
    const { transport, scheduler } = make('pro.json', 'pro');
    const dir = `/tmp/cm dir 'q' "d"; $(echo x) \`echo y\``;
    const ref = await scheduler.submit({ command: ['printf', '%s\\n', "'; touch /tmp/x; '", '$(touch /tmp/y)', 'two\nlines'], name: `it's "odd"; $(x)`, dir });
    assert.equal(ref.name, `it's "odd"; $(x)`);
    const text = script(transport);
    assert.match(text, /^#PBS -N it%27s%20%22odd%22;%20%24\(x\)$/m, 'the name is encoded into characters PBS accepts');
    assert.match(text, /^cd '\/tmp\/cm dir '\\''q'\\'' "d"; \$\(echo x\) `echo y`' \|\| exit 1$/m);
    assert.match(text, /^printf '%s\\n' ''\\''; touch \/tmp\/x; '\\''' '\$\(touch \/tmp\/y\)' 'two\nlines'$/m);
    assert.deepEqual(transport.commands.at(-1), ['qsub', '<jobdir>/job.pbs'], 'qsub gets only the script path');
  });

  test('requests become PBS Pro select chunks and Torque nodes/ppn', async () => {
    const pro = make('pro.json', 'pro');
    await pro.scheduler.submit({ command: ['true'], nodes: 2, ntasks: 4, cpusPerTask: 2, mem: '4G', time: '90', partition: 'workq', array: '1-10%2', dependency: 'afterok:4101.pbs01' });
    const text = script(pro.transport);
    for (const line of ['#PBS -l select=2:ncpus=4:mpiprocs=2:mem=4gb', '#PBS -l place=scatter', '#PBS -l walltime=01:30:00', '#PBS -q workq', '#PBS -J 1-10%2', '#PBS -W depend=afterok:4101.pbs01', '#PBS -S /bin/bash']) {
      assert.ok(text.includes(`${line}\n`), `${line} in\n${text}`);
    }
    await assert.rejects(pro.scheduler.submit({ command: ['true'], qos: 'high' }), UnsupportedError);
    await assert.rejects(pro.scheduler.submit({ command: ['true'], array: '1,3' }), UserError);
    const torque = make('torque-moab.json', 'torque');
    await torque.scheduler.submit({ command: ['true'], nodes: 2, ntasks: 4, mem: '500M', qos: 'high', array: '1,3,5' });
    const torqueText = script(torque.transport);
    for (const line of ['#PBS -l nodes=2:ppn=2', '#PBS -l mem=500mb', '#PBS -l qos=high', '#PBS -t 1,3,5']) assert.ok(torqueText.includes(`${line}\n`), `${line} in\n${torqueText}`);
    assert.match(torqueText, /^#PBS -d \/home\/alice\/cm-jobs\/\S+$/m, 'Torque gets the working directory as -d');
  });

  test("a user's own script is submitted unchanged, options and environment on qsub's argv", async () => {
    const { mkdtemp, writeFile, rm } = await import('node:fs/promises');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const here = await mkdtemp(join(tmpdir(), 'cm-pbs-'));
    try {
      const path = join(here, 'run.sh');
      await writeFile(path, '#!/bin/sh\n#PBS -N from-script\necho "$V"\n');
      const { transport, scheduler } = make('pro.json', 'pro');
      const ref = await scheduler.submit({ script: path, env: { V: "a,b 'c'" }, name: 'mine' });
      assert.equal(ref.id, '4120.pbs01');
      assert.equal(script(transport), '#!/bin/sh\n#PBS -N from-script\necho "$V"\n');
      assert.deepEqual(transport.commands.at(-1), ['qsub', '-N', 'mine', '-S', '/bin/sh', '-o', '<jobdir>/pbs.out', '-e', '<jobdir>/pbs.err', '-v', 'V', '<jobdir>/job.pbs']);
    } finally {
      await rm(here, { recursive: true, force: true });
    }
  });
});

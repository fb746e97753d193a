/**
 * Unit tests of the Slurm adapter's pure parts: quoting (checked by bash itself), job scripts, time
 * limits, state and exit-code mapping, and parsers fed with output captured from Slurm 22.05.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { describe, test } from 'node:test';
import { UserError } from '../../../core/errors.ts';
import { parseTimeLimit as localParseTimeLimit } from '../local/map.ts';
import { absolutePath } from './config.ts';
import {
  completeUtf8Length,
  decodeWaitStatus,
  directiveQuote,
  formatSlurmTime,
  isSlurmJobId,
  jobStateOf,
  mapSlurmState,
  parseExitCode,
  parseSlurmTime,
  parseTimeLimit,
  rangeHasTask,
  shellQuote,
  slurmMessage,
} from './map.ts';
import { parseSacct, parseSbatchId, parseScancelErrors, parseScontrolJobs, parseScontrolRecords, parseSinfo, parseSqueue, SQUEUE_FORMAT } from './parse.ts';
import { escapePattern, optionArgs, outputFileName, planJob, renderJobScript } from './script.ts';

// Captured with SLURM_TIME_FORMAT=%s from `squeue --noheader --all --states=all --Format=<SQUEUE_FORMAT>`.
const SQUEUE = [
  '2_1|4|2|1|FAILED|768|1795628948|1795628950|NonZeroExitCode|root|debug|a|b c',
  '2_2|5|2|2|COMPLETED|0|1795628948|1795628950|None|root|debug|a|b c',
  '3|3|3|N/A|CANCELLED|15|1795628948|1795628957|None|root|debug|it\'s "odd"; $(x)',
  '9|9|9|N/A|TIMEOUT|15|1795628996|1795629084|TimeLimit|root|debug|sleep',
  '10_[3-5%2]|10|10|3-5%2|PENDING|0|N/A|N/A|JobArrayTaskLimit|root|debug|arr',
  '10_1|11|10|1|RUNNING|0|1795629000|1795629060|None|root|debug|arr',
  '12|12|12|N/A|PENDING|0|1795629999|NONE|Resources|alice|gpu|wait',
  '13|13|13|N/A|COMPLETING|0|1795629000|1795629001|None|root|debug|x',
  '',
].join('\n');

// `sacct --parsable2 --noheader --allocations --format=<SACCT_FORMAT>`, same jobs after they left the queue.
const SACCT = [
  '1|1|COMPLETED|0:0|1795628853|1795628853|None|root|debug|test',
  '3|3|CANCELLED by 0|0:0|1795628948|1795628957|None|root|debug|it\'s `odd`; $(x)',
  '2_1|4|FAILED|3:0|1795628948|1795628950|None|root|debug|a|b c',
  '2_3|2|FAILED|3:0|1795628948|1795628950|None|root|debug|a|b c',
  '9|9|TIMEOUT|0:0|1795628996|1795629084|None|root|debug|sleep',
  '14|14|OUT_OF_MEMORY|0:125|1795628996|1795629084|None|root|debug|big',
  '',
].join('\n');

const SCONTROL = `JobId=4 ArrayJobId=2 ArrayTaskId=1 JobName=a|b c X=1
   UserId=root(0) GroupId=root(0) MCS_label=N/A
   JobState=FAILED Reason=NonZeroExitCode Dependency=(null)
   Requeue=1 Restarts=0 BatchFlag=1 Reboot=0 ExitCode=3:0
   StartTime=1795628948 EndTime=1795628950 Deadline=N/A
   Partition=debug AllocNode:Sid=localhost:2721
   TRES=cpu=1,node=1,billing=1
   WorkDir=/tmp/dir with space
   StdErr=/tmp/dir with space/slurm-2_1.err
   StdIn=/dev/null
   StdOut=/tmp/dir with space/slurm-2_1.out
   Power=

JobId=7 JobName=plain
   JobState=RUNNING Reason=None Dependency=(null)
   ExitCode=0:0
   StartTime=1795628948 EndTime=1795632548 Deadline=N/A
`;

describe('shellQuote', () => {
  const hostile = ["it's", '"double"', 'a; rm -rf /', '$(touch /tmp/x)', '`id`', 'two\nlines', '', '$HOME * ? ~ | > <', "'", '\\', '\t'];
  test('bash reads every quoted word back exactly', () => {
    const script = `printf '%s\\0' ${hostile.map(shellQuote).join(' ')}`;
    const out = execFileSync('bash', ['-c', script], { encoding: 'utf8' });
    assert.deepEqual(out.split('\0').slice(0, -1), hostile);
  });
  test('forms', () => {
    assert.equal(shellQuote(''), "''");
    assert.equal(shellQuote("it's"), "'it'\\''s'");
    assert.equal(shellQuote('a;b'), "'a;b'");
  });
});

describe('job plan and script', () => {
  test('a command job: #SBATCH lines, quoted exports, one quoted command line', () => {
    const plan = planJob({ command: ['printf', '%s\n', "it's $(x)"], name: 'n "1" # 2', time: '90', mem: '1G', env: { A: 'a,b' } }, 'debug');
    const script = renderJobScript(plan, [['--chdir', '/w d']]);
    assert.equal(
      script,
      [
        '#!/bin/bash',
        '#SBATCH --job-name="n \\"1\\" # 2"',
        '#SBATCH --time="0-01:30:00"',
        '#SBATCH --partition="debug"',
        '#SBATCH --mem="1G"',
        '#SBATCH --chdir="/w d"',
        'export A=a,b',
        "printf '%s\n' 'it'\\''s $(x)'",
        '',
      ].join('\n'),
    );
    assert.equal(plan.name, 'n "1" # 2');
  });
  test('defaults, script jobs, argv options', () => {
    assert.equal(planJob({ command: ['/usr/bin/env', 'x'] }, undefined).name, 'env');
    assert.equal(planJob({ shell: 'a | b' }, undefined).body[0], 'a | b');
    const script = planJob({ script: '/home/u/run.sh', array: '1-3', nodes: 2 }, undefined);
    assert.equal(script.name, 'run.sh');
    assert.equal(script.isArray, true);
    assert.deepEqual(optionArgs(script.options), ['--job-name=run.sh', '--nodes=2', '--array=1-3']);
  });
  test('refusals happen before anything is written', () => {
    assert.throws(() => planJob({}, undefined), UserError);
    assert.throws(() => planJob({ command: ['a'], shell: 'b' }, undefined), UserError);
    assert.throws(() => planJob({ command: ['a'], name: 'two\nlines' }, undefined), /line break/);
    assert.throws(() => planJob({ command: ['a'], env: { 'A-B': '1' } }, undefined), /invalid environment variable/);
    assert.throws(() => planJob({ command: ['a'], nodes: 0 }, undefined), /positive/);
    assert.throws(() => planJob({ command: ['a'], time: '0:61' }, undefined), /invalid time limit/);
    assert.throws(() => planJob({ command: ['a'], stageOut: ['../x'] }, undefined), /without '\.\.'/);
    assert.throws(() => planJob({ command: ['a'], stageOut: ['/etc/passwd'] }, undefined), /relative/);
  });
  test('file names and patterns', () => {
    assert.equal(outputFileName('12_3', 'stderr'), 'slurm-12_3.err');
    assert.equal(escapePattern('/a%j/b'), '/a%%j/b');
    assert.equal(directiveQuote('a\\"b'), '"a\\\\\\"b"');
  });
});

describe('time limits', () => {
  test('the same forms as the local cluster, normalised for Slurm', () => {
    for (const text of ['1', '0:01', '90', '1:30', '01:02:03', '2-03:04:05', ' 5 ']) {
      assert.equal(parseTimeLimit(text), localParseTimeLimit(text), text);
    }
    for (const bad of ['0', '', 'x', '1:60', '1:2:60', '1-2', '-1']) {
      assert.throws(() => parseTimeLimit(bad), UserError, bad);
      assert.throws(() => localParseTimeLimit(bad), UserError, bad);
    }
    assert.equal(formatSlurmTime(parseTimeLimit('2-03:04:05')), '2-03:04:05');
    assert.equal(formatSlurmTime(parseTimeLimit('0:01')), '0-00:00:01');
  });
});

describe('states, exit codes, times, ids', () => {
  test('every Slurm state maps', () => {
    const cases: [string, string][] = [
      ['PENDING', 'PENDING'], ['CONFIGURING', 'PENDING'], ['REQUEUED', 'PENDING'], ['RUNNING', 'RUNNING'],
      ['COMPLETING', 'RUNNING'], ['SUSPENDED', 'RUNNING'], ['COMPLETED', 'COMPLETED'], ['FAILED', 'FAILED'],
      ['CANCELLED', 'CANCELLED'], ['CANCELLED by 0', 'CANCELLED'], ['TIMEOUT', 'TIMEOUT'], ['NODE_FAIL', 'FAILED'],
      ['OUT_OF_MEMORY', 'FAILED'], ['PREEMPTED', 'FAILED'], ['BOOT_FAIL', 'FAILED'], ['DEADLINE', 'TIMEOUT'],
      ['CD', 'COMPLETED'], ['PD', 'PENDING'], ['FAILED+', 'FAILED'], ['WEIRD', 'UNKNOWN'],
    ];
    for (const [slurm, ours] of cases) assert.equal(mapSlurmState(slurm).state, ours, slurm);
    assert.equal(mapSlurmState('CANCELLED by 1000').reason, 'cancelled by uid 1000');
  });
  test('exit codes from wait statuses and N:S', () => {
    assert.equal(decodeWaitStatus('0'), 0);
    assert.equal(decodeWaitStatus('768'), 3);
    assert.equal(decodeWaitStatus('15'), 143);
    assert.equal(decodeWaitStatus('N/A'), null);
    assert.equal(parseExitCode('3:0'), 3);
    assert.equal(parseExitCode('0:9'), 137);
    assert.equal(parseExitCode(''), null);
  });
  test('times', () => {
    assert.equal(parseSlurmTime('1795628948'), new Date(1795628948 * 1000).toISOString());
    for (const none of ['N/A', 'NONE', 'Unknown', 'None', '0', '']) assert.equal(parseSlurmTime(none), null);
    assert.match(parseSlurmTime('2026-11-25T17:49:08') ?? '', /^2026-11-25T/);
  });
  test('ids and ranges', () => {
    for (const id of ['1', '123', '123_4']) assert.ok(isSlurmJobId(id), id);
    for (const id of ['', '0', 'abc', '1;ls', '-1', '12_', '1 2', '12_[1-3]']) assert.ok(!isSlurmJobId(id), id);
    assert.ok(rangeHasTask('3-5%2', 4));
    assert.ok(!rangeHasTask('3-5%2', 6));
    assert.ok(rangeHasTask('[1,3,7-11:2]', 9));
    assert.ok(!rangeHasTask('[1,3,7-11:2]', 8));
  });
  test('paths on the cluster', () => {
    assert.equal(absolutePath('~/.cloudmesh-jobs', '/home/u/'), '/home/u/.cloudmesh-jobs');
    assert.equal(absolutePath('jobs/', '/home/u'), '/home/u/jobs');
    assert.equal(absolutePath('/a//b/./c/', '/x'), '/a/b/c');
    assert.throws(() => absolutePath('~bob/x', '/home/u'), UserError);
  });
});

describe('parsers', () => {
  test('squeue rows and the states they give', () => {
    assert.match(SQUEUE_FORMAT, /^JobArrayID:0\|,JobID:0\|,.*,Name:0$/);
    const rows = parseSqueue(SQUEUE);
    assert.equal(rows.length, 8);
    assert.deepEqual(rows[0], {
      id: '2_1', rawId: '4', arrayId: '2', taskId: '1', state: 'FAILED', exitCode: 3,
      startedAt: '2026-11-25T17:49:08.000Z', endedAt: '2026-11-25T17:49:10.000Z', reason: 'NonZeroExitCode',
      user: 'root', partition: 'debug', name: 'a|b c',
    });
    const state = (id: string) => jobStateOf(id, rows);
    assert.deepEqual(state('2_1'), { id: '2_1', state: 'FAILED', exitCode: 3, startedAt: rows[0]?.startedAt, endedAt: rows[0]?.endedAt, reason: 'exit code 3' });
    assert.equal(state('4')?.state, 'FAILED', 'a task by its own number');
    assert.deepEqual([state('3')?.state, state('3')?.exitCode, state('3')?.reason], ['CANCELLED', null, 'cancelled']);
    assert.deepEqual([state('9')?.state, state('9')?.exitCode], ['TIMEOUT', null]);
    assert.equal(rows[2]?.name, 'it\'s "odd"; $(x)');
    assert.deepEqual([state('10_4')?.state, state('10_4')?.reason], ['PENDING', 'JobArrayTaskLimit']);
    assert.equal(state('10_1')?.state, 'RUNNING');
    assert.equal(state('10_1')?.endedAt, null, 'a running job has no end yet, whatever Slurm forecasts');
    assert.equal(state('10_9'), null);
    assert.deepEqual([state('10')?.state, state('10')?.reason], ['RUNNING', 'array: 1 PENDING, 1 RUNNING']);
    assert.deepEqual([state('12')?.state, state('12')?.startedAt, state('12')?.reason], ['PENDING', null, 'Resources']);
    assert.deepEqual([state('13')?.state, state('13')?.reason], ['RUNNING', 'completing']);
    assert.equal(state('99'), null);
  });
  test('an array sums up its tasks', () => {
    const rows = parseSacct(SACCT);
    assert.deepEqual(jobStateOf('2', rows.concat(parseSqueue(SQUEUE).filter((row) => row.id === '2_2'))), {
      id: '2', state: 'FAILED', exitCode: 3, startedAt: '2026-11-25T17:49:08.000Z', endedAt: '2026-11-25T17:49:10.000Z',
      reason: 'array: 2 FAILED, 1 COMPLETED',
    });
  });
  test('sacct rows', () => {
    const rows = parseSacct(`${SACCT}3.batch|3.batch|CANCELLED|0:15|1|2||||batch\n`);
    assert.equal(rows.length, 6);
    const state = (id: string) => jobStateOf(id, rows);
    assert.deepEqual([state('1')?.state, state('1')?.exitCode], ['COMPLETED', 0]);
    assert.deepEqual([state('3')?.state, state('3')?.reason], ['CANCELLED', 'cancelled by uid 0']);
    assert.deepEqual([state('2_1')?.state, state('2_1')?.exitCode], ['FAILED', 3]);
    assert.deepEqual([state('14')?.state, state('14')?.exitCode, state('14')?.reason], ['FAILED', 253, 'out of memory']);
    assert.equal(rows[2]?.name, 'a|b c');
  });
  test('scontrol show job', () => {
    const records = parseScontrolRecords(SCONTROL);
    assert.equal(records.length, 2);
    assert.equal(records[0]?.get('StdOut'), '/tmp/dir with space/slurm-2_1.out');
    assert.equal(records[0]?.get('JobName'), 'a|b c X=1');
    assert.equal(records[0]?.get('TRES'), 'cpu=1,node=1,billing=1');
    assert.equal(records[0]?.get('AllocNode:Sid'), 'localhost:2721');
    const rows = parseScontrolJobs(SCONTROL);
    assert.deepEqual(rows.map((row) => [row.id, row.rawId, row.arrayId, row.state, row.exitCode, row.user]), [
      ['2_1', '4', '2', 'FAILED', 3, 'root'],
      ['7', '7', null, 'RUNNING', 0, null],
    ]);
  });
  test('sbatch, scancel, sinfo', () => {
    assert.equal(parseSbatchId('123\n'), '123');
    assert.equal(parseSbatchId('124;cmtest\n'), '124');
    assert.equal(parseSbatchId('Submitted batch job 5\n'), null);
    const errors = parseScancelErrors(
      [
        'scancel: Terminating job 7',
        'scancel: Terminating job 99999',
        'scancel: error: Kill job error on job id 2_1: Job/step already completing or completed',
        'scancel: error: Kill job error on job id 99999: Invalid job id specified',
      ].join('\n'),
    );
    assert.deepEqual([...errors], [
      ['2_1', 'Job/step already completing or completed'],
      ['99999', 'Invalid job id specified'],
    ]);
    assert.deepEqual(parseSinfo('debug*|up|1/0/0/1|1/1/0/2|infinite\ngpu|down|0/1/1/2|0/8/8/16|1-00:00:00\ngpu|down|1/0/0/1|4/0/0/4|1-00:00:00\n'), [
      { partition: 'debug', state: 'up', nodes: 1, cpus: 2, timeLimit: null, detail: 'default; nodes 1 allocated, 0 idle, 0 other; CPUs 1/2 in use' },
      { partition: 'gpu', state: 'down', nodes: 3, cpus: 20, timeLimit: '1-00:00:00', detail: 'nodes 1 allocated, 1 idle, 1 other; CPUs 4/20 in use' },
    ]);
  });
  test('messages and UTF-8 boundaries', () => {
    assert.equal(slurmMessage('sbatch: warning: x\nsbatch: error: Invalid partition name specified\n'), 'sbatch: error: Invalid partition name specified');
    assert.equal(slurmMessage('\n  something odd\n'), 'something odd');
    const euro = Buffer.from('a€', 'utf8');
    assert.equal(completeUtf8Length(euro.subarray(0, 3)), 1);
    assert.equal(completeUtf8Length(euro), 4);
  });
});

/**
 * slurmrestd JSON in the shapes of v0.0.38 (what Debian's 22.05 answers, recorded from the server on this
 * machine) and v0.0.40+ (number objects, state lists; from Slurm's published OpenAPI), to the adapter's rows.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { jobStateOf } from './map.ts';
import { accountingJobToRow, controllerJobToRow, jobProperties, partitionToInfo, restExitCode, restNumber } from './rest-map.ts';
import { planJob } from './script.ts';

describe('slurmrestd mapping', () => {
  test('v0.0.38 controller jobs: plain job, array task, pending range, raw wait status', () => {
    const plain = controllerJobToRow({ job_id: 62, array_job_id: 0, array_task_id: null, array_task_string: '', name: 'hold', job_state: 'PENDING', exit_code: 0, state_reason: 'None', start_time: 0, end_time: 0, user_name: 'hpcuser', partition: 'debug' });
    assert.deepEqual([plain.id, plain.arrayId, plain.startedAt, plain.reason], ['62', null, null, null]);
    const task = controllerJobToRow({ job_id: 60, array_job_id: 60, array_task_id: 2, array_task_string: '', name: 'rest test', job_state: 'FAILED', exit_code: 768, start_time: 1795633806, end_time: 1795633807 });
    assert.deepEqual([task.id, task.arrayId, task.taskId, task.exitCode, task.endedAt], ['60_2', '60', '2', 3, new Date(1795633807_000).toISOString()]);
    const range = controllerJobToRow({ job_id: 63, array_job_id: 63, array_task_id: null, array_task_string: '1-5', name: 'arr', job_state: 'PENDING', exit_code: 0 });
    assert.deepEqual([range.id, range.taskId], ['63_[1-5]', '1-5']);
    assert.equal(jobStateOf('63_4', [range])?.state, 'PENDING');
    assert.equal(jobStateOf('60_2', [task])?.exitCode, 3);
    assert.equal(restExitCode(9), 137, 'killed by signal 9');
  });
  test('v0.0.40+ shapes: number objects, state lists, exit code objects', () => {
    const row = controllerJobToRow({
      job_id: 7, array_job_id: { set: true, infinite: false, number: 5 }, array_task_id: { set: true, number: 2 }, job_state: ['COMPLETED'],
      exit_code: { status: ['SUCCESS'], return_code: { set: true, number: 0 } }, start_time: { set: true, number: 100 }, end_time: { set: true, number: 0 },
    });
    assert.deepEqual([row.id, row.state, row.exitCode, row.endedAt], ['5_2', 'COMPLETED', 0, null]);
    assert.equal(restExitCode({ status: 'SIGNALED', signal: { signal_id: 15 } }), 143);
    assert.equal(restNumber({ set: false, number: 4 }), null);
    assert.equal(restNumber({ infinite: true, set: true, number: 0 }), null);
  });
  test('accounting jobs (slurmdb)', () => {
    const row = accountingJobToRow({ job_id: 61, array: { job_id: 60, task_id: 1 }, name: 'x', state: { current: 'FAILED', reason: 'None' }, exit_code: { status: 'FAILED', return_code: 3 }, time: { start: 10, end: 20 }, partition: 'debug' });
    assert.deepEqual([row.id, row.rawId, row.state, row.exitCode, row.reason], ['60_1', '61', 'FAILED', 3, null]);
    const plain = accountingJobToRow({ job_id: 62, array: { job_id: 0, task_id: null }, state: { current: 'COMPLETED' }, exit_code: { status: 'SUCCESS', return_code: 0 }, time: {} });
    assert.deepEqual([plain.id, plain.arrayId], ['62', null]);
  });
  test('partitions', () => {
    const info = partitionToInfo({ flags: ['default'], name: 'debug', state: 'UP', total_nodes: 1, total_cpus: 2, max_time_limit: -1, nodes: 'localhost' });
    assert.deepEqual(info, { partition: 'debug*', state: 'up', nodes: 1, cpus: 2, timeLimit: 'infinite', detail: 'localhost' });
  });
  test('request bodies per version: every option a property, environment with a PATH', () => {
    const plan = planJob({ command: ['true'], name: 'n', time: '90', partition: 'debug', nodes: 2, mem: '2G', array: '1-3', env: { A: '1' } }, undefined);
    const files: [string, string][] = [['--output', '/d/o'], ['--error', '/d/e'], ['--chdir', '/d']];
    const old = jobProperties(plan, files, 'v0.0.38');
    assert.deepEqual(old, {
      name: 'n', time_limit: 90, partition: 'debug', nodes: [2, 2], memory_per_node: 2048, array: '1-3',
      standard_output: '/d/o', standard_error: '/d/e', current_working_directory: '/d', environment: { PATH: '/usr/local/bin:/usr/bin:/bin', A: '1' },
    });
    const modern = jobProperties(plan, files, 'v0.0.40');
    assert.deepEqual(modern.time_limit, { set: true, infinite: false, number: 90 });
    assert.deepEqual(modern.environment, ['PATH=/usr/local/bin:/usr/bin:/bin', 'A=1']);
    assert.throws(() => jobProperties(planJob({ command: ['true'], mem: 'lots' }, undefined), [], 'v0.0.38'), /give a size like/);
  });
});

/**
 * The Slurm adapter over a scripted in-memory transport: which commands it runs (and how many), what it
 * writes, and how it reads Slurm's answers and failures. Runs everywhere; slurm.test.ts covers a real Slurm.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { BackendError, UserError } from '../../../core/errors.ts';
import { createSlurmScheduler } from './index.ts';
import type { AccountingMode, ExecOptions, ExecResult, Transport } from './index.ts';

type Handler = (argv: string[], options?: ExecOptions) => Partial<ExecResult>;

/** A transport whose commands answer from `handlers` and whose files live in a Map. */
function fake(handlers: Record<string, Handler>) {
  const calls: { argv: string[]; options?: ExecOptions }[] = [];
  const files = new Map<string, { content: Buffer; mode: number }>();
  const transport: Transport = {
    host: 'login1',
    async exec(argv, options) {
      calls.push({ argv, ...(options ? { options } : {}) });
      const handler = handlers[argv[0] ?? ''];
      if (!handler) return { code: 127, stdout: '', stderr: `${argv[0]}: command not found\n` };
      return { code: 0, stdout: '', stderr: '', ...handler(argv, options) };
    },
    async writeFile(path, content, mode = 0o600) {
      files.set(path, { content: Buffer.from(content), mode });
    },
    async readFile(path, options = {}) {
      const file = files.get(path);
      if (!file) throw Object.assign(new Error(`no such file ${path}`), { code: 'ENOENT' });
      const start = options.offset ?? 0;
      return file.content.subarray(start, start + (options.maxBytes ?? file.content.length));
    },
    async mkdir() {},
    async close() {},
  };
  const count = (program: string) => calls.filter((call) => call.argv[0] === program).length;
  return { transport, calls, files, count };
}

const make = (t: ReturnType<typeof fake>, accounting?: AccountingMode) =>
  createSlurmScheduler({ cluster: 'hpc', transport: t.transport, ...(accounting ? { accounting } : {}) });
const HOME: Handler = () => ({ stdout: '/home/u\n' });
const SQUEUE_ROW = '41|41|41|N/A|COMPLETED|0|1795628948|1795628950|None|u|debug|x\n';

describe('slurm adapter over a scripted transport', () => {
  test('submit writes the script through the transport and passes only its path to sbatch', async () => {
    let next = 41;
    const t = fake({ printenv: HOME, sbatch: () => ({ stdout: `${next++};hpc\n` }) });
    const scheduler = make(t);
    const ref = await scheduler.submit({ command: ['echo', '$(rm -rf ~)'], env: { A: "x,'y'" } });
    await scheduler.submit({ shell: 'true' });
    assert.equal(ref.id, '41');
    assert.equal(ref.name, 'echo');
    assert.match(ref.dir ?? '', /^\/home\/u\/\.cloudmesh-jobs\/\d{8}T\d{6}Z-[0-9a-f]{8}$/);
    assert.equal(t.count('printenv'), 1, 'the home directory is asked for once');
    const sbatch = t.calls.find((call) => call.argv[0] === 'sbatch');
    assert.deepEqual(sbatch?.argv, ['sbatch', '--parsable', `${ref.dir}/job.sbatch`]);
    const script = t.files.get(`${ref.dir}/job.sbatch`);
    assert.equal(script?.mode, 0o700);
    assert.match(script?.content.toString() ?? '', /\nexport A='x,'\\''y'\\'''\necho '\$\(rm -rf ~\)'\n$/);
    assert.match(script?.content.toString() ?? '', new RegExp(`#SBATCH --output="${ref.dir}/slurm-%j.out"`));
    const index = JSON.parse(t.files.get('/home/u/.cloudmesh-jobs/index/41')?.content.toString() ?? '{}');
    assert.deepEqual([index.id, index.dir, index.array], ['41', ref.dir, false]);
  });

  test("a user's script: its bytes unchanged, options and environment on sbatch's side", async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cm-slurm-script-'));
    try {
      const path = join(dir, 'run.py');
      const bytes = Buffer.from('#!/usr/bin/env python3\n#SBATCH --mem=1G\nprint("\xff")\n', 'latin1');
      await writeFile(path, bytes);
      const t = fake({ printenv: HOME, sbatch: () => ({ stdout: '7\n' }) });
      const ref = await make(t).submit({ script: path, time: '5', env: { V: 'a,b' }, dir: '/scratch/w' });
      assert.equal(ref.dir, '/scratch/w');
      const sbatch = t.calls.find((call) => call.argv[0] === 'sbatch');
      const scriptPath = sbatch?.argv.at(-1) ?? '';
      assert.deepEqual(t.files.get(scriptPath)?.content, bytes);
      assert.deepEqual(sbatch?.argv.slice(2, -1).map((arg) => arg.replace(/=\/.*\/\d{8}T\d{6}Z-[0-9a-f]{8}\//, '=<job>/')), [
        '--job-name=run.py',
        '--time=0-00:05:00',
        '--output=<job>/slurm-%j.out',
        '--error=<job>/slurm-%j.err',
        '--chdir=/scratch/w',
      ]);
      assert.deepEqual(sbatch?.options?.env, { V: 'a,b' });
      await writeFile(path, 'echo no shebang\n');
      await assert.rejects(make(t).submit({ script: path }), /needs a first line like #!\/bin\/bash/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('one squeue, then one sacct for ids that left the queue', async () => {
    const t = fake({
      squeue: () => ({ stdout: SQUEUE_ROW }),
      sacct: () => ({ stdout: '40|40|FAILED|2:0|1|2|None|u|debug|y\n' }),
    });
    const states = await make(t).status(['40', '41', '39', 'bad;id']);
    assert.deepEqual(states.map((s) => [s.id, s.state, s.exitCode]), [
      ['40', 'FAILED', 2], ['41', 'COMPLETED', 0], ['39', 'UNKNOWN', null], ['bad;id', 'UNKNOWN', null],
    ]);
    assert.deepEqual([t.count('squeue'), t.count('sacct'), t.count('scontrol')], [1, 1, 0]);
    assert.ok(t.calls[0]?.argv.includes('--jobs=40,41,39'), 'a malformed id never reaches Slurm');
    assert.deepEqual(t.calls[0]?.options?.env, { SLURM_TIME_FORMAT: '%s' });
    assert.deepEqual(t.calls[1]?.argv.find((arg) => arg.startsWith('--jobs=')), '--jobs=40,39');
  });

  test('auto accounting: a cluster without it is remembered and scontrol asked instead', async () => {
    const t = fake({
      squeue: () => ({ code: 1, stderr: 'slurm_load_jobs error: Invalid job id specified\n' }),
      sacct: () => ({ code: 1, stderr: 'sacct: error: Slurm accounting storage is disabled\n' }),
      scontrol: () => ({ code: 1, stderr: 'slurm_load_jobs error: Invalid job id specified\n' }),
    });
    const scheduler = make(t);
    const [first] = await scheduler.status(['5']);
    assert.equal(first?.state, 'UNKNOWN');
    assert.match(first?.reason ?? '', /sacct: sacct: error: Slurm accounting storage is disabled/);
    await scheduler.status(['5', '6']);
    assert.deepEqual([t.count('squeue'), t.count('sacct'), t.count('scontrol')], [2, 1, 3]);
    const strict = fake({ squeue: () => ({}), sacct: () => ({ code: 1, stderr: 'sacct: error: Problem talking to the database\n' }) });
    await assert.rejects(make(strict, 'sacct').status(['5']), BackendError);
  });

  test('cancel: one scancel -v, per-id answers, a status call only for finished ones', async () => {
    const t = fake({
      scancel: () => ({
        stderr: [
          'scancel: Terminating job 41',
          'scancel: error: Kill job error on job id 41: Job/step already completing or completed',
          'scancel: error: Kill job error on job id 9: Invalid job id specified',
        ].join('\n'),
      }),
      squeue: () => ({ stdout: SQUEUE_ROW }),
    });
    assert.deepEqual(await make(t).cancel(['42', '41', '9', '../x']), [
      { id: '42', ok: true, message: 'cancel requested' },
      { id: '41', ok: false, message: 'already COMPLETED' },
      { id: '9', ok: false, message: 'Invalid job id specified' },
      { id: '../x', ok: false, message: "'../x' is not a Slurm job id" },
    ]);
    assert.deepEqual(t.calls.map((call) => call.argv.slice(0, 2)), [['scancel', '-v'], ['squeue', '--noheader']]);
    assert.deepEqual(t.calls[0]?.argv, ['scancel', '-v', '42', '41', '9']);
  });

  test('failures: Slurm refusing is a BackendError with its message, a missing program a UserError', async () => {
    const broken = fake({ squeue: () => ({ code: 1, stderr: 'squeue: error: Unable to contact slurm controller (connect failure)\n' }) });
    await assert.rejects(make(broken).status(['1']), (error: unknown) => {
      assert.ok(error instanceof BackendError);
      assert.equal(error.message, 'slurm: query job states failed: squeue: error: Unable to contact slurm controller (connect failure)');
      return true;
    });
    await assert.rejects(make(fake({})).queue(), (error: unknown) => {
      assert.ok(error instanceof UserError);
      assert.equal(error.message, 'Slurm is not installed on login1 (cluster "hpc"): squeue not found');
      return true;
    });
  });

  test('output: the index entry gives the file, read from an offset in whole characters', async () => {
    const t = fake({ printenv: HOME, sbatch: () => ({ stdout: '41\n' }) });
    const scheduler = make(t);
    const ref = await scheduler.submit({ command: ['x'], array: '1-2' });
    t.files.set(`${ref.dir}/slurm-41_2.out`, { content: Buffer.from('ab€', 'utf8'), mode: 0o600 });
    assert.deepEqual(await scheduler.output('41_2', { offset: 1 }), { text: 'b€', offset: 5 });
    assert.deepEqual(await scheduler.output('41_1'), { text: '', offset: 0 }, 'not started yet');
    await assert.rejects(scheduler.output('41'), /is an array/);
    await assert.rejects(scheduler.output('41_2', { offset: -1 }), UserError);
  });
});

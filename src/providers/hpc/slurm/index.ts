/**
 * @module providers/hpc/slurm
 * A Slurm cluster, driven through its client commands (sbatch, squeue, sacct, scontrol, scancel, sinfo)
 * over a `Transport`: this host now, a login node over ssh later, with no change here.
 *
 * Each job gets a directory `<workdir>/<timestamp>-<random>/` holding the job script and its output
 * files (`slurm-<id>.out|err`, `slurm-<array>_<task>.out|err`). At submit an index file
 * `<workdir>/index/<id>` records that directory, so `output` finds the files from the id alone, for as
 * long as the files exist — Slurm forgets a job's paths MinJobAge after it ends, and sacct (22.05) does
 * not record them. Without an index entry (a job submitted elsewhere, a task's own number), `output`
 * asks `scontrol show job` for StdOut/StdErr while Slurm still knows the job.
 */
import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { BackendError, NotFoundError, UserError } from '../../../core/errors.ts';
import { TERMINAL_STATES } from '../../../core/scheduler.ts';
import type { CancelResult, JobRef, JobSpec, JobState, OutputChunk, QueueEntry, Scheduler } from '../../../core/scheduler.ts';
import { clusterHome, removeJobDir } from './client.ts';
import { readLocalScript } from '../local-script.ts';
import { cliControl } from './control.ts';
import type { SlurmControl } from './control.ts';
import { downloadStageOut, readStageIn, uploadStageIn } from '../../../transport/stage.ts';
import type { StagedFile, StageOutCapable } from '../../../transport/stage.ts';
import { absolutePath, needsHome, resolveSlurmConfig } from './config.ts';
import { errorText, makeJobDir, onCluster, writeIndex } from './job-dir.ts';
import type { IndexEntry } from './job-dir.ts';
import type { AccountingMode, SlurmConfig, SlurmSchedulerOptions } from './config.ts';
import { completeUtf8Length, isSlurmJobId, jobStateOf, rowToJobState, unknownJob } from './map.ts';
import type { SlurmJobRow } from './map.ts';
import { escapePattern, outputFileName, outputNames, planJob } from './script.ts';

export type { SlurmSchedulerOptions, AccountingMode } from './config.ts';
export type { StageOutCapable, StagedFile } from '../../../transport/stage.ts';
export type { Transport, ExecOptions, ExecResult, ReadOptions } from '../../../core/transport.ts';
export type { LocalTransportOptions } from '../../../transport/local.ts';
export { createLocalTransport } from '../../../transport/local.ts';

/** Largest output chunk returned at once; callers page on with the returned offset. */
export const MAX_OUTPUT_CHUNK = 16 * 1024 * 1024;

/**
 * Without accounting, `scontrol show job` is asked about ids squeue did not return, one call per id
 * (it takes one id). It reads the same controller table as squeue, so it rarely knows more; the cap
 * keeps a status call over many long-gone ids from turning into as many round trips.
 */
export const SCONTROL_FALLBACK_MAX = 8;

/** Per-scheduler state: the cluster home and the accounting mode are learned once. */
interface Session {
  config: SlurmConfig;
  home: Promise<string> | null;
  accounting: AccountingMode;
  indexReady: boolean;
  control: SlurmControl;
}

/** A scheduler for one Slurm cluster. It owns `options.transport` and closes it in `close()`. */
export function createSlurmScheduler(options: SlurmSchedulerOptions): Scheduler & StageOutCapable {
  const config = resolveSlurmConfig(options);
  const session: Session = { config, home: null, accounting: config.accounting, indexReady: false, control: options.control ?? cliControl };
  return {
    kind: 'slurm',
    cluster: config.cluster,
    submit: (spec) => submit(session, spec),
    status: (ids) => status(session, ids),
    cancel: (ids) => cancel(session, ids),
    queue: (filter) => queue(session, filter?.all === true),
    info: () => session.control.partitions(config),
    output: (id, opts) => output(session, id, opts),
    stageOut: (id, paths, localDir) => stageOut(session, id, paths, localDir),
    close: () => config.transport.close(),
  };
}

/** A cluster path made absolute; asks the cluster for its home once, and only if a path needs it. */
async function clusterPath(session: Session, path: string): Promise<string> {
  if (!needsHome(path)) return absolutePath(path, '/');
  session.home ??= clusterHome(session.config);
  try {
    return absolutePath(path, await session.home);
  } catch (error) {
    session.home = null; // a failed lookup is retried next time
    throw error;
  }
}

async function submit(session: Session, spec: JobSpec): Promise<JobRef> {
  const { config } = session;
  const { transport } = config;
  const plan = planJob(spec, config.partition);
  const stageIn = await readStageIn(spec.stageIn);
  let script: Buffer | null = null;
  if (plan.kind === 'script') {
    script = await readLocalScript('slurm', resolve(spec.script ?? ''));
    if (script.subarray(0, 2).toString('latin1') !== '#!') {
      throw new UserError(`${spec.script} is not a batch script: Slurm needs a first line like #!/bin/bash`);
    }
  }
  const workdir = await clusterPath(session, config.workdir);
  const cwd = plan.dir === null ? null : await clusterPath(session, plan.dir);
  const stamp = `${timestamp()}-${randomBytes(4).toString('hex')}`;
  const dir = `${workdir}/${stamp}`;
  const scriptPath = `${dir}/job.sbatch`;
  const { scriptFile, indexFile } = await makeJobDir(session, workdir, dir, scriptPath, stamp);
  try {
    if (cwd !== null) {
      await transport.mkdir(cwd).catch((error: unknown) => {
        throw new UserError(`cannot create working directory ${cwd}: ${errorText(error)}`, { cause: error });
      });
    }
    if (stageIn.length > 0) await onCluster('stage files in', () => uploadStageIn(transport, cwd ?? dir, stageIn));
  } catch (error) {
    await Promise.all([scriptFile?.discard(), indexFile?.discard()]);
    throw error;
  }
  const names = outputNames(plan.isArray);
  const files: [string, string][] = [
    ['--output', `${escapePattern(dir)}/${names.stdout}`],
    ['--error', `${escapePattern(dir)}/${names.stderr}`],
    ['--chdir', cwd ?? dir],
  ];
  const submittedAt = new Date().toISOString();
  let id: string;
  try {
    id = await session.control.submit(config, { plan, script, files, scriptPath, ...(scriptFile ? { scriptFile } : {}) });
  } catch (error) {
    await indexFile?.discard();
    await removeJobDir(config, dir);
    throw error;
  }
  const entry: IndexEntry = { id, dir, cwd: cwd ?? dir, array: plan.isArray, name: plan.name, submittedAt };
  await writeIndex(session, workdir, entry, indexFile).catch(() => {
    // The job is submitted either way; without the entry, output() asks scontrol for the paths.
  });
  return { id, name: plan.name, dir: cwd ?? dir, submittedAt };
}

/**
 * All ids in one squeue call; ids it no longer lists in one sacct call when accounting works, else (see
 * SCONTROL_FALLBACK_MAX) scontrol per id. Malformed ids never reach Slurm: one would fail the whole call.
 */
async function status(session: Session, ids: readonly string[]): Promise<JobState[]> {
  const { config } = session;
  const wanted = [...new Set(ids.filter(isSlurmJobId))];
  const found = new Map<string, JobState>();
  let gone = `no job with that id on cluster ${config.cluster}`;
  if (wanted.length > 0) {
    const rows = await session.control.jobs(config, wanted);
    const missing = collect(wanted, rows, found);
    let useScontrol = session.accounting === 'scontrol';
    if (missing.length > 0 && !useScontrol) {
      const answer = await session.control.accounting(config, missing);
      if ('rows' in answer) {
        collect(missing, answer.rows, found);
      } else {
        if (session.accounting === 'sacct') {
          throw new BackendError('slurm', 'query job accounting', new Error(answer.message), `slurm: sacct failed: ${answer.message}`);
        }
        // In auto mode a cluster without accounting is remembered; a passing database error is not.
        if (answer.unavailable === 'disabled') session.accounting = 'scontrol';
        useScontrol = true;
        gone += ` (sacct: ${answer.message})`;
      }
    }
    const left = missing.filter((id) => !found.has(id));
    if (left.length > 0 && useScontrol) {
      gone += '; without accounting, Slurm forgets jobs MinJobAge after they end';
      const asked = left.slice(0, SCONTROL_FALLBACK_MAX);
      const answers = await Promise.all(asked.map((id) => session.control.job(config, id)));
      answers.forEach((answer, i) => collect([asked[i] ?? ''], answer.rows, found));
    }
  }
  return ids.map((id) => found.get(id) ?? unknownJob(id, isSlurmJobId(id) ? gone : `'${id}' is not a Slurm job id`));
}

/** Record the states `rows` give for `ids`; the ids they say nothing about. */
function collect(ids: readonly string[], rows: readonly SlurmJobRow[], into: Map<string, JobState>): string[] {
  const missing: string[] = [];
  for (const id of ids) {
    const state = jobStateOf(id, rows);
    if (state) into.set(id, state);
    else missing.push(id);
  }
  return missing;
}

/** One scancel for all ids; only ids Slurm calls finished cost a status call, to say how they ended. */
async function cancel(session: Session, ids: readonly string[]): Promise<CancelResult[]> {
  const valid = [...new Set(ids.filter(isSlurmJobId))];
  const errors = valid.length > 0 ? await session.control.cancel(session.config, valid) : new Map<string, string>();
  const done = valid.filter((id) => /already complet/i.test(errors.get(id) ?? ''));
  const states = new Map((done.length > 0 ? await status(session, done) : []).map((state) => [state.id, state]));
  return ids.map((id): CancelResult => {
    if (!isSlurmJobId(id)) return { id, ok: false, message: `'${id}' is not a Slurm job id` };
    const error = errors.get(id);
    if (error === undefined) return { id, ok: true, message: 'cancel requested' };
    const state = states.get(id)?.state;
    if (state !== undefined && TERMINAL_STATES.has(state)) return { id, ok: false, message: `already ${state}` };
    if (done.includes(id)) return { id, ok: false, message: 'already completing' };
    return { id, ok: false, message: error };
  });
}

async function queue(session: Session, all: boolean): Promise<QueueEntry[]> {
  const rows = await session.control.queue(session.config, all);
  return rows.map((row) => ({
    ...rowToJobState(row.id, row),
    name: row.name,
    user: row.user ?? '?',
    partition: row.partition,
  }));
}

async function output(
  session: Session,
  id: string,
  options: { stream?: 'stdout' | 'stderr'; offset?: number } = {},
): Promise<OutputChunk> {
  const { config } = session;
  const stream = options.stream ?? 'stdout';
  if (stream !== 'stdout' && stream !== 'stderr') throw new UserError(`unknown output stream '${String(stream)}'`);
  const offset = options.offset ?? 0;
  if (!Number.isSafeInteger(offset) || offset < 0) throw new UserError(`invalid output offset ${offset}`);
  if (!isSlurmJobId(id)) throw new NotFoundError(`no job ${id} on cluster ${config.cluster}`);
  const path = (await indexedPath(session, id, stream)) ?? (await scontrolPath(session, id, stream));
  let bytes: Buffer;
  try {
    bytes = await config.transport.readFile(path, { offset, maxBytes: MAX_OUTPUT_CHUNK });
  } catch (error) {
    // Slurm creates the file when the job starts: none yet is no output yet.
    if ((error as { code?: unknown } | null)?.code === 'ENOENT') return { text: '', offset };
    if (error instanceof UserError) throw error;
    throw new BackendError('slurm', `read ${path}`, error);
  }
  const usable = completeUtf8Length(bytes);
  return { text: bytes.toString('utf8', 0, usable), offset: offset + usable };
}

/** Copy result files of a finished job from its working directory (known from its index entry). */
async function stageOut(session: Session, id: string, paths: readonly string[], localDir: string): Promise<StagedFile[]> {
  const base = id.split('_')[0] ?? id;
  const entry = isSlurmJobId(id) ? await readIndex(session, base) : null;
  if (!entry) throw new NotFoundError(`job ${id} was not submitted by cloudmesh to cluster ${session.config.cluster}: its directory is unknown`);
  return downloadStageOut(session.config.transport, entry.cwd, paths, localDir);
}

async function readIndex(session: Session, base: string): Promise<IndexEntry | null> {
  try {
    const workdir = await clusterPath(session, session.config.workdir);
    const entry = JSON.parse((await session.config.transport.readFile(`${workdir}/index/${base}`)).toString('utf8')) as IndexEntry;
    return typeof entry.dir === 'string' && typeof entry.cwd === 'string' ? entry : null;
  } catch {
    return null;
  }
}

/** The output file from the index entry written at submit, or null without one. */
async function indexedPath(session: Session, id: string, stream: 'stdout' | 'stderr'): Promise<string | null> {
  const [base = id, task] = id.split('_');
  // No entry (or an unreadable one): scontrol is asked instead.
  const entry = await readIndex(session, base);
  if (!entry) return null;
  if (entry.array && task === undefined) {
    throw new UserError(`job ${id} is an array: read the output of one task, e.g. ${id}_1`);
  }
  if (!entry.array && task !== undefined) throw new NotFoundError(`job ${base} is not an array; there is no task ${id}`);
  return `${entry.dir}/${outputFileName(id, stream)}`;
}

/** The output path Slurm reports while it still knows the job. */
async function scontrolPath(session: Session, id: string, stream: 'stdout' | 'stderr'): Promise<string> {
  const { records } = await session.control.job(session.config, id);
  if (records.length > 1) throw new UserError(`job ${id} is an array: read the output of one task, e.g. ${id}_1`);
  const path = records[0]?.get(stream === 'stdout' ? 'StdOut' : 'StdErr');
  if (!path) throw new NotFoundError(`no output of job ${id} known on cluster ${session.config.cluster}`);
  return path;
}

/** `20261125T174907Z`: sorts by time, safe in any file system. */
function timestamp(): string {
  return new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
}

/**
 * @module services/jobs
 * Batch jobs across clusters: submit, track, kill, read output. Tracking is batched: one `status` call per
 * cluster for all of its unfinished jobs, and each refresh is written in one transaction, so a refresh
 * killed half-way leaves the previous consistent state behind.
 */
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Context } from '../core/command.ts';
import type { JobRow } from '../core/collections.ts';
import { NotFoundError, UserError } from '../core/errors.ts';
import { TERMINAL_STATES, type CancelResult, type JobSpec, type JobState, type JobStateName } from '../core/scheduler.ts';
import { tokenize } from '../core/words.ts';
import { canStageOut } from '../transport/stage.ts';
import { findDefault } from './defaults.ts';

/** The cluster to use: the explicit one, else the `cluster` default, else `local`. */
export async function resolveCluster(ctx: Context, cluster?: string): Promise<string> {
  if (cluster) return cluster;
  return (await findDefault(ctx, 'cluster'))?.value ?? 'local';
}

/** A word that can only mean a script file here: a relative path, or a batch-script file name. */
const LOCAL_SCRIPT = /^\.\.?\/|\.(sh|bash|sbatch|slurm|pbs|qsub|job)$/;

/** Scheduler requests the user may give, passed to the job spec unchanged. */
const PASS_THROUGH = ['name', 'dir', 'time', 'partition', 'nodes', 'ntasks', 'cpusPerTask', 'mem', 'array', 'dependency', 'account', 'qos', 'stageIn', 'stageOut'] as const;

/** What the user typed after `hpc run`, turned into a job spec. */
export type RunRequest = Pick<JobSpec, (typeof PASS_THROUGH)[number]> & {
  words: string[];
  shell?: boolean;
  /** `NAME=VALUE` words. */
  env?: string[];
};

/**
 * Decide what `words` mean: one word naming a file is a script; `--shell` runs one line through /bin/sh;
 * otherwise the words are an argument array. A single word holding spaces is split like a shell line
 * (quotes respected) but never given to a shell, so `;` and `$(…)` stay literal.
 */
export function toJobSpec(request: RunRequest): JobSpec {
  const { words } = request;
  if (words.length === 0) throw new UserError('nothing to run: give a script file or a command');
  const spec: JobSpec = {};
  // `./run.sh` or `job.sbatch` that is not here is a mistyped script, not a program for the cluster to find.
  if (!request.shell && words.length === 1 && LOCAL_SCRIPT.test(words[0]!) && !existsSync(words[0]!)) {
    throw new NotFoundError(`script not found: ${words[0]}`);
  }
  if (request.shell) spec.shell = words.join(' ');
  else if (words.length === 1 && existsSync(words[0]!) && statSync(words[0]!).isFile()) spec.script = words[0]!;
  else if (words.length === 1 && /\s/.test(words[0]!)) spec.command = tokenize(words[0]!);
  else spec.command = [...words];
  if (request.env?.length) spec.env = parseEnv(request.env);
  for (const key of PASS_THROUGH) {
    const value = request[key];
    // An empty list (no --stage-in given) is no request at all.
    if (value !== undefined && !(Array.isArray(value) && value.length === 0)) (spec as Record<string, unknown>)[key] = value;
  }
  return spec;
}

function parseEnv(pairs: readonly string[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0 || !/^[A-Za-z_]\w*$/.test(pair.slice(0, eq))) throw new UserError(`--env needs NAME=VALUE; got "${pair}"`);
    env[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return env;
}

/** Submit to a cluster and record the job. */
export async function submitJob(ctx: Context, clusterName: string | undefined, spec: JobSpec): Promise<JobRow> {
  const cluster = await resolveCluster(ctx, clusterName);
  const scheduler = await ctx.scheduler(cluster);
  const ref = await scheduler.submit(spec);
  const row: JobRow = {
    cluster,
    id: ref.id,
    name: ref.name,
    state: 'PENDING',
    exit_code: null,
    submitted_at: ref.submittedAt,
    started_at: null,
    ended_at: null,
    dir: ref.dir,
    reason: null,
    // Where stage-out files come back to: the directory `hpc run` was given in.
    spec: { ...spec, ...(spec.stageOut?.length ? { stageOutTo: resolve('.') } : {}) },
    source: cluster,
    seen_at: ctx.now().toISOString(),
  };
  await (await ctx.store()).collection('jobs').put(row);
  return row;
}

/** Which jobs a listing or refresh is about. */
export interface JobSelection {
  cluster?: string;
  ids?: string[];
}

/** Tracked jobs, newest first. */
export async function listJobs(ctx: Context, selection: JobSelection = {}): Promise<JobRow[]> {
  const jobs = (await ctx.store()).collection('jobs');
  const where: { cluster?: string; id?: string[] } = {};
  if (selection.cluster) where.cluster = selection.cluster;
  if (selection.ids?.length) where.id = selection.ids;
  return jobs.list({ where, orderBy: [{ column: 'submitted_at', direction: 'desc' }, { column: 'cluster' }, { column: 'id' }] });
}

/**
 * Ask each cluster, once, about its unfinished jobs among `rows` and record the answers in one transaction.
 * `clusters` limits polling (e.g. to clusters that cost nothing to ask); by default all are polled.
 */
export async function refreshJobs(ctx: Context, rows: JobRow[], clusters?: (cluster: string) => Promise<boolean>): Promise<JobRow[]> {
  const open = rows.filter((row) => !TERMINAL_STATES.has(row.state as JobStateName));
  const byCluster = new Map<string, JobRow[]>();
  for (const row of open) byCluster.set(row.cluster, [...(byCluster.get(row.cluster) ?? []), row]);
  const updated = new Map<string, JobRow>();
  const seenAt = ctx.now().toISOString();
  // One bar per cluster asked; silent unless stderr is a terminal and there is more than one.
  const progress = byCluster.size > 1 ? ctx.out.progress('polling clusters', byCluster.size) : undefined;
  for (const [cluster, jobs] of byCluster) {
    progress?.tick();
    if (clusters && !(await clusters(cluster))) continue;
    const scheduler = await ctx.scheduler(cluster);
    const states = await scheduler.status(jobs.map((job) => job.id));
    const byId = new Map(states.map((state) => [state.id, state]));
    for (const job of jobs) {
      const state = byId.get(job.id);
      if (state) updated.set(`${cluster}\u0000${job.id}`, apply(job, state, seenAt));
    }
  }
  progress?.done();
  for (const [key, row] of updated) {
    if (TERMINAL_STATES.has(row.state as JobStateName)) updated.set(key, await stageOutOnce(ctx, row));
  }
  if (updated.size > 0) await (await ctx.store()).collection('jobs').putMany([...updated.values()]);
  return rows.map((row) => updated.get(`${row.cluster}\u0000${row.id}`) ?? row);
}

/**
 * Copy a finished job's --stage-out files back, once: the outcome is kept in the row's spec (`stagedOut`),
 * so the next refresh does not fetch them again. A file the job did not make is a warning, not a failure.
 */
async function stageOutOnce(ctx: Context, row: JobRow): Promise<JobRow> {
  const spec = (row.spec ?? {}) as { stageOut?: string[]; stageOutTo?: string; stagedOut?: unknown };
  if (!spec.stageOut?.length || spec.stagedOut !== undefined || typeof spec.stageOutTo !== 'string') return row;
  const scheduler = await ctx.scheduler(row.cluster);
  if (!canStageOut(scheduler)) return row;
  let stagedOut: { file: string; local: string; bytes: number | null; error: string | null }[];
  try {
    stagedOut = await scheduler.stageOut(row.id, spec.stageOut, spec.stageOutTo);
  } catch (error) {
    ctx.out.warn(`job ${row.id}: stage-out failed: ${error instanceof Error ? error.message : String(error)}`);
    return row; // tried again on the next refresh
  }
  for (const result of stagedOut) {
    if (result.error) ctx.out.warn(`job ${row.id}: stage-out ${result.file}: ${result.error}`);
  }
  return { ...row, spec: { ...spec, stagedOut } as JobRow['spec'] };
}

function apply(job: JobRow, state: JobState, seenAt: string): JobRow {
  return {
    ...job,
    state: state.state,
    exit_code: state.exitCode,
    started_at: state.startedAt ?? job.started_at,
    ended_at: state.endedAt ?? job.ended_at,
    reason: state.reason,
    seen_at: seenAt,
  };
}

/** Cancel jobs; the per-job results show which ones failed. */
export async function killJobs(ctx: Context, clusterName: string | undefined, ids: string[]): Promise<CancelResult[]> {
  const cluster = await resolveCluster(ctx, clusterName);
  if (ctx.dryRun) return ids.map((id) => ({ id, ok: true, message: `would cancel job ${id} on ${cluster}` }));
  const results = await (await ctx.scheduler(cluster)).cancel(ids);
  const tracked = await listJobs(ctx, { cluster, ids });
  if (tracked.length > 0) await refreshJobs(ctx, tracked);
  return results;
}

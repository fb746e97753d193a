/**
 * @module services/jobs
 * Batch jobs across clusters: submit, track, kill, read output. Tracking is batched: one `status` call per
 * cluster for all of its unfinished jobs, and each refresh is written in one transaction, so a refresh
 * killed half-way leaves the previous consistent state behind.
 */
import { existsSync, statSync } from 'node:fs';
import type { Context } from '../core/command.ts';
import type { JobRow } from '../core/collections.ts';
import { UserError } from '../core/errors.ts';
import { TERMINAL_STATES, type CancelResult, type JobSpec, type JobState, type JobStateName } from '../core/scheduler.ts';
import { tokenize } from '../core/words.ts';
import { findDefault } from './defaults.ts';

/** The cluster to use: the explicit one, else the `cluster` default, else `local`. */
export async function resolveCluster(ctx: Context, cluster?: string): Promise<string> {
  if (cluster) return cluster;
  return (await findDefault(ctx, 'cluster'))?.value ?? 'local';
}

/** Scheduler requests the user may give, passed to the job spec unchanged. */
const PASS_THROUGH = ['name', 'dir', 'time', 'partition', 'nodes', 'ntasks', 'cpusPerTask', 'mem', 'array', 'dependency', 'account', 'qos'] as const;

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
  if (request.shell) spec.shell = words.join(' ');
  else if (words.length === 1 && existsSync(words[0]!) && statSync(words[0]!).isFile()) spec.script = words[0]!;
  else if (words.length === 1 && /\s/.test(words[0]!)) spec.command = tokenize(words[0]!);
  else spec.command = [...words];
  if (request.env?.length) spec.env = parseEnv(request.env);
  for (const key of PASS_THROUGH) {
    if (request[key] !== undefined) (spec as Record<string, unknown>)[key] = request[key];
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
    spec: { ...spec },
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
  if (updated.size > 0) await (await ctx.store()).collection('jobs').putMany([...updated.values()]);
  return rows.map((row) => updated.get(`${row.cluster}\u0000${row.id}`) ?? row);
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

/**
 * @module services/status
 * `cm status`: one list of everything cloudmesh knows — VMs from every cloud's cache and jobs from every
 * registered cluster — each row with its source and how old the knowledge is.
 *
 * Polling: the local cluster costs nothing and is asked every time. A remote cluster is asked when its
 * unfinished jobs were last seen more than POLL_INTERVAL_MS ago (the rows' `seen_at`, so this holds across
 * processes), with one batched status call per cluster, clusters in parallel. A cluster that fails is
 * shown from the cache with a warning, and this process waits longer before asking it again (doubling up
 * to MAX_BACKOFF_MS), so the long-lived shell and server never hammer a host that is down.
 */
import type { Context } from '../core/command.ts';
import type { JobRow } from '../core/collections.ts';
import { TERMINAL_STATES, type JobStateName } from '../core/scheduler.ts';
import { listJobs, refreshJobs } from './jobs.ts';

/** One row of the overall view. */
export interface StatusRow {
  kind: 'vm' | 'job';
  name: string;
  id: string;
  where: string;
  state: string;
  detail: string;
  source: string;
  seen_at: string;
}

/** How stale a remote cluster's jobs may get before `cm status` asks it again. */
export const POLL_INTERVAL_MS = 30_000;
/** The longest this process waits before retrying a cluster that keeps failing. */
export const MAX_BACKOFF_MS = 10 * 60_000;

/** Per-process memory of failed polls: the long-lived shell and server back off with it. */
const failures = new Map<string, { count: number; retryAt: number }>();

/** Whether `cluster` is due for a poll now. */
function due(cluster: string, jobs: readonly JobRow[], local: boolean, now: number, refresh: boolean): boolean {
  if (local || refresh) return true;
  const failed = failures.get(cluster);
  if (failed && now < failed.retryAt) return false;
  const newest = Math.max(...jobs.map((job) => Date.parse(job.seen_at) || 0));
  return now - newest >= POLL_INTERVAL_MS;
}

/** Poll every due cluster once (in parallel); failures become warnings and cached rows. */
async function refreshDue(ctx: Context, rows: JobRow[], refresh: boolean): Promise<JobRow[]> {
  const config = await ctx.config();
  const now = ctx.now().getTime();
  const open = new Map<string, JobRow[]>();
  for (const row of rows) {
    if (TERMINAL_STATES.has(row.state as JobStateName)) continue;
    open.set(row.cluster, [...(open.get(row.cluster) ?? []), row]);
  }
  const fresh = new Map<string, JobRow>();
  await Promise.all(
    [...open].map(async ([cluster, jobs]) => {
      if (!due(cluster, jobs, config.clusters[cluster]?.scheduler === 'local', now, refresh)) return;
      try {
        for (const row of await refreshJobs(ctx, jobs)) fresh.set(`${row.cluster}\u0000${row.id}`, row);
        failures.delete(cluster);
      } catch (error) {
        const count = (failures.get(cluster)?.count ?? 0) + 1;
        const wait = Math.min(MAX_BACKOFF_MS, POLL_INTERVAL_MS * 2 ** (count - 1));
        failures.set(cluster, { count, retryAt: now + wait });
        const message = error instanceof Error ? error.message : String(error);
        ctx.out.warn(`cluster ${cluster}: ${message} (showing what was last seen; next try in ${Math.round(wait / 1000)} s)`);
      }
    }),
  );
  return rows.map((row) => fresh.get(`${row.cluster}\u0000${row.id}`) ?? row);
}

/** Everything, jobs refreshed where due (every cluster with `refresh`). */
export async function overallStatus(ctx: Context, options: { refresh?: boolean } = {}): Promise<StatusRow[]> {
  const jobs = await refreshDue(ctx, await listJobs(ctx), options.refresh === true);
  const vms = await (await ctx.store()).collection('vms').list({ orderBy: [{ column: 'cloud' }, { column: 'name' }] });
  return [
    ...vms.map((vm): StatusRow => ({
      kind: 'vm',
      name: vm.name,
      id: vm.id,
      where: vm.cloud,
      state: vm.status,
      detail: vm.public_ip ?? vm.private_ip ?? '',
      source: vm.source,
      seen_at: vm.seen_at,
    })),
    ...jobs.map((job): StatusRow => ({
      kind: 'job',
      name: job.name,
      id: job.id,
      where: job.cluster,
      state: job.state,
      detail: job.exit_code === null ? (job.reason ?? '') : `exit ${job.exit_code}${job.reason ? `, ${job.reason}` : ''}`,
      source: job.source,
      seen_at: job.seen_at,
    })),
  ];
}

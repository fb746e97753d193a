/**
 * @module services/status
 * `cm status`: one list of everything cloudmesh knows — VMs from every cloud's cache and jobs from every
 * cluster — each row with its source and how old the knowledge is.
 */
import type { Context } from '../core/command.ts';
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

/**
 * Jobs on clusters that cost nothing to ask (the local one) are refreshed every time; remote clusters and
 * clouds are shown from the cache unless `refresh` is set, and the age column says how old that is.
 */
export async function overallStatus(ctx: Context, options: { refresh?: boolean } = {}): Promise<StatusRow[]> {
  const config = await ctx.config();
  const isFree = async (cluster: string) => options.refresh === true || config.clusters[cluster]?.scheduler === 'local';
  const jobs = await refreshJobs(ctx, await listJobs(ctx), isFree);
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

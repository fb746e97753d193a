/**
 * @module providers/hpc/registry
 * The one list of batch schedulers. A cluster's `scheduler` field in cloudmesh.yaml picks the entry; the
 * implementation is imported only when a command first talks to that cluster.
 */
import type { ClusterConfig } from '../../core/config.ts';
import { UnsupportedError, UserError } from '../../core/errors.ts';
import type { Scheduler } from '../../core/scheduler.ts';
import { didYouMean } from '../../core/suggest.ts';

/** Builds a scheduler for one registered cluster. */
type SchedulerFactory = (cluster: string, config: ClusterConfig, home: string) => Promise<Scheduler>;

export const SCHEDULERS: Record<string, SchedulerFactory> = {
  async local(cluster, _config, home) {
    const { createLocalScheduler } = await import('./local/index.ts');
    return createLocalScheduler({ home, cluster });
  },
  async slurm(cluster, config) {
    const transport = config.transport ?? (config.host ? 'ssh' : 'local');
    if (transport !== 'local') {
      throw new UnsupportedError(`cluster "${cluster}": the ${transport} transport for Slurm is not available yet; use transport: local on the login node`);
    }
    const { createSlurmScheduler, createLocalTransport } = await import('./slurm/index.ts');
    return createSlurmScheduler({
      cluster,
      transport: createLocalTransport(),
      ...(config.partition ? { partition: config.partition } : {}),
      ...(config.workdir ? { workdir: config.workdir } : {}),
      ...(config.accounting ? { accounting: config.accounting as 'auto' | 'sacct' | 'scontrol' } : {}),
    });
  },
};

/** Create the scheduler of `cluster` as configured; unknown kinds are a clear error. */
export async function createScheduler(cluster: string, config: ClusterConfig, home: string): Promise<Scheduler> {
  const factory = SCHEDULERS[config.scheduler];
  if (!factory) {
    throw new UserError(
      `cluster "${cluster}" uses scheduler "${config.scheduler}", which this cloudmesh does not support yet${didYouMean(config.scheduler, Object.keys(SCHEDULERS))}`,
      { hint: `supported: ${Object.keys(SCHEDULERS).join(', ')}` },
    );
  }
  return factory(cluster, config, home);
}

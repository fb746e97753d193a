/**
 * @module providers/hpc/registry
 * The one list of batch schedulers. A cluster's `scheduler` field in cloudmesh.yaml picks the entry; the
 * implementation is imported only when a command first talks to that cluster.
 */
import type { ClusterConfig } from '../../core/config.ts';
import { UserError } from '../../core/errors.ts';
import type { Scheduler } from '../../core/scheduler.ts';
import { didYouMean } from '../../core/suggest.ts';

/** Builds a scheduler for one registered cluster. */
type SchedulerFactory = (cluster: string, config: ClusterConfig, home: string) => Promise<Scheduler>;

export const SCHEDULERS: Record<string, SchedulerFactory> = {
  async local(cluster, _config, home) {
    const { createLocalScheduler } = await import('./local/index.ts');
    return createLocalScheduler({ home, cluster });
  },
  async slurm(cluster, config, home) {
    const options = {
      cluster,
      ...(config.partition ? { partition: config.partition } : {}),
      ...(config.workdir ? { workdir: config.workdir } : {}),
      ...(config.accounting ? { accounting: config.accounting as 'auto' | 'sacct' | 'scontrol' } : {}),
    };
    const { transportKind } = await import('../../transport/cluster.ts');
    if (transportKind(config) === 'rest') {
      const { createSlurmRestScheduler } = await import('./slurm/rest.ts');
      return createSlurmRestScheduler({ ...options, config, home });
    }
    const [{ createSlurmScheduler }, { clusterTransport }] = await Promise.all([import('./slurm/index.ts'), import('../../transport/cluster.ts')]);
    const transport = await clusterTransport(cluster, config, home);
    return createSlurmScheduler({ ...options, transport });
  },
  async sge(cluster, config, home) {
    const [{ createSgeScheduler, qsubOptionsFromConfig }, { clusterTransport }] = await Promise.all([import('./sge/index.ts'), import('../../transport/cluster.ts')]);
    return createSgeScheduler({ ...qsubOptionsFromConfig(cluster, config), transport: await clusterTransport(cluster, config, home) });
  },
  async pbs(cluster, config, home) {
    const [{ createPbsScheduler, qsubOptionsFromConfig }, { clusterTransport }] = await Promise.all([import('./pbs/index.ts'), import('../../transport/cluster.ts')]);
    return createPbsScheduler({ ...qsubOptionsFromConfig(cluster, config), transport: await clusterTransport(cluster, config, home) });
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

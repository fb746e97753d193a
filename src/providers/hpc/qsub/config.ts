/**
 * @module providers/hpc/qsub/config
 * The options of a qsub-family cluster (Grid Engine, PBS) and their defaults. Paths are paths on the
 * cluster: absolute, or relative to the cluster user's home, as in an ssh session.
 */
import { UserError } from '../../../core/errors.ts';
import type { Transport } from '../../../core/transport.ts';

export { absolutePath, needsHome } from '../slurm/config.ts';

/** What `createSgeScheduler` / `createPbsScheduler` accept. */
export interface QsubSchedulerOptions {
  /** The registered cluster name. */
  cluster: string;
  /** Where the scheduler's commands run (this host, or a login node over ssh). */
  transport: Transport;
  /** Queue for jobs that name none (the scheduler's default queue when absent). */
  queue?: string;
  /** Base directory for job directories on the cluster (default `~/.cloudmesh-jobs`). */
  workdir?: string;
  /**
   * Directory holding the client commands (`/usr/lib/gridengine`, `/opt/pbs/bin`); by default they are
   * looked up on the PATH of the host's non-interactive sessions.
   */
  bin?: string;
  /** Variables every command gets (e.g. `SGE_ROOT`, `SGE_CELL` when the commands are called directly). */
  env?: Record<string, string>;
}

/** Options with defaults applied. */
export interface QsubConfig {
  cluster: string;
  transport: Transport;
  queue: string | undefined;
  workdir: string;
  bin: string | undefined;
  env: Record<string, string>;
}

/** The options a `clusters:` entry of cloudmesh.yaml gives (its `partition` is the default queue). */
export function qsubOptionsFromConfig(cluster: string, config: { partition?: string; workdir?: string }): { cluster: string; queue?: string; workdir?: string } {
  return { cluster, ...(config.partition ? { queue: config.partition } : {}), ...(config.workdir ? { workdir: config.workdir } : {}) };
}

/** Default base of job directories, relative to the cluster user's home. */
export const DEFAULT_WORKDIR = '~/.cloudmesh-jobs';

/** Check the options and apply defaults; `label` names the scheduler in messages. */
export function resolveQsubConfig(options: QsubSchedulerOptions, label: string): QsubConfig {
  if (typeof options.cluster !== 'string' || options.cluster === '') throw new UserError(`${label} cluster: name is not set`);
  if (!options.transport) throw new UserError(`cluster "${options.cluster}": no transport to reach ${label}`);
  const workdir = options.workdir ?? DEFAULT_WORKDIR;
  if (workdir === '') throw new UserError(`cluster "${options.cluster}": workdir is empty`);
  if (options.bin !== undefined && !options.bin.startsWith('/')) {
    throw new UserError(`cluster "${options.cluster}": bin must be an absolute directory, not '${options.bin}'`);
  }
  for (const key of Object.keys(options.env ?? {})) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) throw new UserError(`cluster "${options.cluster}": invalid variable name '${key}' in env`);
  }
  return {
    cluster: options.cluster,
    transport: options.transport,
    queue: options.queue,
    workdir,
    bin: options.bin?.replace(/\/+$/, ''),
    env: { ...options.env },
  };
}

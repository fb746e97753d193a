/**
 * @module providers/hpc/slurm/config
 * The options of a Slurm cluster and their defaults. Paths are paths on the cluster: absolute, or
 * relative to the cluster user's home (`~/x` or `x`), as they would be in an ssh session.
 */
import { UserError } from '../../../core/errors.ts';
import type { Transport } from '../../../core/transport.ts';
import type { SlurmControl } from './control.ts';

/** How finished jobs that left the queue are looked up. */
export type AccountingMode = 'auto' | 'sacct' | 'scontrol';

/** What `createSlurmScheduler` accepts. */
export interface SlurmSchedulerOptions {
  /** The registered cluster name. */
  cluster: string;
  /** Where Slurm's commands run (this host, or a login node over ssh). */
  transport: Transport;
  /** Partition for jobs that name none (Slurm's default partition when absent). */
  partition?: string;
  /** Base directory for job directories on the cluster (default `~/.cloudmesh-jobs`). */
  workdir?: string;
  /**
   * `sacct` asks Slurm's accounting for jobs that left the queue; `scontrol` does without it; `auto`
   * (default) tries sacct once and stays with scontrol if accounting is off on that cluster.
   */
  accounting?: AccountingMode;
  /** How the controller is asked: the client commands over `transport` (default), or slurmrestd. */
  control?: SlurmControl;
}

/** Options with defaults applied. */
export interface SlurmConfig {
  cluster: string;
  transport: Transport;
  partition: string | undefined;
  /** As configured; made absolute against the cluster home on first use (see `absolutePath`). */
  workdir: string;
  accounting: AccountingMode;
}

/** Default base of job directories, relative to the cluster user's home. */
export const DEFAULT_WORKDIR = '~/.cloudmesh-jobs';

/** Check the options and apply defaults. */
export function resolveSlurmConfig(options: SlurmSchedulerOptions): SlurmConfig {
  if (typeof options.cluster !== 'string' || options.cluster === '') throw new UserError('Slurm cluster: name is not set');
  if (!options.transport) throw new UserError(`cluster "${options.cluster}": no transport to reach Slurm`);
  const accounting = options.accounting ?? 'auto';
  if (!['auto', 'sacct', 'scontrol'].includes(accounting)) {
    throw new UserError(`cluster "${options.cluster}": accounting must be auto, sacct or scontrol, not '${accounting}'`);
  }
  const workdir = options.workdir ?? DEFAULT_WORKDIR;
  if (workdir === '') throw new UserError(`cluster "${options.cluster}": workdir is empty`);
  return { cluster: options.cluster, transport: options.transport, partition: options.partition, workdir, accounting };
}

/** Whether `path` needs the cluster home to become absolute. */
export function needsHome(path: string): boolean {
  return !path.startsWith('/');
}

/** `path` made absolute against `home`: `~` and `~/x` and plain relative paths all start there. */
export function absolutePath(path: string, home: string): string {
  if (path.startsWith('/')) return normalize(path);
  if (/^~[^/]/.test(path)) throw new UserError(`'${path}': only ~ (the cluster user's home) is understood, not ~user`);
  const rest = path === '~' ? '' : path.startsWith('~/') ? path.slice(2) : path;
  return normalize(`${home.replace(/\/+$/, '')}/${rest}`);
}

/** Collapse `//`, `/./` and a trailing slash; `..` is kept (the cluster resolves it, not us). */
function normalize(path: string): string {
  const collapsed = path.replace(/\/+/g, '/').replace(/\/(\.\/)+/g, '/').replace(/\/\.$/, '');
  return collapsed.length > 1 ? collapsed.replace(/\/$/, '') : collapsed;
}

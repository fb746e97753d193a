/**
 * @module providers/hpc/slurm/client
 * Every Slurm command the adapter runs, each through the transport as an argument array, and what their
 * failures mean: a missing program is the user's problem (Slurm is not installed there), anything else
 * Slurm refuses is a `BackendError` that leads with Slurm's own message. Reading the user's local script
 * file is here too, as the one other piece of I/O.
 */
import { BackendError, UserError } from '../../../core/errors.ts';
import type { PartitionInfo } from '../../../core/scheduler.ts';
import type { SlurmConfig } from './config.ts';
import { isRequestRefusal, slurmMessage } from './map.ts';
import type { SlurmJobRow } from './map.ts';
import {
  SACCT_FORMAT,
  SINFO_FORMAT,
  SQUEUE_FORMAT,
  parseSacct,
  parseSbatchId,
  parseScancelErrors,
  parseScontrolJobs,
  parseScontrolRecords,
  parseSinfo,
  parseSqueue,
} from './parse.ts';
import type { ExecOptions, ExecResult } from '../../../core/transport.ts';

/** Times as epoch seconds: independent of the cluster's time zone and locale (see `parseSlurmTime`). */
const TIME_ENV = { SLURM_TIME_FORMAT: '%s' };

/** The programs whose absence means Slurm itself is missing on the host. */
const SLURM_COMMANDS = new Set(['sbatch', 'squeue', 'sacct', 'scontrol', 'scancel', 'sinfo']);

/** Run one command; a program missing on the host becomes a UserError, a dead transport a BackendError. */
export async function run(config: SlurmConfig, operation: string, argv: string[], options?: ExecOptions): Promise<ExecResult> {
  const host = config.transport.host ?? 'the cluster host';
  let result: ExecResult;
  try {
    result = await config.transport.exec(argv, options);
  } catch (error) {
    // The transport's own one-line errors (host key refused, login refused, unreachable) say it all.
    if (error instanceof UserError) throw error;
    const message = error instanceof Error ? error.message : String(error);
    throw new BackendError('slurm', operation, error, `slurm: cannot ${operation} on ${host}: ${message}`);
  }
  if (result.code === 127 && !SLURM_COMMANDS.has(argv[0] ?? '')) {
    throw new UserError(`cannot ${operation} on ${host}: ${argv[0]} not found`);
  }
  if (result.code === 127) {
    throw new UserError(`Slurm is not installed on ${host} (cluster "${config.cluster}"): ${argv[0]} not found`, {
      hint: 'install the Slurm client commands there, or put them on the PATH of non-interactive sessions',
    });
  }
  return result;
}

/** The BackendError for a Slurm command that exited non-zero. */
export function failed(operation: string, argv: readonly string[], result: ExecResult): BackendError {
  const cause = new Error(`${argv[0]} exited with code ${result.code}: ${result.stderr.trim() || result.stdout.trim()}`);
  return new BackendError('slurm', operation, cause, `slurm: ${operation} failed: ${slurmMessage(result.stderr || result.stdout)}`);
}

/** Submit a batch script; the job id sbatch assigned. */
export async function sbatch(config: SlurmConfig, args: string[], env?: Record<string, string>): Promise<string> {
  const argv = ['sbatch', '--parsable', ...args];
  const result = await run(config, 'submit the job', argv, env === undefined ? undefined : { env });
  if (result.code !== 0 && isRequestRefusal(result.stderr)) throw new UserError(`slurm refused the job: ${slurmMessage(result.stderr)}`);
  if (result.code !== 0) throw failed('submit the job', argv, result);
  const id = parseSbatchId(result.stdout);
  if (id === null) throw failed('submit the job', argv, { ...result, stderr: `no job id in sbatch output: ${result.stdout}` });
  return id;
}

/**
 * The queue rows of `ids`, in one squeue call. `--states=all` keeps finished jobs Slurm still remembers
 * (MinJobAge); `--all` includes hidden partitions. When none of the ids is known, squeue fails with
 * "Invalid job id specified" (for a single id) or prints nothing: both mean no rows.
 */
export async function squeueJobs(config: SlurmConfig, ids: readonly string[]): Promise<SlurmJobRow[]> {
  const argv = ['squeue', '--noheader', '--all', '--states=all', `--jobs=${ids.join(',')}`, `--Format=${SQUEUE_FORMAT}`];
  const result = await run(config, 'query job states', argv, { env: TIME_ENV });
  if (result.code !== 0) {
    if (/Invalid job id/i.test(result.stderr)) return [];
    throw failed('query job states', argv, result);
  }
  return parseSqueue(result.stdout);
}

/** The live jobs of the current user (or of everybody), as squeue shows them by default. */
export async function squeueQueue(config: SlurmConfig, all: boolean): Promise<SlurmJobRow[]> {
  const query = (who: string[]) => ['squeue', '--noheader', '--all', ...who, `--Format=${SQUEUE_FORMAT}`];
  let argv = query(all ? [] : ['--me']);
  let result = await run(config, 'list the queue', argv, { env: TIME_ENV });
  if (result.code !== 0 && !all && /unrecognized option.*--me/.test(result.stderr)) {
    // Slurm before 20.11 has no --me: name the user the commands run as instead.
    const whoami = await run(config, 'find the cluster user', ['id', '-un']);
    argv = query([`--user=${whoami.stdout.trim()}`]);
    result = await run(config, 'list the queue', argv, { env: TIME_ENV });
  }
  if (result.code !== 0) throw failed('list the queue', argv, result);
  return parseSqueue(result.stdout);
}

/** What sacct answered: rows, or why there is no accounting to ask (for good, or just now). */
export type SacctAnswer = { rows: SlurmJobRow[] } | { unavailable: 'disabled' | 'failed'; message: string };

/** The accounting records of `ids` (allocations only, no steps), in one sacct call. */
export async function sacctJobs(config: SlurmConfig, ids: readonly string[]): Promise<SacctAnswer> {
  const argv = ['sacct', '--parsable2', '--noheader', '--allocations', `--jobs=${ids.join(',')}`, `--format=${SACCT_FORMAT}`];
  let result: ExecResult;
  try {
    result = await run(config, 'query job accounting', argv, { env: TIME_ENV });
  } catch (error) {
    // sacct missing while squeue works: a client install without accounting tools, not a broken Slurm.
    if (error instanceof UserError) return { unavailable: 'disabled', message: 'sacct is not installed' };
    throw error;
  }
  if (result.code === 0) return { rows: parseSacct(result.stdout) };
  const message = slurmMessage(result.stderr);
  // "Slurm accounting storage is disabled": this cluster keeps no records; a database error may pass.
  return { unavailable: /accounting storage is disabled/i.test(result.stderr) ? 'disabled' : 'failed', message };
}

/** `scontrol show job <id>`: its records (several for an array), or none when Slurm does not know it. */
export async function scontrolJob(config: SlurmConfig, id: string): Promise<{ rows: SlurmJobRow[]; records: Map<string, string>[] }> {
  const argv = ['scontrol', 'show', 'job', id];
  const result = await run(config, 'show the job', argv, { env: TIME_ENV });
  if (result.code !== 0) {
    if (/Invalid job id/i.test(result.stderr)) return { rows: [], records: [] };
    throw failed('show the job', argv, result);
  }
  return { rows: parseScontrolJobs(result.stdout), records: parseScontrolRecords(result.stdout) };
}

/** Cancel `ids` in one scancel call; the per-id errors Slurm reported (`-v` makes it report them). */
export async function scancel(config: SlurmConfig, ids: readonly string[]): Promise<Map<string, string>> {
  const argv = ['scancel', '-v', ...ids];
  const result = await run(config, 'cancel jobs', argv);
  const errors = parseScancelErrors(result.stderr);
  if (result.code !== 0 && errors.size === 0) throw failed('cancel jobs', argv, result);
  return errors;
}

/** One entry per partition. */
export async function sinfo(config: SlurmConfig): Promise<PartitionInfo[]> {
  const argv = ['sinfo', '--noheader', `--format=${SINFO_FORMAT}`];
  const result = await run(config, 'describe partitions', argv);
  if (result.code !== 0) throw failed('describe partitions', argv, result);
  return parseSinfo(result.stdout);
}

/** The cluster user's home directory, where relative cluster paths start. */
export async function clusterHome(config: SlurmConfig): Promise<string> {
  const argv = ['printenv', 'HOME'];
  const result = await run(config, 'find the home directory', argv);
  const home = result.stdout.trim();
  if (result.code !== 0 || !home.startsWith('/')) throw failed('find the home directory', argv, { ...result, stderr: 'HOME is not set' });
  return home;
}

/** Best effort: remove a job directory this adapter just created, after sbatch refused the job. */
export async function removeJobDir(config: SlurmConfig, dir: string): Promise<void> {
  await config.transport.exec(['rm', '-rf', '--', dir]).catch(() => {});
}

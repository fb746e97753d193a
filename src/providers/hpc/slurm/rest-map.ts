/**
 * @module providers/hpc/slurm/rest-map
 * Pure translations between slurmrestd's JSON and the adapter's rows and requests. Numbers, states and
 * exit codes changed shape across API versions (v0.0.38 plain numbers and raw wait statuses; v0.0.39+
 * `{set, infinite, number}` objects, state lists and `{status, return_code, signal}`), so every reader
 * accepts each shape rather than branching on the version; only the request body depends on it.
 */
import { UserError } from '../../../core/errors.ts';
import type { PartitionInfo } from '../../../core/scheduler.ts';
import type { SlurmJobRow } from './map.ts';
import type { JobPlan } from './script.ts';

type Json = Record<string, unknown>;

/** A number in any version's shape; null when unset or infinite. */
export function restNumber(value: unknown): number | null {
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (value && typeof value === 'object') {
    const v = value as { set?: boolean; infinite?: boolean; number?: unknown };
    if (v.set === false || v.infinite === true) return null;
    return typeof v.number === 'number' ? v.number : null;
  }
  return null;
}

/** A state word: `"RUNNING"`, `["RUNNING"]` or `{current: …}`. */
export function restState(value: unknown): string {
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) return String(value[0] ?? '');
  if (value && typeof value === 'object' && 'current' in value) return restState((value as { current: unknown }).current);
  return '';
}

/** Epoch seconds (any shape) as ISO 8601; 0 means "not yet". */
export function restTime(value: unknown): string | null {
  const seconds = restNumber(value);
  return seconds === null || seconds <= 0 ? null : new Date(seconds * 1000).toISOString();
}

/** An exit code like a shell's `$?`: from a raw wait status (≤ v0.0.38) or `{status, return_code, signal}`. */
export function restExitCode(value: unknown): number | null {
  if (typeof value === 'number') {
    const signal = value & 0x7f;
    return signal !== 0 ? 128 + signal : (value >> 8) & 0xff;
  }
  if (value && typeof value === 'object') {
    const v = value as { status?: unknown; return_code?: unknown; signal?: { signal_id?: unknown; id?: unknown } };
    const status = restState(v.status);
    const signal = restNumber(v.signal?.signal_id ?? v.signal?.id);
    if (status === 'SIGNALED' && signal !== null) return 128 + signal;
    return restNumber(v.return_code);
  }
  return null;
}

function text(value: unknown): string | null {
  return typeof value === 'string' && value !== '' && !/^(None|N\/A|\(null\))$/.test(value) ? value : null;
}

/** A job of GET /slurm/<v>/jobs as the adapter's row (a pending array range becomes `123_[1-5]`). */
export function controllerJobToRow(job: Json): SlurmJobRow {
  const rawId = String(restNumber(job.job_id) ?? '');
  const arrayJob = restNumber(job.array_job_id);
  const task = restNumber(job.array_task_id);
  const range = text(job.array_task_string);
  let id = rawId;
  let arrayId: string | null = null;
  let taskId: string | null = null;
  if (arrayJob !== null && arrayJob > 0 && (task !== null || range !== null)) {
    arrayId = String(arrayJob);
    taskId = task !== null ? String(task) : (range ?? '');
    id = task !== null ? `${arrayId}_${task}` : `${arrayId}_[${taskId}]`;
  }
  return {
    id,
    rawId,
    arrayId,
    taskId,
    state: restState(job.job_state),
    exitCode: restExitCode(job.exit_code),
    startedAt: restTime(job.start_time),
    endedAt: restTime(job.end_time),
    reason: text(job.state_reason),
    user: text(job.user_name),
    partition: text(job.partition),
    name: typeof job.name === 'string' ? job.name : '',
  };
}

/** A job of GET /slurmdb/<v>/jobs (accounting) as the adapter's row. */
export function accountingJobToRow(job: Json): SlurmJobRow {
  const rawId = String(restNumber(job.job_id) ?? '');
  const array = (job.array ?? {}) as Json;
  const arrayJob = restNumber(array.job_id);
  const task = restNumber(array.task_id);
  const arrayId = arrayJob !== null && arrayJob > 0 && task !== null ? String(arrayJob) : null;
  const state = (job.state ?? {}) as Json;
  const time = (job.time ?? {}) as Json;
  return {
    id: arrayId !== null ? `${arrayId}_${task}` : rawId,
    rawId,
    arrayId,
    taskId: arrayId !== null ? String(task) : null,
    state: restState(state.current ?? job.state),
    exitCode: restExitCode(job.exit_code),
    startedAt: restTime(time.start),
    endedAt: restTime(time.end),
    reason: text(state.reason),
    user: text(job.user),
    partition: text(job.partition),
    name: typeof job.name === 'string' ? job.name : '',
  };
}

/** One partition of GET /slurm/<v>/partitions. */
export function partitionToInfo(partition: Json): PartitionInfo {
  const flags = Array.isArray(partition.flags) ? partition.flags.map(String) : [];
  const limit = restNumber(partition.max_time_limit);
  const stateValue = (partition.partition as Json | undefined)?.state ?? partition.state;
  const nodes = partition.nodes;
  return {
    partition: `${String(partition.name ?? '?')}${flags.includes('default') || flags.includes('DEFAULT') ? '*' : ''}`,
    state: restState(stateValue).toLowerCase() || 'unknown',
    nodes: restNumber(partition.total_nodes) ?? restNumber((nodes as Json | undefined)?.total) ?? 0,
    cpus: restNumber(partition.total_cpus) ?? restNumber((partition.cpus as Json | undefined)?.total),
    timeLimit: limit === null || limit < 0 ? 'infinite' : `${limit} min`,
    detail: typeof nodes === 'string' ? nodes : typeof (nodes as Json | undefined)?.configured === 'string' ? String((nodes as Json).configured) : null,
  };
}

/** Whether the version's request bodies use the v0.0.39+ shapes. */
function newShapes(version: string): boolean {
  const [, , minor = '0'] = version.replace(/^v/, '').split('.');
  return Number(minor) >= 39;
}

/** `D-HH:MM:SS` (formatSlurmTime's output) as whole minutes, rounded up like Slurm does. */
function minutesOf(value: string): number {
  const match = /^(\d+)-(\d\d):(\d\d):(\d\d)$/.exec(value);
  if (!match) throw new UserError(`invalid time limit '${value}'`);
  const seconds = Number(match[1]) * 86_400 + Number(match[2]) * 3600 + Number(match[3]) * 60 + Number(match[4]);
  return Math.max(1, Math.ceil(seconds / 60));
}

/** `500M`, `4G`, `1024` (MB) as megabytes. */
function megabytesOf(value: string): number {
  const match = /^(\d+)\s*([KMGT]?)B?$/i.exec(value.trim());
  if (!match) throw new UserError(`--mem '${value}': give a size like 500M or 4G`);
  const scale = { '': 1, K: 1 / 1024, M: 1, G: 1024, T: 1024 * 1024 }[match[2]!.toUpperCase() as '' | 'K' | 'M' | 'G' | 'T'];
  return Math.max(1, Math.ceil(Number(match[1]) * scale));
}

/**
 * The `job` object of POST /slurm/<v>/job/submit. slurmrestd reads no `#SBATCH` lines (sbatch does that
 * on the client side), so every option is a property; there is no submitting shell either, so the job's
 * environment is the user's `--env` plus a PATH.
 */
export function jobProperties(plan: JobPlan, files: [string, string][], version: string): Json {
  const modern = newShapes(version);
  const job: Json = {};
  const count = (n: number) => (modern ? { set: true, infinite: false, number: n } : n);
  for (const [flag, value] of [...plan.options, ...files]) {
    switch (flag) {
      case '--job-name': job.name = value; break;
      case '--time': job.time_limit = count(minutesOf(value)); break;
      case '--partition': job.partition = value; break;
      case '--nodes': job.nodes = modern ? value : [Number(value), Number(value)]; break;
      case '--ntasks': job.tasks = Number(value); break;
      case '--cpus-per-task': job.cpus_per_task = Number(value); break;
      case '--mem': job.memory_per_node = count(megabytesOf(value)); break;
      case '--array': job.array = value; break;
      case '--dependency': job.dependency = value; break;
      case '--account': job.account = value; break;
      case '--qos': job.qos = value; break;
      case '--output': job.standard_output = value; break;
      case '--error': job.standard_error = value; break;
      case '--chdir': job.current_working_directory = value; break;
      default: throw new UserError(`slurmrestd: no job property for ${flag}`);
    }
  }
  const env = { PATH: '/usr/local/bin:/usr/bin:/bin', ...plan.env };
  job.environment = modern ? Object.entries(env).map(([key, value]) => `${key}=${value}`) : env;
  return job;
}

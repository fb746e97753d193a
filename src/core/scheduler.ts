/**
 * @module core/scheduler
 * The `Scheduler` port: a batch system on a cluster (the built-in `local` one, Slurm, PBS …).
 * `status` takes many ids and must answer them with one round trip to the scheduler, never one per job.
 */

/** The states cloudmesh reports, whatever the scheduler calls them. */
export const JOB_STATES = ['PENDING', 'RUNNING', 'COMPLETED', 'FAILED', 'CANCELLED', 'TIMEOUT', 'UNKNOWN'] as const;
export type JobStateName = (typeof JOB_STATES)[number];

/** States after which a job never changes again. */
export const TERMINAL_STATES: ReadonlySet<JobStateName> = new Set(['COMPLETED', 'FAILED', 'CANCELLED', 'TIMEOUT']);

/** What to run. Exactly one of `command`, `script` or `shell` is set. */
export interface JobSpec {
  /** Program and arguments, run as an argument array (no shell involved). */
  command?: string[];
  /** Path of a local script file to copy to the cluster and run. */
  script?: string;
  /** A shell command line the user asked to run through `/bin/sh -c` (explicit `--shell`). */
  shell?: string;
  name?: string;
  /** Working directory on the cluster (created if missing). */
  dir?: string;
  /** Wall-time limit: minutes, `MM:SS`, `HH:MM:SS` or `D-HH:MM:SS`. */
  time?: string;
  env?: Record<string, string>;
  partition?: string;
  nodes?: number;
  ntasks?: number;
  cpusPerTask?: number;
  mem?: string;
  array?: string;
  dependency?: string;
  account?: string;
  qos?: string;
  stageIn?: string[];
  stageOut?: string[];
}

/** What `submit` returns. */
export interface JobRef {
  id: string;
  name: string;
  /** Working directory on the cluster. */
  dir: string | null;
  submittedAt: string;
}

/** The observed state of one job. */
export interface JobState {
  id: string;
  state: JobStateName;
  exitCode: number | null;
  startedAt: string | null;
  endedAt: string | null;
  reason: string | null;
}

/** One row of `hpc queue`. */
export interface QueueEntry extends JobState {
  name: string;
  user: string;
  partition: string | null;
}

/** One row of `hpc info`. */
export interface PartitionInfo {
  partition: string;
  state: string;
  nodes: number;
  cpus: number | null;
  timeLimit: string | null;
  detail: string | null;
}

/** The result of cancelling one job. */
export interface CancelResult {
  id: string;
  ok: boolean;
  message: string;
}

/** A chunk of a job's output and where to continue reading. */
export interface OutputChunk {
  text: string;
  offset: number;
}

/** A batch system on one cluster. */
export interface Scheduler {
  /** `local`, `slurm`, `pbs` … */
  readonly kind: string;
  /** The registered cluster name. */
  readonly cluster: string;
  submit(spec: JobSpec): Promise<JobRef>;
  /** The state of every id, in one round trip. Unknown ids come back as `UNKNOWN`. */
  status(ids: readonly string[]): Promise<JobState[]>;
  cancel(ids: readonly string[]): Promise<CancelResult[]>;
  /** Jobs the scheduler knows about now (the user's, or everybody's with `all`). */
  queue(filter?: { all?: boolean }): Promise<QueueEntry[]>;
  info(): Promise<PartitionInfo[]>;
  /** Read a job's stdout or stderr from byte `offset`. */
  output(id: string, options?: { stream?: 'stdout' | 'stderr'; offset?: number }): Promise<OutputChunk>;
  /** Release connections; the long-lived shell and server keep schedulers open between commands. */
  close(): Promise<void>;
}

/** Which task outcome names a whole job array: the user's cancel first, then the worst ending. */
const ARRAY_PRIORITY: readonly JobStateName[] = ['CANCELLED', 'TIMEOUT', 'FAILED', 'UNKNOWN', 'COMPLETED'];

/**
 * One state for a job array from its tasks' states: live while any task is, else the worst ending; the
 * exit code is the highest any task ended with (like Slurm's derived exit code); the reason counts tasks.
 */
export function summarizeArray(id: string, tasks: readonly JobState[]): JobState {
  const names = tasks.map((task) => task.state);
  const live = names.includes('RUNNING') ? 'RUNNING' : names.includes('PENDING') ? 'PENDING' : null;
  const state = live ?? ARRAY_PRIORITY.find((name) => names.includes(name)) ?? 'UNKNOWN';
  const counts = new Map<string, number>();
  for (const name of names) counts.set(name, (counts.get(name) ?? 0) + 1);
  const codes = tasks.map((t) => t.exitCode).filter((code): code is number => code !== null);
  const starts = tasks.map((t) => t.startedAt).filter((time): time is string => time !== null).sort();
  const ends = tasks.map((t) => t.endedAt).filter((time): time is string => time !== null).sort();
  const terminal = TERMINAL_STATES.has(state);
  return {
    id,
    state,
    exitCode: terminal && (state === 'COMPLETED' || state === 'FAILED') && codes.length > 0 ? Math.max(...codes) : null,
    startedAt: starts[0] ?? null,
    endedAt: terminal ? (ends.at(-1) ?? null) : null,
    reason: `array: ${[...counts].map(([name, count]) => `${count} ${name}`).join(', ')}`,
  };
}

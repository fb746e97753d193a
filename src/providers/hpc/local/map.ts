/**
 * @module providers/hpc/local/map
 * Pure translations for the `local` cluster: the records kept in a job directory (`spec.json`,
 * `state.json`) to and from the `Scheduler` shapes, time-limit parsing, and the final-state decision the
 * runner makes when its child ends. Nothing here touches processes or files, so all of it is unit-testable.
 */
import { constants } from 'node:os';
import { JOB_STATES, TERMINAL_STATES } from '../../../core/scheduler.ts';
import type { JobSpec, JobState, JobStateName, QueueEntry } from '../../../core/scheduler.ts';

/** What `spec.json` holds: the user's spec plus everything the runner needs to start the job. */
export interface LaunchRecord {
  id: string;
  name: string;
  submittedAt: string;
  /** The exact argv to spawn (no shell unless the user asked for one via `spec.shell`). */
  argv: string[];
  cwd: string;
  /** Parsed once at submit time so a bad limit is the submitter's error, not a silent runner failure. */
  timeLimitSeconds: number | null;
  /** Only the user's additions; the rest of the environment is inherited, so secrets never hit the disk. */
  env: Record<string, string>;
  spec: JobSpec;
}

/** What `state.json` holds. Written atomically by the submitter (PENDING) and then only by the runner. */
export interface StateRecord {
  state: JobStateName;
  submittedAt: string;
  /** The runner is a process-group leader, so this is also the job's process-group id. */
  runnerPid: number | null;
  /** Field 22 of `/proc/<pid>/stat`; a different value under the same pid means the pid was reused. */
  runnerStart: string | null;
  childPid?: number | null;
  startedAt?: string | null;
  endedAt?: string | null;
  exitCode?: number | null;
  reason?: string | null;
}

/** What the reader observed about a job's processes, so the pure mapping can judge liveness. */
export interface Observed {
  runnerAlive: boolean;
  cancelRequested: boolean;
  /** Current time (ms since the epoch), to judge a submission that never got its runner started. */
  now: number;
}

/** The reason given when a live-looking job has lost its runner. */
export const VANISHED_REASON = 'runner vanished (machine restarted or process killed)';

/** How long a job may sit without a recorded runner before the submission is considered dead. */
export const SUBMIT_GRACE_MS = 60_000;

const ID_PATTERN = /^[1-9][0-9]{0,15}$/;

/** True for ids this cluster can have allocated; anything else (`..`, `/etc`) must never reach a path. */
export function isJobId(text: string): boolean {
  return ID_PATTERN.test(text);
}

export { parseTimeLimit } from '../../../core/time-limit.ts';


/** Validate a parsed `state.json`; `null` when it is not one of ours (a torn or foreign file). */
export function parseStateRecord(value: unknown): StateRecord | null {
  if (!isObject(value)) return null;
  const { state, submittedAt, runnerPid, runnerStart } = value;
  if (typeof state !== 'string' || !(JOB_STATES as readonly string[]).includes(state)) return null;
  if (typeof submittedAt !== 'string') return null;
  if (runnerPid !== null && !(typeof runnerPid === 'number' && Number.isInteger(runnerPid) && runnerPid > 1)) return null;
  if (runnerStart !== null && typeof runnerStart !== 'string') return null;
  return value as unknown as StateRecord;
}

/** Validate a parsed `spec.json`; `null` when it is not one of ours. */
export function parseLaunchRecord(value: unknown): LaunchRecord | null {
  if (!isObject(value)) return null;
  const { id, name, argv, cwd, timeLimitSeconds, env, spec } = value;
  if (typeof id !== 'string' || typeof name !== 'string' || typeof cwd !== 'string') return null;
  if (!Array.isArray(argv) || argv.length === 0 || !argv.every((arg) => typeof arg === 'string')) return null;
  if (timeLimitSeconds !== null && typeof timeLimitSeconds !== 'number') return null;
  if (!isObject(env) || !isObject(spec)) return null;
  return value as unknown as LaunchRecord;
}

/**
 * The state `status` reports. A record that still says PENDING/RUNNING is only believed while its runner
 * lives: a dead runner can never write the final state, so the job is FAILED (or CANCELLED when the user
 * had asked for that — the runner may have died from the very signal `cancel` sent before it was ready).
 */
export function toJobState(id: string, record: StateRecord | null, observed: Observed): JobState {
  if (record === null) {
    // mkdir happened but the submitter has not written state.json yet.
    return { id, state: 'PENDING', exitCode: null, startedAt: null, endedAt: null, reason: 'being submitted' };
  }
  const base: JobState = {
    id,
    state: record.state,
    exitCode: record.exitCode ?? null,
    startedAt: record.startedAt ?? null,
    endedAt: record.endedAt ?? null,
    reason: record.reason ?? null,
  };
  if (TERMINAL_STATES.has(record.state)) return base;
  if (record.runnerPid === null) {
    // The submitter writes the runner's pid right after spawning it; a long gap means it died in between.
    const age = observed.now - Date.parse(record.submittedAt);
    if (!(age > SUBMIT_GRACE_MS)) return base;
  } else if (observed.runnerAlive) {
    return base;
  }
  if (observed.cancelRequested) return { ...base, state: 'CANCELLED', reason: 'cancelled' };
  const reason = record.runnerPid === null ? 'runner never started' : VANISHED_REASON;
  return { ...base, state: 'FAILED', reason };
}

/** The answer for an id this cluster does not have. */
export function unknownJob(id: string, reason = `no job ${id} on this cluster`): JobState {
  return { id, state: 'UNKNOWN', exitCode: null, startedAt: null, endedAt: null, reason };
}

/** A `hpc queue` row. */
export function toQueueEntry(state: JobState, name: string, user: string): QueueEntry {
  return { ...state, name, user, partition: 'local' };
}

/** How the child ended, as the runner saw it. */
export interface ChildEnd {
  code: number | null;
  signal: string | null;
  /** A spawn failure: errno code and the program that could not be run. */
  spawnError?: { code: string; program: string; programExists: boolean; cwdExists: boolean } | null;
  cancelled: boolean;
  timedOut: boolean;
  timeLimitSeconds: number | null;
}

/** The final record the runner writes. Cancellation wins over everything: the user's intent is the story. */
export function finalState(previous: StateRecord, end: ChildEnd, endedAt: string): StateRecord {
  let state: JobStateName;
  let exitCode: number | null = end.code;
  let reason: string | null = null;
  if (end.signal !== null) exitCode = 128 + (constants.signals[end.signal as NodeJS.Signals] ?? 0);
  if (end.spawnError) {
    const { code, program, programExists, cwdExists } = end.spawnError;
    exitCode = code === 'EACCES' ? 126 : 127;
    if (!cwdExists) reason = `working directory not found`;
    else if (code === 'EACCES') reason = `permission denied: ${program}`;
    else if (code === 'ENOENT' && programExists) reason = `cannot execute ${program} (interpreter not found)`;
    else if (code === 'ENOENT') reason = `command not found: ${program}`;
    else reason = `cannot start ${program}: ${code}`;
  }
  if (end.cancelled) {
    state = 'CANCELLED';
    reason = 'cancelled';
  } else if (end.timedOut) {
    state = 'TIMEOUT';
    reason = `time limit of ${end.timeLimitSeconds ?? '?'} s reached`;
  } else if (end.spawnError) {
    state = 'FAILED';
  } else if (end.signal !== null) {
    state = 'FAILED';
    reason = `killed by ${end.signal}`;
  } else if (end.code === 0) {
    state = 'COMPLETED';
  } else {
    state = 'FAILED';
    reason = `exit code ${end.code ?? '?'}`;
  }
  return { ...previous, state, exitCode, endedAt, reason };
}

/**
 * How many leading bytes of `bytes` form complete UTF-8 characters, so an output read never splits a
 * character: the caller resumes from the returned length and sees the whole character next time.
 */
export function completeUtf8Length(bytes: Uint8Array): number {
  const end = bytes.length;
  // A UTF-8 character is at most 4 bytes, so only the last 3 can start an incomplete one.
  for (let i = end - 1; i >= Math.max(0, end - 3); i--) {
    const byte = bytes[i] ?? 0;
    if ((byte & 0xc0) === 0x80) continue; // continuation byte: keep looking for the lead
    const need = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : byte >= 0xc0 ? 2 : 1;
    return end - i >= need ? end : i;
  }
  return end;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

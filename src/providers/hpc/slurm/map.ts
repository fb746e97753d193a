/**
 * @module providers/hpc/slurm/map
 * Pure translations for Slurm: quoting for the job script (shell) and for `#SBATCH` lines (sbatch's own
 * parser), time limits, job ids, and Slurm's states, exit codes and times to cloudmesh's `JobState`.
 * The text parsers of command output are in parse.ts; nothing here runs anything.
 */
import { UserError } from '../../../core/errors.ts';
import { summarizeArray, TERMINAL_STATES } from '../../../core/scheduler.ts';
import type { JobState, JobStateName } from '../../../core/scheduler.ts';

/**
 * One job (or array task, or range of pending tasks) as squeue, sacct or scontrol describe it, with the
 * state still in Slurm's words. The adapter turns rows into `JobState`s with `jobStateOf`.
 */
export interface SlurmJobRow {
  /** As Slurm displays it: `123`, `123_4`, or `123_[5-9%2]` for tasks not started yet. */
  id: string;
  /** The job's own number (every array task has one too). */
  rawId: string;
  /** The array's id for an array task (or range), null for a plain job. */
  arrayId: string | null;
  /** The task index (`4`) or pending range (`5-9%2`), null for a plain job. */
  taskId: string | null;
  /** Slurm's state, e.g. `RUNNING` or `CANCELLED by 0`. */
  state: string;
  /** Decoded exit code: the script's own, or 128 + signal. */
  exitCode: number | null;
  startedAt: string | null;
  endedAt: string | null;
  /** Slurm's reason column (`None`, `Resources`, `NonZeroExitCode` …). */
  reason: string | null;
  user: string | null;
  partition: string | null;
  name: string;
}

/**
 * Job scripts quote the user's words with the same function that quotes remote command lines for ssh:
 * single quotes keep `$`, backticks, `;` and newlines literal, and a single quote becomes `'\''`.
 */
export { shellQuote } from '../../../transport/quote.ts';

/**
 * Quote a value for an `#SBATCH` line. sbatch's parser splits on blanks, treats an unquoted `#` as a
 * comment, strips `'`/`"` quotes and drops a backslash before any character; inside double quotes only
 * `"` and `\` need one. A line cannot hold a line break, so values with control characters are refused.
 */
export function directiveQuote(value: string): string {
  return `"${value.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`;
}

/** Refuse a value that cannot be passed to Slurm faithfully (line breaks, NUL). */
export function checkDirectiveValue(what: string, value: string): void {
  if (/[\0\n\r]/.test(value)) throw new UserError(`${what} cannot contain a line break or NUL byte for Slurm`);
}

export { parseTimeLimit } from '../../../core/time-limit.ts';

/** Seconds as Slurm's `D-HH:MM:SS`. Slurm keeps limits in whole minutes and rounds seconds up. */
export function formatSlurmTime(seconds: number): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  const days = Math.floor(seconds / 86_400);
  const rest = seconds % 86_400;
  return `${days}-${pad(Math.floor(rest / 3600))}:${pad(Math.floor((rest % 3600) / 60))}:${pad(rest % 60)}`;
}

/** Job ids cloudmesh passes to Slurm: `123` or an array task `123_4`. Anything else never reaches argv. */
export function isSlurmJobId(id: string): boolean {
  return /^[1-9]\d{0,15}(?:_\d{1,9})?$/.test(id);
}

/** Slurm's state words (and compact codes) to cloudmesh's, with a reason where the word says more. */
const STATES: Record<string, readonly [JobStateName, string | null]> = {
  PENDING: ['PENDING', null],
  CONFIGURING: ['PENDING', 'configuring (nodes booting)'],
  REQUEUED: ['PENDING', 'requeued'],
  REQUEUE_HOLD: ['PENDING', 'requeued and held'],
  REQUEUE_FED: ['PENDING', 'requeued by the federation'],
  RESV_DEL_HOLD: ['PENDING', 'held: its reservation was deleted'],
  SPECIAL_EXIT: ['PENDING', 'held after a special exit'],
  RUNNING: ['RUNNING', null],
  // The final state is not visible until the epilog ends, so the job is not over yet for us.
  COMPLETING: ['RUNNING', 'completing'],
  SUSPENDED: ['RUNNING', 'suspended'],
  STOPPED: ['RUNNING', 'stopped'],
  RESIZING: ['RUNNING', 'resizing'],
  SIGNALING: ['RUNNING', 'being signalled'],
  STAGE_OUT: ['RUNNING', 'staging out'],
  COMPLETED: ['COMPLETED', null],
  FAILED: ['FAILED', null],
  NODE_FAIL: ['FAILED', 'node failure'],
  OUT_OF_MEMORY: ['FAILED', 'out of memory'],
  BOOT_FAIL: ['FAILED', 'node boot failure'],
  PREEMPTED: ['FAILED', 'preempted'],
  // A deadline is a time limit on completion: the job ran (or waited) out of time.
  DEADLINE: ['TIMEOUT', 'deadline reached'],
  TIMEOUT: ['TIMEOUT', 'time limit reached'],
  CANCELLED: ['CANCELLED', 'cancelled'],
  REVOKED: ['CANCELLED', 'revoked: runs on another cluster of the federation'],
};
const CODES: Record<string, string> = {
  PD: 'PENDING', CF: 'CONFIGURING', RQ: 'REQUEUED', RH: 'REQUEUE_HOLD', RF: 'REQUEUE_FED', RD: 'RESV_DEL_HOLD',
  SE: 'SPECIAL_EXIT', R: 'RUNNING', CG: 'COMPLETING', S: 'SUSPENDED', ST: 'STOPPED', RS: 'RESIZING',
  SI: 'SIGNALING', SO: 'STAGE_OUT', CD: 'COMPLETED', F: 'FAILED', NF: 'NODE_FAIL', OOM: 'OUT_OF_MEMORY',
  BF: 'BOOT_FAIL', PR: 'PREEMPTED', DL: 'DEADLINE', TO: 'TIMEOUT', CA: 'CANCELLED', RV: 'REVOKED',
};

/** Slurm's state (`CANCELLED by 1000`, `RUNNING`, `CD`, `FAILED+`) as a cloudmesh state and reason. */
export function mapSlurmState(text: string): { state: JobStateName; reason: string | null } {
  const word = (text.trim().split(/\s+/)[0] ?? '').replace(/\+$/, '').toUpperCase();
  const known = STATES[CODES[word] ?? word];
  if (!known) return { state: 'UNKNOWN', reason: `Slurm state ${text.trim() || '(empty)'}` };
  const by = /^CANCELLED by (\d+)/i.exec(text.trim());
  return { state: known[0], reason: by ? `cancelled by uid ${by[1]}` : known[1] };
}

/** A raw wait status (squeue's `exit_code`): the exit code, or 128 + the signal that killed the script. */
export function decodeWaitStatus(text: string): number | null {
  if (!/^\d+$/.test(text.trim())) return null;
  const status = Number(text);
  const signal = status & 0x7f;
  return signal !== 0 ? 128 + signal : (status >> 8) & 0xff;
}

/** sacct's and scontrol's `N:S` (exit code, signal) as one exit code like a shell's `$?`. */
export function parseExitCode(text: string): number | null {
  const match = /^(\d+):(\d+)$/.exec(text.trim());
  if (!match) return null;
  return Number(match[2]) !== 0 ? 128 + Number(match[2]) : Number(match[1]);
}

/**
 * A Slurm time as ISO 8601. The adapter sets `SLURM_TIME_FORMAT=%s`, so times arrive as epoch seconds
 * whatever the cluster's time zone; a Slurm that ignores the variable prints local ISO-like times, read as
 * given. `Unknown`, `None`, `N/A` and 0 mean no time.
 */
export function parseSlurmTime(text: string): string | null {
  const value = text.trim();
  if (/^\d+$/.test(value)) return Number(value) > 0 ? new Date(Number(value) * 1000).toISOString() : null;
  if (!/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$/.test(value)) return null;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? null : new Date(ms).toISOString();
}

/** One row as a `JobState` reported under `id` (the id the caller asked about). */
export function rowToJobState(id: string, row: SlurmJobRow): JobState {
  const { state, reason: stateReason } = mapSlurmState(row.state);
  // Only the script's own ending has an exit code: squeue reports a cancelled or timed-out script's
  // signal while sacct records 0:0 for it, and a finished job must not change its answer between the two.
  const exitCode = state === 'COMPLETED' || state === 'FAILED' ? row.exitCode : null;
  const slurmReason = row.reason !== null && !/^(|None|N\/A|\(null\))$/.test(row.reason) ? row.reason : null;
  let reason = stateReason;
  if (reason === null && state === 'FAILED' && exitCode !== null) reason = `exit code ${exitCode}`;
  if (reason === null && !TERMINAL_STATES.has(state)) reason = slurmReason;
  return {
    id,
    state,
    exitCode,
    // A pending job's start is Slurm's forecast, and a live job's end is its limit: neither happened yet.
    startedAt: state === 'PENDING' ? null : row.startedAt,
    endedAt: TERMINAL_STATES.has(state) ? row.endedAt : null,
    reason,
  };
}

/** The answer for an id Slurm does not know (any more). */
export function unknownJob(id: string, reason: string): JobState {
  return { id, state: 'UNKNOWN', exitCode: null, startedAt: null, endedAt: null, reason };
}

/** Whether task `task` is in a pending range as Slurm prints it: `5-9%2`, `[1,3,5-9:2]`. */
export function rangeHasTask(range: string, task: number): boolean {
  for (const part of range.replace(/^\[|\]$/g, '').replace(/%\d+$/, '').split(',')) {
    const match = /^(\d+)(?:-(\d+)(?::(\d+))?)?$/.exec(part);
    if (!match) continue;
    const first = Number(match[1]);
    const last = match[2] === undefined ? first : Number(match[2]);
    const step = Number(match[3] ?? 1) || 1;
    if (task >= first && task <= last && (task - first) % step === 0) return true;
  }
  return false;
}

/**
 * The state of `id` from whatever rows Slurm returned, or null when none is about it. A task id
 * (`123_4`) is that task, or PENDING while it is still inside a pending range; an array's own id (`123`)
 * sums up its tasks; any other number is the job with that own id.
 */
export function jobStateOf(id: string, rows: readonly SlurmJobRow[]): JobState | null {
  const task = /^(\d+)_(\d+)$/.exec(id);
  if (task) {
    const exact = rows.find((row) => row.id === id);
    if (exact) return rowToJobState(id, exact);
    const range = rows.find((row) => row.arrayId === task[1] && row.taskId !== null && rangeHasTask(row.taskId, Number(task[2])));
    return range ? rowToJobState(id, range) : null;
  }
  const tasks = rows.filter((row) => row.arrayId === id && row.taskId !== null);
  if (tasks.length > 0) return summarizeTasks(id, tasks);
  const own = rows.find((row) => row.rawId === id);
  return own ? rowToJobState(id, own) : null;
}

function summarizeTasks(id: string, tasks: readonly SlurmJobRow[]): JobState {
  return summarizeArray(id, tasks.map((task) => rowToJobState(task.id, task)));
}

/**
 * How many leading bytes of `bytes` form complete UTF-8 characters, so an output read never splits a
 * character: the caller resumes from the returned length and sees the whole character next time.
 */
export function completeUtf8Length(bytes: Uint8Array): number {
  const end = bytes.length;
  for (let i = end - 1; i >= Math.max(0, end - 3); i--) {
    const byte = bytes[i] ?? 0;
    if ((byte & 0xc0) === 0x80) continue;
    const need = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : byte >= 0xc0 ? 2 : 1;
    return end - i >= need ? end : i;
  }
  return end;
}

/** The line of a command's stderr worth showing: the first error, else the first non-empty line. */
/**
 * Whether Slurm refused a submission for something the user asked for (a partition, account, QOS,
 * dependency, array or size that does not exist or fit): a `UserError`, not a failure of Slurm.
 */
export function isRequestRefusal(message: string): boolean {
  return /invalid (partition|account|qos|dependency|job array|node count|wckey|feature)|invalid partition name|Requested node configuration is not available|Requested time limit is invalid|More processors requested than permitted|Memory required by task is not available|Job dependency problem|Invalid account or account\/partition combination/i.test(message);
}

export function slurmMessage(stderr: string): string {
  const lines = stderr.split('\n').map((line) => line.trim()).filter((line) => line !== '');
  return lines.find((line) => /error/i.test(line)) ?? lines[0] ?? '(no message)';
}

/**
 * @module providers/hpc/qsub/map
 * Pure pieces every qsub-family scheduler (Grid Engine, PBS Pro/OpenPBS, Torque) shares: how a job name
 * survives schedulers that refuse most characters, how a value is written into a `#$`/`#PBS` directive,
 * wall-time formatting, and how the rows a scheduler printed answer one id (a job, an array, a task).
 */
import { UserError } from '../../../core/errors.ts';
import { summarizeArray, TERMINAL_STATES } from '../../../core/scheduler.ts';
import type { JobState, JobStateName, QueueEntry } from '../../../core/scheduler.ts';

export { completeUtf8Length } from '../slurm/map.ts';
export { shellQuote } from '../../../transport/quote.ts';
export { parseTimeLimit } from '../../../core/time-limit.ts';

/** One job or array task as a qsub-family scheduler described it, already in cloudmesh's terms. */
export interface QsubRow extends QueueEntry {
  /** The job's own id without the task part (`123`, `123[].server`'s `123`-based key). */
  base: string;
  /** The array task index, or null for a plain job or an array as a whole. */
  task: number | null;
}

/**
 * Characters kept as they are in a job name. Grid Engine refuses blanks, `/ : @ * ? \`, non-ASCII and a
 * leading digit; directive parsers of both families drop quotes and treat `#` as a comment. Everything
 * else is written as `%XX` (UTF-8 bytes), `%` included, so the encoding can be undone exactly.
 */
const NAME_SAFE = /[A-Za-z0-9_.,;=+!^&(){}[\]<>|~-]/;

/** A job name the scheduler accepts, from which `decodeJobName` gives back exactly `name`. */
export function encodeJobName(name: string): string {
  let out = '';
  for (const char of name) {
    const keep = NAME_SAFE.test(char) && !(out === '' && /\d/.test(char));
    out += keep ? char : [...Buffer.from(char, 'utf8')].map((byte) => `%${byte.toString(16).toUpperCase().padStart(2, '0')}`).join('');
  }
  return out;
}

/** Undo `encodeJobName`; a name cloudmesh did not encode comes back unchanged unless it holds `%XX`. */
export function decodeJobName(name: string): string {
  if (!/%[0-9A-Fa-f]{2}/.test(name)) return name;
  const bytes: number[] = [];
  for (let i = 0; i < name.length; i++) {
    const hex = /^%([0-9A-Fa-f]{2})/.exec(name.slice(i));
    if (hex) {
      bytes.push(Number.parseInt(hex[1] ?? '0', 16));
      i += 2;
    } else {
      bytes.push(...Buffer.from(name[i] ?? '', 'utf8'));
    }
  }
  const decoded = Buffer.from(bytes).toString('utf8');
  return decoded.includes('\uFFFD') ? name : decoded;
}

/**
 * Whether `value` can stand in a `#$`/`#PBS` directive line. Both families split those lines on blanks
 * (a double-quoted value may hold blanks), strip every quote character and end the line at `#`; a value
 * that is not safe there goes on qsub's argument list instead, where it is passed exactly.
 */
export function directiveSafe(value: string): boolean {
  return value !== '' && !/["'#\\\0-\x1f\x7f]/.test(value);
}

/** A directive-safe value as written after its flag: quoted when it holds a blank. */
export function directiveValue(value: string): string {
  return /\s/.test(value) ? `"${value}"` : value;
}

/** Refuse a value no qsub can receive faithfully anywhere (line breaks, NUL). */
export function checkValue(what: string, value: string): void {
  if (/[\0\n\r]/.test(value)) throw new UserError(`${what} cannot contain a line break or NUL byte`);
}

/** Seconds as `HH:MM:SS` (hours may exceed 24), the walltime form every qsub scheduler reads. */
export function formatWalltime(seconds: number): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${pad(Math.floor(seconds / 3600))}:${pad(Math.floor((seconds % 3600) / 60))}:${pad(seconds % 60)}`;
}

/** `HH:MM:SS` (or `D:HH:MM:SS`, or seconds) as seconds; null when it is not a duration. */
export function parseDuration(text: string | null | undefined): number | null {
  if (!text) return null;
  const parts = text.trim().split(':');
  if (parts.length > 4 || !parts.every((part) => /^\d+$/.test(part))) return null;
  const [days = 0, hours = 0, minutes = 0, seconds = 0] = [0, 0, 0, 0, ...parts.map(Number)].slice(-4);
  return days * 86_400 + hours * 3600 + minutes * 60 + seconds;
}

/**
 * The reason of a job the scheduler is tearing down after a cancel (Grid Engine `dr`, PBS `E` after
 * qdel). With cloudmesh's own cancel mark it is reported CANCELLED: the kill can take seconds to finish.
 */
export const BEING_DELETED = 'being deleted';

/** The answer for an id the scheduler does not know (any more). */
export function unknownJob(id: string, reason: string): JobState {
  return { id, state: 'UNKNOWN', exitCode: null, startedAt: null, endedAt: null, reason };
}

/** A job state under another id (an array task answered by its row). */
function asId(id: string, row: QsubRow): JobState {
  return { id, state: row.state, exitCode: row.exitCode, startedAt: row.startedAt, endedAt: row.endedAt, reason: row.reason };
}

/**
 * The state of `base`/`task` from the rows a scheduler returned: a task is its own row; a job is its own
 * row, or the summary of its tasks when it is an array. Null when no row is about it.
 */
export function stateOf(id: string, base: string, task: number | null, rows: readonly QsubRow[]): JobState | null {
  const mine = rows.filter((row) => row.base === base);
  if (task !== null) {
    const row = mine.find((r) => r.task === task);
    return row ? asId(id, row) : null;
  }
  const tasks = mine.filter((row) => row.task !== null);
  if (tasks.length > 0) return summarizeArray(id, tasks);
  const own = mine.find((row) => row.task === null);
  return own ? asId(id, own) : null;
}

export { summarizeArray };

/** A time the scheduler printed as ISO-like local text, epoch seconds or `Wed Nov 25 19:02:04 2026`. */
export function parseSchedulerTime(text: string | null | undefined): string | null {
  const value = (text ?? '').trim();
  if (value === '' || /^(-|0|undefined|N\/A)$/i.test(value)) return null;
  if (/^\d{9,}$/.test(value)) return new Date(Number(value) * 1000).toISOString();
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? null : new Date(ms).toISOString();
}

/** Exit code of a script ended by a signal, as a shell reports it. */
export function signalExit(signal: number): number {
  return 128 + signal;
}

/** How many tasks an array spec names (`1-10`, `1-10:2`, `1,3,5-7`, `%N` limits ignored); null if unreadable. */
export function countTasks(spec: string): number | null {
  let count = 0;
  for (const part of spec.replace(/%\d+$/, '').split(',')) {
    const match = /^(\d+)(?:-(\d+)(?::(\d+))?)?$/.exec(part.trim());
    if (!match) return null;
    const first = Number(match[1]);
    const last = match[2] === undefined ? first : Number(match[2]);
    if (last < first) return null;
    count += Math.floor((last - first) / Math.max(1, Number(match[3] ?? 1))) + 1;
  }
  return count;
}

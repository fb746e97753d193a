/**
 * @module providers/hpc/sge/map
 * Grid Engine's words in cloudmesh's terms: the state letters `qstat` prints for live jobs, and the
 * `failed` / `exit_status` pair `qacct` records for finished ones.
 */
import type { JobStateName } from '../../../core/scheduler.ts';
import { BEING_DELETED, parseDuration } from '../qsub/map.ts';

/** Job ids as Grid Engine prints them: `123`, or `123.4` for task 4 of array 123. */
export function parseSgeId(id: string): { base: string; task: number | null } | null {
  const match = /^([1-9]\d{0,15})(?:\.([1-9]\d{0,8}))?$/.exec(id);
  if (!match) return null;
  return { base: match[1] ?? '', task: match[2] === undefined ? null : Number(match[2]) };
}

/**
 * qstat's state letters: `qw` waiting, `hqw` held, `r` running, `t` being started, `Rr` restarted,
 * `s`/`S`/`T` suspended, `dr` being deleted, `Eqw` error — a job Grid Engine could not start stays
 * queued in `E` until someone clears or deletes it, so it is not over (and not FAILED) yet.
 */
export function liveState(letters: string): { state: JobStateName; reason: string | null } {
  const running = /[rt]/.test(letters);
  if (letters.includes('E')) return { state: 'PENDING', reason: `error state ${letters}: Grid Engine could not start the job (qstat -j ID says why)` };
  if (letters.includes('d')) return { state: running ? 'RUNNING' : 'PENDING', reason: BEING_DELETED };
  if (letters.includes('h')) return { state: 'PENDING', reason: 'held' };
  if (letters.includes('w')) return { state: 'PENDING', reason: null };
  if (/[sST]/.test(letters)) return { state: 'RUNNING', reason: 'suspended' };
  if (letters.includes('t')) return { state: 'RUNNING', reason: 'starting' };
  if (letters.includes('r')) return { state: 'RUNNING', reason: null };
  return { state: 'UNKNOWN', reason: `Grid Engine state ${letters || '(empty)'}` };
}

/** qacct's `failed` codes that mean the scheduler ended the job at a time limit (h_rt / s_rt). */
const LIMIT_FAILURES = new Set([37, 40]);
/** `failed 100 : assumedly after job`: the job was killed (qdel, or a signal) rather than ending. */
const KILLED_FAILURE = 100;

/** A finished job's state from its accounting record. */
export function finishedState(record: Map<string, string>): { state: JobStateName; exitCode: number | null; reason: string | null } {
  const failedText = record.get('failed') ?? '0';
  const failed = Number.parseInt(failedText, 10) || 0;
  const why = failedText.replace(/^\d+\s*:?\s*/, '').trim();
  const exit = Number.parseInt(record.get('exit_status') ?? '', 10);
  const exitCode = Number.isNaN(exit) ? null : exit;
  if (LIMIT_FAILURES.has(failed) || overLimit(record, exitCode)) return { state: 'TIMEOUT', exitCode: null, reason: 'time limit reached' };
  if (failed === KILLED_FAILURE && exitCode !== null && exitCode > 128) {
    return { state: 'CANCELLED', exitCode: null, reason: `deleted or killed by signal ${exitCode - 128}` };
  }
  if (failed !== 0) return { state: 'FAILED', exitCode: exitCode === 0 ? null : exitCode, reason: `Grid Engine: ${why || `failed ${failed}`}` };
  if (exitCode === 0) return { state: 'COMPLETED', exitCode: 0, reason: null };
  return { state: 'FAILED', exitCode, reason: exitCode === null ? 'no exit status recorded' : `exit code ${exitCode}` };
}

/** Killed (SIGKILL/SIGXCPU) after running at least its `-l h_rt` limit: the execd enforced it. */
function overLimit(record: Map<string, string>, exitCode: number | null): boolean {
  if (exitCode !== 137 && exitCode !== 152) return false;
  const limit = /(?:^|[\s,])h_rt=([\d:]+)/.exec(record.get('category') ?? '')?.[1];
  const seconds = parseDuration(limit);
  const wall = Number.parseFloat((record.get('ru_wallclock') ?? '').replace(/s$/, ''));
  return seconds !== null && !Number.isNaN(wall) && wall >= seconds;
}

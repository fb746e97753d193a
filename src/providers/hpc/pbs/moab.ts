/**
 * @module providers/hpc/pbs/moab
 * Moab (or Maui) in front of Torque keeps finished jobs longer than Torque's keep_completed: `showq -c`
 * lists recently completed jobs in one call, `checkjob ID` describes one. Pure parsers of their text.
 */
import type { JobStateName } from '../../../core/scheduler.ts';
import { parseDuration, parseSchedulerTime } from '../qsub/map.ts';

/** What Moab remembers of an ended job; ids are Moab's (the number without the server part). */
export interface MoabEnded {
  id: string;
  state: JobStateName;
  exitCode: number | null;
  endedAt: string | null;
  startedAt: string | null;
  reason: string | null;
}

/**
 * Rows of `showq -c`: `JOBID S CCODE PAR EFFIC XFACTOR Q USERNAME GROUP MHOST PROCS WALLTIME COMPLETIONTIME`,
 * where S is C (completed), R (removed: cancelled) or V (vacated). The completion time is the rest of
 * the line (`Wed Nov 25 19:10:11`, the current year implied).
 */
export function parseShowqCompleted(output: string, now = new Date()): MoabEnded[] {
  const rows: MoabEnded[] = [];
  for (const line of output.split('\n')) {
    const match = /^(\d+)(?:\[\d+\])?\s+([CRV])\s+(-?\d+)\s+(?:\S+\s+){8}(\S+)\s+(.+?)\s*$/.exec(line);
    if (!match) continue;
    const [, id = '', letter, code, , when] = match;
    rows.push({ id, ...moabEnding(letter === 'R' ? 'Removed' : letter === 'V' ? 'Vacated' : 'Completed', Number(code), false), endedAt: yearless(when ?? '', now), startedAt: null });
  }
  return rows;
}

/** `checkjob ID` of an ended job: its `State:`, `Completion Code:` and `WallTime: used of limit`. */
export function parseCheckjob(output: string, now = new Date()): MoabEnded | null {
  const id = /^job (\d+)/m.exec(output)?.[1];
  const state = /^State:\s*(\w+)/m.exec(output)?.[1];
  if (!id || !state || !/^(Completed|Removed|Vacated)$/.test(state)) return null;
  const completion = /^Completion Code:\s*(-?\d+)(?:\s+Time:\s*(.+?))?\s*$/m.exec(output);
  const wall = /^WallTime:\s*(\S+) of (\S+)/m.exec(output);
  const overLimit = wall !== null && (parseDuration(wall[1]) ?? 0) >= (parseDuration(wall[2]) ?? Infinity);
  const start = /^StartTime:\s*(.+?)\s*$/m.exec(output)?.[1];
  return {
    id,
    ...moabEnding(state, completion ? Number(completion[1]) : null, overLimit),
    endedAt: completion?.[2] ? yearless(completion[2], now) : null,
    startedAt: start ? yearless(start, now) : null,
  };
}

function moabEnding(state: string, code: number | null, overLimit: boolean): { state: JobStateName; exitCode: number | null; reason: string | null } {
  if (state === 'Removed') return { state: 'CANCELLED', exitCode: null, reason: 'removed (cancelled) in Moab' };
  if (state === 'Vacated') return { state: 'FAILED', exitCode: null, reason: 'vacated: the job was evicted from its nodes' };
  if (code === -11 || (overLimit && code !== null && code >= 256)) return { state: 'TIMEOUT', exitCode: null, reason: 'walltime limit reached' };
  if (code === 0) return { state: 'COMPLETED', exitCode: 0, reason: null };
  if (code === null) return { state: 'FAILED', exitCode: null, reason: 'no completion code recorded' };
  if (code > 256) return { state: 'FAILED', exitCode: 128 + code - 256, reason: `killed by signal ${code - 256}` };
  if (code < 0) return { state: 'FAILED', exitCode: null, reason: `Torque could not run the job (exit status ${code})` };
  return { state: 'FAILED', exitCode: code, reason: `exit code ${code}` };
}

/** Moab prints `Wed Nov 25 19:10:11` without a year: this year, or last year if that is in the future. */
function yearless(text: string, now: Date): string | null {
  const withYear = parseSchedulerTime(`${text.trim()} ${now.getFullYear()}`);
  if (withYear === null) return parseSchedulerTime(text);
  return Date.parse(withYear) > now.getTime() + 86_400_000 ? parseSchedulerTime(`${text.trim()} ${now.getFullYear() - 1}`) : withYear;
}

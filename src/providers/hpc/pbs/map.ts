/**
 * @module providers/hpc/pbs/map
 * PBS's words in cloudmesh's terms, for PBS Pro/OpenPBS and Torque alike. A job arrives here as flat,
 * lower-cased attributes (`job_state`, `exit_status`, `resource_list.walltime` …) whichever format the
 * server printed, so one mapping serves `qstat -f -F json` and Torque's `qstat -f -x`.
 */
import type { JobStateName } from '../../../core/scheduler.ts';
import { BEING_DELETED, decodeJobName, parseDuration, parseSchedulerTime } from '../qsub/map.ts';
import type { QsubRow } from '../qsub/map.ts';

/** Job ids as qsub prints them: `123.server`, array `123[].server`, task `123[4].server`; the server part may be left out. */
export function parsePbsId(id: string): { base: string; task: number | null } | null {
  const match = /^([1-9]\d{0,15})(?:\[(\d{0,9})\])?(\.[A-Za-z0-9][A-Za-z0-9.-]{0,250})?$/.exec(id);
  if (!match) return null;
  const [, number, index, server = ''] = match;
  if (index === undefined) return { base: id, task: null };
  return { base: `${number}[]${server}`, task: index === '' ? null : Number(index) };
}

/** The id of task `task` of array `base` (`123[].server` → `123[4].server`). */
export function pbsTaskId(base: string, task: number): string {
  return base.replace('[]', `[${task}]`);
}

/** PBS Pro's job substates for ended jobs (OpenPBS src/include/job.h). */
const SUBSTATE_TERMINATED = 91; // deleted (qdel)
const SUBSTATE_FAILED = 93;
/** Exit statuses PBS sets when it ended the job itself (negative: JOB_EXEC_*). */
const WALLTIME_KILLS = new Set([-29, -11]); // PBS Pro JOB_EXEC_KILL_WALLTIME, Torque JOB_EXEC_OVERLIMIT_WT

/** One job's attributes (lower-case keys) as a row under its displayed id. */
export function pbsRow(id: string, attrs: Map<string, string>): QsubRow | null {
  const parts = parsePbsId(id);
  if (!parts) return null;
  const { state, exitCode, reason } = pbsState(attrs);
  const owner = attrs.get('job_owner') ?? '';
  const started = parseSchedulerTime(attrs.get('stime') ?? attrs.get('start_time'));
  const ended = parseSchedulerTime(attrs.get('obittime') ?? attrs.get('comp_time') ?? (isEnded(state) ? attrs.get('mtime') : undefined));
  return {
    id,
    base: parts.base,
    task: parts.task,
    state,
    exitCode,
    reason,
    startedAt: state === 'PENDING' ? null : started,
    endedAt: isEnded(state) ? ended : null,
    name: decodeJobName(attrs.get('job_name') ?? ''),
    user: owner.split('@')[0] || '?',
    partition: attrs.get('queue') ?? null,
  };
}

function isEnded(state: JobStateName): boolean {
  return state === 'COMPLETED' || state === 'FAILED' || state === 'CANCELLED' || state === 'TIMEOUT';
}

/**
 * `job_state`: Q queued, H held, W waiting for its start time, T in transit, R running, E exiting,
 * S/U suspended, B array begun (Pro), and ended: F finished (Pro history), X finished subjob (Pro),
 * C completed (Torque, kept keep_completed seconds).
 */
export function pbsState(attrs: Map<string, string>): { state: JobStateName; exitCode: number | null; reason: string | null } {
  const letter = (attrs.get('job_state') ?? '').trim();
  switch (letter) {
    case 'Q':
      return { state: 'PENDING', exitCode: null, reason: attrs.get('comment') ?? null };
    case 'H':
      return { state: 'PENDING', exitCode: null, reason: 'held' };
    case 'W':
      return { state: 'PENDING', exitCode: null, reason: 'waiting for its start time' };
    case 'T':
      return { state: 'PENDING', exitCode: null, reason: 'in transit' };
    case 'R':
    case 'B':
      return { state: 'RUNNING', exitCode: null, reason: null };
    case 'E':
      return { state: 'RUNNING', exitCode: null, reason: attrs.has('exit_status') ? 'exiting' : BEING_DELETED };
    case 'S':
    case 'U':
      return { state: 'RUNNING', exitCode: null, reason: 'suspended' };
    case 'F':
    case 'X':
    case 'C':
      return endedState(attrs);
    default:
      return { state: 'UNKNOWN', exitCode: null, reason: `PBS state ${letter || '(empty)'}` };
  }
}

/** How an ended job ended, from its exit status, substate and the walltime it used against its limit. */
function endedState(attrs: Map<string, string>): { state: JobStateName; exitCode: number | null; reason: string | null } {
  const exit = Number.parseInt(attrs.get('exit_status') ?? '', 10);
  const substate = Number.parseInt(attrs.get('substate') ?? '', 10);
  if (substate === SUBSTATE_TERMINATED) return { state: 'CANCELLED', exitCode: null, reason: 'deleted (qdel)' };
  if (WALLTIME_KILLS.has(exit) || (exit >= 256 && overWalltime(attrs))) return { state: 'TIMEOUT', exitCode: null, reason: 'walltime limit reached' };
  if (Number.isNaN(exit)) {
    return substate === SUBSTATE_FAILED
      ? { state: 'FAILED', exitCode: null, reason: 'PBS reports the job failed' }
      : { state: 'CANCELLED', exitCode: null, reason: 'ended before it ran (no exit status)' };
  }
  // Above 256: killed by signal (status - 256). qdel ends a running job with SIGTERM (271); any other
  // signal (an OOM kill is SIGKILL, 265) is a failure of the job, reported like a shell would.
  if (exit === 256 + 15) return { state: 'CANCELLED', exitCode: null, reason: 'killed by SIGTERM (qdel)' };
  if (exit > 256) return { state: 'FAILED', exitCode: 128 + exit - 256, reason: `killed by signal ${exit - 256}` };
  if (exit < 0) return { state: 'FAILED', exitCode: null, reason: `PBS could not run the job (exit status ${exit})` };
  if (exit === 0) return { state: 'COMPLETED', exitCode: 0, reason: null };
  return { state: 'FAILED', exitCode: exit, reason: `exit code ${exit}` };
}

function overWalltime(attrs: Map<string, string>): boolean {
  const limit = parseDuration(attrs.get('resource_list.walltime'));
  const used = parseDuration(attrs.get('resources_used.walltime'));
  return limit !== null && used !== null && used >= limit;
}

/** `500M`/`4G`/`100K` (Slurm style) as PBS's `500mb`/`4gb`/`100kb`. */
export function pbsSize(mem: string): string | null {
  const match = /^(\d+)([KkMmGgTt])?[Bb]?$/.exec(mem.trim());
  if (!match) return null;
  return `${match[1]}${(match[2] ?? 'M').toLowerCase()}b`;
}

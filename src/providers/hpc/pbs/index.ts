/**
 * @module providers/hpc/pbs
 * A PBS cluster — PBS Professional / OpenPBS, or Torque with Maui or Moab — through the qsub-family
 * adapter. Which PBS answers is asked once (`qstat --version`) unless configured. Status is one qstat for
 * all ids (PBS Pro includes finished jobs it keeps as history); on Torque, ids that left qstat go to
 * Moab in one more call when Moab is there. Ids are as qsub prints them: `123.server`, `123[].server`,
 * `123[4].server` (the server part may be left out).
 */
import { TERMINAL_STATES } from '../../../core/scheduler.ts';
import type { JobState, Scheduler } from '../../../core/scheduler.ts';
import type { StageOutCapable } from '../../../transport/stage.ts';
import { createQsubScheduler } from '../qsub/index.ts';
import type { QsubSchedulerOptions } from '../qsub/index.ts';
import type { QsubDialect } from '../qsub/dialect.ts';
import type { QsubContext } from '../qsub/client.ts';
import { stateOf } from '../qsub/map.ts';
import type { QsubRow } from '../qsub/map.ts';
import { shellQuote } from '../qsub/map.ts';
import { describeQueues, detectFlavor, moabEnded, qdel, qstatJobs, qsub } from './client.ts';
import { parsePbsId, pbsTaskId } from './map.ts';
import { pbsFileOptions, pbsJobOptions, pbsOutputFile } from './script.ts';
import type { PbsFlavor } from './script.ts';

export type { PbsFlavor } from './script.ts';
export { qsubOptionsFromConfig } from '../qsub/config.ts';

/** What `createPbsScheduler` accepts. */
export interface PbsSchedulerOptions extends QsubSchedulerOptions {
  /** `pro` (PBS Professional/OpenPBS) or `torque`; asked from `qstat --version` once when absent. */
  flavor?: PbsFlavor;
}

const PROGRAMS = new Set(['qsub', 'qstat', 'qdel', 'pbsnodes', 'showq', 'checkjob']);

/** PBS's spelling of the qsub family; `flavor` is filled in by `prepare` when not configured. */
export function pbsDialect(configured?: PbsFlavor): QsubDialect {
  let flavor: PbsFlavor = configured ?? 'pro';
  let known = configured !== undefined;
  return {
    kind: 'pbs',
    label: 'PBS',
    directive: '#PBS',
    programs: PROGRAMS,
    scriptName: 'job.pbs',
    parseId: parsePbsId,
    taskId: pbsTaskId,
    async prepare(context) {
      if (known) return;
      flavor = await detectFlavor(context);
      known = true;
    },
    jobOptions: (context, plan, interpreter) => pbsJobOptions(plan, flavor, context.config.queue, interpreter),
    fileOptions: (_context, dir, cwd, isArray) => [...pbsFileOptions(dir, isArray, flavor), ...(flavor === 'torque' ? [['-d', cwd] as const] : [])],
    // PBS Pro has no working-directory option: a generated script changes there itself (qsub also runs
    // there, so a user's own script finds it in $PBS_O_WORKDIR, as PBS users expect).
    preamble: (_context, cwd) => (flavor === 'pro' ? [`cd ${shellQuote(cwd)} || exit 1`] : []),
    envOption: (names) => ['-v', names.join(',')],
    outputFile: (dir, parts, stream) => pbsOutputFile(dir, parts.task, stream, flavor),
    submit: qsub,
    status: (context, ids) => status(context, flavor, ids),
    cancel: qdel,
    async queue(context, all) {
      const user = all ? null : await context.user();
      const rows = await qstatJobs(context, flavor, []);
      return rows
        .filter((row) => !TERMINAL_STATES.has(row.state) && (user === null || row.user === user))
        .map(({ base: _b, task: _t, ...entry }) => entry);
    },
    info: (context) => describeQueues(context, flavor),
  };
}

/** The rows about an asked id; an id without the server part matches the server's full id. */
function rowsFor(base: string, rows: readonly QsubRow[]): QsubRow[] {
  const short = !base.replace('[]', '').includes('.');
  return rows.filter((row) => row.base === base || (short && row.base.split('.')[0] === base)).map((row) => ({ ...row, base }));
}

async function status(context: QsubContext, flavor: PbsFlavor, ids: readonly string[]) {
  const rows = await qstatJobs(context, flavor, ids);
  const found = new Map<string, JobState>();
  const tasksSeen = new Map<string, number>();
  for (const id of ids) {
    const parts = parsePbsId(id);
    if (!parts) continue;
    const mine = rowsFor(parts.base, rows);
    const state = stateOf(id, parts.base, parts.task, mine);
    if (!state) continue;
    found.set(id, state);
    const tasks = mine.filter((row) => row.task !== null).length;
    if (parts.task === null && tasks > 0) tasksSeen.set(id, tasks);
  }
  // Torque forgets completed jobs after keep_completed seconds; Moab remembers them longer.
  const plain = ids.filter((id) => !found.has(id) && parsePbsId(id)?.task === null && !id.includes('['));
  if (flavor === 'torque' && plain.length > 0) {
    const number = (id: string) => id.split('.')[0] ?? id;
    const ended = await moabEnded(context, [...new Set(plain.map(number))]);
    for (const id of plain) {
      const entry = ended.find((job) => job.id === number(id));
      if (entry) found.set(id, { id, state: entry.state, exitCode: entry.exitCode, startedAt: entry.startedAt, endedAt: entry.endedAt, reason: entry.reason });
    }
  }
  const gone = flavor === 'pro'
    ? `not in qstat -x on cluster ${context.config.cluster} (the server keeps finished jobs only with job_history_enable)`
    : `not in qstat${context.memo.get('moab') === true ? ' or Moab' : ''} on cluster ${context.config.cluster} (Torque keeps completed jobs keep_completed seconds)`;
  return { found, tasksSeen, gone };
}

/** A scheduler for one PBS cluster. It owns `options.transport` and closes it in `close()`. */
export function createPbsScheduler(options: PbsSchedulerOptions): Scheduler & StageOutCapable {
  const { flavor, ...common } = options;
  return createQsubScheduler(pbsDialect(flavor), common);
}

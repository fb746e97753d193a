/**
 * @module providers/hpc/sge
 * A Grid Engine cluster (Son of Grid Engine, Open Grid Scheduler, Univa/Altair GE): the qsub-family
 * adapter with Grid Engine's dialect. Live jobs come from one `qstat -xml -g d`, jobs that left it from
 * one `qacct` call; ids are `123` and `123.4` (task 4 of array 123).
 */
import type { JobState, Scheduler } from '../../../core/scheduler.ts';
import type { StageOutCapable } from '../../../transport/stage.ts';
import { createQsubScheduler } from '../qsub/index.ts';
import type { QsubSchedulerOptions } from '../qsub/index.ts';
import type { QsubDialect } from '../qsub/dialect.ts';
import { stateOf } from '../qsub/map.ts';
import type { QsubRow } from '../qsub/map.ts';
import { qacctJobs, qdel, qhost, qstatJobs, qsub } from './client.ts';
import { parseSgeId } from './map.ts';
import { sgeFileOptions, sgeJobOptions, sgeOutputFile } from './script.ts';
import type { SgeOptions } from './script.ts';

export type { Transport } from '../../../core/transport.ts';
export { qsubOptionsFromConfig } from '../qsub/config.ts';
export { createLocalTransport } from '../../../transport/local.ts';

/** What `createSgeScheduler` accepts. */
export type SgeSchedulerOptions = QsubSchedulerOptions & SgeOptions;

const PROGRAMS = new Set(['qsub', 'qstat', 'qacct', 'qdel', 'qhost']);

/** Grid Engine's spelling of the qsub family. */
export function sgeDialect(sge: SgeOptions = {}): QsubDialect {
  return {
    kind: 'sge',
    label: 'Grid Engine',
    directive: '#$',
    programs: PROGRAMS,
    scriptName: 'job.sge',
    parseId: parseSgeId,
    taskId: (base, task) => `${base}.${task}`,
    jobOptions: (context, plan, interpreter) => sgeJobOptions(plan, context.config.queue, interpreter, sge),
    fileOptions: (_context, dir, cwd, isArray) => sgeFileOptions(dir, cwd, isArray),
    preamble: () => [],
    // `-v NAME` without a value takes the value from qsub's own environment: no comma or quote issues.
    envOption: (names) => ['-v', names.join(',')],
    outputFile: (dir, parts, stream) => sgeOutputFile(dir, parts.task, stream),
    submit: qsub,
    async status(context, ids) {
      const live = await qstatJobs(context, '*');
      const isLiveArray = (id: string) => live.some((row) => row.base === id && row.task !== null);
      // Ids qstat lacks, and arrays with tasks still live (their finished tasks are only in qacct).
      const more = ids.filter((id) => !answers(id, live) || (parseSgeId(id)?.task === null && isLiveArray(id)));
      const finished = more.length > 0 ? await qacctJobs(context, more) : [];
      const rows = [...live, ...finished.filter((row) => !live.some((l) => l.id === row.id))];
      const found = new Map<string, JobState>();
      const tasksSeen = new Map<string, number>();
      for (const id of ids) {
        const parts = parseSgeId(id);
        const state = parts ? stateOf(id, parts.base, parts.task, rows) : null;
        if (!state) continue;
        found.set(id, state);
        if (parts?.task === null) {
          const tasks = rows.filter((row) => row.base === id && row.task !== null).length;
          if (tasks > 0) tasksSeen.set(id, tasks);
        }
      }
      return {
        found,
        tasksSeen,
        gone: `not in qstat or qacct on cluster ${context.config.cluster} (a job reaches qacct 1-2 s after it ends)`,
      };
    },
    cancel: qdel,
    queue: async (context, all) => (await qstatJobs(context, all ? '*' : await context.user())).map(({ base: _b, task: _t, ...entry }) => entry),
    info: qhost,
  };
}

/** Whether `rows` say anything about `id`. */
function answers(id: string, rows: readonly QsubRow[]): boolean {
  const parts = parseSgeId(id);
  return parts !== null && stateOf(id, parts.base, parts.task, rows) !== null;
}

/** A scheduler for one Grid Engine cluster. It owns `options.transport` and closes it in `close()`. */
export function createSgeScheduler(options: SgeSchedulerOptions): Scheduler & StageOutCapable {
  const { parallelEnvironment, ...common } = options;
  return createQsubScheduler(sgeDialect(parallelEnvironment ? { parallelEnvironment } : {}), common);
}

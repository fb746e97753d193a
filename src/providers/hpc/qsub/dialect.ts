/**
 * @module providers/hpc/qsub/dialect
 * What differs between the qsub-family schedulers. The shared adapter (qsub/index.ts) does the job
 * directory, the script, the index entries, output reading and cancel bookkeeping; a dialect (sge/, pbs/)
 * says how options are spelled and how its commands are asked and read.
 */
import type { ExecOptions } from '../../../core/transport.ts';
import type { JobState, PartitionInfo, QueueEntry } from '../../../core/scheduler.ts';
import type { QsubContext } from './client.ts';
import type { QsubOption, QsubPlan } from './script.ts';

/** A job id taken apart: the job, and the array task when the id names one. */
export interface JobIdParts {
  base: string;
  task: number | null;
}

/** What a status lookup found, and why the rest were not found. */
export interface StatusAnswer {
  found: Map<string, JobState>;
  /** Said of every id nobody knew. */
  gone: string;
  /**
   * For arrays answered as ended: how many tasks the answer saw. A task leaves the live listing before
   * its accounting record is written, so fewer than the array has means some are still ending.
   */
  tasksSeen?: Map<string, number>;
}

export interface QsubDialect {
  /** `sge` or `pbs`. */
  readonly kind: string;
  /** `Grid Engine`, `PBS`. */
  readonly label: string;
  /** `#$` or `#PBS`. */
  readonly directive: string;
  /** The scheduler's own programs (looked up in `bin`; missing means the scheduler is not installed). */
  readonly programs: ReadonlySet<string>;
  /** File name of the job script in the job directory. */
  readonly scriptName: string;
  /** The id's parts, or null when it cannot be an id of this scheduler (it never reaches argv then). */
  parseId(id: string): JobIdParts | null;
  /** The id of task `task` of array `base` (for messages). */
  taskId(base: string, task: number): string;
  /** Learn once what the dialect needs (e.g. which PBS), before the first command. */
  prepare?(context: QsubContext): Promise<void>;
  /** Scheduler options for a plan: name, queue, limits, resources, array, dependency, shell. */
  jobOptions(context: QsubContext, plan: QsubPlan, interpreter: string | null): QsubOption[];
  /** Options naming the output files (inside `dir`) and the working directory. */
  fileOptions(context: QsubContext, dir: string, cwd: string, isArray: boolean): QsubOption[];
  /** Lines a generated script runs before the body (e.g. `cd` where qsub has no working-directory option). */
  preamble(context: QsubContext, cwd: string): string[];
  /** The option passing the named variables from qsub's own environment to the job, or null. */
  envOption(names: readonly string[]): QsubOption | null;
  /** The output file of a job, array task or stream, as `fileOptions` named it. */
  outputFile(dir: string, parts: JobIdParts, stream: 'stdout' | 'stderr'): string;
  /** Run qsub with `args` (options then the script path); the id it printed. */
  submit(context: QsubContext, args: string[], options: ExecOptions): Promise<string>;
  /** States of `ids` (all valid): one live query, then one query of finished jobs for those it lacked. */
  status(context: QsubContext, ids: readonly string[]): Promise<StatusAnswer>;
  /** Cancel `ids` in one command; the error message per id that was not cancelled. */
  cancel(context: QsubContext, ids: readonly string[]): Promise<Map<string, string>>;
  queue(context: QsubContext, all: boolean): Promise<QueueEntry[]>;
  info(context: QsubContext): Promise<PartitionInfo[]>;
}

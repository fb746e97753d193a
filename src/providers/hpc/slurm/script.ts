/**
 * @module providers/hpc/slurm/script
 * Turns a `JobSpec` into what sbatch gets: the options (as `#SBATCH` lines in a generated script, or as
 * argv elements when the user brings their own script) and the script body. Pure; the user's words only
 * ever appear single-quoted in the body or directive-quoted in `#SBATCH` lines, never in a command line
 * a shell parses on this side.
 */
import { UserError } from '../../../core/errors.ts';
import { checkStageOut } from '../../../transport/stage.ts';
import type { JobSpec } from '../../../core/scheduler.ts';
import { jobBody } from '../job-body.ts';
import { checkDirectiveValue, directiveQuote, formatSlurmTime, parseTimeLimit, shellQuote } from './map.ts';

/** What to submit, checked completely before anything is written on the cluster. */
export interface JobPlan {
  kind: 'command' | 'shell' | 'script';
  name: string;
  /** sbatch options as `[flag, value]` without the output/error/chdir ones, which need the job dir. */
  options: [string, string][];
  /** Generated body lines after the `#SBATCH` block (command and shell jobs). */
  body: string[];
  env: Record<string, string>;
  /** The user's working directory, or null for the job directory. */
  dir: string | null;
  isArray: boolean;
}


/**
 * Validate `spec` and decide every sbatch option. Every job gets an explicit name (the program's, the
 * script's file name, or `shell`) so the name submit returns is the one squeue shows.
 */
export function planJob(spec: JobSpec, defaultPartition: string | undefined): JobPlan {
  // Stage-in files are read (and checked) by the adapter before anything is written on the cluster.
  checkStageOut(spec.stageOut);
  const { kind, body, defaultName, env } = jobBody(spec);
  const name = spec.name ?? defaultName;
  const options: [string, string][] = [['--job-name', name]];
  if (spec.time !== undefined) options.push(['--time', formatSlurmTime(parseTimeLimit(spec.time))]);
  const partition = spec.partition ?? defaultPartition;
  if (partition !== undefined) options.push(['--partition', partition]);
  for (const [flag, value] of [
    ['--nodes', spec.nodes],
    ['--ntasks', spec.ntasks],
    ['--cpus-per-task', spec.cpusPerTask],
  ] as const) {
    if (value === undefined) continue;
    if (!Number.isSafeInteger(value) || value < 1) throw new UserError(`${flag.slice(2)} must be a positive whole number`);
    options.push([flag, String(value)]);
  }
  for (const [flag, value] of [
    ['--mem', spec.mem],
    ['--array', spec.array],
    ['--dependency', spec.dependency],
    ['--account', spec.account],
    ['--qos', spec.qos],
  ] as const) {
    if (value === undefined) continue;
    if (typeof value !== 'string' || value.trim() === '') throw new UserError(`${flag.slice(2)} is empty`);
    options.push([flag, value.trim()]);
  }
  for (const [flag, value] of options) checkDirectiveValue(flag === '--job-name' ? 'a job name' : flag.slice(2), value);
  if (spec.dir !== undefined) {
    if (typeof spec.dir !== 'string' || spec.dir === '') throw new UserError('the working directory is empty');
    checkDirectiveValue('the working directory', spec.dir);
  }
  return { kind, name, options, body, env, dir: spec.dir ?? null, isArray: spec.array !== undefined };
}

/** The output and error file names inside the job directory; `%A_%a` keeps array tasks apart. */
export function outputNames(isArray: boolean): { stdout: string; stderr: string } {
  const id = isArray ? '%A_%a' : '%j';
  return { stdout: `slurm-${id}.out`, stderr: `slurm-${id}.err` };
}

/** The file of one job's stream: `slurm-123.out`, or `slurm-123_4.out` for task 4 of array 123. */
export function outputFileName(id: string, stream: 'stdout' | 'stderr'): string {
  return `slurm-${id}.${stream === 'stdout' ? 'out' : 'err'}`;
}

/** A path inside an sbatch filename pattern, where `%` starts a replacement unless doubled. */
export function escapePattern(path: string): string {
  return path.replaceAll('%', '%%');
}

/** The generated job script of a command or shell job: options as `#SBATCH` lines, env as exports. */
export function renderJobScript(plan: JobPlan, files: [string, string][]): string {
  const lines = ['#!/bin/bash'];
  for (const [flag, value] of [...plan.options, ...files]) lines.push(`#SBATCH ${flag}=${directiveQuote(value)}`);
  // Not `--export=ALL,NAME=value`: sbatch splits that list on commas, so a value with one would break.
  for (const [key, value] of Object.entries(plan.env)) lines.push(`export ${key}=${shellQuote(value)}`);
  lines.push(...plan.body);
  return `${lines.join('\n')}\n`;
}

/** Options as sbatch argv elements, for a user's own script (its bytes are submitted unchanged). */
export function optionArgs(options: [string, string][]): string[] {
  return options.map(([flag, value]) => `${flag}=${value}`);
}

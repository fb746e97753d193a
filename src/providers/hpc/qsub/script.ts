/**
 * @module providers/hpc/qsub/script
 * Turns a `JobSpec` into what qsub gets, for every qsub-family scheduler: the checked plan, the options
 * (as `#$`/`#PBS` directive lines in a generated script, or as argv elements when a value cannot stand
 * in a directive or the user brings their own script), and the script body. Pure; the user's words only
 * ever appear single-quoted (`shellQuote`) in the body, never in a command line a shell parses.
 */
import { UserError } from '../../../core/errors.ts';
import type { JobSpec } from '../../../core/scheduler.ts';
import { jobBody } from '../job-body.ts';
import { checkValue, directiveSafe, directiveValue, shellQuote } from './map.ts';

/** What to submit, checked completely before anything is written on the cluster. */
export interface QsubPlan {
  kind: 'command' | 'shell' | 'script';
  /** The name the user sees (the scheduler may get an encoded form). */
  name: string;
  /** Generated body lines (command and shell jobs). */
  body: string[];
  env: Record<string, string>;
  /** The user's working directory, or null for the job directory. */
  dir: string | null;
  isArray: boolean;
  spec: JobSpec;
}

/** One qsub option: the flag and its values (`-N name`, `-pe smp 4`), each value its own argv element. */
export type QsubOption = readonly [flag: string, ...values: string[]];


/** Validate `spec`; every job gets an explicit name (the program's, the script's file name, or `shell`). */
export function planJob(spec: JobSpec): QsubPlan {
  const { kind, body, defaultName, env } = jobBody(spec);
  const name = spec.name ?? defaultName;
  if (typeof name !== 'string' || name === '') throw new UserError('the job name is empty');
  checkValue('a job name', name);
  for (const [what, value] of [
    ['partition', spec.partition], ['mem', spec.mem], ['array', spec.array], ['dependency', spec.dependency],
    ['account', spec.account], ['qos', spec.qos], ['the working directory', spec.dir],
  ] as const) {
    if (value === undefined) continue;
    if (typeof value !== 'string' || value.trim() === '') throw new UserError(`${what} is empty`);
    checkValue(what, value);
  }
  for (const [what, value] of [['nodes', spec.nodes], ['ntasks', spec.ntasks], ['cpus-per-task', spec.cpusPerTask]] as const) {
    if (value !== undefined && (!Number.isSafeInteger(value) || value < 1)) throw new UserError(`${what} must be a positive whole number`);
  }
  return { kind, name, body, env, dir: spec.dir ?? null, isArray: spec.array !== undefined, spec };
}

/**
 * Split options between the script's directive lines and qsub's argv: in a generated script every value
 * that can stand in a directive goes there (so the script documents and can re-submit itself); the rest,
 * and every option of a user's own script (whose bytes are submitted unchanged), goes on argv, which
 * the scheduler reads after the directives so it wins.
 */
export function splitOptions(options: readonly QsubOption[], generated: boolean): { directives: QsubOption[]; argv: string[] } {
  const directives: QsubOption[] = [];
  const argv: string[] = [];
  for (const option of options) {
    const [flag, ...values] = option;
    if (generated && values.every(directiveSafe)) directives.push(option);
    else argv.push(flag, ...values);
  }
  return { directives, argv };
}

/** The generated job script: directives, exported environment, preamble (e.g. `cd`), then the body. */
export function renderJobScript(prefix: string, directives: readonly QsubOption[], plan: QsubPlan, preamble: readonly string[] = []): string {
  const lines = ['#!/bin/bash'];
  for (const [flag, ...values] of directives) lines.push([prefix, flag, ...values.map(directiveValue)].join(' '));
  for (const [key, value] of Object.entries(plan.env)) lines.push(`export ${key}=${shellQuote(value)}`);
  lines.push(...preamble, ...plan.body);
  return `${lines.join('\n')}\n`;
}

/** The interpreter of a `#!/abs/path` first line without arguments, or null. */
export function shebangInterpreter(script: Buffer): string | null {
  const first = script.subarray(0, 256).toString('latin1').split('\n')[0] ?? '';
  const match = /^#!\s*(\/[^\s]+)\s*$/.exec(first);
  return match?.[1] ?? null;
}

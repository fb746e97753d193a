/**
 * @module providers/hpc/qsub/script
 * Turns a `JobSpec` into what qsub gets, for every qsub-family scheduler: the checked plan, the options
 * (as `#$`/`#PBS` directive lines in a generated script, or as argv elements when a value cannot stand
 * in a directive or the user brings their own script), and the script body. Pure; the user's words only
 * ever appear single-quoted (`shellQuote`) in the body, never in a command line a shell parses.
 */
import { UserError } from '../../../core/errors.ts';
import type { JobSpec } from '../../../core/scheduler.ts';
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

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Validate `spec`; every job gets an explicit name (the program's, the script's file name, or `shell`). */
export function planJob(spec: JobSpec): QsubPlan {
  const modes = (['command', 'script', 'shell'] as const).filter((key) => spec[key] !== undefined);
  if (modes.length !== 1) throw new UserError('a job needs exactly one of a command, a script or a shell line');
  const kind = modes[0] ?? 'command';
  let body: string[] = [];
  let defaultName: string;
  if (kind === 'command') {
    const { command } = spec;
    if (!Array.isArray(command) || command.length === 0 || !command.every((arg) => typeof arg === 'string')) {
      throw new UserError('a command must be a non-empty list of strings');
    }
    if (command[0] === '') throw new UserError('the program name is empty');
    command.forEach((arg) => noNul('command argument', arg));
    body = [command.map(shellQuote).join(' ')];
    defaultName = baseName(command[0] ?? 'job');
  } else if (kind === 'shell') {
    if (typeof spec.shell !== 'string' || spec.shell.trim() === '') throw new UserError('the shell line is empty');
    noNul('shell line', spec.shell);
    body = [spec.shell]; // the user asked for a shell: the line goes into the script as written
    defaultName = 'shell';
  } else {
    if (typeof spec.script !== 'string' || spec.script === '') throw new UserError('the script path is empty');
    defaultName = baseName(spec.script);
  }
  const env = spec.env ?? {};
  for (const [key, value] of Object.entries(env)) {
    if (!ENV_NAME.test(key) || typeof value !== 'string') throw new UserError(`invalid environment variable '${key}'`);
    noNul(`environment variable ${key}`, value);
  }
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

function baseName(path: string): string {
  return path.split('/').filter(Boolean).at(-1) ?? 'job';
}

function noNul(what: string, value: string): void {
  if (value.includes('\0')) throw new UserError(`${what} contains a NUL byte`);
}

/**
 * @module providers/hpc/job-body
 * What every batch adapter (Slurm, the qsub family) puts in a job script's body, from a `JobSpec`: the
 * command as one line of single-quoted words, the user's explicit shell line as written, or nothing for a
 * script file (the adapter copies it), plus the checked environment. Shared so the quoting rules live once;
 * the local scheduler checks what to run with the same `jobWork`.
 */
import { UserError } from '../../core/errors.ts';
import type { JobSpec } from '../../core/scheduler.ts';
import { shellQuote } from '../../transport/quote.ts';

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export interface JobBody {
  kind: 'command' | 'script' | 'shell';
  /** Lines of the script body (empty for a script file). */
  body: string[];
  /** The program's, the script's file name, or `shell`: the name a job gets when none is given. */
  defaultName: string;
  env: Record<string, string>;
}

/** What a job runs: exactly one of a command, a shell line or a script file. */
export type JobWork = { kind: 'command'; command: string[] } | { kind: 'shell'; shell: string } | { kind: 'script'; script: string };

/** Which one of a command, a script or a shell line the spec gives: exactly one, else a `UserError`. */
export function jobKind(spec: JobSpec): JobWork['kind'] {
  const modes = (['command', 'script', 'shell'] as const).filter((key) => spec[key] !== undefined);
  if (modes.length !== 1) throw new UserError('a job needs exactly one of a command, a script or a shell line');
  return modes[0] ?? 'command';
}

/** The spec's command, shell line or script path, checked: a bad one is a `UserError` that says what is wrong. */
export function jobWork(spec: JobSpec): JobWork {
  const kind = jobKind(spec);
  if (kind === 'command') {
    const { command } = spec;
    if (!Array.isArray(command) || command.length === 0 || !command.every((arg) => typeof arg === 'string')) {
      throw new UserError('a command must be a non-empty list of strings');
    }
    if (command[0] === '') throw new UserError('the program name is empty');
    command.forEach((arg) => noNul('command argument', arg));
    return { kind, command: [...command] };
  }
  if (kind === 'shell') {
    if (typeof spec.shell !== 'string' || spec.shell.trim() === '') throw new UserError('the shell line is empty');
    noNul('shell line', spec.shell);
    return { kind, shell: spec.shell };
  }
  if (typeof spec.script !== 'string' || spec.script === '') throw new UserError('the script path is empty');
  return { kind, script: spec.script };
}

/** Validate what to run and build the body; a bad spec is a `UserError` that says what is wrong. */
export function jobBody(spec: JobSpec): JobBody {
  const work = jobWork(spec);
  let body: string[] = [];
  let defaultName: string;
  if (work.kind === 'command') {
    body = [work.command.map(shellQuote).join(' ')];
    defaultName = baseName(work.command[0] ?? 'job');
  } else if (work.kind === 'shell') {
    // The user asked for a shell: the line goes into the script as written.
    body = [work.shell];
    defaultName = 'shell';
  } else {
    defaultName = baseName(work.script);
  }
  const env = spec.env ?? {};
  for (const [key, value] of Object.entries(env)) {
    if (!ENV_NAME.test(key) || typeof value !== 'string') throw new UserError(`invalid environment variable '${key}'`);
    noNul(`environment variable ${key}`, value);
  }
  return { kind: work.kind, body, defaultName, env };
}

function baseName(path: string): string {
  return path.split('/').filter(Boolean).at(-1) ?? 'job';
}

/** A NUL byte cannot pass through argv, a script or the environment: refuse it with what held it. */
export function noNul(what: string, value: string): void {
  if (value.includes('\0')) throw new UserError(`${what} contains a NUL byte`);
}

/**
 * @module core/command
 * A command is a declarative spec plus `run(ctx, input)` that returns data. The same spec drives argv
 * parsing, the interactive shell, scripts, Tab completion, help, the REST routes and the tests, so a
 * command never prints and never touches `process`: everything comes through the injected `Context`.
 */
import type { Config } from './config.ts';
import type { ComputeProvider } from './compute.ts';
import type { Scheduler } from './scheduler.ts';
import type { Store } from './store.ts';

/** Where a completion candidate list comes from. `file` completes paths; a string array is a fixed list. */
export type CompletionSource = 'cluster' | 'cloud' | 'job' | 'var' | 'default' | 'file' | 'command' | 'vm' | 'group';

/** A `--long` option. Its input key is the camelCase of `name` (`cpus-per-task` → `cpusPerTask`). */
export interface OptionSpec {
  name: string;
  short?: string;
  type: 'string' | 'number' | 'boolean' | 'list';
  description: string;
  /** Placeholder shown in help: `--time TIME`. */
  value?: string;
  default?: string | number | boolean;
  choices?: readonly string[];
  complete?: CompletionSource;
  /** Masked in the audit log, history and any echo of the command. */
  secret?: boolean;
  required?: boolean;
}

/** A positional argument, in order. A `variadic` one takes every remaining word (and must be last). */
export interface PositionalSpec {
  name: string;
  description: string;
  type?: 'string' | 'number';
  required?: boolean;
  variadic?: boolean;
  /**
   * With `variadic`: once the first word of it appears, every later word belongs to it, options included
   * (`hpc run ls -la` passes `-la` to ls, as sbatch passes words after the script to the script).
   */
  passthrough?: boolean;
  choices?: readonly string[];
  complete?: CompletionSource;
  secret?: boolean;
}

/** Which face a command was run from. */
export type Face = 'cli' | 'shell' | 'script' | 'rest' | 'api';

/** Progress and side-channel messages; silent where nobody can see them. */
export interface Reporter {
  /** A one-line notice on stderr (not part of the command's data). */
  info(message: string): void;
  warn(message: string): void;
  /** A determinate progress bar on a TTY; nothing otherwise. */
  progress(label: string, total: number): Progress;
  /** Stream part of the command's data as it arrives (`hpc output --follow`); goes where results go. */
  data(text: string): void;
}
export interface Progress {
  tick(n?: number): void;
  done(): void;
}

/** Everything a command may use. Heavy pieces open lazily, so a command pays only for what it touches. */
export interface Context {
  /** `$CLOUDMESH_HOME`. */
  readonly home: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly face: Face;
  readonly signal: AbortSignal;
  readonly out: Reporter;
  /** True when the user asked for `--dry-run`: destructive commands return their plan and change nothing. */
  readonly dryRun: boolean;
  now(): Date;
  /** The name to record as the acting user (profile user, else `$USER`). */
  user(): Promise<string>;
  config(): Promise<Config>;
  store(): Promise<Store>;
  /** The scheduler of a registered cluster (`local` always exists); defaults to the `cluster` default. */
  scheduler(cluster: string): Promise<Scheduler>;
  /** The compute provider of a registered cloud, opened once per context and reused. */
  compute(cloud: string): Promise<ComputeProvider>;
  /** All command specs, for `help` and completion. */
  commands(): readonly CommandSpec[];
}

/** A result that carries more than data: a message and/or a non-zero exit after partial failure. */
export interface Outcome<O = unknown> {
  readonly kind: 'outcome';
  data: O;
  exitCode: number;
  message?: string;
}

/** Wrap data with an exit code (e.g. 1 when some items of a bulk action failed) and a message. */
export function outcome<O>(data: O, options: { exitCode?: number; message?: string } = {}): Outcome<O> {
  return { kind: 'outcome', data, exitCode: options.exitCode ?? 0, ...(options.message ? { message: options.message } : {}) };
}

export function isOutcome(value: unknown): value is Outcome {
  return typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === 'outcome';
}

/** The declarative description of one command. */
export interface CommandSpec<I = any, O = unknown> {
  path: readonly string[];
  summary: string;
  description?: string;
  examples?: readonly string[];
  options?: readonly OptionSpec[];
  positionals?: readonly PositionalSpec[];
  /** Writes state: recorded in the audit log, and served as POST/DELETE by the REST face. */
  changesState?: boolean;
  /** Destroys something: accepts `--dry-run`, and the shell/portal confirm it. */
  destructive?: boolean;
  /** REST route override; `false` keeps the command off the REST face (e.g. `shell`). */
  rest?: { method: 'GET' | 'POST' | 'DELETE'; path: string } | false;
  /** Default table columns, in order. */
  columns?: readonly string[];
  /** The command returns text to print byte for byte (job output): no newline is added. */
  raw?: boolean;
  /** Format used when the user gives no --output (nested data such as the config reads best as yaml). */
  defaultOutput?: 'table' | 'json' | 'yaml' | 'csv';
  run(ctx: Context, input: I): Promise<O | Outcome<O>>;
}

/** Identity helper that keeps the input type of a spec checked against its options. */
export function defineCommand<I, O>(spec: CommandSpec<I, O>): CommandSpec<I, O> {
  return spec;
}

/** `cpus-per-task` → `cpusPerTask`: the key an option's value has in the input object. */
export function inputKey(name: string): string {
  return name.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

/** The REST route a command gets unless its spec overrides it: reads are GET, destructive changes DELETE, others POST. */
export function restRoute(spec: CommandSpec): { method: 'GET' | 'POST' | 'DELETE'; path: string } | undefined {
  if (spec.rest === false) return undefined;
  if (spec.rest) return spec.rest;
  const method = spec.destructive ? 'DELETE' : spec.changesState ? 'POST' : 'GET';
  return { method, path: `/api/${spec.path.join('/')}` };
}

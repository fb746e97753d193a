/**
 * @module cli/session
 * Runs command lines for the CLI, the shell and scripts alike: parse against the specs, run with the
 * shared context, render the data, audit state changes, and turn errors into one clear line and an exit
 * code. One session lives as long as its face: one command for `cm x`, the whole sitting for `cm shell`.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Config } from '../core/config.ts';
import type { CommandSpec, CompletionSource, Context, Face } from '../core/command.ts';
import { BackendError, EXIT, isCmError, rootCauseMessage, UserError } from '../core/errors.ts';
import { tokenize } from '../core/words.ts';
import { collectSecrets, maskText } from '../config/secrets.ts';
import { render } from '../output/render.ts';
import type { OwnedContext } from '../services/context.ts';
import { runCommand } from '../services/run-command.ts';
import { parseCommandLine, type Parsed } from './parse.ts';
import type { OutputFormat } from './globals.ts';

/** Where a session writes; the CLI passes process streams, tests pass collectors. */
export interface SessionIO {
  stdout(text: string): void;
  stderr(text: string): void;
  /** Terminal width for tables. */
  width(): number;
  color: boolean;
}

export interface SessionOptions {
  ctx: OwnedContext;
  specs: readonly CommandSpec[];
  io: SessionIO;
  /** Show stacks for every error (the `--debug` given when cm started). */
  debug?: boolean;
}

/** A face's loop over command lines. */
export class Session {
  readonly ctx: OwnedContext;
  readonly specs: readonly CommandSpec[];
  readonly io: SessionIO;
  readonly debug: boolean;
  #scriptDepth = 0;
  /** Aborts the command running now (Ctrl-C in the shell). */
  #running: AbortController | undefined;
  /** Secret values of the loaded config, collected once per config. */
  #secrets: { config: Config; values: string[] } | undefined;

  constructor(options: SessionOptions) {
    this.ctx = options.ctx;
    this.specs = options.specs;
    this.io = options.io;
    this.debug = options.debug ?? false;
  }

  /** Run one already-split command line; returns its exit code. Never throws. */
  async runWords(words: readonly string[], face: Face): Promise<number> {
    let parsed: Parsed | undefined;
    try {
      parsed = parseCommandLine(words, this.specs);
      if (parsed.globals.help && parsed.spec.path[0] !== 'help') {
        return this.runWords(['help', ...parsed.spec.path], face);
      }
      if (parsed.spec.path.length === 1 && parsed.spec.path[0] === 'exec') {
        const input = parsed.input as { file: string; keepGoing?: boolean };
        return await this.runScript(input.file, { keepGoing: !!input.keepGoing });
      }
      return await this.#execute(parsed, face);
    } catch (error) {
      return this.#report(error, parsed?.globals.debug);
    }
  }

  /** Run one line as typed in the shell or a script: `$name` expands, quotes group words, `#` comments. */
  async runLine(line: string, face: Face): Promise<number> {
    let words: string[];
    try {
      words = tokenize(line, await this.#lookup(line));
    } catch (error) {
      return this.#report(error);
    }
    return words.length === 0 ? EXIT.ok : this.runWords(words, face);
  }

  /**
   * Run a script file line by line. Stops at the first failing line, naming file and line number, unless
   * `keepGoing`; returns the exit code of the first failure (0 when every line succeeded).
   */
  async runScript(path: string, options: { keepGoing?: boolean } = {}): Promise<number> {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (error) {
      return this.#report(new UserError(`cannot read script ${path}: ${(error as NodeJS.ErrnoException).code ?? error}`));
    }
    if (this.#scriptDepth >= 16) return this.#report(new UserError(`scripts nested more than 16 deep (at ${path})`));
    this.#scriptDepth++;
    let firstFailure = EXIT.ok as number;
    try {
      const lines = text.split(/\r?\n/);
      for (let index = 0; index < lines.length; index++) {
        const line = lines[index]!.trim();
        if (line === '' || line.startsWith('#') || line.startsWith('//')) continue;
        const code = await this.runLine(line, 'script');
        if (code === EXIT.ok) continue;
        this.io.stderr(`${path}:${index + 1}: line failed (exit ${code}): ${line}\n`);
        if (firstFailure === EXIT.ok) firstFailure = code;
        if (!options.keepGoing) return code;
      }
    } finally {
      this.#scriptDepth--;
    }
    return firstFailure;
  }

  /** Ask the running command to stop (its context's signal aborts); false when nothing is running. */
  interrupt(): boolean {
    if (!this.#running) return false;
    this.#running.abort(new Error('interrupted'));
    return true;
  }

  /** Names for Tab completion, read from the store and config; [] on any failure. */
  async names(source: CompletionSource): Promise<string[]> {
    const ctx = this.ctx;
    switch (source) {
      case 'command':
        return [...new Set(this.specs.map((s) => s.path[0]!))];
      case 'cluster':
        return Object.keys((await ctx.config()).clusters);
      case 'cloud':
        return Object.keys((await ctx.config()).clouds);
      case 'var':
        return (await (await ctx.store()).collection('vars').list()).map((r) => r.name);
      case 'default':
        return (await (await ctx.store()).collection('defaults').list()).map((r) => r.key);
      case 'job':
        return (await (await ctx.store()).collection('jobs').list()).map((r) => r.id);
      case 'vm':
        return (await (await ctx.store()).collection('vms').list()).map((r) => r.name);
      case 'group':
        return [...new Set((await (await ctx.store()).collection('groups').list()).map((r) => r.name))];
      default:
        return [];
    }
  }

  async #execute(parsed: Parsed, face: Face): Promise<number> {
    const { spec, input, globals } = parsed;
    const running = new AbortController();
    this.#running = running;
    let result;
    try {
      result = await runCommand(this.ctx, spec, input, { face, dryRun: globals.dryRun, signal: running.signal, scrub: (text) => this.#scrub(text), gate: secondFactor });
    } finally {
      if (this.#running === running) this.#running = undefined;
    }
    await this.#print(result.data, spec, globals.output);
    if (result.message) this.io.stderr(`${await this.#scrub(result.message)}\n`);
    return result.exitCode;
  }

  async #print(data: unknown, spec: CommandSpec, format: OutputFormat | undefined): Promise<void> {
    if (data === undefined || data === null || data === '') return;
    format ??= spec.defaultOutput;
    if (typeof data === 'string' && (format === undefined || format === 'table')) {
      this.io.stdout(spec.raw || data.endsWith('\n') ? data : `${data}\n`);
      return;
    }
    const text = await render(data, {
      format: format ?? 'table',
      ...(spec.columns ? { columns: spec.columns } : {}),
      width: this.io.width(),
      color: this.io.color,
      now: this.ctx.now(),
    });
    this.io.stdout(await this.#scrub(text));
  }

  /** Print an error as one line (plus hint and cause), a stack only with --debug; returns the exit code. */
  async #report(error: unknown, debug?: boolean): Promise<number> {
    const showStack = debug || this.debug;
    const known = isCmError(error);
    const message = error instanceof Error ? error.message : String(error);
    const lines = [known ? `error: ${message}` : `error: internal error: ${message}${showStack ? '' : ' (run with --debug for details)'}`];
    if (known && error.hint) lines.push(`hint: ${error.hint}`);
    const cause = rootCauseMessage(error);
    if (cause && (error instanceof BackendError || showStack)) lines.push(`caused by: ${cause}`);
    if (showStack && error instanceof Error) lines.push(stackOf(error));
    this.io.stderr(`${await this.#scrub(lines.join('\n'))}\n`);
    return known ? error.exitCode : EXIT.error;
  }

  /** Remove any secret from the config that found its way into a message (a driver may echo a URL). */
  async #scrub(text: string): Promise<string> {
    const config = this.ctx.loadedConfig();
    if (!config) return text;
    if (this.#secrets?.config !== config) {
      // Relative file: references resolve against the config's folder, as everywhere else.
      this.#secrets = { config, values: collectSecrets(config, this.ctx.env, { baseDir: dirname(config.path) }) };
    }
    return maskText(text, this.#secrets.values);
  }

  async #lookup(line: string): Promise<(name: string) => string | undefined> {
    if (!line.includes('$')) return () => undefined;
    const vars = new Map((await (await this.ctx.store()).collection('vars').list()).map((r) => [r.name, r.value]));
    const env = this.ctx.env;
    return (name) => (name.startsWith('os.') ? env[name.slice(3)] : vars.get(name));
  }
}

function stackOf(error: Error): string {
  const parts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; current instanceof Error && depth < 5; depth++) {
    parts.push(depth === 0 ? String(current.stack) : `cause: ${current.stack}`);
    current = current.cause;
  }
  return parts.join('\n');
}

/**
 * `cm auth require on`: destructive commands and credential reads ask for a fresh second factor first.
 * A stat when no factor was ever enrolled, so other commands pay nothing.
 */
async function secondFactor(ctx: Context, spec: CommandSpec, dryRun: boolean): Promise<void> {
  if (!existsSync(join(ctx.home, 'auth', 'factors.json'))) return;
  const { secondFactorGate } = await import('./auth-gate.ts');
  await secondFactorGate(ctx, spec, dryRun);
}

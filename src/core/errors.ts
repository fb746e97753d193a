/**
 * @module core/errors
 * The error kinds every face understands. A `UserError` is the user's to fix and prints as one line;
 * a `UsageError` is a malformed command line (exit 2); a `BackendError` wraps a failure of something we
 * talk to (database, scheduler, cloud) and keeps the original as `cause`. Anything else is a bug.
 */

/** Exit codes shared by the CLI, scripts and the shell. */
export const EXIT = { ok: 0, error: 1, usage: 2 } as const;

/** Base class: an error that carries the exit code it should end the process with. */
export class CmError extends Error {
  readonly exitCode: number = EXIT.error;
  /** Optional one-line advice printed under the message ("run: chmod 600 …"). */
  hint?: string;
  constructor(message: string, options?: { cause?: unknown; hint?: string }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    if (options?.hint) this.hint = options.hint;
  }
}

/** A mistake the user can fix: bad value, unknown name, missing file. Exit 1, one line, no stack. */
export class UserError extends CmError {}

/** A malformed command line: unknown command or option, missing argument. Exit 2. */
export class UsageError extends CmError {
  override readonly exitCode: number = EXIT.usage;
}

/** Something named does not exist (a job id, a variable, a cluster). */
export class NotFoundError extends UserError {}

/** The config file is invalid; names the file, the line and the key. */
export class ConfigError extends UserError {}

/** An operation the chosen provider or backend does not implement. */
export class UnsupportedError extends UserError {}

/**
 * A backend (database, scheduler, cloud API, ssh) failed. The message says what we were doing;
 * `cause` holds the original error, shown by the CLI as "caused by: …".
 */
export class BackendError extends CmError {
  readonly backend: string;
  readonly operation: string;
  constructor(backend: string, operation: string, cause: unknown, message?: string) {
    super(message ?? `${backend}: ${operation} failed`, { cause });
    this.backend = backend;
    this.operation = operation;
  }
}

/** True for errors that are expected outcomes (print one line), false for bugs (print the stack). */
export function isCmError(error: unknown): error is CmError {
  return error instanceof CmError;
}

/** The message of the innermost cause, for "caused by" lines. */
export function rootCauseMessage(error: unknown): string | undefined {
  let current: unknown = error instanceof Error ? error.cause : undefined;
  let last: string | undefined;
  for (let depth = 0; current !== undefined && depth < 10; depth++) {
    last = current instanceof Error ? current.message : String(current);
    current = current instanceof Error ? current.cause : undefined;
  }
  return last;
}

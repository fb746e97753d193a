/**
 * @module server/errors
 * One JSON shape for every error the REST face returns, so clients branch on `error.kind` and the HTTP
 * status, never on message text: `{ ok: false, error: { kind, message, hint?, exitCode } }`.
 */
import { BackendError, CmError, ConfigError, EXIT, NotFoundError, UnsupportedError, UsageError } from '../core/errors.ts';

export type ErrorKind = 'unauthorized' | 'forbidden' | 'rate_limited' | 'not_found' | 'usage' | 'config' | 'unsupported' | 'user' | 'backend' | 'internal';

export interface ErrorBody {
  ok: false;
  error: { kind: ErrorKind; message: string; hint?: string; exitCode: number };
}

export function errorBody(kind: ErrorKind, message: string, hint?: string, exitCode: number = EXIT.error): ErrorBody {
  return { ok: false, error: { kind, message, ...(hint ? { hint } : {}), exitCode } };
}

/** Map a thrown error to a status and body. Unknown errors (bugs) say so without leaking a stack. */
export function fromError(error: unknown): { status: 400 | 404 | 422 | 501 | 502 | 500; body: ErrorBody } {
  if (error instanceof CmError) {
    const hint = error.hint;
    if (error instanceof UsageError) return { status: 400, body: errorBody('usage', error.message, hint, error.exitCode) };
    if (error instanceof NotFoundError) return { status: 404, body: errorBody('not_found', error.message, hint, error.exitCode) };
    if (error instanceof ConfigError) return { status: 422, body: errorBody('config', error.message, hint, error.exitCode) };
    if (error instanceof UnsupportedError) return { status: 501, body: errorBody('unsupported', error.message, hint, error.exitCode) };
    if (error instanceof BackendError) {
      const cause = error.cause instanceof Error ? error.cause.message : undefined;
      return { status: 502, body: errorBody('backend', error.message, cause ? `caused by: ${cause}` : hint, error.exitCode) };
    }
    return { status: 400, body: errorBody('user', error.message, hint, error.exitCode) };
  }
  return { status: 500, body: errorBody('internal', 'internal error (see the server log)') };
}

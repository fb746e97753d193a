/**
 * @module services/run-command
 * Runs one command spec the way every face must: in a context derived for this call, with state changes
 * recorded in the audit log whatever the outcome. The CLI, shell, scripts, library and REST all come here.
 */
import type { CommandSpec, Face, Outcome } from '../core/command.ts';
import { isOutcome, outcome } from '../core/command.ts';
import { EXIT, isCmError } from '../core/errors.ts';
import { recordAudit } from './audit.ts';
import type { OwnedContext } from './context.ts';

/** Run `spec` with `input`; returns data wrapped as an Outcome. Errors propagate after being audited. */
export async function runCommand(
  ctx: OwnedContext,
  spec: CommandSpec,
  input: Record<string, unknown>,
  options: {
    face: Face;
    dryRun?: boolean;
    signal?: AbortSignal;
    scrub?: (text: string) => Promise<string>;
    /** Runs before the command and may refuse it by throwing. */
    gate?: (ctx: OwnedContext, spec: CommandSpec, dryRun: boolean) => Promise<void>;
  },
): Promise<Outcome> {
  const dryRun = options.dryRun ?? false;
  const callCtx = ctx.derive({ face: options.face, dryRun, ...(options.signal ? { signal: options.signal } : {}) });
  let exitCode: number = EXIT.ok;
  let result = 'ok';
  try {
    // A face may check the caller first (the CLI's second factor, `cm auth require on`); a refusal is
    // audited like any other failure.
    if (options.gate) await options.gate(callCtx, spec, dryRun);
    const returned = await spec.run(callCtx, input);
    const wrapped = isOutcome(returned) ? returned : outcome(returned);
    exitCode = wrapped.exitCode;
    if (wrapped.message) result = wrapped.message;
    return wrapped;
  } catch (error) {
    exitCode = isCmError(error) ? error.exitCode : EXIT.error;
    result = `error: ${(error as Error)?.message ?? String(error)}`;
    throw error;
  } finally {
    if (spec.changesState && !dryRun) {
      await recordAudit(callCtx, { spec, input, result, exitCode, storeOpen: exitCode === EXIT.ok, ...(options.scrub ? { scrub: options.scrub } : {}) });
    }
  }
}

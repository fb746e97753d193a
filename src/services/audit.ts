/**
 * @module services/audit
 * Every state-changing command leaves one line in `$CLOUDMESH_HOME/audit.log` (JSON lines, mode 0600) and
 * one row in the store, with every secret masked, whichever face ran it.
 */
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CommandSpec, Context } from '../core/command.ts';
import { inputKey } from '../core/command.ts';
import type { AuditRow } from '../core/collections.ts';
import { UserError } from '../core/errors.ts';

const MASK = '********';
const SECRET_NAME = /pass(word)?|secret|token|api_?key|private|credential/i;

/** The input of a command with secret options, positionals and `KEY=VALUE` secrets masked. */
export function maskInput(spec: CommandSpec, input: Record<string, unknown>): Record<string, unknown> {
  const secretKeys = new Set(
    [...(spec.options ?? []), ...(spec.positionals ?? [])].filter((p) => p.secret).map((p) => inputKey(p.name)),
  );
  const masked: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(input)) {
    if (secretKeys.has(key) || SECRET_NAME.test(key)) masked[key] = MASK;
    else masked[key] = maskAssignments(value);
  }
  return masked;
}

/** `password=abc` written as a positional (`var password=abc`) is masked too. */
function maskAssignments(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(maskAssignments);
  if (typeof value !== 'string') return value;
  const eq = value.indexOf('=');
  return eq > 0 && SECRET_NAME.test(value.slice(0, eq)) ? `${value.slice(0, eq + 1)}${MASK}` : value;
}

/** Record one command. Failing to write the audit trail never fails the command, but it is reported. */
export async function recordAudit(
  ctx: Context,
  entry: {
    spec: CommandSpec;
    input: Record<string, unknown>;
    result: string;
    exitCode: number;
    storeOpen: boolean;
    /** Removes secret values known to the caller (from the config) that masking by name cannot see. */
    scrub?: (text: string) => Promise<string>;
  },
): Promise<AuditRow> {
  const time = ctx.now().toISOString();
  const scrub = entry.scrub ?? (async (text: string) => text);
  const row: AuditRow = {
    // Unique enough across processes (time, pid, random) without loading node:crypto on every start.
    id: `${time}-${process.pid}-${Math.random().toString(36).slice(2, 10)}`,
    time,
    user: await ctx.user().catch(() => ctx.env.USER ?? 'unknown'),
    face: ctx.face,
    command: entry.spec.path.join(' '),
    args: await scrub(JSON.stringify(maskInput(entry.spec, entry.input))),
    result: await scrub(entry.result),
    exit_code: entry.exitCode,
  };
  try {
    appendFileSync(join(ctx.home, 'audit.log'), JSON.stringify(row) + '\n', { mode: 0o600 });
  } catch (error) {
    ctx.out.warn(`could not write the audit log: ${(error as Error).message}`);
  }
  if (entry.storeOpen) {
    try {
      await (await ctx.store()).collection('audit').put(row);
    } catch (error) {
      ctx.out.warn(`could not record the audit row: ${(error as Error).message}`);
    }
  }
  return row;
}

/** Audit rows, newest first, optionally since an ISO time or a relative age (`1h`, `2d`). */
export async function listAudit(ctx: Context, options: { since?: string; limit?: number } = {}): Promise<AuditRow[]> {
  const rows = await (await ctx.store()).collection('audit').list({ orderBy: [{ column: 'time', direction: 'desc' }] });
  const since = options.since ? parseSince(options.since, ctx.now()) : undefined;
  const filtered = since ? rows.filter((row) => row.time >= since) : rows;
  return options.limit ? filtered.slice(0, options.limit) : filtered;
}

/** `30m`, `2h`, `7d` or an ISO date → ISO time. */
export function parseSince(value: string, now: Date): string {
  const relative = /^(\d+)([smhd])$/.exec(value);
  if (relative) {
    const unit = { s: 1, m: 60, h: 3600, d: 86400 }[relative[2] as 's' | 'm' | 'h' | 'd'];
    return new Date(now.getTime() - Number(relative[1]) * unit * 1000).toISOString();
  }
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) {
    throw new UserError(`--since must be an age like 30m, 2h, 7d or a date; got "${value}"`);
  }
  return date.toISOString();
}

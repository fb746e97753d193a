/**
 * @module services/vm-actions
 * Start, stop, reboot and delete VMs picked by names, globs or hostlists. Each VM's cloud is the one its
 * cache row records; calls to each cloud run in parallel within its rate budget, and every VM gets its own
 * result, so one failure does not hide the others' success. The cache is updated in one transaction.
 */
import type { Context } from '../core/command.ts';
import type { VmRow } from '../core/collections.ts';
import { NotFoundError, UserError } from '../core/errors.ts';
import { cloudConfig } from './clouds.ts';
import { findDefault } from './defaults.ts';
import { forgetMembers } from './groups.ts';
import { selectVms } from './vm-names.ts';
import { callCloud, providerOf } from './vm-call.ts';
import { errorText, groupBy, mapLimit } from './vm-parallel.ts';

export type VmAction = 'start' | 'stop' | 'reboot' | 'delete';

/** One VM's outcome. */
export interface ActionResult {
  cloud: string;
  name: string;
  id: string | null;
  action: VmAction;
  ok: boolean;
  /** What the cache now says (`STOPPING`, `deleted` …), or the plan under --dry-run. */
  status: string;
  error?: string;
}

/** The status recorded right after the cloud accepted an action; `vm status`/`vm wait` replace it with the real one. */
const AFTER: Record<Exclude<VmAction, 'delete'>, string> = { start: 'STARTING', stop: 'STOPPING', reboot: 'REBOOTING' };
const PER_CLOUD = 8;

/**
 * The cached VMs matching `names` (the `vm` default, i.e. the last one booted, when none are given).
 * Unmatched expressions are an error listing them, with a close name if there is one (unless `unmatched`
 * is `ignore`: then they pick nothing).
 */
export async function selectRows(ctx: Context, names: readonly string[] | undefined, options: { cloud?: string; unmatched?: 'error' | 'ignore' } = {}): Promise<VmRow[]> {
  if (options.cloud) await cloudConfig(ctx, options.cloud);
  const rows = await (await ctx.store()).collection('vms').list({
    ...(options.cloud ? { where: { cloud: options.cloud } } : {}),
    orderBy: [{ column: 'cloud' }, { column: 'name' }],
  });
  let expressions = names?.length ? names : undefined;
  if (!expressions) {
    const last = (await findDefault(ctx, 'vm'))?.value;
    if (!last) throw new UserError('no VM named', { hint: 'give names, globs (web-*) or hostlists (web-[1-3])' });
    expressions = [last];
  }
  const { rows: picked, unmatched } = selectVms(rows, expressions);
  if (unmatched.length > 0 && options.unmatched !== 'ignore') {
    const { closest } = await import('../core/suggest.ts');
    const near = unmatched.length === 1 ? closest(unmatched[0]!, rows.map((r) => r.name)) : undefined;
    throw new NotFoundError(`no VM matches ${unmatched.map((u) => `"${u}"`).join(', ')}${options.cloud ? ` on ${options.cloud}` : ''}${near ? ` (did you mean "${near}"?)` : ''}`, {
      hint: 'the list comes from the cache: cm vm refresh brings it up to date',
    });
  }
  return picked;
}

/** Run `action` on the VMs `names` picks; see the module comment. */
export async function actOnVms(ctx: Context, action: VmAction, names: string[], options: { cloud?: string } = {}): Promise<ActionResult[]> {
  const rows = await selectRows(ctx, names, options);
  if (ctx.dryRun) return rows.map((row) => ({ cloud: row.cloud, name: row.name, id: row.id || null, action, ok: true, status: `would ${action}` }));
  const perCloud = groupBy(rows, (row) => row.cloud);
  const results = (
    await Promise.all(
      [...perCloud].map(async ([cloud, cloudRows]) => {
        let provider: Awaited<ReturnType<Context['compute']>>;
        try {
          provider = await providerOf(ctx, cloud);
        } catch (error) {
          return cloudRows.map((row): ActionResult => ({ cloud, name: row.name, id: row.id || null, action, ok: false, status: row.status, error: errorText(error) }));
        }
        return mapLimit(cloudRows, PER_CLOUD, async (row): Promise<ActionResult> => {
          const base = { cloud, name: row.name, id: row.id || null, action };
          if (!row.id) {
            // A boot that never got an id: there is nothing on the cloud to act on; deleting forgets the row.
            if (action === 'delete') return { ...base, ok: true, status: 'forgotten' };
            return { ...base, ok: false, status: row.status, error: `${row.name} has no id on ${cloud} yet (status ${row.status}); run cm vm refresh` };
          }
          try {
            // Each of these is idempotent (deleting a deleted VM is not an error), so the budget may retry it.
            await callCloud(ctx, cloud, `${action} ${row.name}`, (p) => p[action](row.id));
            return { ...base, ok: true, status: action === 'delete' ? 'deleted' : AFTER[action] };
          } catch (error) {
            return { ...base, ok: false, status: row.status, error: errorText(error) };
          }
        });
      }),
    )
  ).flat();
  await record(ctx, rows, results);
  return results;
}

/** Write what happened: deleted VMs leave the cache and their groups; the others get their new status. */
async function record(ctx: Context, rows: readonly VmRow[], results: readonly ActionResult[]): Promise<void> {
  const seenAt = ctx.now().toISOString();
  const byKey = new Map(rows.map((row) => [`${row.cloud}\u0000${row.name}`, row]));
  await (await ctx.store()).transaction(async (tx) => {
    const vms = tx.collection('vms');
    const gone: string[] = [];
    for (const result of results) {
      if (!result.ok) continue;
      const row = byKey.get(`${result.cloud}\u0000${result.name}`)!;
      if (result.action === 'delete') {
        await vms.delete({ cloud: row.cloud, name: row.name });
        gone.push(row.name);
      } else {
        await vms.put({ ...row, status: result.status, seen_at: seenAt });
      }
    }
    if (gone.length === 0) return;
    // A name still used by a VM on another cloud keeps its group rows.
    const stillThere = new Set((await vms.list({ where: { name: gone } })).map((r) => r.name));
    await forgetMembers(tx, gone.filter((name) => !stillThere.has(name)));
  });
}

/**
 * @module services/vm-ops
 * The other things done to picked VMs: live status, waiting for a state, public IPs, the console, and
 * renaming. Live status is one listing per cloud involved (the same refresh as `vm refresh`), never one
 * call per VM, so asking about a hundred VMs costs what asking about one does.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Context } from '../core/command.ts';
import type { VmRow } from '../core/collections.ts';
import { VM_STATES } from '../core/compute.ts';
import { UserError } from '../core/errors.ts';
import { expandNames } from '../core/hostlist.ts';
import { selectRows } from './vm-actions.ts';
import { checkVmName } from './vm-names.ts';
import { callCloud } from './vm-call.ts';
import { errorText, groupBy, mapLimit } from './vm-parallel.ts';
import { refreshClouds, type RefreshReport } from './vm-refresh.ts';
import { activeClouds } from './clouds.ts';

const key = (row: { cloud: string; name: string }) => `${row.cloud}\u0000${row.name}`;

/**
 * Refresh the clouds of the picked VMs and return them as they are now (`GONE` when a cloud no longer has one).
 * With `missingIsGone` (waiting for DELETED) a name need not be cached: `vm delete` drops a VM from the cache
 * once its cloud took the request, while the cloud may still list it as deleting. So the clouds are asked
 * first (the one named, else every active one), a VM they still list is picked again, and a name that
 * matches nothing after that is gone.
 */
export async function liveStatus(ctx: Context, names: string[], options: { cloud?: string; missingIsGone?: boolean } = {}): Promise<{ rows: VmRow[]; reports: RefreshReport[] }> {
  const where = options.cloud ? { cloud: options.cloud } : {};
  const picked = await selectRows(ctx, names, options.missingIsGone ? { ...where, unmatched: 'ignore' } : where);
  const clouds = options.missingIsGone ? (options.cloud ? [options.cloud] : await activeClouds(ctx)) : [...new Set(picked.map((r) => r.cloud))];
  const reports = await refreshClouds(ctx, clouds);
  if (options.missingIsGone) {
    const listed = new Set(picked.map(key));
    for (const row of await selectRows(ctx, names, { ...where, unmatched: 'ignore' })) if (!listed.has(key(row))) picked.push(row);
  }
  const failed = new Set(reports.filter((r) => !r.ok).map((r) => r.cloud));
  const vms = (await ctx.store()).collection('vms');
  const now = new Map((await vms.list({ where: { cloud: [...new Set(picked.map((r) => r.cloud))] } })).map((r) => [key(r), r]));
  // A VM on a cloud that did not answer keeps its cached row (its age says how old it is).
  const rows = picked.map((row) => now.get(key(row)) ?? (failed.has(row.cloud) ? row : { ...row, status: 'GONE' }));
  return { rows, reports };
}

/**
 * Poll (one listing per cloud each round) until every picked VM is in `state`, or `timeoutSeconds` pass.
 * `DELETED` waits for the VMs to disappear. A VM in ERROR stops the wait for that VM.
 */
export async function waitForState(ctx: Context, names: string[], options: { cloud?: string; state?: string; timeoutSeconds?: number; intervalSeconds?: number } = {}): Promise<{ rows: VmRow[]; done: boolean; reports: RefreshReport[] }> {
  const state = (options.state ?? 'ACTIVE').toUpperCase();
  if (!(VM_STATES as readonly string[]).includes(state)) throw new UserError(`--state must be one of ${VM_STATES.join(', ')}; got "${options.state}"`);
  const deadline = Date.now() + (options.timeoutSeconds ?? 300) * 1000;
  const interval = Math.max(0.2, options.intervalSeconds ?? 2) * 1000;
  const reached = (row: VmRow) => (state === 'DELETED' ? row.status === 'GONE' : row.status === state) || (row.status === 'ERROR' && state !== 'ERROR');
  for (;;) {
    const { rows, reports } = await liveStatus(ctx, names, { ...(options.cloud ? { cloud: options.cloud } : {}), missingIsGone: state === 'DELETED' });
    const done = rows.every(reached);
    if (done || Date.now() >= deadline || ctx.signal.aborted) return { rows, done: done && rows.every((r) => r.status !== 'ERROR' || state === 'ERROR'), reports };
    await sleep(interval, undefined, { signal: ctx.signal }).catch(() => undefined);
  }
}

/** One VM's addresses. */
export interface IpRow {
  cloud: string;
  name: string;
  public_ip: string | null;
  private_ip: string | null;
  ok: boolean;
  error?: string;
}

/** Attach a public/floating IP to each picked VM (allocating one when needed). */
export async function assignIps(ctx: Context, names: string[], options: { cloud?: string } = {}): Promise<IpRow[]> {
  const rows = await selectRows(ctx, names, options);
  if (ctx.dryRun) return rows.map((r) => ({ cloud: r.cloud, name: r.name, public_ip: r.public_ip ?? 'would assign', private_ip: r.private_ip, ok: true }));
  const vms = (await ctx.store()).collection('vms');
  const results = await Promise.all(
    [...groupBy(rows, (r) => r.cloud)].map(async ([cloud, cloudRows]) =>
      mapLimit(cloudRows, 4, async (row): Promise<IpRow> => {
        const base = { cloud, name: row.name, private_ip: row.private_ip };
        try {
          if (!row.id) throw new UserError(`${row.name} has no id yet; run cm vm refresh`);
          // Not retried: a repeated allocation could leave an extra address billed to the user.
          const ip = await callCloud(ctx, cloud, `assign an IP to ${row.name}`, (provider) => provider.assignIp(row.id), { idempotent: false });
          await vms.put({ ...row, public_ip: ip, seen_at: ctx.now().toISOString() });
          return { ...base, public_ip: ip, ok: true };
        } catch (error) {
          return { ...base, public_ip: row.public_ip, ok: false, error: errorText(error) };
        }
      }),
    ),
  );
  return results.flat();
}

/** Addresses of the picked VMs, from the cache (after a refresh of their clouds with `refresh`). */
export async function showIps(ctx: Context, names: string[], options: { cloud?: string; refresh?: boolean } = {}): Promise<IpRow[]> {
  const rows = options.refresh ? (await liveStatus(ctx, names, options)).rows : await selectRows(ctx, names, options);
  return rows.map((r) => ({ cloud: r.cloud, name: r.name, public_ip: r.public_ip, private_ip: r.private_ip, ok: true }));
}

/** The console log (or console URL) of one VM. */
export async function consoleOf(ctx: Context, name: string, options: { cloud?: string } = {}): Promise<string> {
  const rows = await selectRows(ctx, [name], options);
  if (rows.length !== 1) throw new UserError(`"${name}" matches ${rows.length} VMs; name exactly one`);
  const row = rows[0]!;
  if (!row.id) throw new UserError(`${row.name} has no id yet; run cm vm refresh`);
  return callCloud(ctx, row.cloud, `read the console of ${row.name}`, (provider) => provider.console(row.id));
}

/** One rename. */
export interface RenameResult {
  cloud: string;
  from: string;
  to: string;
  ok: boolean;
  error?: string;
}

/**
 * Rename VMs: OLD and NEW are names or hostlists of equal length, paired in order (`web-[1-3]` →
 * `db-[1-3]`). Each rename is done on the cloud and then in the cache (row and group memberships).
 */
export async function renameVms(ctx: Context, oldNames: string, newNames: string, options: { cloud?: string } = {}): Promise<RenameResult[]> {
  const from = expandNames([oldNames]);
  const to = expandNames([newNames]).map(checkVmName);
  if (from.length !== to.length) throw new UserError(`${from.length} old name(s) but ${to.length} new name(s): they must pair up`);
  if (new Set(to).size !== to.length) throw new UserError('the new names repeat');
  const rows = await selectRows(ctx, from, options);
  if (rows.length !== from.length) throw new UserError(`the old names match ${rows.length} VMs, not ${from.length}; add --cloud C`);
  const byName = new Map(rows.map((r) => [r.name, r]));
  const store = await ctx.store();
  const results: RenameResult[] = [];
  for (const [i, oldName] of from.entries()) {
    const row = byName.get(oldName)!;
    const newName = to[i]!;
    const base = { cloud: row.cloud, from: oldName, to: newName };
    if (await store.collection('vms').get({ cloud: row.cloud, name: newName })) {
      results.push({ ...base, ok: false, error: `a VM named "${newName}" already exists on ${row.cloud}` });
      continue;
    }
    if (ctx.dryRun) {
      results.push({ ...base, ok: true });
      continue;
    }
    try {
      if (!row.id) throw new UserError(`${row.name} has no id yet; run cm vm refresh`);
      await callCloud(ctx, row.cloud, `rename ${oldName}`, (provider) => provider.rename(row.id, newName));
      await store.transaction(async (tx) => {
        await tx.collection('vms').delete({ cloud: row.cloud, name: oldName });
        await tx.collection('vms').put({ ...row, name: newName, seen_at: ctx.now().toISOString() });
        const groups = tx.collection('groups');
        const memberships = await groups.list({ where: { member_kind: 'vm', member: oldName } });
        await groups.delete({ member_kind: 'vm', member: oldName });
        await groups.putMany(memberships.map((g) => ({ ...g, member: newName })));
      });
      results.push({ ...base, ok: true });
    } catch (error) {
      results.push({ ...base, ok: false, error: errorText(error) });
    }
  }
  return results;
}

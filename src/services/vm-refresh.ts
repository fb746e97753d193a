/**
 * @module services/vm-refresh
 * Refreshing the VM cache: one `listVms` per cloud, every cloud at once, each cloud's answer written in
 * its own transaction that replaces exactly that cloud's rows. A cloud that fails or times out keeps its
 * previous rows and is reported with its error; the others' answers are kept. A refresh killed half-way
 * leaves every cloud either fully old or fully new.
 */
import type { Context } from '../core/command.ts';
import type { VmRow } from '../core/collections.ts';
import type { Vm } from '../core/compute.ts';
import { forgetMembers } from './groups.ts';
import { highestVmNumber, raiseCounter } from './vm-names.ts';
import { callCloud } from './vm-call.ts';
import { errorText } from './vm-parallel.ts';

/** What happened to one cloud in a refresh. */
export interface RefreshReport {
  cloud: string;
  ok: boolean;
  /** VMs the cloud reported (0 on failure). */
  vms: number;
  added: number;
  updated: number;
  removed: number;
  /** Wall time of this cloud's list call and write, in milliseconds. */
  ms: number;
  error?: string;
}

/** Status of a row recorded before the cloud answered a boot. */
export const BOOTING = 'BOOTING';
/** How long a booting row with no VM behind it survives refreshes (a boot in flight elsewhere). */
const PENDING_GRACE_MS = 10 * 60_000;

/** A provider's VM as a cache row; `previous` lends what only cloudmesh knows (the group it was put in). */
export function toVmRow(cloud: string, vm: Vm, seenAt: string, previous?: VmRow): VmRow {
  return {
    cloud,
    name: vm.name,
    id: vm.id,
    status: vm.state,
    image: vm.image,
    flavor: vm.flavor,
    key: vm.key,
    group_name: vm.group ?? previous?.group_name ?? null,
    public_ip: vm.publicIp,
    private_ip: vm.privateIp,
    created_at: vm.createdAt,
    data: { ...vm.data, providerState: vm.providerState, metadata: vm.metadata },
    source: cloud,
    seen_at: seenAt,
  };
}

/**
 * The rows a cloud's listing stands for. VMs already gone (EC2 keeps terminated ones listed for a while)
 * are dropped. Two VMs with one name (clouds allow it) cannot share a row: the later ones are kept as
 * `name@id` so none is hidden.
 */
export function rowsFromListing(cloud: string, vms: readonly Vm[], previous: readonly VmRow[], seenAt: string, now: number): { rows: VmRow[]; duplicates: string[] } {
  const byName = new Map(previous.map((row) => [row.name, row]));
  const byId = new Map(previous.filter((row) => row.id).map((row) => [row.id, row]));
  const rows = new Map<string, VmRow>();
  const duplicates: string[] = [];
  for (const vm of vms) {
    if (vm.state === 'DELETED') continue;
    let row = toVmRow(cloud, vm, seenAt, byId.get(vm.id) ?? byName.get(vm.name));
    if (rows.has(row.name)) {
      duplicates.push(row.name);
      row = { ...row, name: `${row.name}@${vm.id}` };
    }
    rows.set(row.name, row);
  }
  // A boot recorded but not yet listed (in flight in another process) stays until its grace runs out.
  for (const row of previous) {
    if (row.status === BOOTING && !row.id && !rows.has(row.name) && now - Date.parse(row.seen_at) < PENDING_GRACE_MS) rows.set(row.name, row);
  }
  return { rows: [...rows.values()], duplicates };
}

/** Refresh one cloud: one list call, one transaction. Never throws; failures are in the report. */
export async function refreshCloud(ctx: Context, cloud: string, user?: string): Promise<RefreshReport> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  try {
    const vms = await callCloud(ctx, cloud, 'list VMs', (provider) => provider.listVms());
    const seenAt = ctx.now().toISOString();
    const store = await ctx.store();
    const { result, duplicates } = await store.transaction(async (tx) => {
      const collection = tx.collection('vms');
      const previous = await collection.list({ where: { cloud } });
      const { rows, duplicates } = rowsFromListing(cloud, vms, previous, seenAt, ctx.now().getTime());
      const result = await collection.replace({ cloud }, rows);
      // VMs that went away elsewhere leave their groups too (unless another cloud has a VM of that name).
      const kept = new Set(rows.map((row) => row.name));
      const gone = previous.map((row) => row.name).filter((name) => !kept.has(name));
      if (gone.length > 0) {
        const elsewhere = new Set((await collection.list({ where: { name: gone } })).map((row) => row.name));
        await forgetMembers(tx, gone.filter((name) => !elsewhere.has(name)));
      }
      if (user) await raiseCounter(tx, user, highestVmNumber(user, rows.map((row) => row.name)));
      return { result, duplicates };
    });
    if (duplicates.length > 0) ctx.out.warn(`cloud "${cloud}" has several VMs named ${[...new Set(duplicates)].join(', ')}; the later ones are listed as NAME@ID`);
    return { cloud, ok: true, vms: vms.length, ...result, ms: elapsed() };
  } catch (error) {
    return { cloud, ok: false, vms: 0, added: 0, updated: 0, removed: 0, ms: elapsed(), error: errorText(error) };
  }
}

/** Refresh several clouds concurrently (every active cloud when none is named). */
export async function refreshClouds(ctx: Context, clouds: readonly string[]): Promise<RefreshReport[]> {
  const user = await ctx.user();
  const progress = clouds.length > 1 ? ctx.out.progress('refreshing clouds', clouds.length) : undefined;
  const reports = await Promise.all(
    clouds.map(async (cloud) => {
      const report = await refreshCloud(ctx, cloud, user);
      progress?.tick();
      return report;
    }),
  );
  progress?.done();
  return reports;
}

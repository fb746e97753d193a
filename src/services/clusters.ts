/**
 * @module services/clusters
 * Virtual clusters: N VMs (or containers) on one cloud of any kind, defined once and allocated as often as
 * needed. A definition is a row of the `clusters` collection (kind `vm`) holding the resolved settings, so
 * a later change of defaults does not change a cluster already defined. Nodes are named `NAME-001` …,
 * join the cloudmesh group NAME, and are booted, refreshed and deleted through the VM services
 * (services/vms.ts): the same tokens, cache and parallelism as `vm boot`, so `cluster allocate` after a
 * crash boots exactly what is missing and never a second copy.
 */
import type { Context } from '../core/command.ts';
import type { ClusterRow, VmRow } from '../core/collections.ts';
import { NotFoundError, UserError } from '../core/errors.ts';
import { didYouMean } from '../core/suggest.ts';
import { resolveCloud } from './clouds.ts';
import { checkGroupName } from './groups.ts';
import { bootSettings } from './vm-defaults.ts';
import { actOnVms, bootVms, refreshVms, type ActionResult } from './vms.ts';

/** What a cluster definition holds. */
export interface ClusterSpec {
  count: number;
  cloud: string;
  image: string;
  flavor: string;
  key?: string;
  secgroups?: string[];
  network?: string;
  definedAt: string;
}

/** What `cluster define` accepts; what is left out comes from the defaults of the cloud. */
export interface DefineRequest {
  count: number;
  cloud?: string;
  image?: string;
  flavor?: string;
  key?: string;
  secgroup?: string[];
  network?: string;
}

/** One node as the cluster commands show it. */
export interface NodeRow {
  cluster: string;
  name: string;
  cloud: string;
  id: string | null;
  status: string;
  ip: string | null;
  action?: string;
  error?: string;
}

export const CLUSTER_KIND = 'vm';
const MAX_NODES = 1000;

/** `NAME-001` … `NAME-N`, zero-padded to at least three digits so the names sort and form a hostlist. */
export function nodeNames(cluster: string, count: number): string[] {
  const width = Math.max(3, String(count).length);
  return Array.from({ length: count }, (_, i) => `${cluster}-${String(i + 1).padStart(width, '0')}`);
}

export function specOf(row: ClusterRow): ClusterSpec {
  return row.spec as unknown as ClusterSpec;
}

export async function defineCluster(ctx: Context, name: string, request: DefineRequest): Promise<ClusterRow> {
  checkGroupName(name);
  if (!/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(name)) throw new UserError(`cluster name "${name}" must be letters, digits, "_", "-" or "." (node names are made from it)`);
  if (!Number.isInteger(request.count) || request.count < 1 || request.count > MAX_NODES) throw new UserError(`--count must be a whole number from 1 to ${MAX_NODES}; got ${request.count}`);
  const cloud = await resolveCloud(ctx, request.cloud);
  const settings = await bootSettings(ctx, cloud, {
    ...(request.image ? { image: request.image } : {}),
    ...(request.flavor ? { flavor: request.flavor } : {}),
    ...(request.key ? { key: request.key } : {}),
    ...(request.secgroup?.length ? { secgroups: request.secgroup } : {}),
    ...(request.network ? { network: request.network } : {}),
  });
  const store = await ctx.store();
  const previous = await store.collection('clusters').get({ name });
  if (previous && previous.kind !== CLUSTER_KIND) throw new UserError(`"${name}" is already a cluster of kind ${previous.kind}`);
  if (previous && specOf(previous).cloud !== cloud) {
    const nodes = await cachedNodes(ctx, name, specOf(previous));
    if (nodes.length > 0) throw new UserError(`cluster "${name}" has ${nodes.length} node(s) on ${specOf(previous).cloud}: delete it before moving it to ${cloud}`);
  }
  const spec: ClusterSpec = {
    count: request.count,
    cloud,
    image: settings.image,
    flavor: settings.flavor,
    ...(settings.key ? { key: settings.key } : {}),
    ...(settings.secgroups.length ? { secgroups: settings.secgroups } : {}),
    ...(settings.network ? { network: settings.network } : {}),
    definedAt: previous ? specOf(previous).definedAt : ctx.now().toISOString(),
  };
  const row: ClusterRow = { name, kind: CLUSTER_KIND, spec: { ...spec }, source: ctx.face, seen_at: ctx.now().toISOString() };
  await store.collection('clusters').put(row);
  return row;
}

export async function getCluster(ctx: Context, name: string): Promise<ClusterRow> {
  const clusters = (await ctx.store()).collection('clusters');
  const row = await clusters.get({ name });
  if (row && row.kind === CLUSTER_KIND) return row;
  const names = (await clusters.list({ where: { kind: CLUSTER_KIND } })).map((r) => r.name);
  throw new NotFoundError(`no cluster "${name}"${didYouMean(name, names)}`, { hint: names.length ? `clusters: ${names.join(', ')}` : 'define one: cm cluster define NAME --count N' });
}

/** The cached VMs of a cluster: its node names, plus any VM of its group (nodes left over after --count shrank). */
async function cachedNodes(ctx: Context, name: string, spec: ClusterSpec): Promise<VmRow[]> {
  const rows = await (await ctx.store()).collection('vms').list({ where: { cloud: spec.cloud }, orderBy: [{ column: 'name' }] });
  const wanted = new Set(nodeNames(name, spec.count));
  return rows.filter((row) => wanted.has(row.name) || row.group_name === name);
}

function nodeRow(cluster: string, row: VmRow): NodeRow {
  return { cluster, name: row.name, cloud: row.cloud, id: row.id || null, status: row.status, ip: row.public_ip ?? row.private_ip };
}

/** Bring the cloud's cache up to date; a cloud that does not answer is an error, not an empty cluster. */
async function refresh(ctx: Context, cloud: string): Promise<void> {
  const [report] = await refreshVms(ctx, [cloud]);
  if (report && !report.ok) throw new UserError(`cannot list the VMs of cloud "${cloud}": ${report.error ?? 'no answer'}`);
}

/**
 * Boot the nodes that do not exist (in parallel, through `bootVms`); nodes that exist are left alone, so a
 * second allocate changes nothing. With a dry-run context (library API), the plan.
 */
export async function allocateCluster(ctx: Context, name: string): Promise<NodeRow[]> {
  const row = await getCluster(ctx, name);
  const spec = specOf(row);
  await refresh(ctx, spec.cloud);
  const present = new Map((await cachedNodes(ctx, name, spec)).map((vm) => [vm.name, vm]));
  const alive = (vm: VmRow | undefined) => vm !== undefined && vm.id !== '' && !['ERROR', 'DELETED', 'GONE'].includes(vm.status);
  const missing = nodeNames(name, spec.count).filter((node) => !alive(present.get(node)));
  const kept = [...present.values()].filter((vm) => !missing.includes(vm.name)).map((vm) => ({ ...nodeRow(name, vm), action: 'exists' }));
  if (missing.length === 0) return kept;
  if (ctx.dryRun) return [...kept, ...missing.map((node): NodeRow => ({ cluster: name, name: node, cloud: spec.cloud, id: null, status: 'would boot', ip: null, action: 'boot' }))];
  // A node whose earlier boot failed is forgotten first, so bootVms boots it again (reusing its token).
  const failed = missing.filter((node) => present.has(node));
  if (failed.length > 0) await (await ctx.store()).collection('vms').delete({ cloud: spec.cloud, name: failed });
  const results = await bootVms(ctx, {
    cloud: spec.cloud,
    names: missing,
    image: spec.image,
    flavor: spec.flavor,
    ...(spec.key ? { key: spec.key } : {}),
    ...(spec.secgroups?.length ? { secgroups: spec.secgroups } : {}),
    ...(spec.network ? { network: spec.network } : {}),
    group: name,
  });
  const cache = new Map((await cachedNodes(ctx, name, spec)).map((vm) => [vm.name, vm]));
  const booted = results.map((r): NodeRow => {
    const vm = cache.get(r.name);
    return { cluster: name, name: r.name, cloud: r.cloud, id: r.id, status: r.status, ip: vm ? (vm.public_ip ?? vm.private_ip) : null, action: 'boot', ...(r.error ? { error: r.error } : {}) };
  });
  return [...kept, ...booted].sort((a, b) => a.name.localeCompare(b.name));
}

/** Every cluster with how many of its nodes the cache knows and how many are active. */
export async function listClusters(ctx: Context): Promise<Record<string, unknown>[]> {
  const rows = await (await ctx.store()).collection('clusters').list({ where: { kind: CLUSTER_KIND }, orderBy: [{ column: 'name' }] });
  return Promise.all(rows.map(async (row) => {
    const spec = specOf(row);
    const nodes = await cachedNodes(ctx, row.name, spec);
    return {
      name: row.name, cloud: spec.cloud, count: spec.count, nodes: nodes.length,
      active: nodes.filter((n) => n.status === 'ACTIVE').length, image: spec.image, flavor: spec.flavor, defined_at: spec.definedAt,
    };
  }));
}

/** The nodes of a cluster, from the cache or (refresh) from the cloud now. */
export async function clusterNodes(ctx: Context, name: string, options: { refresh?: boolean } = {}): Promise<NodeRow[]> {
  const spec = specOf(await getCluster(ctx, name));
  if (options.refresh) await refresh(ctx, spec.cloud);
  return (await cachedNodes(ctx, name, spec)).map((vm) => nodeRow(name, vm));
}

/** Delete every node (in parallel, through `actOnVms`), then the definition if all went. */
export async function deleteCluster(ctx: Context, name: string): Promise<{ results: NodeRow[]; failed: number }> {
  const row = await getCluster(ctx, name);
  const spec = specOf(row);
  const nodes = await cachedNodes(ctx, name, spec);
  const actions: ActionResult[] = nodes.length > 0 ? await actOnVms(ctx, 'delete', nodes.map((n) => n.name), { cloud: spec.cloud }) : [];
  const results = actions.map((a): NodeRow => ({ cluster: name, name: a.name, cloud: a.cloud, id: a.id, status: a.status, ip: null, action: 'delete', ...(a.error ? { error: a.error } : {}) }));
  const failed = actions.filter((a) => !a.ok).length;
  const definition: NodeRow = { cluster: name, name: '(definition)', cloud: spec.cloud, id: null, status: ctx.dryRun ? 'would delete' : failed ? 'kept (nodes left)' : 'deleted', ip: null, action: 'delete' };
  if (!ctx.dryRun && failed === 0) {
    const store = await ctx.store();
    await store.collection('clusters').delete({ name });
    await store.collection('groups').delete({ name, member_kind: 'vm' });
  }
  return { results: [...results, definition], failed };
}

/**
 * @module providers/comet/map
 * Comet's nucleus records ⇄ cloudmesh rows (pure). Field names are the nucleus API's: a cluster has a
 * `frontend` and `computes`; a computeset has `computes`, `state`, `account` and `walltime_mins`.
 */
import { UsageError } from '../../core/errors.ts';

export interface CometInterface { mac?: string; ip?: string | null }
export interface CometNode {
  name: string;
  state?: string;
  type?: string;
  cluster?: string;
  host?: string | null;
  cpus?: number;
  memory?: number;
  disksize?: number;
  ip?: string | null;
  interface?: CometInterface[];
  active_computeset?: string | number | null;
  active_computeset_state?: string | null;
  compute_state?: string;
  [field: string]: unknown;
}
export interface CometFrontend extends CometNode { pub_ip?: string; pub_mac?: string; frontend_state?: string }
export interface CometCluster { name: string; project?: string; description?: string; allocations?: string[]; frontend: CometFrontend; computes: CometNode[] }
export interface CometComputeset {
  id: string | number;
  cluster: string;
  state: string;
  account?: string;
  walltime_mins?: number;
  start_time?: string | number | null;
  end_time?: string | number | null;
  computes?: CometNode[];
}

/** Computeset states in which its nodes are taken (a start on them would clash). */
export const ACTIVE_COMPUTESETS = ['running', 'submitted', 'created'] as const;
/** The original client's default walltime: two days. */
export const DEFAULT_WALLTIME_MINS = 60 * 24 * 2;
const MINUTES_PER_UNIT: Record<string, number> = { m: 1, h: 60, d: 1440, w: 10080 };

/** `90`, `90m`, `2h`, `3d`, `1w` → minutes. */
export function walltimeMinutes(text: string | undefined): number {
  if (text === undefined || text === '') return DEFAULT_WALLTIME_MINS;
  const match = /^(\d+)([mhdw]?)$/.exec(text.trim());
  if (!match) throw new UsageError(`walltime "${text}" is not a number with an optional unit m, h, d or w (e.g. 90m, 2h, 3d)`);
  const minutes = Number(match[1]) * MINUTES_PER_UNIT[match[2] || 'm']!;
  if (minutes <= 0) throw new UsageError('walltime must be more than zero');
  return minutes;
}

/** One row per VC: `comet cluster` without a name. */
export function clusterSummary(cluster: CometCluster, collapse: (names: string[]) => string) {
  return {
    name: cluster.name,
    project: cluster.project ?? null,
    count: cluster.computes.length,
    nodes: collapse(cluster.computes.map((c) => c.name)),
    frontend: cluster.frontend.name,
    frontend_state: cluster.frontend.state ?? null,
    frontend_type: cluster.frontend.type ?? null,
    allocations: (cluster.allocations ?? []).join(' '),
    description: cluster.description ?? null,
  };
}

/** One row per node (frontend first), public MAC first, with the computeset's allocation where known. */
export function clusterNodes(cluster: CometCluster, accountOf: ReadonlyMap<string, string>) {
  const frontend = cluster.frontend;
  const rows = [nodeRow({ ...frontend, ip: frontend.pub_ip ?? null, cluster: cluster.name }, 'frontend', frontend.pub_mac, frontend.frontend_state, accountOf)];
  for (const node of cluster.computes) rows.push(nodeRow(node, 'compute', undefined, node.compute_state, accountOf));
  return rows;
}

function nodeRow(node: CometNode, kind: string, publicMac: string | undefined, adminState: string | undefined, accountOf: ReadonlyMap<string, string>) {
  const macs = (node.interface ?? []).map((i) => i.mac).filter((m): m is string => !!m);
  const ordered = publicMac && macs.includes(publicMac) ? [publicMac, ...macs.filter((m) => m !== publicMac)] : macs;
  const set = node.active_computeset == null ? null : String(node.active_computeset);
  const setState = node.active_computeset_state;
  return {
    name: node.name,
    state: node.state ?? null,
    computeset: set === null ? null : setState && setState !== 'running' ? `${set}(${setState})` : set,
    allocation: set === null ? null : (accountOf.get(set) ?? null),
    admin_state: adminState ?? null,
    mac: ordered.join(' ') || null,
    ip: node.ip ?? null,
    kind,
    type: node.type ?? null,
    cpus: node.cpus ?? null,
    cluster: node.cluster ?? null,
    ram_mb: node.memory ?? null,
    disk_gb: node.disksize ?? null,
  };
}

/** `comet computeset` rows: the summary of each set, with its nodes collapsed to a hostlist. */
export function computesetRow(set: CometComputeset, collapse: (names: string[]) => string, now: Date) {
  const start = toDate(set.start_time);
  const end = toDate(set.end_time) ?? (start && set.walltime_mins ? new Date(start.getTime() + set.walltime_mins * 60_000) : null);
  return {
    id: String(set.id),
    cluster: set.cluster,
    state: set.state,
    allocation: set.account ?? null,
    walltime_mins: set.walltime_mins ?? null,
    start: start?.toISOString() ?? null,
    end: end?.toISOString() ?? null,
    running: start && set.state === 'running' ? duration(now.getTime() - start.getTime()) : null,
    remaining: end && set.state === 'running' ? duration(Math.max(0, end.getTime() - now.getTime())) : null,
    nodes: collapse((set.computes ?? []).map((c) => c.name)),
  };
}

/** `ddd-hh:mm`, as the original client showed running and remaining time. */
export function duration(ms: number): string {
  const minutes = Math.floor(ms / 60_000);
  const days = Math.floor(minutes / 1440);
  const hours = Math.floor((minutes % 1440) / 60);
  return `${String(days).padStart(3, '0')}-${String(hours).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
}

function toDate(value: string | number | null | undefined): Date | null {
  if (value === null || value === undefined || value === '') return null;
  const date = typeof value === 'number' ? new Date(value * 1000) : new Date(value);
  return Number.isNaN(date.getTime()) ? null : date;
}

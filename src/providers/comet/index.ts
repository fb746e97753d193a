/**
 * @module providers/comet
 * SDSC Comet virtual clusters through the nucleus REST API: the operations behind `cm comet …`, one method
 * per documented call (see /shared/research/cloudmesh-inventory.md §6). Returns rows; never prints.
 */
import { UserError } from '../../core/errors.ts';
import { collapseHostlist, expandHostlist } from '../../core/hostlist.ts';
import { createCometClient, type CometClient, type CometClientOptions } from './client.ts';
import { ACTIVE_COMPUTESETS, clusterNodes, clusterSummary, computesetRow, walltimeMinutes, type CometCluster, type CometComputeset, type CometNode } from './map.ts';

export { pickEndpoint, clientOptions } from './config.ts';
export { walltimeMinutes } from './map.ts';

export const POWER_ACTIONS = ['on', 'off', 'reboot', 'reset', 'shutdown'] as const;
export type PowerAction = (typeof POWER_ACTIONS)[number];
const FRONTEND_VERB: Record<PowerAction, string> = { on: 'poweron', off: 'poweroff', reboot: 'reboot', reset: 'reset', shutdown: 'shutdown' };

export interface StartRequest {
  cluster: string;
  count?: number;
  nodes?: string;
  walltime?: string;
  allocation?: string;
  reservation?: string;
}

export function createComet(options: CometClientOptions, now: () => Date = () => new Date()) {
  const client: CometClient = createCometClient(options);
  const vc = (name: string) => `cluster/${encodeURIComponent(name)}/`;

  async function cluster(name: string): Promise<CometCluster> {
    return client.get<CometCluster>(vc(name));
  }
  async function computesets(state?: string): Promise<CometComputeset[]> {
    return (await client.get<CometComputeset[]>('computeset/', { state })) ?? [];
  }
  /** Allocation of each live computeset, for the cluster view (the API lists running ones by default). */
  async function accounts(): Promise<Map<string, string>> {
    const sets = (await Promise.all([computesets(), computesets('submitted'), computesets('ending')])).flat();
    return new Map(sets.filter((s) => s.account).map((s) => [String(s.id), s.account!]));
  }

  return {
    async clusters(name?: string) {
      const list = name ? [await cluster(name)] : await client.get<CometCluster[]>('cluster/');
      return [...list].sort((a, b) => a.name.localeCompare(b.name)).map((c) => clusterSummary(c, collapseHostlist));
    },
    async nodes(name?: string) {
      const [list, accountOf] = await Promise.all([name ? cluster(name).then((c) => [c]) : client.get<CometCluster[]>('cluster/'), accounts()]);
      return list.flatMap((c) => clusterNodes(c, accountOf));
    },
    async computesets(filter: { id?: string; state?: string; cluster?: string; allocation?: string } = {}) {
      const sets = filter.id ? [await client.get<CometComputeset>(`computeset/${encodeURIComponent(filter.id)}/`)] : await computesets(filter.state);
      return sets
        .filter((s) => (!filter.cluster || s.cluster === filter.cluster) && (!filter.allocation || s.account === filter.allocation))
        .map((s) => computesetRow(s, collapseHostlist, now()));
    },
    /** Start a computeset on named nodes (none may be in an active set) or on a count of free ones. */
    async start(request: StartRequest) {
      if ((request.count === undefined) === (request.nodes === undefined)) throw new UserError('give either --count N or NODES (e.g. vm-vc2-[0-3]), not both');
      const vcInfo = await cluster(request.cluster);
      const allocations = vcInfo.allocations ?? [];
      const allocation = request.allocation ?? (allocations.length === 1 ? allocations[0] : undefined);
      if (!allocation && allocations.length > 1) throw new UserError(`cluster ${request.cluster} has several allocations; pick one with --allocation`, { hint: allocations.join(', ') });
      if (allocation && allocations.length > 0 && !allocations.includes(allocation)) throw new UserError(`allocation "${allocation}" is not one of cluster ${request.cluster}'s: ${allocations.join(', ')}`);
      const body: Record<string, unknown> = { cluster: request.cluster, walltime_mins: walltimeMinutes(request.walltime), allocation };
      if (request.reservation) body.reservation = request.reservation;
      if (request.nodes !== undefined) {
        const wanted = expandHostlist(request.nodes);
        const byName = new Map(vcInfo.computes.map((c) => [c.name, c]));
        const unknown = wanted.filter((n) => !byName.has(n));
        if (unknown.length > 0) throw new UserError(`cluster ${request.cluster} has no node ${unknown.join(', ')}`);
        const busy = wanted.filter((n) => isActive(byName.get(n)!));
        if (busy.length > 0) throw new UserError(`nodes already in an active computeset: ${collapseHostlist(busy)}`, { hint: 'cm comet computeset, then cm comet terminate ID' });
        body.computes = collapseHostlist(wanted);
      } else {
        if (!Number.isInteger(request.count) || request.count! < 1) throw new UserError('--count must be a whole number of nodes, at least 1');
        body.count = request.count;
      }
      const created = await client.post<CometComputeset>('computeset/', body);
      return computesetRow(created, collapseHostlist, now());
    },
    async terminate(id: string) {
      await client.put(`computeset/${encodeURIComponent(id)}/shutdown`);
      return { id, requested: 'shutdown' };
    },
    /** Power a frontend (no target), a whole computeset (a number) or named compute nodes (a hostlist). */
    async power(action: PowerAction, name: string, target?: string) {
      if (target === undefined) {
        await client.put(`${vc(name)}frontend/${FRONTEND_VERB[action]}`);
        return [{ node: `${name} frontend`, action }];
      }
      if (/^\d+$/.test(target)) {
        if (action === 'on' || action === 'off') throw new UserError(`power ${action} does not apply to a computeset; use cm comet start / cm comet terminate`);
        await client.put(`computeset/${target}/${action}`);
        return [{ node: `computeset ${target}`, action }];
      }
      const nodes = expandHostlist(target);
      const byName = new Map((await cluster(name)).computes.map((c) => [c.name, c]));
      const idle = nodes.filter((n) => !byName.has(n) || !isActive(byName.get(n)!));
      if (idle.length > 0) throw new UserError(`nodes not in an active computeset: ${collapseHostlist(idle)}`, { hint: 'start them first: cm comet start' });
      const results = [];
      for (const node of nodes) {
        await client.put(`${vc(name)}compute/${encodeURIComponent(node)}/${FRONTEND_VERB[action]}`);
        results.push({ node, action });
      }
      return results;
    },
    async console(name: string, node?: string) {
      return { url: await client.location(`${vc(name)}${node ? `compute/${encodeURIComponent(node)}` : 'frontend'}/console/`) };
    },
    async nodeInfo(name: string, node?: string) {
      return client.get<CometNode>(`${vc(name)}${node ? `compute/${encodeURIComponent(node)}` : 'frontend'}/`);
    },
    /** Rename nodes OLD → NEW pairwise; equal counts, existing old names, no clash with names that stay. */
    async rename(name: string, oldNames: string, newNames: string) {
      const from = expandHostlist(oldNames);
      const to = expandHostlist(newNames);
      if (from.length !== to.length) throw new UserError(`${from.length} old names but ${to.length} new ones`);
      const existing = new Set((await cluster(name)).computes.map((c) => c.name));
      const missing = from.filter((n) => !existing.has(n));
      if (missing.length > 0) throw new UserError(`cluster ${name} has no node ${missing.join(', ')}`);
      const kept = new Set([...existing].filter((n) => !from.includes(n)));
      const clash = to.filter((n) => kept.has(n));
      if (clash.length > 0) throw new UserError(`new names already used in ${name}: ${clash.join(', ')}`);
      for (const [i, old] of from.entries()) await client.post(`${vc(name)}compute/${encodeURIComponent(old)}/rename`, { name: to[i] });
      return from.map((old, i) => ({ old, new: to[i]! }));
    },
    async isoList() {
      const images = (await client.get<string[]>('image')) ?? [];
      return images.map((iso, i) => ({ index: i + 1, name: iso }));
    },
    async isoUpload(path: string, isoName?: string) {
      const { readFile } = await import('node:fs/promises');
      const { basename } = await import('node:path');
      const { createHash } = await import('node:crypto');
      let data: Buffer;
      try {
        data = await readFile(path);
      } catch (error) {
        throw new UserError(`cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
      }
      const form = new FormData();
      form.append('file', new Blob([new Uint8Array(data)]), isoName ?? basename(path));
      const md5 = createHash('md5').update(data).digest('hex');
      await client.upload('image', form, { md5 });
      return { name: isoName ?? basename(path), bytes: data.length, md5 };
    },
    /** Attach (or, with an empty name, detach) an ISO on the frontend or named compute nodes. */
    async iso(name: string, iso: string, nodes?: string) {
      let isoName = iso;
      if (/^\d+$/.test(iso)) {
        const list = (await client.get<string[]>('image')) ?? [];
        isoName = list[Number(iso) - 1] ?? '';
        if (!isoName) throw new UserError(`there is no ISO number ${iso} (cm comet iso list shows ${list.length})`);
      } else if (iso && !iso.includes('/')) isoName = `public/${iso}`;
      const targets = nodes ? expandHostlist(nodes).map((n) => `compute/${encodeURIComponent(n)}`) : ['frontend'];
      for (const target of targets) await client.put(`${vc(name)}${target}/attach_iso`, { iso_name: isoName });
      return targets.map((t) => ({ node: t === 'frontend' ? `${name} frontend` : decodeURIComponent(t.slice('compute/'.length)), iso: isoName || null }));
    },
    close: () => client.close(),
  };
}

export type Comet = ReturnType<typeof createComet>;

function isActive(node: CometNode): boolean {
  return node.active_computeset != null && ACTIVE_COMPUTESETS.includes((node.active_computeset_state ?? 'running') as (typeof ACTIVE_COMPUTESETS)[number]);
}

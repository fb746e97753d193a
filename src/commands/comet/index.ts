/**
 * @module commands/comet
 * `comet …`: SDSC Comet virtual clusters (frontends, computesets, power, consoles, nodes, ISOs) through the
 * nucleus API, as the original client offered them. `comet init` and `comet active` live in setup.ts.
 */
import { defineCommand } from '../../core/command.ts';
import { POWER_ACTIONS, type PowerAction } from '../../providers/comet/index.ts';
import { endpointOption as endpoint, withComet } from './session.ts';
import { commands as setup } from './setup.ts';
import { commands as isoCommands } from './iso.ts';

type WithEndpoint = { endpoint?: string };
const vc = { name: 'cluster', required: true, description: 'Virtual cluster name (e.g. vc2)' } as const;

const ll = defineCommand<WithEndpoint & { cluster?: string }, unknown>({
  path: ['comet', 'll'],
  summary: 'One line per virtual cluster: project, nodes, frontend and allocations',
  positionals: [{ ...vc, required: false }],
  options: [endpoint],
  columns: ['name', 'project', 'count', 'nodes', 'frontend', 'frontend_state', 'allocations', 'description'],
  run: (ctx, input) => withComet(ctx, input.endpoint, (comet) => comet.clusters(input.cluster)),
});

const cluster = defineCommand<WithEndpoint & { cluster?: string }, unknown>({
  path: ['comet', 'cluster'],
  summary: 'Every node of a virtual cluster (or of all): state, computeset, allocation, MACs, size',
  examples: ['cm comet cluster', 'cm comet cluster vc2 --output json'],
  positionals: [{ ...vc, required: false }],
  options: [endpoint],
  columns: ['cluster', 'name', 'kind', 'state', 'computeset', 'allocation', 'admin_state', 'mac', 'ip', 'cpus', 'ram_mb', 'disk_gb'],
  run: (ctx, input) => withComet(ctx, input.endpoint, (comet) => comet.nodes(input.cluster)),
});

const computeset = defineCommand<WithEndpoint & { id?: string; state?: string; cluster?: string; allocation?: string }, unknown>({
  path: ['comet', 'computeset'],
  summary: 'Computesets (batch allocations of compute nodes): state, walltime, running and remaining time',
  positionals: [{ name: 'id', description: 'One computeset' }],
  options: [
    { name: 'state', type: 'string', value: 'STATE', description: 'Only sets in this state (queued, submitted, created, running, ending, completed, failed)' },
    { name: 'cluster', type: 'string', value: 'VC', description: 'Only sets of this virtual cluster' },
    { name: 'allocation', type: 'string', value: 'ACCOUNT', description: 'Only sets charged to this allocation' },
    endpoint,
  ],
  columns: ['id', 'cluster', 'state', 'allocation', 'walltime_mins', 'start', 'running', 'remaining', 'nodes'],
  run: (ctx, input) => withComet(ctx, input.endpoint, (comet) => comet.computesets(input)),
});

const start = defineCommand<WithEndpoint & { cluster: string; nodes?: string; count?: number; walltime?: string; allocation?: string; reservation?: string }, unknown>({
  path: ['comet', 'start'],
  summary: 'Start compute nodes of a virtual cluster as one computeset',
  examples: ['cm comet start vc2 --count 4 --walltime 2h', 'cm comet start vc2 "vm-vc2-[0-3]" --allocation abc123'],
  positionals: [vc, { name: 'nodes', description: 'Hostlist of nodes (vm-vc2-[0-3]); or use --count' }],
  options: [
    { name: 'count', type: 'number', value: 'N', description: 'Start N free nodes' },
    { name: 'walltime', type: 'string', value: 'TIME', description: 'Minutes, or a number with m, h, d or w (default 2d)' },
    { name: 'allocation', type: 'string', value: 'ACCOUNT', description: 'Allocation to charge (needed when the cluster has several)' },
    { name: 'reservation', type: 'string', value: 'NAME', description: 'Reservation to run in' },
    endpoint,
  ],
  changesState: true,
  columns: ['id', 'cluster', 'state', 'allocation', 'walltime_mins', 'nodes'],
  run: (ctx, input) => withComet(ctx, input.endpoint, (comet) => comet.start(input)),
});

const terminate = defineCommand<WithEndpoint & { id: string }, unknown>({
  path: ['comet', 'terminate'],
  summary: 'Shut down a computeset (its nodes go back to the pool)',
  positionals: [{ name: 'id', required: true, description: 'Computeset id' }],
  options: [endpoint],
  changesState: true,
  destructive: true,
  async run(ctx, input) {
    if (ctx.dryRun) return { id: input.id, plan: 'shutdown (dry run: nothing sent)' };
    return withComet(ctx, input.endpoint, (comet) => comet.terminate(input.id));
  },
});

const power = defineCommand<WithEndpoint & { action: PowerAction; cluster: string; target?: string }, unknown>({
  path: ['comet', 'power'],
  summary: 'Power the frontend (no target), a computeset (its id) or compute nodes (a hostlist)',
  examples: ['cm comet power on vc2', 'cm comet power reboot vc2 "vm-vc2-[0-1]"', 'cm comet power shutdown vc2 123'],
  positionals: [{ name: 'action', required: true, choices: POWER_ACTIONS, description: 'on, off, reboot, reset or shutdown' }, vc, { name: 'target', description: 'Computeset id or node hostlist' }],
  options: [endpoint],
  changesState: true,
  destructive: true,
  columns: ['node', 'action'],
  async run(ctx, input) {
    if (ctx.dryRun) return [{ node: input.target ?? `${input.cluster} frontend`, action: `${input.action} (dry run: nothing sent)` }];
    return withComet(ctx, input.endpoint, (comet) => comet.power(input.action, input.cluster, input.target));
  },
});

const consoleUrl = defineCommand<WithEndpoint & { cluster: string; node?: string }, unknown>({
  path: ['comet', 'console'],
  summary: 'Print the browser console URL of a frontend or compute node',
  positionals: [vc, { name: 'node', description: 'Compute node (default: the frontend)' }],
  options: [endpoint],
  run: (ctx, input) => withComet(ctx, input.endpoint, (comet) => comet.console(input.cluster, input.node)),
});

const nodeInfo = defineCommand<WithEndpoint & { cluster: string; node?: string }, unknown>({
  path: ['comet', 'node', 'info'],
  summary: 'The record of a frontend or compute node (interfaces, public IP/MAC/netmask for OS setup)',
  positionals: [vc, { name: 'node', description: 'Compute node (default: the frontend)' }],
  options: [endpoint],
  defaultOutput: 'yaml',
  run: (ctx, input) => withComet(ctx, input.endpoint, (comet) => comet.nodeInfo(input.cluster, input.node)),
});

const nodeRename = defineCommand<WithEndpoint & { cluster: string; old: string; new: string }, unknown>({
  path: ['comet', 'node', 'rename'],
  summary: 'Rename compute nodes pairwise (hostlists of equal length)',
  examples: ['cm comet node rename vc2 "vm-vc2-[0-1]" "worker-[1-2]"'],
  positionals: [vc, { name: 'old', required: true, description: 'Current names' }, { name: 'new', required: true, description: 'New names' }],
  options: [endpoint],
  changesState: true,
  destructive: true,
  columns: ['old', 'new'],
  async run(ctx, input) {
    if (ctx.dryRun) {
      const { expandHostlist } = await import('../../core/hostlist.ts');
      const to = expandHostlist(input.new);
      return expandHostlist(input.old).map((old, i) => ({ old, new: to[i] ?? '(missing)' }));
    }
    return withComet(ctx, input.endpoint, (comet) => comet.rename(input.cluster, input.old, input.new));
  },
});

export const commands = [ll, cluster, computeset, start, terminate, power, consoleUrl, nodeInfo, nodeRename, ...isoCommands, ...setup];

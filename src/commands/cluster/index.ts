/**
 * @module commands/cluster
 * `cluster define|allocate|list|nodes|delete|inventory|cross-ssh`: virtual clusters of VMs or containers on
 * any registered cloud (services/clusters.ts).
 */
import { defineCommand, outcome } from '../../core/command.ts';
import { allocateCluster, clusterNodes, defineCluster, deleteCluster, listClusters, specOf } from '../../services/clusters.ts';
import { crossSsh } from './cross-ssh.ts';
import { clusterInventory, INVENTORY_FORMATS, type InventoryFormat } from './inventory.ts';

const nodeColumns = ['name', 'cloud', 'status', 'ip', 'action', 'error'] as const;
const clusterName = { name: 'name', required: true, description: 'Cluster name' } as const;

const define = defineCommand<{ name: string; count: number; cloud?: string; image?: string; flavor?: string; key?: string; secgroup?: string[]; network?: string }, unknown>({
  path: ['cluster', 'define'],
  summary: 'Define a cluster of N nodes on a cloud (settings left out come from the defaults)',
  description:
    'Records the cluster; nothing is booted until cluster allocate. Nodes are named NAME-001 … NAME-N and join the group NAME. ' +
    'Defining an existing cluster again changes its settings for nodes booted later (a larger --count adds nodes at the next allocate).',
  examples: ['cm cluster define lab --count 3 --cloud mydocker --image cm/busybox:local --flavor tiny', 'cm cluster define hpc --count 8 --cloud chameleon --key mykey --secgroup ssh'],
  positionals: [clusterName],
  options: [
    { name: 'count', short: 'n', type: 'number', required: true, value: 'N', description: 'Number of nodes' },
    { name: 'cloud', type: 'string', value: 'NAME', complete: 'cloud', description: 'Cloud (default: the "cloud" default)' },
    { name: 'image', type: 'string', value: 'IMAGE', description: 'Image of every node' },
    { name: 'flavor', type: 'string', value: 'FLAVOR', description: 'Flavor of every node' },
    { name: 'key', type: 'string', value: 'KEY', description: 'Key pair (clouds with keys)' },
    { name: 'secgroup', type: 'list', value: 'GROUP', description: 'Security group (repeatable; clouds with security groups)' },
    { name: 'network', type: 'string', value: 'NET', description: 'Network the nodes join' },
  ],
  changesState: true,
  columns: ['name', 'cloud', 'count', 'image', 'flavor', 'key', 'secgroups'],
  async run(ctx, input) {
    const { name, ...request } = input;
    const row = await defineCluster(ctx, name, request);
    const spec = specOf(row);
    return { name: row.name, ...spec, secgroups: spec.secgroups?.join(',') ?? '' };
  },
});

const allocate = defineCommand<{ name: string }, unknown>({
  path: ['cluster', 'allocate'],
  summary: 'Boot the nodes of a cluster that do not exist yet (in parallel; running it again changes nothing)',
  examples: ['cm cluster allocate lab', 'cm cluster allocate lab --dry-run'],
  positionals: [clusterName],
  changesState: true,
  columns: nodeColumns,
  async run(ctx, input) {
    const nodes = await allocateCluster(ctx, input.name);
    const failed = nodes.filter((n) => n.error).length;
    return outcome(nodes, failed > 0 ? { exitCode: 1, message: `${failed} of ${nodes.length} node(s) could not be booted` } : {});
  },
});

const list = defineCommand<Record<string, never>, unknown>({
  path: ['cluster', 'list'],
  summary: 'Defined clusters, with how many nodes exist and are active (from the cache)',
  examples: ['cm cluster list', 'cm cluster list --output json'],
  columns: ['name', 'cloud', 'count', 'nodes', 'active', 'image', 'flavor'],
  run: (ctx) => listClusters(ctx),
});

const nodes = defineCommand<{ name: string; refresh?: boolean }, unknown>({
  path: ['cluster', 'nodes'],
  summary: 'The nodes of a cluster (from the cache; --refresh asks the cloud)',
  examples: ['cm cluster nodes lab', 'cm cluster nodes lab --refresh --output json'],
  positionals: [clusterName],
  options: [{ name: 'refresh', type: 'boolean', description: "List the cloud's VMs now" }],
  columns: ['name', 'cloud', 'status', 'ip', 'id'],
  run: (ctx, input) => clusterNodes(ctx, input.name, { refresh: input.refresh === true }),
});

const remove = defineCommand<{ name: string }, unknown>({
  path: ['cluster', 'delete'],
  summary: 'Delete every node of a cluster, then its definition',
  examples: ['cm cluster delete lab --dry-run', 'cm cluster delete lab'],
  positionals: [clusterName],
  changesState: true,
  destructive: true,
  columns: nodeColumns,
  async run(ctx, input) {
    const { results, failed } = await deleteCluster(ctx, input.name);
    return outcome(results, failed > 0 ? { exitCode: 1, message: `${failed} node(s) could not be deleted; the definition is kept` } : {});
  },
});

const inventory = defineCommand<{ name: string; format?: string }, unknown>({
  path: ['cluster', 'inventory'],
  summary: "A cluster's nodes as an Ansible inventory (INI or YAML) or ~/.ssh/config stanzas",
  examples: ['cm cluster inventory lab > hosts.ini', 'cm cluster inventory lab --format yaml', 'cm cluster inventory lab --format ssh-config >> ~/.ssh/config'],
  positionals: [clusterName],
  options: [{ name: 'format', short: 'f', type: 'string', value: 'FORMAT', choices: INVENTORY_FORMATS, default: 'ini', description: 'ini, yaml or ssh-config' }],
  raw: true,
  run: (ctx, input) => clusterInventory(ctx, input.name, (input.format ?? 'ini') as InventoryFormat),
});

const cross = defineCommand<{ name: string; user?: string; identity?: string }, unknown>({
  path: ['cluster', 'cross-ssh'],
  summary: 'Make the nodes trust each other: a key pair per node, every public key in every authorized_keys',
  description: 'Containers are set up through the engine (exec); VMs over ssh with your login (--user, --identity, or the defaults). Private keys travel only on stdin and are never stored or shown.',
  examples: ['cm cluster cross-ssh lab', 'cm cluster cross-ssh hpc --user ubuntu --identity ~/.ssh/id_ed25519'],
  positionals: [clusterName],
  options: [
    { name: 'user', type: 'string', value: 'USER', description: 'Login user on VMs' },
    { name: 'identity', short: 'i', type: 'string', value: 'FILE', complete: 'file', description: 'Your private key for reaching VMs' },
  ],
  changesState: true,
  columns: ['node', 'ok', 'authorized_keys', 'error'],
  async run(ctx, input) {
    const rows = await crossSsh(ctx, input.name, { ...(input.user ? { user: input.user } : {}), ...(input.identity ? { identity: input.identity } : {}) });
    const failed = rows.filter((r) => !r.ok).length;
    return outcome(rows, failed > 0 ? { exitCode: 1, message: `${failed} node(s) were not set up` } : {});
  },
});

export const commands = [define, allocate, list, nodes, remove, inventory, cross];

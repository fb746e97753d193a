/**
 * @module commands/registry
 * The one list of command groups. Each group is a module exporting `commands: CommandSpec[]`, imported
 * only when a command line names it (or when help/completion need them all), so a one-shot `cm` loads
 * just the group it runs.
 */
import type { CommandSpec } from '../core/command.ts';

/** A first word of the command line and where its specs live. */
export interface CommandGroup {
  name: string;
  summary: string;
  load: () => Promise<{ commands: readonly CommandSpec[] }>;
}

export const COMMAND_GROUPS: readonly CommandGroup[] = [
  { name: 'default', summary: 'Defaults for clouds, clusters and commands', load: () => import('./default/index.ts') },
  { name: 'var', summary: 'Variables that expand as $name on any line', load: () => import('./var/index.ts') },
  { name: 'config', summary: 'Show and check cloudmesh.yaml (secrets masked)', load: () => import('./config/index.ts') },
  { name: 'db', summary: 'The state database: backend, schema, row counts', load: () => import('./db/index.ts') },
  { name: 'register', summary: 'Add clouds and clusters from the files their settings already live in', load: () => import('./register/index.ts') },
  { name: 'hpc', summary: 'Batch jobs on HPC clusters (the local cluster always exists)', load: () => import('./hpc/index.ts') },
  { name: 'vm', summary: 'Virtual machines across clouds', load: () => import('./vm/index.ts') },
  { name: 'cloud', summary: 'Registered clouds: list, activate, deactivate, check', load: () => import('./cloud/index.ts') },
  { name: 'image', summary: 'Images of each cloud (cached)', load: () => import('./image/index.ts') },
  { name: 'flavor', summary: 'Flavors / instance types of each cloud (cached)', load: () => import('./flavor/index.ts') },
  { name: 'key', summary: 'SSH public keys: the local registry and key pairs on clouds', load: () => import('./key/index.ts') },
  { name: 'secgroup', summary: 'Security groups: rules defined locally, synced to clouds', load: () => import('./secgroup/index.ts') },
  { name: 'group', summary: 'Named groups of VMs (and other things)', load: () => import('./group/index.ts') },
  { name: 'quota', summary: 'Quota of each cloud', load: () => import('./quota/index.ts') },
  { name: 'limits', summary: 'Used, limit and available per resource of each cloud', load: () => import('./limits/index.ts') },
  { name: 'provider', summary: 'Compute providers and what each one can do', load: () => import('./provider/index.ts') },
  { name: 'inventory', summary: 'Ansible dynamic inventory and INI/YAML/ssh-config/CSV exports of known hosts', load: () => import('./inventory/index.ts') },
  { name: 'playbook', summary: 'Run Ansible playbooks against cloudmesh hosts, with the recap as the result', load: () => import('./playbook/index.ts') },
  { name: 'container', summary: 'Containers on a Docker Engine: run, list, logs, exec', load: () => import('./container/index.ts') },
  { name: 'cluster', summary: 'Virtual clusters of VMs or containers on any cloud', load: () => import('./cluster/index.ts') },
  { name: 'stack', summary: 'OpenStack Heat stacks: create, update, show outputs, delete', load: () => import('./stack/index.ts') },
  { name: 'comet', summary: 'SDSC Comet virtual clusters: nodes, computesets, power, consoles, ISOs', load: () => import('./comet/index.ts') },
  { name: 'status', summary: 'One view of every VM and job, with source and age', load: () => import('./status/index.ts') },
  { name: 'audit', summary: 'The record of state-changing commands', load: () => import('./audit/index.ts') },
  { name: 'server', summary: 'The REST API on 127.0.0.1 and its bearer token', load: () => import('./server/index.ts') },
  { name: 'auth', summary: 'Second factors: security keys and TOTP, and requiring one on the CLI', load: () => import('./auth/index.ts') },
  { name: 'portal', summary: 'The web portal (the separate cloudmesh-portal package)', load: () => import('./portal/index.ts') },
  { name: 'help', summary: 'Help on commands', load: () => import('./builtin/index.ts') },
  { name: 'completion', summary: 'Shell completion scripts', load: () => import('./builtin/index.ts') },
  { name: 'shell', summary: 'The interactive shell', load: () => import('./builtin/index.ts') },
  { name: 'exec', summary: 'Run a script of cm commands', load: () => import('./builtin/index.ts') },
  { name: 'version', summary: 'Print the version', load: () => import('./builtin/index.ts') },
];

/** Load the groups a command line may refer to: the one its first word names, or all of them. */
export async function loadCommands(firstWord?: string): Promise<CommandSpec[]> {
  const named = firstWord ? COMMAND_GROUPS.filter((g) => g.name === firstWord) : [];
  const groups = named.length > 0 ? named : COMMAND_GROUPS;
  const modules = await Promise.all([...new Set(groups.map((g) => g.load))].map((load) => load()));
  return [...new Set(modules.flatMap((m) => m.commands))];
}

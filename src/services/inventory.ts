/**
 * @module services/inventory
 * The hosts cloudmesh knows, as one inventory for Ansible and ssh: VMs and containers from the cache
 * (grouped by cloud, cloudmesh group and cluster) and the login nodes of registered HPC clusters (the
 * `local` cluster is this machine). Pure formatting lives at the bottom; nothing here runs a host command.
 */
import type { Context } from '../core/command.ts';
import type { ClusterConfig } from '../core/config.ts';
import { NotFoundError } from '../core/errors.ts';

export type HostVars = Record<string, string | number>;
export interface Inventory {
  /** Host name → its variables (`ansible_host`, `ansible_user` …). */
  hosts: Map<string, HostVars>;
  /** Group name → member hosts. Every host is in at least one group. */
  groups: Map<string, Set<string>>;
}

/** Ansible group names are identifiers: anything else becomes `_`. */
export function groupName(name: string): string {
  const cleaned = name.replace(/[^A-Za-z0-9_]/g, '_');
  return /^[0-9]/.test(cleaned) ? `_${cleaned}` : cleaned;
}

/** Build the inventory from the state DB and the registered clusters. */
export async function buildInventory(ctx: Context): Promise<Inventory> {
  const inventory: Inventory = { hosts: new Map(), groups: new Map() };
  const add = (group: string, host: string) => {
    const members = inventory.groups.get(groupName(group)) ?? new Set<string>();
    members.add(host);
    inventory.groups.set(groupName(group), members);
  };
  const store = await ctx.store();
  const [vms, memberships, loginUsers] = await Promise.all([
    store.collection('vms').list({ orderBy: [{ column: 'cloud' }, { column: 'name' }] }),
    store.collection('groups').list({ where: { member_kind: 'vm' } }),
    store.collection('defaults').list({ where: { key: 'login_user' } }),
  ]);
  const userOf = new Map(loginUsers.map((d) => [d.scope, d.value]));
  for (const vm of vms) {
    if (vm.status === 'DELETED') continue;
    const vars: HostVars = { cm_cloud: vm.cloud, cm_status: vm.status };
    const address = vm.public_ip ?? vm.private_ip;
    if (address) vars.ansible_host = address;
    const user = (vm.data.login_user as string | undefined) ?? userOf.get(vm.cloud) ?? userOf.get('general');
    if (user) vars.ansible_user = user;
    if (typeof vm.data.ssh_port === 'number') vars.ansible_port = vm.data.ssh_port;
    if (typeof vm.data.key_file === 'string') vars.ansible_ssh_private_key_file = vm.data.key_file;
    inventory.hosts.set(vm.name, vars);
    add(`cloud_${vm.cloud}`, vm.name);
    if (vm.group_name) add(vm.group_name, vm.name);
    if (typeof vm.data.cluster === 'string') add(vm.data.cluster, vm.name);
  }
  for (const m of memberships) if (inventory.hosts.has(m.member)) add(m.name, m.member);

  const config = await ctx.config();
  for (const [name, cluster] of Object.entries(config.clusters)) {
    const host = name === 'local' ? 'localhost' : name;
    inventory.hosts.set(host, clusterVars(name, cluster, ctx.home));
    add('hpc', host);
    add(`hpc_${name}`, host);
  }
  return inventory;
}

function clusterVars(name: string, cluster: ClusterConfig, home: string): HostVars {
  if (name === 'local' || (!cluster.host && (cluster.transport ?? 'local') === 'local')) {
    return { ansible_connection: 'local', ansible_python_interpreter: '/usr/bin/python3', cm_cluster: name };
  }
  const vars: HostVars = { cm_cluster: name };
  if (cluster.host) vars.ansible_host = cluster.host;
  if (cluster.port) vars.ansible_port = cluster.port;
  if (cluster.user) vars.ansible_user = cluster.user;
  if (cluster.key) vars.ansible_ssh_private_key_file = cluster.key.replace(/^~(?=\/)/, process.env.HOME ?? '~');
  const knownHosts = cluster.known_hosts as string | undefined;
  if (knownHosts) vars.ansible_ssh_common_args = `-o UserKnownHostsFile=${knownHosts.startsWith('/') ? knownHosts : `${home}/${knownHosts}`} -o StrictHostKeyChecking=yes`;
  if (typeof cluster.proxy_jump === 'string') vars.ansible_ssh_common_args = `${vars.ansible_ssh_common_args ?? ''} -o ProxyJump=${cluster.proxy_jump}`.trim();
  return vars;
}

/** Only the hosts of one group (with that group), for `--group`/`--cluster` limits. */
export function restrict(inventory: Inventory, group: string): Inventory {
  const members = inventory.groups.get(groupName(group));
  if (!members) throw new NotFoundError(`no inventory group "${group}"`, { hint: `groups: ${[...inventory.groups.keys()].join(', ')}` });
  return { hosts: new Map([...inventory.hosts].filter(([h]) => members.has(h))), groups: new Map([[groupName(group), members]]) };
}

/** Ansible's dynamic-inventory `--list` JSON: groups with hosts, and every host's vars under `_meta`. */
export function ansibleList(inventory: Inventory): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [group, members] of [...inventory.groups].sort(([a], [b]) => a.localeCompare(b))) out[group] = { hosts: [...members].sort() };
  out._meta = { hostvars: Object.fromEntries([...inventory.hosts].sort(([a], [b]) => a.localeCompare(b))) };
  return out;
}

/** INI inventory: one `[group]` section per group, each host line with its vars (quoted). */
export function ansibleIni(inventory: Inventory): string {
  const lines: string[] = [];
  for (const [group, members] of [...inventory.groups].sort(([a], [b]) => a.localeCompare(b))) {
    lines.push(`[${group}]`);
    for (const host of [...members].sort()) {
      const vars = Object.entries(inventory.hosts.get(host) ?? {}).map(([k, v]) => `${k}=${iniValue(v)}`);
      lines.push([iniHost(host), ...vars].join(' '));
    }
    lines.push('');
  }
  return lines.join('\n');
}

/** YAML inventory (`all.children.<group>.hosts.<host>: vars`), as JSON-compatible data for the renderer. */
export function ansibleYaml(inventory: Inventory): Record<string, unknown> {
  const children: Record<string, unknown> = {};
  for (const [group, members] of [...inventory.groups].sort(([a], [b]) => a.localeCompare(b))) {
    children[group] = { hosts: Object.fromEntries([...members].sort().map((h) => [h, inventory.hosts.get(h) ?? {}])) };
  }
  return { all: { children } };
}

/** `~/.ssh/config` stanzas for the hosts that are reached over ssh. */
export function sshConfig(inventory: Inventory): string {
  const stanzas: string[] = [];
  for (const [host, vars] of [...inventory.hosts].sort(([a], [b]) => a.localeCompare(b))) {
    if (vars.ansible_connection === 'local' || !vars.ansible_host) continue;
    const lines = [`Host ${host.replace(/\s/g, '_')}`, `  HostName ${vars.ansible_host}`];
    if (vars.ansible_user) lines.push(`  User ${vars.ansible_user}`);
    if (vars.ansible_port) lines.push(`  Port ${vars.ansible_port}`);
    if (vars.ansible_ssh_private_key_file) lines.push(`  IdentityFile ${vars.ansible_ssh_private_key_file}`);
    const jump = /ProxyJump=(\S+)/.exec(String(vars.ansible_ssh_common_args ?? ''))?.[1];
    if (jump) lines.push(`  ProxyJump ${jump}`);
    stanzas.push(lines.join('\n'));
  }
  return stanzas.join('\n\n') + (stanzas.length ? '\n' : '');
}

/** One row per host and group, for CSV/table output. */
export function inventoryRows(inventory: Inventory): Array<Record<string, string | number | null>> {
  const groupsOf = new Map<string, string[]>();
  for (const [group, members] of inventory.groups) for (const h of members) groupsOf.set(h, [...(groupsOf.get(h) ?? []), group]);
  return [...inventory.hosts].sort(([a], [b]) => a.localeCompare(b)).map(([host, vars]) => ({
    host,
    groups: (groupsOf.get(host) ?? []).sort().join(' '),
    address: vars.ansible_host ?? (vars.ansible_connection === 'local' ? 'local' : null),
    user: vars.ansible_user ?? null,
    port: vars.ansible_port ?? null,
    key: vars.ansible_ssh_private_key_file ?? null,
  }));
}

/** INI values are split on spaces unless quoted; quote anything that is not a plain word. */
function iniValue(value: string | number): string {
  const text = String(value);
  return /^[\w./:@-]+$/.test(text) ? text : `"${text.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

function iniHost(host: string): string {
  return host.replace(/[\s#=[\]]/g, '_');
}

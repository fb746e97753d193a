/**
 * @module providers/compute/openstack/network
 * Neutron: networks for a boot, security groups synced from cloudmesh's local definition, floating IPs.
 * Only the project's own groups are touched (an admin token would otherwise see every project's).
 */
import type { FloatingIp, SecurityGroup, SecurityRule } from '../../../core/compute.ts';
import { BackendError, UnsupportedError, UserError } from '../../../core/errors.ts';
import { httpCause, type OpenStackClient } from './client.ts';
import { ruleBody, ruleKey, toFloatingIp, toRule, toSecurityGroup } from './map.ts';
import { notFound } from './servers.ts';

type Json = Record<string, any>;

/**
 * The `networks` of a boot request: the named network, else the project's only usable network, else
 * `none` (microversion ≥ 2.37 requires the field). Several candidates and no name is a clear error.
 */
export async function resolveBootNetworks(client: OpenStackClient, network: string | undefined): Promise<Array<{ uuid: string }> | 'none'> {
  const all = await client.listAll<Json>('network', '/networks', 'networks');
  if (network) {
    const found = all.find((n) => n['name'] === network) ?? all.find((n) => n['id'] === network);
    if (!found) throw notFound(client, 'network', network, all.map((n) => String(n['name'])));
    return [{ uuid: String(found['id']) }];
  }
  const { projectId } = await client.token();
  const usable = all.filter((n) => !n['router:external'] && (n['shared'] || n['project_id'] === projectId) && n['status'] === 'ACTIVE');
  if (usable.length === 0) return 'none';
  if (usable.length === 1) return [{ uuid: String(usable[0]!['id']) }];
  throw new UserError(`cloud "${client.settings.cloud}": several networks could take the VM (${usable.map((n) => n['name']).join(', ')}); name one`, {
    hint: `cm vm boot --network NAME, or cm default network=NAME --cloud ${client.settings.cloud}`,
  });
}

async function projectGroups(client: OpenStackClient, name?: string): Promise<Json[]> {
  const { projectId } = await client.token();
  return client.listAll<Json>('network', '/security-groups', 'security_groups', { ...(projectId ? { project_id: projectId } : {}), ...(name ? { name } : {}) });
}

export async function listSecgroups(client: OpenStackClient): Promise<SecurityGroup[]> {
  return (await projectGroups(client)).map(toSecurityGroup);
}

/**
 * Create the group if missing, then make its ingress rules equal to `rules` (rules cloudmesh cannot express,
 * such as a reference to another group, are left alone).
 */
export async function uploadSecgroup(client: OpenStackClient, group: { name: string; description?: string; rules: SecurityRule[] }): Promise<SecurityGroup> {
  let existing = (await projectGroups(client, group.name))[0];
  if (!existing) {
    existing = await createOnce(
      client,
      async () => (await projectGroups(client, group.name))[0],
      async () => (await client.request<Json>('network', 'POST', '/security-groups', { body: { security_group: { name: group.name, description: group.description ?? 'cloudmesh' } } }))?.['security_group'],
    );
  }
  const id = String(existing!['id']);
  const wanted = new Map(group.rules.map((r) => [ruleKey(r), r]));
  const present = new Set<string>();
  for (const rule of (existing!['security_group_rules'] ?? []) as Json[]) {
    const mapped = toRule(rule);
    if (!mapped) continue;
    const key = ruleKey(mapped);
    if (wanted.has(key) && !present.has(key)) present.add(key);
    else await client.request('network', 'DELETE', `/security-group-rules/${encodeURIComponent(rule['id'])}`, { allow404: true });
  }
  for (const [key, rule] of wanted) {
    if (present.has(key)) continue;
    try {
      await client.request('network', 'POST', '/security-group-rules', { body: ruleBody(id, rule) });
    } catch (error) {
      // 409: the rule exists already (an earlier attempt whose answer was lost): the wanted state.
      if (httpCause(error)?.status !== 409) throw error;
    }
  }
  const fresh = await client.request<Json>('network', 'GET', `/security-groups/${encodeURIComponent(id)}`);
  return toSecurityGroup(fresh?.['security_group'] ?? existing!);
}

/** Delete every project group named `name`; none is not an error. */
export async function deleteSecgroup(client: OpenStackClient, name: string): Promise<void> {
  for (const group of await projectGroups(client, name)) {
    await client.request('network', 'DELETE', `/security-groups/${encodeURIComponent(group['id'])}`, { allow404: true });
  }
}

/** False when Neutron offers no floating IPs at all (no L3/router extension): its API answers 404. */
async function offersFloatingIps(client: OpenStackClient): Promise<boolean> {
  return (await client.request('network', 'GET', '/floatingips', { query: { limit: 1 }, allow404: true })) !== null;
}

export async function listIps(client: OpenStackClient): Promise<FloatingIp[]> {
  if (!(await offersFloatingIps(client))) return [];
  const { projectId } = await client.token();
  const scope = projectId ? { project_id: projectId } : {};
  const [fips, ports] = await Promise.all([
    client.listAll<Json>('network', '/floatingips', 'floatingips', scope),
    client.listAll<Json>('network', '/ports', 'ports', scope),
  ]);
  const deviceOfPort = new Map(ports.map((p) => [String(p['id']), String(p['device_id'])]));
  return fips.map((f) => toFloatingIp(f, deviceOfPort));
}

/** The VM's floating IP: the one it has, else a free one of the project, else a new one from the external network. */
export async function assignIp(client: OpenStackClient, vmId: string): Promise<string> {
  const cloud = client.settings.cloud;
  if (!(await offersFloatingIps(client))) {
    throw new UnsupportedError(`cloud "${cloud}" has no floating IPs: its Neutron offers no L3 (router) extension`, { hint: 'the VM keeps its fixed address (cm vm ip show)' });
  }
  const ports = await client.listAll<Json>('network', '/ports', 'ports', { device_id: vmId });
  const port = ports.find((p) => (p['fixed_ips'] ?? []).some((ip: Json) => !String(ip['ip_address']).includes(':'))) ?? ports[0];
  if (!port) throw new UserError(`cloud "${cloud}": VM ${vmId} has no network port to attach a floating IP to (was it booted with a network?)`);
  const { projectId } = await client.token();
  const fips = await client.listAll<Json>('network', '/floatingips', 'floatingips', projectId ? { project_id: projectId } : {});
  const attached = fips.find((f) => f['port_id'] === port['id']);
  if (attached) return String(attached['floating_ip_address']);
  const free = fips.find((f) => !f['port_id']);
  if (free) {
    const body = await client.request<Json>('network', 'PUT', `/floatingips/${encodeURIComponent(free['id'])}`, { body: { floatingip: { port_id: port['id'] } } });
    return String(body?.['floatingip']?.['floating_ip_address'] ?? free['floating_ip_address']);
  }
  const external = await client.listAll<Json>('network', '/networks', 'networks', { 'router:external': true });
  if (external.length === 0) throw new UserError(`cloud "${cloud}": there is no external network to take a floating IP from`);
  const created = await createOnce(
    client,
    async () => (await client.listAll<Json>('network', '/floatingips', 'floatingips', { port_id: port['id'] }))[0],
    async () =>
      (await client.request<Json>('network', 'POST', '/floatingips', { body: { floatingip: { floating_network_id: external[0]!['id'], port_id: port['id'] } } }))?.['floatingip'],
  );
  return String(created['floating_ip_address']);
}

/**
 * Run a non-idempotent create; when it fails without a clear answer, look for what it may have made
 * before trying again (the same rule as a boot).
 */
export async function createOnce<T>(client: OpenStackClient, lookup: () => Promise<T | undefined>, create: () => Promise<T | undefined>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      const made = await create();
      if (made === undefined) throw new BackendError('openstack', 'create', undefined, `cloud "${client.settings.cloud}": the create answered without the object`);
      return made;
    } catch (error) {
      const cause = httpCause(error);
      if (!cause || !(cause.uncertain || cause.status === 429) || attempt >= client.settings.retries) throw error;
    }
    const found = await lookup();
    if (found !== undefined) return found;
  }
}

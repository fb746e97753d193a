/**
 * @module providers/compute/openstack/map
 * Pure translation between Nova/Glance/Neutron JSON and cloudmesh's domain types. No I/O.
 */
import { CM_TAGS, type FloatingIp, type Flavor, type Image, type KeyPair, type QuotaEntry, type SecurityGroup, type SecurityRule, type Vm, type VmStateName } from '../../../core/compute.ts';

type Json = Record<string, any>;

/** Nova's server status → cloudmesh's state. */
export function vmState(status: string): VmStateName {
  switch (status.toUpperCase()) {
    case 'ACTIVE':
      return 'ACTIVE';
    case 'BUILD':
    case 'REBUILD':
      return 'BUILDING';
    case 'SHUTOFF':
    case 'STOPPED':
    case 'SUSPENDED':
    case 'PAUSED':
    case 'SHELVED':
    case 'SHELVED_OFFLOADED':
      return 'STOPPED';
    case 'REBOOT':
    case 'HARD_REBOOT':
      return 'REBOOTING';
    case 'DELETED':
    case 'SOFT_DELETED':
      return 'DELETED';
    case 'ERROR':
      return 'ERROR';
    default:
      return 'UNKNOWN';
  }
}

/** A Nova server (microversion ≥ 2.47: the flavor is embedded by name) as a `Vm`; image ids become names when known. */
export function toVm(server: Json, imageNames: ReadonlyMap<string, string> = new Map()): Vm {
  const metadata: Record<string, string> = {};
  for (const [k, v] of Object.entries((server['metadata'] ?? {}) as Json)) if (typeof v === 'string') metadata[k] = v;
  const imageId = typeof server['image'] === 'object' && server['image'] ? (server['image']['id'] as string | undefined) : undefined;
  const flavor = (server['flavor'] ?? {}) as Json;
  const { fixed, floating } = addresses(server['addresses']);
  const status = String(server['status'] ?? 'UNKNOWN');
  const data: Record<string, unknown> = {};
  const put = (key: string, value: unknown) => {
    if (value !== undefined && value !== null && value !== '') data[key] = value;
  };
  put('zone', server['OS-EXT-AZ:availability_zone']);
  put('task_state', server['OS-EXT-STS:task_state']);
  put('power_state', server['OS-EXT-STS:power_state']);
  put('host_id', server['hostId']);
  put('project_id', server['tenant_id']);
  put('image_id', imageId);
  put('flavor_id', flavor['id']);
  put('security_groups', Array.isArray(server['security_groups']) ? [...new Set(server['security_groups'].map((g: Json) => g['name']))] : undefined);
  if (server['fault']?.['message']) put('fault', server['fault']['message']);
  return {
    id: String(server['id']),
    name: String(server['name'] ?? ''),
    state: vmState(status),
    providerState: status,
    image: imageId ? (imageNames.get(imageId) ?? imageId) : null,
    flavor: (flavor['original_name'] as string | undefined) ?? (flavor['id'] as string | undefined) ?? null,
    key: (server['key_name'] as string | null | undefined) ?? null,
    group: metadata[CM_TAGS.group] ?? null,
    publicIp: floating[0] ?? null,
    privateIp: fixed[0] ?? null,
    createdAt: (server['created'] as string | undefined) ?? null,
    metadata,
    data,
  };
}

/** Fixed and floating addresses of a server, IPv4 first. */
export function addresses(value: unknown): { fixed: string[]; floating: string[] } {
  const fixed: string[] = [];
  const floating: string[] = [];
  for (const list of Object.values((value ?? {}) as Record<string, Json[]>)) {
    for (const a of list ?? []) {
      const target = a['OS-EXT-IPS:type'] === 'floating' ? floating : fixed;
      if (typeof a['addr'] === 'string') target.push(a['addr']);
    }
  }
  const v4first = (a: string, b: string) => Number(a.includes(':')) - Number(b.includes(':'));
  return { fixed: fixed.sort(v4first), floating: floating.sort(v4first) };
}

export function toImage(image: Json): Image {
  const data: Record<string, unknown> = {};
  for (const key of ['visibility', 'size', 'min_disk', 'min_ram', 'disk_format', 'os_distro', 'created_at', 'updated_at']) {
    if (image[key] !== undefined && image[key] !== null) data[key] = image[key];
  }
  return { id: String(image['id']), name: String(image['name'] ?? image['id']), status: (image['status'] as string | undefined) ?? null, data };
}

export function toFlavor(flavor: Json): Flavor {
  const data: Record<string, unknown> = {};
  if (flavor['swap'] !== undefined && flavor['swap'] !== '') data['swap'] = flavor['swap'];
  if (flavor['OS-FLV-EXT-DATA:ephemeral'] !== undefined) data['ephemeral'] = flavor['OS-FLV-EXT-DATA:ephemeral'];
  if (flavor['os-flavor-access:is_public'] !== undefined) data['public'] = flavor['os-flavor-access:is_public'];
  const num = (v: unknown) => (typeof v === 'number' ? v : null);
  return { id: String(flavor['id']), name: String(flavor['name'] ?? flavor['id']), vcpus: num(flavor['vcpus']), ramMb: num(flavor['ram']), diskGb: num(flavor['disk']), data };
}

export function toKeyPair(entry: Json): KeyPair {
  const key = (entry['keypair'] ?? entry) as Json;
  return { name: String(key['name']), fingerprint: (key['fingerprint'] as string | undefined) ?? null, publicKey: (key['public_key'] as string | undefined) ?? null };
}

/** A Neutron security group; only ingress rules that cloudmesh can express are reported. */
export function toSecurityGroup(group: Json): SecurityGroup {
  const rules: SecurityRule[] = [];
  for (const rule of (group['security_group_rules'] ?? []) as Json[]) {
    const mapped = toRule(rule);
    if (mapped) rules.push(mapped);
  }
  return { name: String(group['name']), id: (group['id'] as string | undefined) ?? null, rules };
}

/** A Neutron rule as cloudmesh's, or undefined for egress rules and those naming other groups. */
export function toRule(rule: Json): SecurityRule | undefined {
  if (rule['direction'] !== 'ingress' || !['tcp', 'udp', 'icmp'].includes(rule['protocol'])) return undefined;
  if (rule['remote_group_id']) return undefined;
  const cidr = (rule['remote_ip_prefix'] as string | null) ?? (rule['ethertype'] === 'IPv6' ? '::/0' : '0.0.0.0/0');
  const from = typeof rule['port_range_min'] === 'number' ? rule['port_range_min'] : rule['protocol'] === 'icmp' ? -1 : 1;
  const to = typeof rule['port_range_max'] === 'number' ? rule['port_range_max'] : rule['protocol'] === 'icmp' ? -1 : 65535;
  return { protocol: rule['protocol'], fromPort: from, toPort: to, cidr };
}

/** The Neutron body creating `rule` in group `groupId`. */
export function ruleBody(groupId: string, rule: SecurityRule): Json {
  const body: Json = {
    security_group_id: groupId,
    direction: 'ingress',
    ethertype: rule.cidr.includes(':') ? 'IPv6' : 'IPv4',
    protocol: rule.protocol,
    remote_ip_prefix: rule.cidr,
  };
  // ICMP type/code -1 means "any": Neutron wants the fields left out.
  if (!(rule.protocol === 'icmp' && rule.fromPort < 0)) body['port_range_min'] = rule.fromPort;
  if (!(rule.protocol === 'icmp' && rule.toPort < 0)) body['port_range_max'] = rule.toPort;
  return { security_group_rule: body };
}

/** The identity of a rule, for comparing what is with what should be. */
export function ruleKey(rule: SecurityRule): string {
  const any = rule.cidr === '0.0.0.0/0' || rule.cidr === '::/0';
  return `${rule.protocol}:${rule.fromPort}:${rule.toPort}:${any ? rule.cidr : rule.cidr.toLowerCase()}`;
}

export function toFloatingIp(fip: Json, deviceOfPort: ReadonlyMap<string, string>): FloatingIp {
  const port = fip['port_id'] as string | null | undefined;
  return { id: String(fip['id']), ip: String(fip['floating_ip_address']), vmId: port ? (deviceOfPort.get(port) ?? null) : null };
}

/** Neutron's singular quota names as the plural words Nova uses. */
const NETWORK_QUOTA_NAMES: Record<string, string> = {
  floatingip: 'floating_ips', network: 'networks', port: 'ports', router: 'routers', subnet: 'subnets',
  security_group: 'security_groups', security_group_rule: 'security_group_rules', subnetpool: 'subnet_pools', rbac_policy: 'rbac_policies',
};

/** Nova `os-quota-sets/…/detail` and Neutron `quotas/…/details` as quota lines (negative limits mean unlimited). */
export function toQuota(compute: Json | null, network: Json | null): QuotaEntry[] {
  const entries: QuotaEntry[] = [];
  const add = (resource: string, used: unknown, limit: unknown) => {
    entries.push({ resource, used: typeof used === 'number' ? used : null, limit: typeof limit === 'number' && limit >= 0 ? limit : null });
  };
  for (const [name, value] of Object.entries((compute?.['quota_set'] ?? {}) as Json)) {
    if (typeof value === 'object' && value) add(name, value['in_use'], value['limit']);
  }
  for (const [name, value] of Object.entries((network?.['quota'] ?? {}) as Json)) {
    if (typeof value === 'object' && value) add(NETWORK_QUOTA_NAMES[name] ?? name, value['used'], value['limit']);
  }
  return entries.sort((a, b) => a.resource.localeCompare(b.resource));
}

/** Nova `/limits` absolute values as quota lines (the fallback when the quota API is refused). */
export function limitsToQuota(limits: Json | null): QuotaEntry[] {
  const absolute = (limits?.['limits']?.['absolute'] ?? {}) as Json;
  const pairs: Array<[string, string, string]> = [
    ['instances', 'totalInstancesUsed', 'maxTotalInstances'],
    ['cores', 'totalCoresUsed', 'maxTotalCores'],
    ['ram', 'totalRAMUsed', 'maxTotalRAMSize'],
    ['key_pairs', 'totalKeyPairsUsed', 'maxTotalKeypairs'],
    ['server_groups', 'totalServerGroupsUsed', 'maxServerGroups'],
  ];
  return pairs
    .filter(([, used, max]) => absolute[used] !== undefined || absolute[max] !== undefined)
    .map(([resource, used, max]) => ({ resource, used: typeof absolute[used] === 'number' ? absolute[used] : null, limit: typeof absolute[max] === 'number' && absolute[max] >= 0 ? absolute[max] : null }));
}

/** A Nova `name` filter (a regular expression on the server) that matches exactly `name`. */
export function exactNameFilter(name: string): string {
  return `^${name.replace(/[^A-Za-z0-9_-]/g, (c) => (c.charCodeAt(0) < 128 ? `\\${c}` : c))}$`;
}

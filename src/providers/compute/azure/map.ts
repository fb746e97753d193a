/**
 * @module providers/compute/azure/map
 * Pure mapping between Azure's models (as the SDKs return them, properties flattened) and cloudmesh's:
 * names Azure accepts, power states, image URNs, NSG rules. No SDK import.
 */
import { createHash, generateKeyPairSync } from 'node:crypto';
import { CM_TAGS } from '../../../core/compute.ts';
import type { Flavor, FloatingIp, KeyPair, SecurityGroup, SecurityRule, Vm, VmStateName } from '../../../core/compute.ts';

export interface AzStatus { code?: string | undefined }
export interface AzVm {
  id?: string | undefined;
  name?: string | undefined;
  location?: string | undefined;
  tags?: Record<string, string> | undefined;
  hardwareProfile?: { vmSize?: string | undefined } | undefined;
  storageProfile?: { imageReference?: { publisher?: string | undefined; offer?: string | undefined; sku?: string | undefined; version?: string | undefined; id?: string | undefined } | undefined } | undefined;
  osProfile?: { linuxConfiguration?: { ssh?: { publicKeys?: { keyData?: string | undefined }[] | undefined } | undefined } | undefined } | undefined;
  networkProfile?: { networkInterfaces?: { id?: string | undefined }[] | undefined } | undefined;
  provisioningState?: string | undefined;
  instanceView?: { statuses?: AzStatus[] | undefined } | undefined;
  timeCreated?: Date | string | undefined;
  vmId?: string | undefined;
}
export interface AzRule { name?: string | undefined; protocol?: string | undefined; sourceAddressPrefix?: string | undefined; sourceAddressPrefixes?: string[] | undefined; destinationPortRange?: string | undefined; access?: string | undefined; direction?: string | undefined; priority?: number | undefined }

/** Azure VM names: letters, digits, `.` `-` `_`, up to 64, not ending in `.` or `-`. */
const AZURE_NAME = /^[A-Za-z0-9](?:[A-Za-z0-9._-]{0,62}[A-Za-z0-9_])?$/;

/**
 * The Azure resource name for a cloudmesh VM name: the name itself when Azure accepts it, otherwise a slug
 * plus a hash of the original (so two different names never collide); the original stays in the cm.name tag.
 */
export function azureName(name: string): string {
  if (AZURE_NAME.test(name) && name.length <= 64) return name;
  const slug = name.replace(/[^A-Za-z0-9-]+/g, '-').replace(/-+/g, '-').replace(/^-|-$/g, '').slice(0, 48) || 'vm';
  return `${slug}-${createHash('sha256').update(name).digest('hex').slice(0, 8)}`;
}

/** The resource name at the end of an ARM id. */
export function nameOf(id: string | undefined): string {
  return id?.split('/').pop() ?? '';
}

const POWER: Record<string, VmStateName> = { running: 'ACTIVE', starting: 'BUILDING', stopping: 'ACTIVE', deallocating: 'ACTIVE', stopped: 'STOPPED', deallocated: 'STOPPED' };

/** Provisioning state first (creating, failed, deleting), then the power state. */
export function vmState(provisioning: string | undefined, power: string | undefined): VmStateName {
  const p = provisioning?.toLowerCase();
  if (p === 'failed') return 'ERROR';
  if (p === 'deleting') return 'DELETED';
  if (p === 'creating') return 'BUILDING';
  return (power && POWER[power]) || (p === 'succeeded' || p === 'updating' ? 'UNKNOWN' : 'BUILDING');
}

export function powerOf(statuses: AzStatus[] | undefined): string | undefined {
  return statuses?.map((s) => s.code ?? '').find((c) => c.startsWith('PowerState/'))?.slice('PowerState/'.length);
}

export function toVm(vm: AzVm, statuses: AzStatus[] | undefined, addresses: { publicIp?: string | null; privateIp?: string | null } = {}): Vm {
  const tags = vm.tags ?? {};
  const power = powerOf(statuses ?? vm.instanceView?.statuses);
  const provisioning = statuses?.map((s) => s.code ?? '').find((c) => c.startsWith('ProvisioningState/'))?.slice('ProvisioningState/'.length) ?? vm.provisioningState;
  const image = vm.storageProfile?.imageReference;
  return {
    id: vm.name ?? '',
    name: tags[CM_TAGS.name] ?? vm.name ?? '',
    state: vmState(provisioning, power),
    providerState: [provisioning, power].filter(Boolean).join('/') || 'unknown',
    image: image ? (image.id ?? [image.publisher, image.offer, image.sku, image.version].join(':')) : null,
    flavor: vm.hardwareProfile?.vmSize ?? null,
    key: tags['cm.key'] ?? null,
    group: tags[CM_TAGS.group] ?? null,
    publicIp: addresses.publicIp ?? null,
    privateIp: addresses.privateIp ?? null,
    createdAt: vm.timeCreated ? new Date(vm.timeCreated).toISOString() : null,
    metadata: tags,
    data: { location: vm.location ?? null, resourceId: vm.id ?? null, vmId: vm.vmId ?? null, nics: (vm.networkProfile?.networkInterfaces ?? []).map((n) => nameOf(n.id)) },
  };
}

/** `Publisher:Offer:Sku:Version` → its parts; undefined for anything else. */
export function parseUrn(urn: string): { publisher: string; offer: string; sku: string; version: string } | undefined {
  const parts = urn.split(':');
  if (parts.length !== 4 || parts.some((p) => p === '')) return undefined;
  const [publisher, offer, sku, version] = parts as [string, string, string, string];
  return { publisher, offer, sku, version };
}

export function toFlavor(size: { name?: string | undefined; numberOfCores?: number | undefined; memoryInMB?: number | undefined; resourceDiskSizeInMB?: number | undefined; osDiskSizeInMB?: number | undefined }): Flavor {
  return {
    id: size.name ?? '',
    name: size.name ?? '',
    vcpus: size.numberOfCores ?? null,
    ramMb: size.memoryInMB ?? null,
    diskGb: size.resourceDiskSizeInMB !== undefined ? Math.round(size.resourceDiskSizeInMB / 1024) : null,
    data: { osDiskSizeInMB: size.osDiskSizeInMB ?? null },
  };
}

export function toKeyPair(key: { name?: string | undefined; publicKey?: string | undefined }): KeyPair {
  return { name: key.name ?? '', fingerprint: key.publicKey ? keyFingerprint(key.publicKey) : null, publicKey: key.publicKey ?? null };
}

/** OpenSSH's SHA256 fingerprint of a public key line. */
export function keyFingerprint(publicKey: string): string {
  const blob = publicKey.trim().split(/\s+/)[1] ?? '';
  return `SHA256:${createHash('sha256').update(Buffer.from(blob, 'base64')).digest('base64').replace(/=+$/, '')}`;
}

/** Type and blob identify a key; the comment does not. */
export function sameKey(a: string, b: string): boolean {
  const core = (k: string) => k.trim().split(/\s+/).slice(0, 2).join(' ');
  return core(a) === core(b);
}

const PROTOCOLS = { tcp: 'Tcp', udp: 'Udp', icmp: 'Icmp' } as const;

/** cloudmesh rules → NSG inbound allow rules, priorities from 1000 in order. */
export function toAzureRules(rules: SecurityRule[]) {
  return rules.map((rule, i) => ({
    name: `cm-${rule.protocol}-${i + 1}`,
    protocol: PROTOCOLS[rule.protocol],
    sourceAddressPrefix: rule.cidr,
    sourcePortRange: '*',
    destinationAddressPrefix: '*',
    destinationPortRange: rule.protocol === 'icmp' || rule.fromPort < 0 ? '*' : rule.fromPort === rule.toPort ? String(rule.fromPort) : `${rule.fromPort}-${rule.toPort}`,
    access: 'Allow',
    direction: 'Inbound',
    priority: 1000 + i,
  }));
}

/** NSG rules → cloudmesh rules (inbound allow rules cloudmesh can express). */
export function toRules(rules: AzRule[] | undefined): SecurityRule[] {
  const out: SecurityRule[] = [];
  for (const r of [...(rules ?? [])].sort((a, b) => (a.priority ?? 0) - (b.priority ?? 0))) {
    const protocol = r.protocol?.toLowerCase();
    if (r.direction !== 'Inbound' || r.access !== 'Allow' || (protocol !== 'tcp' && protocol !== 'udp' && protocol !== 'icmp')) continue;
    const range = r.destinationPortRange ?? '*';
    const [from, to] = range === '*' ? (protocol === 'icmp' ? [-1, -1] : [1, 65535]) : range.split('-').map(Number).concat(range.includes('-') ? [] : [Number(range)]);
    for (const prefix of r.sourceAddressPrefixes?.length ? r.sourceAddressPrefixes : [r.sourceAddressPrefix ?? '*']) {
      out.push({ protocol, fromPort: from!, toPort: to!, cidr: prefix === '*' || prefix === 'Internet' ? '0.0.0.0/0' : prefix });
    }
  }
  return out;
}

export function toSecurityGroup(nsg: { id?: string | undefined; name?: string | undefined; securityRules?: AzRule[] | undefined }): SecurityGroup {
  return { name: nsg.name ?? '', id: nsg.id ?? null, rules: toRules(nsg.securityRules) };
}

export function toFloatingIp(ip: { name?: string | undefined; ipAddress?: string | undefined }, vmName: string | null): FloatingIp {
  return { id: ip.name ?? '', ip: ip.ipAddress ?? '', vmId: vmName };
}

/**
 * An SSH public key whose private half is dropped at once: Azure refuses a Linux VM with neither key nor
 * password, and a VM booted without a key should be as unreachable as an EC2 instance without KeyName.
 */
export function throwawayPublicKey(): string {
  const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = publicKey.export({ format: 'jwk' }) as { n: string; e: string };
  const mpint = (b64url: string) => {
    let bytes = Buffer.from(b64url, 'base64url');
    if (bytes[0]! & 0x80) bytes = Buffer.concat([Buffer.from([0]), bytes]);
    return lengthPrefixed(bytes);
  };
  const blob = Buffer.concat([lengthPrefixed(Buffer.from('ssh-rsa')), mpint(jwk.e), mpint(jwk.n)]);
  return `ssh-rsa ${blob.toString('base64')} cloudmesh-no-login`;
}

function lengthPrefixed(bytes: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(bytes.length);
  return Buffer.concat([length, bytes]);
}

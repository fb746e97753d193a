/**
 * @module providers/compute/aws/map
 * Pure mapping between EC2's shapes and cloudmesh's: states, tags, rules. Types are declared structurally
 * here (only the fields used), so this file needs no SDK import and its tests need no SDK.
 */
import { createHash } from 'node:crypto';
import { CM_TAGS } from '../../../core/compute.ts';
import type { Flavor, FloatingIp, Image, KeyPair, SecurityGroup, SecurityRule, Vm, VmSpec, VmStateName } from '../../../core/compute.ts';

export interface Ec2Tag { Key?: string | undefined; Value?: string | undefined }
export interface Ec2Instance {
  InstanceId?: string | undefined;
  State?: { Name?: string | undefined } | undefined;
  Tags?: Ec2Tag[] | undefined;
  ImageId?: string | undefined;
  InstanceType?: string | undefined;
  KeyName?: string | undefined;
  PublicIpAddress?: string | undefined;
  PrivateIpAddress?: string | undefined;
  LaunchTime?: Date | undefined;
  Placement?: { AvailabilityZone?: string | undefined } | undefined;
  VpcId?: string | undefined;
  SubnetId?: string | undefined;
  SecurityGroups?: { GroupName?: string | undefined; GroupId?: string | undefined }[] | undefined;
  StateReason?: { Message?: string | undefined } | undefined;
}
export interface Ec2Image { ImageId?: string | undefined; Name?: string | undefined; State?: string | undefined; OwnerId?: string | undefined; Architecture?: string | undefined; Platform?: string | undefined; CreationDate?: string | undefined; Description?: string | undefined }
export interface Ec2InstanceType { InstanceType?: string | undefined; VCpuInfo?: { DefaultVCpus?: number | undefined } | undefined; MemoryInfo?: { SizeInMiB?: number | undefined } | undefined; InstanceStorageInfo?: { TotalSizeInGB?: number | undefined } | undefined; CurrentGeneration?: boolean | undefined }
export interface Ec2KeyPair { KeyName?: string | undefined; KeyFingerprint?: string | undefined; PublicKey?: string | undefined; KeyPairId?: string | undefined }
export interface Ec2IpRange { CidrIp?: string | undefined }
export interface Ec2Permission { IpProtocol?: string | undefined; FromPort?: number | undefined; ToPort?: number | undefined; IpRanges?: Ec2IpRange[] | undefined; Ipv6Ranges?: { CidrIpv6?: string | undefined }[] | undefined }
export interface Ec2SecurityGroup { GroupId?: string | undefined; GroupName?: string | undefined; IpPermissions?: Ec2Permission[] | undefined }
export interface Ec2Address { AllocationId?: string | undefined; PublicIp?: string | undefined; InstanceId?: string | undefined; AssociationId?: string | undefined }

/** EC2 instance states → cloudmesh states. `stopping` stays ACTIVE until it is really stopped (like Nova). */
const STATES: Record<string, VmStateName> = {
  pending: 'BUILDING',
  running: 'ACTIVE',
  stopping: 'ACTIVE',
  stopped: 'STOPPED',
  'shutting-down': 'DELETED',
  terminated: 'DELETED',
};

export function vmState(ec2State: string | undefined): VmStateName {
  return (ec2State && STATES[ec2State]) || 'UNKNOWN';
}

export function tagMap(tags: Ec2Tag[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const tag of tags ?? []) if (tag.Key !== undefined) out[tag.Key] = tag.Value ?? '';
  return out;
}

/** The tags cloudmesh writes on a VM it boots: Name (for the console), cm.* and the spec's metadata. */
export function bootTags(spec: VmSpec): Ec2Tag[] {
  const tags: Record<string, string> = { ...spec.metadata, Name: spec.name, [CM_TAGS.name]: spec.name, [CM_TAGS.token]: spec.clientToken };
  if (spec.group) tags[CM_TAGS.group] = spec.group;
  // EC2 tag values are at most 256 characters; a longer name is cut in the tag, never refused.
  return Object.entries(tags).map(([Key, Value]) => ({ Key, Value: Value.slice(0, 256) }));
}

export function toVm(instance: Ec2Instance): Vm {
  const tags = tagMap(instance.Tags);
  const id = instance.InstanceId ?? '';
  return {
    id,
    name: tags[CM_TAGS.name] ?? tags.Name ?? id,
    state: vmState(instance.State?.Name),
    providerState: instance.State?.Name ?? 'unknown',
    image: instance.ImageId ?? null,
    flavor: instance.InstanceType ?? null,
    key: instance.KeyName ?? null,
    group: tags[CM_TAGS.group] ?? null,
    publicIp: instance.PublicIpAddress ?? null,
    privateIp: instance.PrivateIpAddress ?? null,
    createdAt: instance.LaunchTime ? new Date(instance.LaunchTime).toISOString() : null,
    metadata: tags,
    data: {
      zone: instance.Placement?.AvailabilityZone ?? null,
      vpc: instance.VpcId ?? null,
      subnet: instance.SubnetId ?? null,
      secgroups: (instance.SecurityGroups ?? []).map((g) => g.GroupName ?? g.GroupId),
      ...(instance.StateReason?.Message ? { reason: instance.StateReason.Message } : {}),
    },
  };
}

export function toImage(image: Ec2Image): Image {
  return {
    id: image.ImageId ?? '',
    name: image.Name ?? image.ImageId ?? '',
    status: image.State ?? null,
    data: { owner: image.OwnerId ?? null, architecture: image.Architecture ?? null, platform: image.Platform ?? 'linux', created: image.CreationDate ?? null },
  };
}

export function toFlavor(type: Ec2InstanceType): Flavor {
  const name = type.InstanceType ?? '';
  return {
    id: name,
    name,
    vcpus: type.VCpuInfo?.DefaultVCpus ?? null,
    ramMb: type.MemoryInfo?.SizeInMiB ?? null,
    diskGb: type.InstanceStorageInfo?.TotalSizeInGB ?? 0,
    data: { currentGeneration: type.CurrentGeneration ?? null },
  };
}

export function toKeyPair(key: Ec2KeyPair): KeyPair {
  return { name: key.KeyName ?? '', fingerprint: key.KeyFingerprint ?? null, publicKey: key.PublicKey ?? null };
}

/** EC2 permissions flattened to one rule per (protocol, ports, CIDR); rules cloudmesh cannot express are left out. */
export function toRules(permissions: Ec2Permission[] | undefined): SecurityRule[] {
  const rules: SecurityRule[] = [];
  for (const p of permissions ?? []) {
    const protocol = p.IpProtocol === '6' ? 'tcp' : p.IpProtocol === '17' ? 'udp' : p.IpProtocol === '1' ? 'icmp' : p.IpProtocol;
    if (protocol !== 'tcp' && protocol !== 'udp' && protocol !== 'icmp') continue;
    const cidrs = [...(p.IpRanges ?? []).map((r) => r.CidrIp), ...(p.Ipv6Ranges ?? []).map((r) => r.CidrIpv6)];
    for (const cidr of cidrs) {
      if (cidr) rules.push({ protocol, fromPort: p.FromPort ?? -1, toPort: p.ToPort ?? -1, cidr });
    }
  }
  return rules;
}

export function toSecurityGroup(group: Ec2SecurityGroup): SecurityGroup {
  return { name: group.GroupName ?? '', id: group.GroupId ?? null, rules: toRules(group.IpPermissions) };
}

/** One rule as an EC2 permission (IPv4 or IPv6 by the CIDR). */
export function toPermission(rule: SecurityRule): Ec2Permission {
  const v6 = rule.cidr.includes(':');
  return {
    IpProtocol: rule.protocol,
    FromPort: rule.fromPort,
    ToPort: rule.toPort,
    ...(v6 ? { Ipv6Ranges: [{ CidrIpv6: rule.cidr }] } : { IpRanges: [{ CidrIp: rule.cidr }] }),
  };
}

export function ruleKey(rule: SecurityRule): string {
  return `${rule.protocol}/${rule.fromPort}/${rule.toPort}/${rule.cidr}`;
}

/** What to add and what to revoke so that `current` becomes `wanted`. */
export function ruleDiff(current: SecurityRule[], wanted: SecurityRule[]): { add: SecurityRule[]; remove: SecurityRule[] } {
  const have = new Set(current.map(ruleKey));
  const want = new Set(wanted.map(ruleKey));
  const unique = (rules: SecurityRule[]) => [...new Map(rules.map((r) => [ruleKey(r), r])).values()];
  return { add: unique(wanted.filter((r) => !have.has(ruleKey(r)))), remove: unique(current.filter((r) => !want.has(ruleKey(r)))) };
}

export function toFloatingIp(address: Ec2Address): FloatingIp {
  return { id: address.AllocationId ?? address.PublicIp ?? '', ip: address.PublicIp ?? '', vmId: address.InstanceId || null };
}

/** `ami-0123abcd` style ids are looked up by id; anything else is an image name. */
export function isAmiId(value: string): boolean {
  return /^ami-[0-9a-f]{8,17}$/.test(value);
}

export function isInstanceId(value: string): boolean {
  return /^i-[0-9a-f]{8,17}$/.test(value);
}

/** The key's type and base64 blob, which identify it (the comment does not). */
export function keyIdentity(publicKey: string): string {
  const [type, blob] = publicKey.trim().split(/\s+/);
  return createHash('sha256').update(`${type} ${blob}`).digest('hex');
}

/**
 * @module core/compute
 * The `ComputeProvider` port: one cloud account/region or engine (OpenStack, EC2, Azure, Docker, libvirt)
 * seen as VMs, images, flavors, keys, security groups and IPs. Every provider implements every method;
 * what it cannot do throws `UnsupportedError` and is listed, with the reason, by `capabilities()`, so
 * `cm provider capabilities` is generated from the code rather than written by hand.
 */
import { UnsupportedError } from './errors.ts';

/** The states cloudmesh reports for a VM, whatever the provider calls them. */
export const VM_STATES = ['BUILDING', 'ACTIVE', 'STOPPED', 'REBOOTING', 'DELETED', 'ERROR', 'UNKNOWN'] as const;
export type VmStateName = (typeof VM_STATES)[number];

/** Metadata/tag keys cloudmesh writes on every VM it boots, so a re-listing finds its own. */
export const CM_TAGS = { name: 'cm.name', group: 'cm.group', token: 'cm.token', user: 'cm.user' } as const;

/** What to boot. `clientToken` makes a retried boot return the first VM instead of making a second. */
export interface VmSpec {
  name: string;
  image: string;
  flavor: string;
  key?: string;
  secgroups?: string[];
  network?: string;
  group?: string;
  userData?: string;
  /** Extra metadata/tags to carry on the VM. */
  metadata?: Record<string, string>;
  /** Idempotency token: same token, same VM (EC2 ClientToken; metadata lookup elsewhere). */
  clientToken: string;
}

/** A VM as the provider reports it now. */
export interface Vm {
  id: string;
  name: string;
  state: VmStateName;
  /** The provider's own word for the state (`SHUTOFF`, `stopped`, `exited` …). */
  providerState: string;
  image: string | null;
  flavor: string | null;
  key: string | null;
  group: string | null;
  publicIp: string | null;
  privateIp: string | null;
  createdAt: string | null;
  metadata: Record<string, string>;
  /** Provider details worth keeping (zone, host id …); never a secret. */
  data: Record<string, unknown>;
}

export interface Image {
  id: string;
  name: string;
  status: string | null;
  data: Record<string, unknown>;
}

export interface Flavor {
  id: string;
  name: string;
  vcpus: number | null;
  ramMb: number | null;
  diskGb: number | null;
  data: Record<string, unknown>;
}

export interface KeyPair {
  name: string;
  fingerprint: string | null;
  publicKey: string | null;
}

/** One ingress rule, defined locally and synced to each cloud. */
export interface SecurityRule {
  protocol: 'tcp' | 'udp' | 'icmp';
  fromPort: number;
  toPort: number;
  cidr: string;
}

export interface SecurityGroup {
  name: string;
  id: string | null;
  rules: SecurityRule[];
}

export interface FloatingIp {
  id: string;
  ip: string;
  /** The VM it is attached to, if any. */
  vmId: string | null;
}

/** One line of `quota` / `limits`. */
export interface QuotaEntry {
  resource: string;
  used: number | null;
  limit: number | null;
}

/** The operations a provider may offer; `capabilities()` says which ones it does. */
export const COMPUTE_OPERATIONS = [
  'listVms', 'getVm', 'boot', 'start', 'stop', 'reboot', 'delete', 'rename', 'console',
  'listImages', 'listFlavors', 'listKeys', 'uploadKey', 'deleteKey',
  'listSecgroups', 'uploadSecgroup', 'deleteSecgroup', 'assignIp', 'listIps', 'quota',
] as const;
export type ComputeOperation = (typeof COMPUTE_OPERATIONS)[number];

/** For each operation: supported, or the reason it is not. */
export type Capabilities = Record<ComputeOperation, true | { unsupported: string }>;

export interface ComputeProvider {
  /** Provider kind (`openstack`, `aws`, `docker` …). */
  readonly kind: string;
  /** The registered cloud name this instance serves. */
  readonly cloud: string;
  capabilities(): Capabilities;
  /** Every VM of this cloud/region in one listing (paged inside the provider, never one call per VM). */
  listVms(): Promise<Vm[]>;
  /** One VM by provider id; `null` when it no longer exists. */
  getVm(id: string): Promise<Vm | null>;
  /** Boot one VM; idempotent on `spec.clientToken`. Returns as soon as the provider accepted it. */
  boot(spec: VmSpec): Promise<Vm>;
  start(id: string): Promise<void>;
  stop(id: string): Promise<void>;
  reboot(id: string): Promise<void>;
  /** Delete; deleting a VM that is already gone is not an error. */
  delete(id: string): Promise<void>;
  rename(id: string, name: string): Promise<void>;
  /** The console log, or a URL where the console is. */
  console(id: string): Promise<string>;
  listImages(): Promise<Image[]>;
  listFlavors(): Promise<Flavor[]>;
  listKeys(): Promise<KeyPair[]>;
  /** Upload (import) a public key under `name`; uploading the same key again is not an error. */
  uploadKey(name: string, publicKey: string): Promise<KeyPair>;
  deleteKey(name: string): Promise<void>;
  listSecgroups(): Promise<SecurityGroup[]>;
  /** Create the group if missing and make its rules equal to `group.rules`. */
  uploadSecgroup(group: { name: string; description?: string; rules: SecurityRule[] }): Promise<SecurityGroup>;
  deleteSecgroup(name: string): Promise<void>;
  /** Attach a public/floating IP to a VM (allocating one if needed); returns the address. */
  assignIp(id: string): Promise<string>;
  listIps(): Promise<FloatingIp[]>;
  quota(): Promise<QuotaEntry[]>;
  /** Release connections. Safe to call twice. */
  close(): Promise<void>;
}

/** Capabilities with every operation supported except those named, each with its reason. */
export function capabilitiesExcept(unsupported: Partial<Record<ComputeOperation, string>> = {}): Capabilities {
  const caps = {} as Capabilities;
  for (const op of COMPUTE_OPERATIONS) {
    const reason = unsupported[op];
    caps[op] = reason === undefined ? true : { unsupported: reason };
  }
  return caps;
}

/** The error an unsupported operation throws, naming the provider and the reason from its capabilities. */
export function unsupportedOperation(provider: Pick<ComputeProvider, 'kind' | 'cloud' | 'capabilities'>, op: ComputeOperation): UnsupportedError {
  const cap = provider.capabilities()[op];
  const reason = cap === true ? 'not implemented' : cap.unsupported;
  return new UnsupportedError(`cloud "${provider.cloud}" (${provider.kind}) cannot ${op}: ${reason}`);
}

/** Key pairs, security groups and public IPs: what a local engine (containers, libvirt domains) does not have. */
export const KEY_GROUP_IP_OPERATIONS = ['listKeys', 'uploadKey', 'deleteKey', 'listSecgroups', 'uploadSecgroup', 'deleteSecgroup', 'assignIp', 'listIps'] as const;

/**
 * Methods for operations a provider never offers: each throws the `UnsupportedError` that names the reason
 * from its capabilities. `provider` is read when called, so the object can be spread into its own literal.
 */
export function unsupportedMethods<K extends ComputeOperation>(provider: () => ComputeProvider, ops: readonly K[]): Pick<ComputeProvider, K> {
  const methods = {} as Record<K, () => Promise<never>>;
  for (const op of ops) methods[op] = async () => { throw unsupportedOperation(provider(), op); };
  return methods as unknown as Pick<ComputeProvider, K>;
}


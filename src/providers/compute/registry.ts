/**
 * @module providers/compute/registry
 * The one list of compute provider kinds. A cloud's `kind` in cloudmesh.yaml picks the entry; the
 * implementation (and its SDK) is imported only when a command first talks to that cloud.
 */
import type { Capabilities, ComputeProvider } from '../../core/compute.ts';
import type { CloudConfig } from '../../core/config.ts';
import { UserError } from '../../core/errors.ts';
import { didYouMean } from '../../core/suggest.ts';

/** What a provider factory gets: the cloud's name and config, where secrets and files are resolved from. */
export interface ProviderOptions {
  cloud: string;
  config: CloudConfig;
  home: string;
  env: Readonly<Record<string, string | undefined>>;
}

export interface ProviderKind {
  summary: string;
  create(options: ProviderOptions): Promise<ComputeProvider>;
  /** What the code can do, for kinds that cannot be created without a real cloud's settings. */
  capabilities?(): Promise<Capabilities>;
}

// Each entry is added by the provider that implements it; keep them in alphabetical order.
export const COMPUTE_PROVIDERS: Record<string, ProviderKind> = {
  aws: {
    summary: 'AWS EC2 (or moto) for one profile and region: instances, AMIs, instance types, key pairs, security groups, Elastic IPs',
    create: async (options) => (await import('./aws/index.ts')).createAwsProvider(options),
  },
  azure: {
    summary: 'Azure Resource Manager for one subscription, resource group and location: VMs, images, sizes, SSH keys, NSGs, public IPs',
    create: async (options) => (await import('./azure/index.ts')).createAzureProvider(options),
  },
  docker: {
    summary: 'A Docker Engine on its unix socket: containers as VMs, local images, CPU/memory presets as flavors',
    create: async (options) => (await import('./docker/index.ts')).createProvider(options),
  },
  libvirt: {
    summary: 'libvirt domains (qemu:///system with KVM, test:///default), qcow2 images from a local directory',
    create: async (options) => (await import('./libvirt/index.ts')).createProvider(options),
  },
  openstack: {
    summary: 'OpenStack (Keystone v3, Nova, Glance, Neutron) over its REST APIs; registered from clouds.yaml or openrc',
    create: async (options) => (await import('./openstack/index.ts')).createOpenStackProvider(options),
    capabilities: async () => (await import('./openstack/index.ts')).OPENSTACK_CAPABILITIES,
  },
};

/** Create the provider of `cloud` as configured; unknown kinds are a clear error. */
export async function createComputeProvider(options: ProviderOptions): Promise<ComputeProvider> {
  const kind = COMPUTE_PROVIDERS[options.config.kind];
  if (!kind) {
    throw new UserError(
      `cloud "${options.cloud}" is of kind "${options.config.kind}", which this cloudmesh does not support${didYouMean(options.config.kind, Object.keys(COMPUTE_PROVIDERS))}`,
      { hint: `supported: ${Object.keys(COMPUTE_PROVIDERS).join(', ') || 'none'}` },
    );
  }
  return kind.create(options);
}

/**
 * @module providers/compute/openstack
 * An OpenStack cloud (Keystone v3, Nova, Glance, Neutron) as a `ComputeProvider`, over a small typed
 * HTTP client (client.ts). Every listing is paged inside the provider; one `listVms` is one paged Nova listing
 * (plus the image names, fetched at the same time), never a call per VM.
 */
import { capabilitiesExcept, type ComputeProvider, type Image, type Vm } from '../../../core/compute.ts';
import { UserError } from '../../../core/errors.ts';
import type { ProviderOptions } from '../registry.ts';
import { httpCause, OpenStackClient } from './client.ts';
import { resolveOpenStackConfig, type OpenStackSettings } from './config.ts';
import { limitsToQuota, toFlavor, toImage, toKeyPair, toQuota, toVm } from './map.ts';
import { assignIp, deleteSecgroup, listIps, listSecgroups, uploadSecgroup } from './network.ts';
import { bootServer, consoleOutput, deleteServer, getServer, renameServer, serverAction } from './servers.ts';

export { OpenStackClient } from './client.ts';
export type { OpenStackSettings } from './config.ts';

type Json = Record<string, any>;

/** Everything: what a cloud does not offer (no floating IPs without Neutron's router extension) fails at call time. */
export const OPENSTACK_CAPABILITIES = capabilitiesExcept();

/** The provider plus its client, for tests and benchmarks that count calls. */
export interface OpenStackProvider extends ComputeProvider {
  readonly client: OpenStackClient;
  /** Authenticate now, bypassing every token cache (used by `cm register` and `cm cloud check`). */
  checkCredentials(): Promise<{ projectId: string | null; services: string[] }>;
}

/** Create the provider of a registered OpenStack cloud. Reads its clouds.yaml/openrc now, the secret at first use. */
export async function createOpenStackProvider(options: ProviderOptions): Promise<OpenStackProvider> {
  const settings = await resolveOpenStackConfig(options.cloud, options.config, options.home, options.env);
  return openStackProvider(settings, options.home);
}

/** The provider for already resolved settings (tests point these at a fault-injecting proxy). */
export function openStackProvider(settings: OpenStackSettings, home: string | undefined): OpenStackProvider {
  const client = new OpenStackClient(settings, home);
  let imageNames: Map<string, string> | undefined;

  const listImages = async (): Promise<Image[]> => {
    const images = (await client.listAll<Json>('image', '/images', 'images')).map(toImage);
    imageNames = new Map(images.map((i) => [i.id, i.name]));
    return images;
  };

  const provider: OpenStackProvider = {
    kind: 'openstack',
    cloud: settings.cloud,
    client,
    capabilities: () => OPENSTACK_CAPABILITIES,
    async checkCredentials() {
      const token = await client.token({ fresh: true });
      return { projectId: token.projectId, services: [...new Set(token.catalog.map((e) => e.type))].sort() };
    },
    async listVms(): Promise<Vm[]> {
      // Image names come from Glance; a Glance failure still lists the VMs, with image ids.
      const [servers] = await Promise.all([
        client.listAll<Json>('compute', '/servers/detail', 'servers'),
        imageNames ? undefined : listImages().catch(() => undefined),
      ]);
      return servers.map((s) => toVm(s, imageNames));
    },
    async getVm(id) {
      const [vm] = await Promise.all([getServer(client, id), imageNames ? undefined : listImages().catch(() => undefined)]);
      if (vm?.image && imageNames?.has(vm.image)) vm.image = imageNames.get(vm.image)!;
      return vm;
    },
    boot: (spec) => bootServer(client, spec),
    start: (id) => serverAction(client, id, 'start'),
    stop: (id) => serverAction(client, id, 'stop'),
    reboot: (id) => serverAction(client, id, 'reboot'),
    delete: (id) => deleteServer(client, id),
    rename: (id, name) => renameServer(client, id, name),
    console: (id) => consoleOutput(client, id),
    listImages,
    async listFlavors() {
      return (await client.listAll<Json>('compute', '/flavors/detail', 'flavors')).map(toFlavor);
    },
    async listKeys() {
      const body = await client.request<Json>('compute', 'GET', '/os-keypairs');
      return ((body?.['keypairs'] ?? []) as Json[]).map(toKeyPair);
    },
    async uploadKey(name, publicKey) {
      const path = `/os-keypairs/${encodeURIComponent(name)}`;
      const existing = await client.request<Json>('compute', 'GET', path, { allow404: true });
      if (!existing) {
        try {
          await client.request('compute', 'POST', '/os-keypairs', { body: { keypair: { name, public_key: publicKey } } });
        } catch (error) {
          // 409: it exists (another upload won, or our earlier answer was lost): compared below.
          const status = httpCause(error)?.status;
          if (status !== 409 && !httpCause(error)?.uncertain) throw error;
        }
      }
      const key = toKeyPair((await client.request<Json>('compute', 'GET', path))?.['keypair'] ?? {});
      if (!samePublicKey(key.publicKey, publicKey)) {
        throw new UserError(`cloud "${settings.cloud}": a different key named "${name}" is already there`, { hint: `delete it first (cm key delete ${name} --cloud ${settings.cloud}) or upload under another name` });
      }
      return key;
    },
    async deleteKey(name) {
      await client.request('compute', 'DELETE', `/os-keypairs/${encodeURIComponent(name)}`, { allow404: true });
    },
    listSecgroups: () => listSecgroups(client),
    uploadSecgroup: (group) => uploadSecgroup(client, group),
    deleteSecgroup: (name) => deleteSecgroup(client, name),
    assignIp: (id) => assignIp(client, id),
    listIps: () => listIps(client),
    async quota() {
      const { projectId } = await client.token();
      if (!projectId) throw new UserError(`cloud "${settings.cloud}": the token has no project, so there is no quota to show`);
      const [compute, network] = await Promise.all([
        client.request<Json>('compute', 'GET', `/os-quota-sets/${encodeURIComponent(projectId)}/detail`).catch(() => null),
        client.request<Json>('network', 'GET', `/quotas/${encodeURIComponent(projectId)}/details.json`).catch(() => null),
      ]);
      // A policy that hides the quota API still allows /limits, the same numbers for compute.
      const computeEntries = compute ? toQuota(compute, null) : limitsToQuota(await client.request<Json>('compute', 'GET', '/limits'));
      return [...computeEntries, ...toQuota(null, network)].sort((a, b) => a.resource.localeCompare(b.resource));
    },
    async close() {
      client.close();
    },
  };
  return provider;
}

/** Same key material, whatever comment or trailing whitespace each copy has. */
function samePublicKey(a: string | null, b: string): boolean {
  const body = (k: string) => k.trim().split(/\s+/).slice(0, 2).join(' ');
  return a !== null && body(a) === body(b);
}

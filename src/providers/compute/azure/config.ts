/**
 * @module providers/compute/azure/config
 * An Azure cloud in cloudmesh.yaml: one subscription, one resource group, one location. The service
 * principal's secret is a reference (`env:VAR` / `file:PATH`) under `credentials`, resolved only when the
 * first call needs a token; without one, the Azure CLI's login is used (`auth: cli`).
 *
 * ```yaml
 * clouds:
 *   az:
 *     kind: azure
 *     credentials: { client_secret: env:AZURE_CLIENT_SECRET }
 *     settings:
 *       subscription: 00000000-0000-0000-0000-000000000000
 *       tenant: 11111111-1111-1111-1111-111111111111
 *       client_id: 22222222-2222-2222-2222-222222222222
 *       resource_group: cloudmesh
 *       location: eastus
 *       # endpoint / authority / ca_file: another ARM endpoint and login host (sovereign clouds, tests)
 * ```
 */
import type { CloudConfig } from '../../../core/config.ts';
import { UserError } from '../../../core/errors.ts';

type Env = Readonly<Record<string, string | undefined>>;

/** Image aliases as the Azure CLI names them (`az vm create --image Ubuntu2204`), as publisher:offer:sku:version. */
export const DEFAULT_IMAGES: Record<string, string> = {
  Ubuntu2204: 'Canonical:0001-com-ubuntu-server-jammy:22_04-lts-gen2:latest',
  Ubuntu2404: 'Canonical:ubuntu-24_04-lts:server:latest',
  Debian12: 'Debian:debian-12:12-gen2:latest',
};

export interface AzureSettings {
  cloud: string;
  subscription: string;
  auth: 'service-principal' | 'cli';
  tenant: string | undefined;
  clientId: string | undefined;
  /** The secret as written (a reference or a literal), resolved only when a token is needed. */
  clientSecret: string | undefined;
  resourceGroup: string;
  location: string;
  /** ARM endpoint and Entra ID authority host; undefined means Azure's public cloud. */
  endpoint: string | undefined;
  authority: string | undefined;
  /** PEM file of a CA to trust for a private endpoint (tests: the loopback server's certificate). */
  caFile: string | undefined;
  /** The Linux admin user the SSH key is installed for. */
  adminUser: string;
  /** The virtual network and subnet cloudmesh puts its VMs' NICs in (created when missing). */
  vnet: string;
  subnet: string;
  pollMs: number;
  images: Record<string, string>;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const RESOURCE_GROUP = /^[-\w._()]{1,90}$/;
export const LOCATION = /^[a-z][a-z0-9]{2,30}$/;

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

export function resolveAzureSettings(cloud: string, config: CloudConfig, env: Env): AzureSettings {
  const s = (config.settings ?? {}) as Record<string, unknown>;
  const where = `cloud "${cloud}" (azure)`;
  const subscription = text(s.subscription) ?? env.AZURE_SUBSCRIPTION_ID;
  if (!subscription) throw new UserError(`${where}: no subscription is set`, { hint: `cm register azure ${cloud} --subscription ID …` });
  if (!UUID.test(subscription)) throw new UserError(`${where}: subscription "${subscription}" is not a subscription id (a UUID)`);
  const clientSecret = config.credentials?.client_secret;
  const auth = text(s.auth) === 'cli' || !clientSecret ? 'cli' : 'service-principal';
  const tenant = text(s.tenant);
  const clientId = text(s.client_id);
  if (auth === 'service-principal' && (!tenant || !clientId)) throw new UserError(`${where}: a service principal needs settings.tenant and settings.client_id`);
  const resourceGroup = text(s.resource_group) ?? 'cloudmesh';
  if (!RESOURCE_GROUP.test(resourceGroup)) throw new UserError(`${where}: "${resourceGroup}" is not a valid resource group name`);
  const location = (text(s.location) ?? 'eastus').toLowerCase().replace(/\s+/g, '');
  if (!LOCATION.test(location)) throw new UserError(`${where}: "${location}" is not an Azure location name (like eastus)`);
  const images = typeof s.images === 'object' && s.images !== null ? Object.fromEntries(Object.entries(s.images).map(([k, v]) => [k, String(v)])) : DEFAULT_IMAGES;
  const poll = Number(s.poll_ms ?? 2000);
  return {
    cloud,
    subscription,
    auth,
    tenant,
    clientId,
    clientSecret,
    resourceGroup,
    location,
    endpoint: text(s.endpoint)?.replace(/\/+$/, ''),
    authority: text(s.authority)?.replace(/\/+$/, ''),
    caFile: text(s.ca_file),
    adminUser: text(s.admin_user) ?? 'cloudmesh',
    vnet: text(s.vnet) ?? 'cloudmesh-vnet',
    subnet: text(s.subnet) ?? 'default',
    pollMs: Number.isFinite(poll) && poll >= 0 ? poll : 2000,
    images,
  };
}

/**
 * @module providers/compute/azure/client
 * The only file that talks to `@azure/arm-compute`, `@azure/arm-network` and `@azure/identity`, all loaded
 * lazily on first use. Retries are the SDK pipeline's: it repeats throttled calls after their Retry-After
 * and transient failures of ARM calls, which is safe because every ARM write cloudmesh makes is idempotent
 * by ARM's design (PUT of a whole resource, DELETE, POST power actions that set a desired state).
 */
import { readFileSync } from 'node:fs';
import { BackendError, UserError } from '../../../core/errors.ts';
import { isSecretReference, resolveSecret } from '../../../config/secrets.ts';
import type { AzureSettings } from './config.ts';
import type { AzRule, AzStatus, AzVm } from './map.ts';

type Env = Readonly<Record<string, string | undefined>>;
type Any = Record<string, any>;

/** A failed ARM call with ARM's error code (`ResourceNotFound`, `NicInUse` …) and HTTP status. */
export class AzureError extends BackendError {
  readonly code: string;
  readonly status: number | undefined;
  constructor(cloud: string, operation: string, code: string, status: number | undefined, cause: unknown, message?: string) {
    super(`azure:${cloud}`, operation, cause, message ?? `cloud "${cloud}" (azure): ${operation} failed: ${code}: ${firstLine((cause as Error)?.message)}`);
    this.code = code;
    this.status = status;
  }
}

function firstLine(text: string | undefined): string {
  return (text ?? '').split('\n')[0]!.slice(0, 300);
}

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

export async function openAzure(settings: AzureSettings, env: Env, home: string) {
  const { cloud, resourceGroup: rg, location } = settings;
  const [{ ComputeManagementClient }, { NetworkManagementClient }, identity] = await Promise.all([
    import('@azure/arm-compute'),
    import('@azure/arm-network'),
    import('@azure/identity'),
  ]);
  const ca = settings.caFile ? readFileSync(settings.caFile, 'utf8') : undefined;
  const common = { ...(ca ? { tlsOptions: { ca } } : {}), retryOptions: { maxRetries: 3 } };
  let credential;
  if (settings.auth === 'cli') {
    credential = new identity.AzureCliCredential(settings.tenant ? { tenantId: settings.tenant } : {});
  } else {
    const secret = resolveSecret(settings.clientSecret!, env, { baseDir: home, name: `clouds.${cloud}.credentials.client_secret` });
    credential = new identity.ClientSecretCredential(settings.tenant!, settings.clientId!, secret, {
      ...common,
      ...(settings.authority ? { authorityHost: settings.authority, disableInstanceDiscovery: true } : {}),
    });
  }
  const endpoint = settings.endpoint ? { endpoint: settings.endpoint } : {};
  const compute = new ComputeManagementClient(credential, settings.subscription, { ...common, ...endpoint });
  const network = new NetworkManagementClient(credential, settings.subscription, { ...common, ...endpoint, ...(settings.endpoint ? { $host: settings.endpoint } : {}) });
  const lro = { updateIntervalInMs: settings.pollMs };

  function translate(operation: string, error: unknown): Error {
    const e = error as { name?: string; code?: string; statusCode?: number; message?: string; errorResponse?: { error?: string; errorDescription?: string } };
    if (e.name === 'AuthenticationError' || e.name === 'CredentialUnavailableError' || e.name === 'AuthenticationRequiredError') {
      // Entra ID's description names the problem (AADSTS code), never the secret; keep its first line only.
      const why = firstLine(e.errorResponse?.errorDescription ?? e.message).replace(/^.*?(AADSTS\d+:[^.]*\.).*$/, '$1');
      const who = settings.auth === 'cli' ? 'the Azure CLI login' : `service principal ${settings.clientId}`;
      return new UserError(`cloud "${cloud}" (azure): Microsoft Entra ID refused ${who} in tenant ${settings.tenant ?? '(default)'}: ${why}`, {
        cause: error,
        hint: settings.auth === 'cli' ? 'run az login' : `check client_id, tenant and ${isSecretReference(settings.clientSecret ?? '') ? `the secret ${settings.clientSecret} refers to` : `clouds.${cloud}.credentials.client_secret`}`,
      });
    }
    const code = e.code ?? 'Error';
    if (e.statusCode === 401 || e.statusCode === 403) {
      return new UserError(`cloud "${cloud}" (azure): Azure refused the call ${operation} (${code}: ${firstLine(e.message)})`, { cause: error, hint: 'check the role assignment of the service principal on the subscription or resource group' });
    }
    if (code === 'ResourceGroupNotFound') {
      return new UserError(`cloud "${cloud}" (azure): resource group "${rg}" does not exist in subscription ${settings.subscription}`, { cause: error, hint: `az group create --name ${rg} --location ${location}  (cloudmesh does not create resource groups)` });
    }
    if (code === 'SubscriptionNotFound') return new UserError(`cloud "${cloud}" (azure): subscription ${settings.subscription} was not found`, { cause: error });
    if (e.code && /^(ECONNREFUSED|ENOTFOUND|EHOSTUNREACH|ECONNRESET|ETIMEDOUT)$/.test(e.code)) {
      return new AzureError(cloud, operation, e.code, undefined, error, `cloud "${cloud}" (azure): cannot reach ${settings.endpoint ?? 'management.azure.com'} (${e.code})`);
    }
    return new AzureError(cloud, operation, code, e.statusCode, error);
  }

  async function call<T>(operation: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (error) {
      throw translate(operation, error);
    }
  }
  /** Like `call`, but a 404 is `undefined` (a GET of something that may not exist). */
  async function find<T>(operation: string, fn: () => Promise<T>): Promise<T | undefined> {
    try {
      return await call(operation, fn);
    } catch (error) {
      if (error instanceof AzureError && error.status === 404) return undefined;
      throw error;
    }
  }
  const vm = compute.virtualMachines;

  return {
    listVms: () => call('virtualMachines.list', () => collect(vm.list(rg))) as Promise<AzVm[]>,
    /** Power states of every VM of the subscription in one call, by lower-case resource id. */
    async vmStatuses(): Promise<Map<string, AzStatus[]>> {
      const all = await call('virtualMachines.listAll', () => collect(vm.listAll({ statusOnly: 'true' })));
      return new Map(all.map((v: Any) => [String(v.id).toLowerCase(), v.instanceView?.statuses ?? []]));
    },
    getVm: (name: string) => find('virtualMachines.get', () => vm.get(rg, name, { expand: 'instanceView' })) as Promise<AzVm | undefined>,
    /** Returns when ARM accepted the create (201), not when the VM runs. */
    createVm: (name: string, body: Any) => call('virtualMachines.createOrUpdate', () => vm.createOrUpdate(rg, name, body as never, lro).submitted()),
    vmAction: (name: string, action: 'start' | 'powerOff' | 'deallocate' | 'restart') => call(`virtualMachines.${action}`, () => vm[action](rg, name, lro).submitted()),
    deleteVm: (name: string) => call('virtualMachines.delete', async () => void (await vm.delete(rg, name, lro))),
    setVmTags: (name: string, tags: Record<string, string>) => call('virtualMachines.update', async () => void (await vm.update(rg, name, { tags }, lro))),
    bootDiagnostics: (name: string) => call('virtualMachines.retrieveBootDiagnosticsData', () => vm.retrieveBootDiagnosticsData(rg, name, { sasUriExpirationTimeInMinutes: 60 })),

    sizes: () => call('virtualMachineSizes.list', () => collect(compute.virtualMachineSizes.list(location))),
    async imageVersions(publisher: string, offer: string, sku: string): Promise<string[]> {
      const found = await find('virtualMachineImages.list', () => compute.virtualMachineImages.list(location, publisher, offer, sku, { top: 1, orderby: 'name desc' }));
      return (found ?? []).map((v: Any) => String(v.name));
    },
    imageVersion: (publisher: string, offer: string, sku: string, version: string) => find('virtualMachineImages.get', () => compute.virtualMachineImages.get(location, publisher, offer, sku, version)),
    managedImages: () => call('images.listByResourceGroup', () => collect(compute.images.listByResourceGroup(rg))) as Promise<Any[]>,
    usages: () => call('usage.list', () => collect(compute.usage.list(location))) as Promise<Any[]>,

    listKeys: () => call('sshPublicKeys.listByResourceGroup', () => collect(compute.sshPublicKeys.listByResourceGroup(rg))) as Promise<Any[]>,
    getKey: (name: string) => find('sshPublicKeys.get', () => compute.sshPublicKeys.get(rg, name)) as Promise<Any | undefined>,
    createKey: (name: string, publicKey: string) => call('sshPublicKeys.create', () => compute.sshPublicKeys.create(rg, name, { location, publicKey } as never)) as Promise<Any>,
    deleteKey: (name: string) => call('sshPublicKeys.delete', () => compute.sshPublicKeys.delete(rg, name)),

    listNsgs: () => call('networkSecurityGroups.list', () => collect(network.networkSecurityGroups.list(rg))) as Promise<Any[]>,
    getNsg: (name: string) => find('networkSecurityGroups.get', () => network.networkSecurityGroups.get(rg, name)) as Promise<Any | undefined>,
    putNsg: (name: string, rules: AzRule[], tags: Record<string, string>) =>
      call('networkSecurityGroups.createOrUpdate', () => network.networkSecurityGroups.beginCreateOrUpdateAndWait(rg, name, { location, tags, securityRules: rules } as never, lro)) as Promise<Any>,
    deleteNsg: (name: string) => call('networkSecurityGroups.delete', () => network.networkSecurityGroups.beginDeleteAndWait(rg, name, lro)),

    listIps: () => call('publicIPAddresses.list', () => collect(network.publicIPAddresses.list(rg))) as Promise<Any[]>,
    getIp: (name: string) => find('publicIPAddresses.get', () => network.publicIPAddresses.get(rg, name)) as Promise<Any | undefined>,
    putIp: (name: string, tags: Record<string, string>) =>
      call('publicIPAddresses.createOrUpdate', () => network.publicIPAddresses.beginCreateOrUpdateAndWait(rg, name, { location, tags, sku: { name: 'Standard' }, publicIPAllocationMethod: 'Static', publicIPAddressVersion: 'IPv4' }, lro)) as Promise<Any>,
    deleteIp: (name: string) => call('publicIPAddresses.delete', () => network.publicIPAddresses.beginDeleteAndWait(rg, name, lro)),

    listNics: () => call('networkInterfaces.list', () => collect(network.networkInterfaces.list(rg))) as Promise<Any[]>,
    getNic: (name: string) => find('networkInterfaces.get', () => network.networkInterfaces.get(rg, name)) as Promise<Any | undefined>,
    putNic: (name: string, body: Any) => call('networkInterfaces.createOrUpdate', () => network.networkInterfaces.beginCreateOrUpdateAndWait(rg, name, { location, ...body }, lro)) as Promise<Any>,
    deleteNic: (name: string) => call('networkInterfaces.delete', () => network.networkInterfaces.beginDeleteAndWait(rg, name, lro)),

    getVnet: (name: string) => find('virtualNetworks.get', () => network.virtualNetworks.get(rg, name)) as Promise<Any | undefined>,
    putVnet: (name: string, subnet: string) =>
      call('virtualNetworks.createOrUpdate', () => network.virtualNetworks.beginCreateOrUpdateAndWait(rg, name, { location, addressSpace: { addressPrefixes: ['10.0.0.0/16'] }, subnets: [{ name: subnet, addressPrefix: '10.0.0.0/24' }] }, lro)) as Promise<Any>,
  };
}

export type AzureApi = Awaited<ReturnType<typeof openAzure>>;

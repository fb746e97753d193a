/**
 * @module providers/compute/azure
 * Azure Resource Manager as a `ComputeProvider`: VMs, marketplace images (by the Azure CLI's aliases or
 * URNs) and managed images, sizes, SSH public keys, network security groups and public IPs, all in one
 * resource group and location. VM names Azure would refuse are mapped (`azureName`); the cloudmesh name,
 * group and boot token ride in tags, so a retried boot finds the VM the first attempt made.
 */
import { CM_TAGS, capabilitiesExcept } from '../../../core/compute.ts';
import type { ComputeProvider, Image } from '../../../core/compute.ts';
import { NotFoundError, UserError } from '../../../core/errors.ts';
import { didYouMean } from '../../../core/suggest.ts';
import type { ProviderOptions } from '../registry.ts';
import { AzureError, openAzure } from './client.ts';
import type { AzureApi } from './client.ts';
import { resolveAzureSettings } from './config.ts';
import type { AzureSettings } from './config.ts';
import { azureName, nameOf, parseUrn, sameKey, throwawayPublicKey, toAzureRules, toFlavor, toFloatingIp, toKeyPair, toSecurityGroup, toVm } from './map.ts';
import type { AzStatus, AzVm } from './map.ts';

export { resolveAzureSettings } from './config.ts';

type Any = Record<string, any>;
const VM_TAG = 'cm.vm';

export async function createAzureProvider(options: ProviderOptions): Promise<ComputeProvider> {
  // Settings are checked when the cloud is first used, so capabilities() (cm provider list) works without one.
  let checked: AzureSettings | undefined;
  let invalid: unknown;
  try {
    checked = resolveAzureSettings(options.cloud, options.config, options.env);
  } catch (error) {
    invalid = error;
  }
  const settings = (): AzureSettings => {
    if (!checked) throw invalid;
    return checked;
  };
  const cloud = options.cloud;
  let api: Promise<AzureApi> | undefined;
  const azure = () => (api ??= openAzure(settings(), options.env, options.home).catch((error) => {
    api = undefined;
    throw error;
  }));
  let sizes: Promise<string[]> | undefined;
  let subnetId: Promise<string> | undefined;
  const missing = (id: string, cause?: unknown) => new NotFoundError(`cloud "${cloud}" (azure): no VM "${id}" in resource group ${settings().resourceGroup}`, cause ? { cause } : undefined);
  const notFound = (error: unknown) => error instanceof AzureError && error.status === 404;

  /** Public and private address of each NIC (by lower-case id), from one listing of NICs and one of IPs. */
  async function addressBook(client: AzureApi): Promise<Map<string, { publicIp: string | null; privateIp: string | null }>> {
    const [nics, ips] = await Promise.all([client.listNics(), client.listIps()]);
    const ipById = new Map(ips.map((ip) => [String(ip.id).toLowerCase(), ip.ipAddress as string | undefined]));
    return new Map(nics.map((nic) => {
      const config = nic.ipConfigurations?.[0] ?? {};
      return [String(nic.id).toLowerCase(), { privateIp: config.privateIPAddress ?? null, publicIp: ipById.get(String(config.publicIPAddress?.id).toLowerCase()) ?? null }];
    }));
  }
  const primaryNic = (vm: AzVm) => String(vm.networkProfile?.networkInterfaces?.[0]?.id ?? '').toLowerCase();

  const provider: ComputeProvider = {
    kind: 'azure',
    cloud,
    capabilities: () => capabilitiesExcept(),

    async listVms() {
      const client = await azure();
      const [vms, statuses, addresses] = await Promise.all([client.listVms(), client.vmStatuses(), addressBook(client)]);
      return vms.map((vm) => toVm(vm, statuses.get(String(vm.id).toLowerCase()) ?? [], addresses.get(primaryNic(vm))));
    },
    async getVm(id) {
      const client = await azure();
      const vm = await client.getVm(id);
      if (!vm) return null;
      const nic = await client.getNic(nameOf(primaryNic(vm)));
      const config = nic?.ipConfigurations?.[0];
      const ip = config?.publicIPAddress?.id ? await client.getIp(nameOf(config.publicIPAddress.id)) : undefined;
      return toVm(vm, vm.instanceView?.statuses as AzStatus[] | undefined, { privateIp: config?.privateIPAddress ?? null, publicIp: ip?.ipAddress ?? null });
    },

    async boot(spec) {
      const client = await azure();
      const name = azureName(spec.name);
      const existing = await client.getVm(name);
      if (existing) {
        if (existing.tags?.[CM_TAGS.token] === spec.clientToken) return (await provider.getVm(name))!;
        throw new UserError(`cloud "${cloud}" (azure): a VM named "${name}" already exists in resource group ${settings().resourceGroup}`, { hint: 'choose another name' });
      }
      await checkSize(client, spec.flavor);
      const imageReference = await resolveImage(client, spec.image);
      let keyData: string;
      if (spec.key) {
        const key = await client.getKey(spec.key);
        if (!key) throw new NotFoundError(`cloud "${cloud}" (azure): no SSH public key "${spec.key}"${didYouMean(spec.key, (await client.listKeys()).map((k) => String(k.name)))}`, { hint: `cm key upload ${spec.key} --cloud ${cloud}` });
        keyData = key.publicKey;
      } else keyData = throwawayPublicKey();
      if ((spec.secgroups?.length ?? 0) > 1) throw new UserError(`cloud "${cloud}" (azure): a VM's network interface takes one network security group, not ${spec.secgroups!.length}`);
      const nsgName = spec.secgroups?.[0];
      const nsg = nsgName ? await client.getNsg(nsgName) : undefined;
      if (nsgName && !nsg) throw new NotFoundError(`cloud "${cloud}" (azure): no network security group "${nsgName}"${didYouMean(nsgName, (await client.listNsgs()).map((g) => String(g.name)))}`);
      const subnet = await ensureSubnet(client, spec.network);
      const nic = await client.putNic(`${name}-nic`, {
        tags: { [VM_TAG]: name },
        ipConfigurations: [{ name: 'ipconfig1', subnet: { id: subnet }, privateIPAllocationMethod: 'Dynamic' }],
        ...(nsg ? { networkSecurityGroup: { id: nsg.id } } : {}),
      });
      const tags: Record<string, string> = { ...spec.metadata, [CM_TAGS.name]: spec.name.slice(0, 256), [CM_TAGS.token]: spec.clientToken };
      if (spec.group) tags[CM_TAGS.group] = spec.group;
      if (spec.key) tags['cm.key'] = spec.key;
      await client.createVm(name, {
        location: settings().location,
        tags,
        hardwareProfile: { vmSize: spec.flavor },
        storageProfile: { imageReference, osDisk: { createOption: 'FromImage', deleteOption: 'Delete', managedDisk: { storageAccountType: 'Standard_LRS' } } },
        osProfile: {
          computerName: name.replace(/[._]/g, '-').replace(/-+$/, '').slice(0, 64),
          adminUsername: settings().adminUser,
          linuxConfiguration: { disablePasswordAuthentication: true, ssh: { publicKeys: [{ path: `/home/${settings().adminUser}/.ssh/authorized_keys`, keyData }] } },
          ...(spec.userData ? { customData: Buffer.from(spec.userData).toString('base64') } : {}),
        },
        networkProfile: { networkInterfaces: [{ id: nic.id, primary: true, deleteOption: 'Delete' }] },
        diagnosticsProfile: { bootDiagnostics: { enabled: true } },
      });
      const booted = await provider.getVm(name);
      if (!booted) throw missing(name);
      return booted;
    },
    async start(id) {
      await (await azure()).vmAction(id, 'start').catch(rethrowMissing(id));
    },
    async stop(id) {
      // Deallocate, not power off: a powered-off Azure VM is still billed for its compute.
      await (await azure()).vmAction(id, 'deallocate').catch(rethrowMissing(id));
    },
    async reboot(id) {
      await (await azure()).vmAction(id, 'restart').catch(rethrowMissing(id));
    },
    async delete(id) {
      const client = await azure();
      await client.deleteVm(id);
      // The NIC goes with the VM (deleteOption); public IPs cloudmesh made for it are released here.
      const nic = await client.getNic(`${id}-nic`);
      if (nic && !nic.virtualMachine && nic.tags?.[VM_TAG] === id) await client.deleteNic(`${id}-nic`);
      for (const ip of await client.listIps()) if (ip.tags?.[VM_TAG] === id) await client.deleteIp(String(ip.name));
    },
    async rename(id, name) {
      const client = await azure();
      const vm = await client.getVm(id);
      if (!vm) throw missing(id);
      await client.setVmTags(id, { ...vm.tags, [CM_TAGS.name]: name.slice(0, 256) });
    },
    async console(id) {
      const data = await (await azure()).bootDiagnostics(id).catch(rethrowMissing(id));
      return data.serialConsoleLogBlobUri ?? data.consoleScreenshotBlobUri ?? '';
    },

    async listImages() {
      const client = await azure();
      const aliases = await Promise.all(Object.entries(settings().images).map(async ([alias, urn]): Promise<Image | undefined> => {
        const parts = parseUrn(urn);
        if (!parts) return undefined;
        const latest = await client.imageVersions(parts.publisher, parts.offer, parts.sku);
        if (latest.length === 0) return undefined;
        return { id: urn, name: alias, status: 'available', data: { urn, latestVersion: latest[0] } };
      }));
      const managed = (await client.managedImages()).map((i): Image => ({ id: String(i.id), name: String(i.name), status: i.provisioningState ?? null, data: { managed: true } }));
      return [...aliases.filter((i): i is Image => i !== undefined), ...managed];
    },
    async listFlavors() {
      return (await (await azure()).sizes()).map(toFlavor);
    },

    async listKeys() {
      return (await (await azure()).listKeys()).map(toKeyPair);
    },
    async uploadKey(name, publicKey) {
      const client = await azure();
      const existing = await client.getKey(name);
      if (existing) {
        if (sameKey(existing.publicKey ?? '', publicKey)) return toKeyPair(existing);
        throw new UserError(`cloud "${cloud}" (azure): a different SSH public key named "${name}" already exists`, { hint: `delete it first (cm key delete ${name} --cloud ${cloud}) or choose another name` });
      }
      return toKeyPair(await client.createKey(name, publicKey.trim()));
    },
    async deleteKey(name) {
      await (await azure()).deleteKey(name);
    },

    async listSecgroups() {
      return (await (await azure()).listNsgs()).map(toSecurityGroup);
    },
    async uploadSecgroup(group) {
      // A PUT of the whole NSG makes its rules exactly these (ARM replaces securityRules).
      return toSecurityGroup(await (await azure()).putNsg(group.name, toAzureRules(group.rules), { 'cm.description': (group.description ?? '').slice(0, 256) }));
    },
    async deleteSecgroup(name) {
      const client = await azure();
      if (!(await client.getNsg(name))) throw new NotFoundError(`cloud "${cloud}" (azure): no network security group "${name}"${didYouMean(name, (await client.listNsgs()).map((g) => String(g.name)))}`);
      await client.deleteNsg(name);
    },

    async assignIp(id) {
      const client = await azure();
      const vm = await client.getVm(id);
      if (!vm) throw missing(id);
      const nicName = nameOf(primaryNic(vm));
      const nic = await client.getNic(nicName);
      if (!nic) throw new NotFoundError(`cloud "${cloud}" (azure): VM "${id}" has no network interface`);
      const attached = nic.ipConfigurations?.[0]?.publicIPAddress?.id;
      if (attached) return String((await client.getIp(nameOf(attached)))?.ipAddress ?? '');
      const ip = await client.putIp(`${id}-ip`, { [VM_TAG]: id });
      try {
        const [first, ...others] = nic.ipConfigurations as Any[];
        await client.putNic(nicName, { ...nic, ipConfigurations: [{ ...first, publicIPAddress: { id: ip.id } }, ...others] });
      } catch (error) {
        await client.deleteIp(String(ip.name)).catch(() => undefined);
        throw error;
      }
      return String(ip.ipAddress ?? '');
    },
    async listIps() {
      const client = await azure();
      const [ips, nics] = await Promise.all([client.listIps(), client.listNics()]);
      const vmOfNic = new Map(nics.map((n) => [String(n.id).toLowerCase(), n.virtualMachine?.id ? nameOf(n.virtualMachine.id) : null]));
      return ips.map((ip) => toFloatingIp(ip, vmOfNic.get(String(ip.ipConfiguration?.id ?? '').replace(/\/ipConfigurations\/[^/]+$/i, '').toLowerCase()) ?? null));
    },
    async quota() {
      return (await (await azure()).usages()).map((u) => ({ resource: String(u.name?.value ?? ''), used: u.currentValue ?? null, limit: u.limit ?? null }));
    },
    async close() {
      api = undefined;
    },
  };

  function rethrowMissing(id: string) {
    return (error: unknown): never => {
      throw notFound(error) ? missing(id, error) : error;
    };
  }

  async function checkSize(client: AzureApi, size: string): Promise<void> {
    sizes ??= client.sizes().then((list) => list.map((s) => String(s.name)));
    const names = await sizes.catch((error) => {
      sizes = undefined;
      throw error;
    });
    if (!names.includes(size)) throw new NotFoundError(`cloud "${cloud}" (azure): no VM size "${size}" in ${settings().location}${didYouMean(size, names)}`, { hint: `cm flavor list --cloud ${cloud}` });
  }

  async function resolveImage(client: AzureApi, image: string): Promise<Any> {
    const urn = settings().images[image] ?? image;
    const parts = parseUrn(urn);
    if (parts) {
      const ok = parts.version === 'latest' ? (await client.imageVersions(parts.publisher, parts.offer, parts.sku)).length > 0 : Boolean(await client.imageVersion(parts.publisher, parts.offer, parts.sku, parts.version));
      if (ok) return parts;
    } else {
      const managed = (await client.managedImages()).find((i) => i.name === image || String(i.id).toLowerCase() === image.toLowerCase());
      if (managed) return { id: managed.id };
    }
    const known = [...Object.keys(settings().images), ...(await client.managedImages()).map((i) => String(i.name))];
    throw new NotFoundError(`cloud "${cloud}" (azure): no image "${image}" in ${settings().location}${didYouMean(image, known)}`, { hint: `cm image list --cloud ${cloud} (aliases from settings.images, URNs publisher:offer:sku:version, managed images)` });
  }

  /** The subnet VMs go in: `network` if given (a subnet id), else cloudmesh's own VNet, created once. */
  function ensureSubnet(client: AzureApi, network: string | undefined): Promise<string> {
    if (network) return Promise.resolve(network);
    subnetId ??= (async () => {
      const vnet = (await client.getVnet(settings().vnet)) ?? (await client.putVnet(settings().vnet, settings().subnet));
      const subnet = (vnet.subnets ?? []).find((s: Any) => s.name === settings().subnet);
      if (!subnet) throw new UserError(`cloud "${cloud}" (azure): virtual network ${settings().vnet} has no subnet "${settings().subnet}"`);
      return String(subnet.id);
    })().catch((error) => {
      subnetId = undefined;
      throw error;
    });
    return subnetId;
  }

  return provider;
}

/**
 * The resources behind test/support/azure-arm-server.ts: what ARM stores and checks for the calls cloudmesh
 * makes (Microsoft.Compute virtualMachines, sshPublicKeys, images, vmSizes, usages, VM images;
 * Microsoft.Network virtualNetworks, networkInterfaces, networkSecurityGroups, publicIPAddresses), with
 * the references between them and the refusals Azure documents (unknown size or image, a Linux VM without
 * SSH key or password, a NIC or NSG or public IP still in use, a missing resource group). Test code only.
 */
import { randomUUID } from 'node:crypto';

export type Json = Record<string, any>;
export class ArmError extends Error {
  readonly status: number;
  readonly code: string;
  readonly target: string | undefined;
  constructor(status: number, code: string, message: string, target?: string) {
    super(message);
    this.status = status;
    this.code = code;
    this.target = target;
  }
}
/** A long-running operation: what changes when it finishes. */
export interface Operation { provider: 'Compute' | 'Network'; location: string; finish(): void }
export interface RouteResult { status: number; body?: unknown; list?: unknown[]; operation?: Operation }

export const LOCATIONS = ['eastus', 'westeurope'];
export const SIZES = [['Standard_B1s', 1, 1024, 4096], ['Standard_B2s', 2, 4096, 8192], ['Standard_D2s_v5', 2, 8192, 0], ['Standard_D4s_v5', 4, 16384, 0], ['Standard_F2s_v2', 2, 4096, 16384]] as const;
export const PLATFORM_IMAGES: Record<string, string[]> = {
  'canonical:0001-com-ubuntu-server-jammy:22_04-lts-gen2': ['22.04.202401010', '22.04.202410020'],
  'canonical:ubuntu-24_04-lts:server': ['24.04.202409120'],
  'debian:debian-12:12-gen2': ['0.20240901.1'],
};
const VM_NAME = /^[A-Za-z0-9](?:[A-Za-z0-9._-]{0,62}[A-Za-z0-9_])?$/;
const TYPES: Record<string, string> = {
  'microsoft.compute/virtualmachines': 'Microsoft.Compute/virtualMachines', 'microsoft.compute/sshpublickeys': 'Microsoft.Compute/sshPublicKeys',
  'microsoft.compute/images': 'Microsoft.Compute/images', 'microsoft.network/virtualnetworks': 'Microsoft.Network/virtualNetworks',
  'microsoft.network/networkinterfaces': 'Microsoft.Network/networkInterfaces', 'microsoft.network/networksecuritygroups': 'Microsoft.Network/networkSecurityGroups',
  'microsoft.network/publicipaddresses': 'Microsoft.Network/publicIPAddresses',
};

export class ArmState {
  readonly groups = new Map<string, { name: string; location: string }>();
  readonly resources = new Map<string, Json>();
  /** VM power states (`running`, `stopped`, `deallocated`, transitions), by lower-case VM id. */
  readonly power = new Map<string, string>();
  #ips = 0;

  readonly subscription: string;
  constructor(subscription: string, groups: Record<string, string>) {
    this.subscription = subscription;
    for (const [name, location] of Object.entries(groups)) this.groups.set(name.toLowerCase(), { name, location });
  }

  get(id: string): Json | undefined {
    return this.resources.get(id.toLowerCase());
  }
  #need(id: string, what = 'Resource'): Json {
    const found = this.get(id);
    if (!found) throw new ArmError(404, 'NotFound', `${what} ${id} not found.`);
    return found;
  }

  route(method: string, path: string, query: URLSearchParams, body: Json | undefined): RouteResult {
    const m = /^\/subscriptions\/([^/]+)(\/.*)?$/i.exec(path);
    if (!m) throw new ArmError(404, 'InvalidResourceType', `No route for ${path}.`);
    if (m[1]!.toLowerCase() !== this.subscription.toLowerCase()) throw new ArmError(404, 'SubscriptionNotFound', `The subscription '${m[1]}' could not be found.`);
    const rest = m[2] ?? '';
    if (/^\/providers\/microsoft\.compute\/virtualmachines$/i.test(rest) && method === 'GET') {
      const statusOnly = query.get('statusOnly') === 'true';
      return { status: 200, list: this.ofType('Microsoft.Compute/virtualMachines').map((vm) => statusOnly ? this.#vmView(vm, true) : this.#vmView(vm, false)) };
    }
    const g = /^\/resourcegroups\/([^/]+)(?:\/providers\/(microsoft\.[a-z]+)\/([a-z]+)(?:\/([^/]+)(?:\/([^/]+))?)?)?$/i.exec(rest);
    if (!g) throw new ArmError(404, 'InvalidResourceType', `The resource type could not be found for ${rest}.`);
    const group = this.groups.get(g[1]!.toLowerCase());
    if (!g[2]) {
      if (method === 'PUT') {
        this.groups.set(g[1]!.toLowerCase(), { name: g[1]!, location: String(body?.location ?? 'eastus') });
        return { status: group ? 200 : 201, body: this.#groupView(g[1]!) };
      }
      if (!group) throw new ArmError(404, 'ResourceGroupNotFound', `Resource group '${g[1]}' could not be found.`);
      return { status: 200, body: this.#groupView(group.name) };
    }
    if (!group) throw new ArmError(404, 'ResourceGroupNotFound', `Resource group '${g[1]}' could not be found.`);
    const type = TYPES[`${g[2]}/${g[3]}`.toLowerCase()];
    if (!type) throw new ArmError(404, 'InvalidResourceType', `The resource type '${g[3]}' could not be found in the namespace '${g[2]}'.`);
    const prefix = `/subscriptions/${this.subscription}/resourceGroups/${group.name}/providers/${type}`;
    if (!g[4]) {
      if (method !== 'GET') throw new ArmError(405, 'MethodNotAllowed', `${method} is not allowed on a collection.`);
      const list = this.ofType(type).filter((r) => r.id.toLowerCase().startsWith(prefix.toLowerCase() + '/'));
      return { status: 200, list: type.endsWith('virtualMachines') ? list.map((vm) => this.#vmView(vm, false)) : list };
    }
    const id = `${prefix}/${g[4]}`;
    if (g[5]) return this.#vmAction(method, id, g[5]);
    if (method === 'GET') {
      const found = this.get(id);
      if (!found) throw new ArmError(404, 'ResourceNotFound', `The Resource '${type}/${g[4]}' under resource group '${group.name}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix`);
      return { status: 200, body: type.endsWith('virtualMachines') ? this.#vmView(found, /instanceview/i.test(query.get('$expand') ?? '')) : found };
    }
    if (method === 'DELETE') return this.#delete(type, id);
    if (method === 'PATCH') return this.#patch(type, id, body ?? {});
    if (method === 'PUT') return this.#put(type, id, g[4]!, group.location, body ?? {});
    throw new ArmError(405, 'MethodNotAllowed', `${method} is not allowed.`);
  }

  #groupView(name: string): Json {
    const group = this.groups.get(name.toLowerCase())!;
    return { id: `/subscriptions/${this.subscription}/resourceGroups/${group.name}`, name: group.name, location: group.location, properties: { provisioningState: 'Succeeded' } };
  }
  ofType(type: string): Json[] {
    return [...this.resources.values()].filter((r) => r.type === type);
  }

  #put(type: string, id: string, name: string, groupLocation: string, body: Json): RouteResult {
    const location = String(body.location ?? '').toLowerCase().replace(/\s+/g, '');
    if (!location) throw new ArmError(400, 'LocationRequired', 'The location property is required for this definition.');
    if (!LOCATIONS.includes(location)) throw new ArmError(400, 'LocationNotAvailableForResourceType', `The provided location '${body.location}' is not available for resource type '${type}'. List of available regions for the resource type is '${LOCATIONS.join(',')}'.`);
    void groupLocation;
    const existing = this.get(id);
    const base = { id, name, type, location, tags: body.tags ?? {} };
    const net = (props: Json, finish: (r: Json) => void = () => undefined): RouteResult => {
      const resource = { ...base, etag: `W/"${randomUUID()}"`, ...(body.sku ? { sku: body.sku } : {}), properties: { ...props, provisioningState: 'Updating', resourceGuid: existing?.properties?.resourceGuid ?? randomUUID() } };
      this.resources.set(id.toLowerCase(), resource);
      return { status: existing ? 200 : 201, body: resource, operation: { provider: 'Network', location, finish: () => { resource.properties.provisioningState = 'Succeeded'; finish(resource); } } };
    };
    const p = (body.properties ?? {}) as Json;
    switch (type) {
      case 'Microsoft.Compute/sshPublicKeys': {
        if (!/^(ssh-rsa|ssh-ed25519) [A-Za-z0-9+/=]+/.test(p.publicKey ?? '')) throw new ArmError(400, 'InvalidParameter', 'The value of parameter publicKey is invalid.', 'publicKey');
        const resource = { ...base, properties: { publicKey: p.publicKey } };
        this.resources.set(id.toLowerCase(), resource);
        return { status: existing ? 200 : 201, body: resource };
      }
      case 'Microsoft.Network/virtualNetworks':
        return net({ addressSpace: p.addressSpace, subnets: (p.subnets ?? []).map((s: Json) => ({ id: `${id}/subnets/${s.name}`, name: s.name, properties: { ...s.properties, provisioningState: 'Succeeded' } })) });
      case 'Microsoft.Network/publicIPAddresses': {
        const ip = existing?.properties?.ipAddress ?? `20.42.${Math.floor(++this.#ips / 250)}.${(this.#ips % 250) + 1}`;
        return net({ ...p, ipAddress: ip, ipConfiguration: existing?.properties?.ipConfiguration, publicIPAllocationMethod: p.publicIPAllocationMethod ?? 'Static' });
      }
      case 'Microsoft.Network/networkSecurityGroups':
        return net({ securityRules: this.#rules(id, p.securityRules ?? []), defaultSecurityRules: defaultRules(id), networkInterfaces: existing?.properties?.networkInterfaces ?? [] });
      case 'Microsoft.Network/networkInterfaces':
        return this.#putNic(id, p, existing, net);
      case 'Microsoft.Compute/virtualMachines':
        return this.#putVm(id, name, base, p, existing);
    }
    throw new ArmError(405, 'MethodNotAllowed', `PUT is not supported for ${type} here.`);
  }

  #rules(nsgId: string, rules: Json[]): Json[] {
    const seen = new Set<string>();
    return rules.map((r) => {
      const q = r.properties ?? {};
      if (!r.name) throw new ArmError(400, 'InvalidRequestFormat', 'Security rule name is required.');
      if (!(q.priority >= 100 && q.priority <= 4096)) throw new ArmError(400, 'SecurityRuleInvalidPriority', `Security rule ${r.name} has invalid priority ${q.priority}. Value provided: ${q.priority} Allowed range 100-4096.`);
      if (!['Tcp', 'Udp', 'Icmp', '*', 'Esp', 'Ah'].includes(q.protocol)) throw new ArmError(400, 'SecurityRuleInvalidProtocol', `Security rule ${r.name} has invalid Protocol. Value provided: ${q.protocol}.`);
      const key = `${q.direction}/${q.priority}`;
      if (seen.has(key)) throw new ArmError(400, 'SecurityRulesWithSamePriority', `Rules ${r.name} and another rule have the same Priority ${q.priority} and Direction ${q.direction}.`);
      seen.add(key);
      return { id: `${nsgId}/securityRules/${r.name}`, name: r.name, type: 'Microsoft.Network/networkSecurityGroups/securityRules', properties: { ...q, provisioningState: 'Succeeded' } };
    });
  }

  #putNic(id: string, p: Json, existing: Json | undefined, net: (props: Json, finish?: (r: Json) => void) => RouteResult): RouteResult {
    const configs = (p.ipConfigurations ?? []) as Json[];
    if (configs.length === 0) throw new ArmError(400, 'InvalidRequestFormat', 'A network interface needs at least one IP configuration.');
    const nsg = p.networkSecurityGroup?.id ? this.#need(p.networkSecurityGroup.id, 'Network security group') : undefined;
    const ipConfigurations = configs.map((c, i) => {
      const subnetId: string = c.properties?.subnet?.id ?? '';
      const vnet = this.get(subnetId.replace(/\/subnets\/[^/]+$/i, ''));
      if (!vnet?.properties.subnets.some((s: Json) => s.id.toLowerCase() === subnetId.toLowerCase())) throw new ArmError(400, 'InvalidResourceReference', `Resource ${subnetId} referenced by resource ${id} was not found.`);
      const ipId = c.properties?.publicIPAddress?.id;
      const configId = `${id}/ipConfigurations/${c.name}`;
      if (ipId) {
        const ip = this.#need(ipId, 'Public IP address');
        const user = ip.properties.ipConfiguration?.id;
        if (user && user.toLowerCase() !== configId.toLowerCase()) throw new ArmError(400, 'PublicIPAddressInUse', `Public IP address ${ipId} is already in use by ${user}.`);
      }
      return { id: configId, name: c.name, properties: { ...c.properties, privateIPAddress: existing?.properties?.ipConfigurations?.[i]?.properties?.privateIPAddress ?? `10.0.0.${4 + this.#count('Microsoft.Network/networkInterfaces')}`, primary: i === 0 } };
    });
    // References are linked at once (ARM reports them on GET as soon as the PUT is accepted).
    for (const ip of this.ofType('Microsoft.Network/publicIPAddresses')) if (ip.properties.ipConfiguration?.id?.toLowerCase().startsWith(`${id.toLowerCase()}/`)) delete ip.properties.ipConfiguration;
    for (const c of ipConfigurations) if (c.properties.publicIPAddress?.id) this.get(c.properties.publicIPAddress.id)!.properties.ipConfiguration = { id: c.id };
    for (const g of this.ofType('Microsoft.Network/networkSecurityGroups')) g.properties.networkInterfaces = g.properties.networkInterfaces.filter((n: Json) => n.id.toLowerCase() !== id.toLowerCase());
    if (nsg) nsg.properties.networkInterfaces.push({ id });
    return net({ ipConfigurations, ...(nsg ? { networkSecurityGroup: { id: nsg.id } } : {}), ...(existing?.properties?.virtualMachine ? { virtualMachine: existing.properties.virtualMachine } : {}) });
  }

  #count(type: string): number {
    return this.ofType(type).length;
  }

  #putVm(id: string, name: string, base: Json, p: Json, existing: Json | undefined): RouteResult {
    if (!VM_NAME.test(name)) throw new ArmError(400, 'InvalidResourceName', `The resource name '${name}' is invalid. It can contain only letters, digits, '.', '-' and '_', up to 64 characters, and cannot end with '.' or '-'.`);
    const size = p.hardwareProfile?.vmSize;
    if (!SIZES.some((s) => s[0] === size)) throw new ArmError(409, 'SkuNotAvailable', `The requested VM size '${size}' is currently not available in location '${base.location}'.`);
    const ref = p.storageProfile?.imageReference ?? {};
    if (ref.id) this.#need(ref.id, 'Image');
    else {
      const versions = PLATFORM_IMAGES[`${ref.publisher}:${ref.offer}:${ref.sku}`.toLowerCase()];
      if (!versions || (ref.version !== 'latest' && !versions.includes(ref.version))) throw new ArmError(404, 'PlatformImageNotFound', `The platform image '${ref.publisher}:${ref.offer}:${ref.sku}:${ref.version}' is not available. Verify that all fields in the storage profile are correct.`);
    }
    const os = p.osProfile ?? existing?.properties.osProfile;
    if (!os?.adminUsername) throw new ArmError(400, 'InvalidParameter', "Required parameter 'adminUsername' is missing (null).", 'adminUsername');
    const keys = os.linuxConfiguration?.ssh?.publicKeys ?? [];
    if (os.linuxConfiguration?.disablePasswordAuthentication && keys.length === 0) throw new ArmError(400, 'InvalidParameter', 'Authentication using either SSH or by user name and password must be enabled in Linux profile.', 'linuxConfiguration');
    if (!os.linuxConfiguration?.disablePasswordAuthentication && !os.adminPassword && !existing) throw new ArmError(400, 'InvalidParameter', "Required parameter 'adminPassword' is missing (null).", 'adminPassword');
    const nics = (p.networkProfile?.networkInterfaces ?? []) as Json[];
    if (nics.length === 0) throw new ArmError(400, 'InvalidParameter', 'At least one network interface is required.', 'networkProfile');
    for (const ref of nics) {
      const nic = this.get(ref.id ?? '');
      if (!nic) throw new ArmError(400, 'NotFound', `Resource ${ref.id} not found.`);
      const user = nic.properties.virtualMachine?.id;
      if (user && user.toLowerCase() !== id.toLowerCase()) throw new ArmError(400, 'NicInUse', `Network interface ${ref.id} is used by existing resource ${user}. In order to use this network interface, first detach it from ${user}.`);
      nic.properties.virtualMachine = { id };
    }
    const { adminPassword: _secret, ...osView } = os;
    const vm = { ...base, properties: { ...p, osProfile: osView, vmId: existing?.properties.vmId ?? randomUUID(), timeCreated: existing?.properties.timeCreated ?? new Date().toISOString(), provisioningState: existing ? 'Updating' : 'Creating' } };
    this.resources.set(id.toLowerCase(), vm);
    if (!existing) this.power.set(id.toLowerCase(), 'starting');
    return { status: existing ? 200 : 201, body: this.#vmView(vm, false), operation: { provider: 'Compute', location: base.location, finish: () => {
      vm.properties.provisioningState = 'Succeeded';
      if (this.power.get(id.toLowerCase()) === 'starting') this.power.set(id.toLowerCase(), 'running');
    } } };
  }

  #vmView(vm: Json, instanceView: boolean): Json {
    if (!instanceView) return vm;
    const state = vm.properties.provisioningState;
    const power = this.power.get(vm.id.toLowerCase());
    const statuses = [{ code: `ProvisioningState/${state.toLowerCase()}`, level: 'Info', displayStatus: `Provisioning ${state.toLowerCase()}` }];
    if (power) statuses.push({ code: `PowerState/${power}`, level: 'Info', displayStatus: `VM ${power}` });
    return { ...vm, properties: { ...vm.properties, instanceView: { computerName: vm.properties.osProfile?.computerName, statuses } } };
  }

  #vmAction(method: string, id: string, action: string): RouteResult {
    if (method !== 'POST') throw new ArmError(405, 'MethodNotAllowed', `${method} is not allowed on ${action}.`);
    const vm = this.get(id);
    if (!vm) throw new ArmError(404, 'ResourceNotFound', `The Resource 'Microsoft.Compute/virtualMachines/${id.split('/').pop()}' was not found.`);
    const key = id.toLowerCase();
    if (/^retrieveBootDiagnosticsData$/i.test(action)) {
      if (!vm.properties.diagnosticsProfile?.bootDiagnostics?.enabled) throw new ArmError(409, 'OperationNotAllowed', 'Boot diagnostics are not enabled for this virtual machine.');
      const blob = `https://cmdiag${vm.properties.vmId.slice(0, 8)}.blob.core.windows.net/bootdiagnostics-${vm.name.slice(0, 9).toLowerCase()}-${vm.properties.vmId}`;
      return { status: 200, body: { consoleScreenshotBlobUri: `${blob}/${vm.name}.screenshot.bmp?sv=2024-01-01&sig=dummy`, serialConsoleLogBlobUri: `${blob}/${vm.name}.serialconsole.log?sv=2024-01-01&sig=dummy` } };
    }
    const transitions: Record<string, [string, string]> = { start: ['starting', 'running'], poweroff: ['stopping', 'stopped'], deallocate: ['deallocating', 'deallocated'], restart: ['running', 'running'] };
    const step = transitions[action.toLowerCase()];
    if (!step) throw new ArmError(404, 'InvalidResourceType', `Unknown action '${action}'.`);
    if (action.toLowerCase() === 'restart' && this.power.get(key) !== 'running') throw new ArmError(409, 'OperationNotAllowed', 'Cannot restart the virtual machine because it is not running.');
    this.power.set(key, step[0]);
    return { status: 202, operation: { provider: 'Compute', location: vm.location, finish: () => void this.power.set(key, step[1]) } };
  }

  #patch(type: string, id: string, body: Json): RouteResult {
    const found = this.get(id);
    if (!found) throw new ArmError(404, 'ResourceNotFound', `The Resource '${type}/${id.split('/').pop()}' was not found.`);
    if (body.tags) found.tags = body.tags;
    if (!type.endsWith('virtualMachines')) return { status: 200, body: found };
    found.properties.provisioningState = 'Updating';
    return { status: 200, body: found, operation: { provider: 'Compute', location: found.location, finish: () => void (found.properties.provisioningState = 'Succeeded') } };
  }

  #delete(type: string, id: string): RouteResult {
    const found = this.get(id);
    if (!found) return { status: 204 };
    const key = id.toLowerCase();
    if (type === 'Microsoft.Compute/sshPublicKeys') return this.resources.delete(key), { status: 200 };
    if (type === 'Microsoft.Network/networkInterfaces' && found.properties.virtualMachine) throw new ArmError(400, 'NicInUse', `Network interface ${id} is used by existing resource ${found.properties.virtualMachine.id}.`);
    if (type === 'Microsoft.Network/networkSecurityGroups' && found.properties.networkInterfaces.length) throw new ArmError(400, 'InUseNetworkSecurityGroupCannotBeDeleted', `Network security group ${id} cannot be deleted because it is in use by the following resources: ${found.properties.networkInterfaces.map((n: Json) => n.id).join(', ')}.`);
    if (type === 'Microsoft.Network/publicIPAddresses' && found.properties.ipConfiguration) throw new ArmError(400, 'PublicIPAddressCannotBeDeleted', `Public IP address ${id} can not be deleted since it is still allocated to resource ${found.properties.ipConfiguration.id}.`);
    found.properties.provisioningState = 'Deleting';
    const provider = type.startsWith('Microsoft.Compute') ? 'Compute' : 'Network';
    return { status: 202, operation: { provider, location: found.location, finish: () => {
      this.resources.delete(key);
      this.power.delete(key);
      if (type === 'Microsoft.Compute/virtualMachines') {
        // NICs created with deleteOption Delete go with the VM; the others are detached (ARM's documented behaviour).
        for (const ref of found.properties.networkProfile?.networkInterfaces ?? []) {
          const nic = this.get(ref.id);
          if (!nic) continue;
          delete nic.properties.virtualMachine;
          if (ref.properties?.deleteOption === 'Delete') this.#unlinkNic(nic);
        }
      }
      if (type === 'Microsoft.Network/networkInterfaces') this.#unlinkNic(found);
    } } };
  }

  #unlinkNic(nic: Json): void {
    this.resources.delete(nic.id.toLowerCase());
    for (const c of nic.properties.ipConfigurations ?? []) if (c.properties.publicIPAddress?.id) delete this.get(c.properties.publicIPAddress.id)?.properties.ipConfiguration;
    for (const g of this.ofType('Microsoft.Network/networkSecurityGroups')) g.properties.networkInterfaces = g.properties.networkInterfaces.filter((n: Json) => n.id.toLowerCase() !== nic.id.toLowerCase());
  }
}

function defaultRules(nsgId: string): Json[] {
  const rule = (name: string, priority: number, direction: string, access: string, source: string, dest: string) =>
    ({ id: `${nsgId}/defaultSecurityRules/${name}`, name, properties: { protocol: '*', sourcePortRange: '*', destinationPortRange: '*', sourceAddressPrefix: source, destinationAddressPrefix: dest, access, priority, direction, provisioningState: 'Succeeded' } });
  return [rule('AllowVnetInBound', 65000, 'Inbound', 'Allow', 'VirtualNetwork', 'VirtualNetwork'), rule('AllowAzureLoadBalancerInBound', 65001, 'Inbound', 'Allow', 'AzureLoadBalancer', '*'), rule('DenyAllInBound', 65500, 'Inbound', 'Deny', '*', '*'),
    rule('AllowVnetOutBound', 65000, 'Outbound', 'Allow', 'VirtualNetwork', 'VirtualNetwork'), rule('AllowInternetOutBound', 65001, 'Outbound', 'Allow', '*', 'Internet'), rule('DenyAllOutBound', 65500, 'Outbound', 'Deny', '*', '*')];
}

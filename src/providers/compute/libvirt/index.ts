/**
 * @module providers/compute/libvirt
 * libvirt domains as VMs: `qemu:///system` (KVM when /dev/kvm exists, else TCG) or the `test:///default`
 * driver. Images are the qcow2 files of a local directory; each VM gets a copy-on-write overlay of its image
 * (qemu-img), removed with the VM. Flavors are vCPU/memory presets (config.ts). All libvirt calls go through
 * one long-lived virsh (client.ts). Key pairs, security groups and floating IPs have no libvirt counterpart:
 * `capabilities()` says so and those calls throw `UnsupportedError`.
 */
import { randomUUID } from 'node:crypto';
import { mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { capabilitiesExcept, CM_TAGS, KEY_GROUP_IP_OPERATIONS, unsupportedMethods, unsupportedOperation, type ComputeProvider, type Image, type Vm, type VmSpec } from '../../../core/compute.ts';
import { NotFoundError, UserError } from '../../../core/errors.ts';
import { didYouMean } from '../../../core/suggest.ts';
import type { ProviderOptions } from '../registry.ts';
import { openVirsh, qemuImg, VirshError, virshFailure, type VirshSession } from './client.ts';
import { isTestDriver, resolveLibvirtConfig, type LibvirtConfig } from './config.ts';
import { domainNameFor, domainXml, firstAddress, parseDomainXml, STATE_FILTERS, toVm, vmState, type DomainFacts } from './map.ts';

export { resolveLibvirtConfig, DEFAULT_FLAVORS, DEFAULT_URI } from './config.ts';

export interface LibvirtProvider extends ComputeProvider {
  readonly kind: 'libvirt';
  readonly config: LibvirtConfig;
}

const NO_KEYS = 'libvirt has no key store and a key named at boot is not installed: put keys into the image (or use cloud-init user data, which this provider does not pass)';
const NO_SECGROUPS = 'libvirt has no security groups, and one named at boot is not applied (its nwfilter rules are not mapped by cloudmesh)';
const NO_IPS = 'libvirt networks are NATed or bridged: there are no floating IPs to assign';

export async function createProvider(options: ProviderOptions): Promise<LibvirtProvider> {
  return createLibvirtProvider(resolveLibvirtConfig(options.cloud, options.config.settings ?? {}, options.home));
}

export async function createLibvirtProvider(config: LibvirtConfig): Promise<LibvirtProvider> {
  let session: Promise<VirshSession> | undefined;
  // Connect on first use, so building the provider for `capabilities` costs nothing.
  const virsh = async (operation: string, args: readonly string[]): Promise<string> => {
    session ??= openVirsh(config.uri);
    session.catch(() => (session = undefined));
    try {
      return await (await session).run(args);
    } catch (error) {
      throw virshFailure(config.uri, operation, error);
    }
  };
  const capabilities = capabilitiesExcept({
    listKeys: NO_KEYS, uploadKey: NO_KEYS, deleteKey: NO_KEYS,
    listSecgroups: NO_SECGROUPS, uploadSecgroup: NO_SECGROUPS, deleteSecgroup: NO_SECGROUPS,
    assignIp: NO_IPS, listIps: NO_IPS,
    ...(isTestDriver(config.uri) ? { console: 'the test driver runs no guest, so there is no console output' } : {}),
  });
  const facts = async (id: string): Promise<DomainFacts | null> => {
    try {
      return parseDomainXml(await virsh(`read domain ${id}`, ['dumpxml', id]));
    } catch (error) {
      if (isMissing(error)) return null;
      throw error;
    }
  };
  const describe = async (f: DomainFacts, state: string): Promise<Vm> => {
    const ip = f.networks.length > 0 && vmState(state) === 'ACTIVE'
      ? firstAddress(await virsh('read addresses', ['domifaddr', f.uuid, '--source', 'lease']).catch(() => '')) : null;
    return toVm(f, state, ip);
  };
  const getVm = async (id: string): Promise<Vm | null> => {
    const f = await facts(id);
    if (!f) return null;
    const state = await virsh(`read state of ${id}`, ['domstate', f.uuid]).catch((e: unknown) => (isMissing(e) ? null : Promise.reject(e)));
    return state === null ? null : describe(f, state.trim());
  };
  const listVms = async (): Promise<Vm[]> => {
    const vms: Vm[] = [];
    for (const [flag, word] of STATE_FILTERS) {
      const uuids = (await virsh('list domains', ['list', '--uuid', flag])).split('\n').map((l) => l.trim()).filter(Boolean);
      for (const uuid of uuids) {
        const f = await facts(uuid);
        if (f) vms.push(await describe(f, word === 'other' ? (await virsh('read state', ['domstate', uuid])).trim() : word));
      }
    }
    return vms;
  };
  const findByToken = async (token: string) => (await listVms()).find((vm) => vm.metadata[CM_TAGS.token] === token) ?? null;

  const provider: LibvirtProvider = {
    kind: 'libvirt',
    cloud: config.cloud,
    config,
    capabilities: () => capabilities,
    listVms,
    getVm,
    async boot(spec) {
      return boot(config, spec, virsh, findByToken, getVm);
    },
    async start(id) {
      await virsh(`start ${id}`, ['start', id]).catch(ignore(/already active/i));
    },
    async stop(id) {
      // ACPI first, as a shutdown from inside would be; a guest that ignores it (no OS yet) is powered off.
      await virsh(`shut down ${id}`, ['shutdown', id]).catch(ignore(/not running/i));
      const deadline = Date.now() + config.shutdownTimeout * 1000;
      while (Date.now() < deadline) {
        if (vmState(await virsh('read state', ['domstate', id])) !== 'ACTIVE') return;
        await sleep(500);
      }
      await virsh(`power off ${id}`, ['destroy', id]).catch(ignore(/not running/i));
    },
    async reboot(id) {
      // `reset` is the hardware reset: it works whether or not the guest has an OS that listens to ACPI.
      await virsh(`reboot ${id}`, [isTestDriver(config.uri) ? 'reboot' : 'reset', id]);
    },
    async delete(id) {
      const f = await facts(id);
      if (!f) return;
      await virsh(`power off ${id}`, ['destroy', f.uuid]).catch(ignore(/not running|failed to get domain|not found/i));
      await virsh(`undefine ${id}`, ['undefine', f.uuid]).catch(ignore(/failed to get domain|not found/i));
      if (f.disk && f.disk.startsWith(config.disks + '/')) await rm(f.disk, { force: true });
      if (f.consoleLog) await rm(f.consoleLog, { force: true }).catch(() => undefined);
    },
    async rename(id, name) {
      await virsh(`rename ${id}`, ['domrename', id, domainNameFor(name)]);
    },
    async console(id) {
      if (capabilities.console !== true) throw unsupportedOperation(provider, 'console');
      const f = await facts(id);
      if (!f) throw new NotFoundError(`no domain ${id} at ${config.uri}`);
      if (!f.consoleLog) return '';
      return readFile(f.consoleLog, 'utf8').catch(() => '');
    },
    listImages: () => listImages(config),
    listFlavors: async () => Object.entries(config.flavors).map(([name, f]) => ({
      id: name, name, vcpus: f.vcpus, ramMb: f.ramMb, diskGb: null, data: { source: 'cloudmesh preset (settings.flavors may change it)' },
    })),
    ...unsupportedMethods(() => provider, KEY_GROUP_IP_OPERATIONS),
    async quota() {
      const info = await virsh('read node info', ['nodeinfo']);
      const field = (label: string) => Number(new RegExp(`^${label}:\\s+(\\d+)`, 'm').exec(info)?.[1] ?? NaN);
      const vms = await listVms();
      const active = vms.filter((vm) => vm.state === 'ACTIVE');
      const sum = (key: 'vcpus' | 'ramMb') => active.reduce((n, vm) => n + Number(vm.data[key] ?? 0), 0);
      return [
        { resource: 'domains', used: vms.length, limit: null },
        { resource: 'vcpus', used: sum('vcpus'), limit: field('CPU\\(s\\)') || null },
        { resource: 'ram_mb', used: sum('ramMb'), limit: Math.floor(field('Memory size') / 1024) || null },
      ];
    },
    async close() {
      const pending = session;
      session = undefined;
      if (pending) await pending.then((s) => s.close()).catch(() => undefined);
    },
  };
  return provider;
}

function isMissing(error: unknown): boolean {
  return /failed to get domain|Domain not found|no domain with matching/i.test(String((error as Error)?.message ?? error));
}

/** A rejection handler that swallows errors whose message matches (the state asked for is there already). */
function ignore(pattern: RegExp): (error: unknown) => void {
  return (error) => {
    if (!pattern.test(String((error as Error)?.message ?? error))) throw error;
  };
}

async function listImages(config: LibvirtConfig): Promise<Image[]> {
  let names: string[];
  try {
    names = await readdir(config.images);
  } catch (error) {
    throw new UserError(`cloud "${config.cloud}": image directory ${config.images} cannot be read (${(error as NodeJS.ErrnoException).code}); set settings.images`, { cause: error });
  }
  const images: Image[] = [];
  for (const file of names.filter((n) => n.endsWith('.qcow2')).sort()) {
    const info = await stat(join(config.images, file));
    images.push({ id: file, name: file.replace(/\.qcow2$/, ''), status: 'local', data: { path: join(config.images, file), sizeBytes: info.size } });
  }
  return images;
}

async function boot(
  config: LibvirtConfig,
  spec: VmSpec,
  virsh: (operation: string, args: readonly string[]) => Promise<string>,
  findByToken: (token: string) => Promise<Vm | null>,
  getVm: (id: string) => Promise<Vm | null>,
): Promise<Vm> {
  // spec.key and spec.secgroups are not applied (NO_KEYS, NO_SECGROUPS say so), so a general default key
  // does not make every boot here fail.
  if (spec.userData) throw new UserError(`cloud "${config.cloud}": user data (cloud-init) is not passed to libvirt domains by this provider`);
  const flavor = config.flavors[spec.flavor];
  if (!flavor) throw new NotFoundError(`cloud "${config.cloud}" has no flavor "${spec.flavor}"${didYouMean(spec.flavor, Object.keys(config.flavors))}`);
  const images = await listImages(config);
  const image = images.find((i) => i.name === spec.image || i.id === spec.image);
  if (!image) {
    throw new NotFoundError(`no image "${spec.image}" in ${config.images}${didYouMean(spec.image, images.map((i) => i.name))}`, { hint: 'images are the *.qcow2 files of that directory' });
  }
  const existing = await findByToken(spec.clientToken);
  if (existing) return existing;
  const uuid = randomUUID();
  await mkdir(config.disks, { recursive: true });
  const disk = join(config.disks, `${uuid}.qcow2`);
  await qemuImg(['create', '-q', '-f', 'qcow2', '-F', 'qcow2', '-b', String(image.data.path), disk]);
  const xml = domainXml({
    name: domainNameFor(spec.name),
    uuid,
    type: config.domainType,
    vcpus: flavor.vcpus,
    ramMb: flavor.ramMb,
    disk,
    ...(spec.network ?? config.network ? { network: spec.network ?? config.network } : {}),
    consoleLog: join(config.disks, `${uuid}.console.log`),
    tags: {
      ...spec.metadata,
      [CM_TAGS.name]: spec.name,
      [CM_TAGS.token]: spec.clientToken,
      ...(spec.group ? { [CM_TAGS.group]: spec.group } : {}),
      'cm.image': image.name,
      'cm.flavor': spec.flavor,
      'cm.created': new Date().toISOString(),
    },
  });
  const file = join(tmpdir(), `cm-domain-${uuid}.xml`);
  await writeFile(file, xml, { mode: 0o600 });
  try {
    await virsh(`define ${spec.name}`, ['define', file]);
  } catch (error) {
    await rm(disk, { force: true });
    const again = await findByToken(spec.clientToken);
    if (again) return again;
    if (error instanceof Error && /already exists/i.test(error.message)) throw new UserError(`a domain named "${spec.name}" already exists at ${config.uri}`, { cause: error });
    throw error;
  } finally {
    await rm(file, { force: true });
  }
  try {
    await virsh(`start ${spec.name}`, ['start', uuid]);
  } catch (error) {
    await virsh('undefine', ['undefine', uuid]).catch(() => undefined);
    await rm(disk, { force: true });
    throw error;
  }
  const vm = await getVm(uuid);
  if (!vm) throw new NotFoundError(`domain ${uuid} vanished right after it started`);
  return vm;
}

export { VirshError };

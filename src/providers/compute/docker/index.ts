/**
 * @module providers/compute/docker
 * A Docker Engine as a compute provider: containers are the VMs, the engine's local images the images, and
 * flavors are CPU/memory presets (config.ts). A VM-style container is started like `docker run -dit`
 * (a TTY and an open stdin), so an image whose command is a shell keeps running until stopped, as a VM
 * would. Key pairs, security groups and floating IPs do not exist for containers; `capabilities()` says so
 * with the reason and the calls throw `UnsupportedError`.
 *
 * Beyond the port, the provider carries `containers` (containers.ts): `docker run`-like starts with ports,
 * environment and commands, logs and exec, for the `cm container` commands and cluster cross-ssh.
 */
import { capabilitiesExcept, CM_TAGS, KEY_GROUP_IP_OPERATIONS, unsupportedMethods, type ComputeProvider, type Flavor, type Image, type QuotaEntry, type Vm, type VmSpec } from '../../../core/compute.ts';
import { NotFoundError, UserError } from '../../../core/errors.ts';
import { didYouMean } from '../../../core/suggest.ts';
import type { ProviderOptions } from '../registry.ts';
import { call, connect, engineMessage, logsOf, statusOf, type EngineClient } from './client.ts';
import { resolveDockerConfig, type DockerConfig } from './config.ts';
import { createContainers, type ContainerEngine } from './containers.ts';
import { containerNameFor, factsFromInspect, factsFromSummary, toVm } from './map.ts';

export type { ContainerEngine, RunOptions, ContainerRow } from './containers.ts';
export { resolveDockerConfig, socketPathOf, DEFAULT_FLAVORS, DEFAULT_SOCKET } from './config.ts';
export { containerNameFor } from './map.ts';

/** A docker compute provider: the port plus the container engine it sits on. */
export interface DockerProvider extends ComputeProvider {
  readonly kind: 'docker';
  readonly containers: ContainerEngine;
  readonly config: DockerConfig;
}

const NO_KEYS = 'containers have no key store and a key named at boot is not installed; they are reached with docker exec (cm container exec), and cluster cross-ssh installs keys by exec';
const NO_SECGROUPS = 'containers have no security groups (one named at boot is not applied); publish chosen ports on the host instead (cm container run --port 127.0.0.1:H:C)';
const NO_IPS = 'containers have no floating IPs; publish ports on the host instead (cm container run --port)';

const CAPABILITIES = capabilitiesExcept({
  listKeys: NO_KEYS,
  uploadKey: NO_KEYS,
  deleteKey: NO_KEYS,
  listSecgroups: NO_SECGROUPS,
  uploadSecgroup: NO_SECGROUPS,
  deleteSecgroup: NO_SECGROUPS,
  assignIp: NO_IPS,
  listIps: NO_IPS,
});

/** The registry's factory. */
export async function createProvider(options: ProviderOptions): Promise<DockerProvider> {
  return createDockerProvider(resolveDockerConfig(options.cloud, options.config.settings ?? {}, options.env));
}

export async function createDockerProvider(config: DockerConfig): Promise<DockerProvider> {
  const client = await connect(config);
  const containers = createContainers(client, config);
  const provider: DockerProvider = {
    kind: 'docker',
    cloud: config.cloud,
    config,
    containers,
    capabilities: () => CAPABILITIES,
    listVms: async () => (await listAll(client)).map(toVm),
    getVm: (id) => getVm(client, id),
    boot: (spec) => boot(client, config, spec),
    start: async (id) => {
      await ignoreStatus(304, () => call(client, `start ${id}`, () => client.api.getContainer(id).start(), `no container ${id}`));
    },
    stop: async (id) => {
      await ignoreStatus(304, () => call(client, `stop ${id}`, () => client.api.getContainer(id).stop({ t: config.stopTimeout }), `no container ${id}`));
    },
    reboot: async (id) => {
      await call(client, `restart ${id}`, () => client.api.getContainer(id).restart({ t: config.stopTimeout }), `no container ${id}`);
    },
    delete: (id) => containers.remove(id),
    rename: async (id, name) => {
      await call(client, `rename ${id}`, () => client.api.getContainer(id).rename({ name: containerNameFor(name) }), `no container ${id}`);
    },
    console: async (id) => {
      const facts = await call(client, `inspect ${id}`, () => client.api.getContainer(id).inspect(), `no container ${id}`);
      return logsOf(client, id, 2000, facts.Config.Tty === true);
    },
    listImages: () => listImages(client),
    listFlavors: async () => Object.entries(config.flavors).map(([name, f]): Flavor => ({
      id: name,
      name,
      vcpus: f.cpus,
      ramMb: f.memoryMb,
      diskGb: null,
      data: { source: 'cloudmesh preset (settings.flavors may change it)' },
    })),
    ...unsupportedMethods(() => provider, KEY_GROUP_IP_OPERATIONS),
    quota: () => quota(client),
    close: async () => {},
  };
  return provider;
}

async function listAll(client: EngineClient) {
  const list = await call(client, 'list containers', () => client.api.listContainers({ all: true }));
  return list.map((c) => factsFromSummary(c));
}

async function getVm(client: EngineClient, id: string): Promise<Vm | null> {
  try {
    return toVm(factsFromInspect(await call(client, `inspect ${id}`, () => client.api.getContainer(id).inspect(), `no container ${id}`)));
  } catch (error) {
    if (error instanceof NotFoundError) return null;
    throw error;
  }
}

/** A 304 ("already started/stopped") is the state asked for, not a failure. */
async function ignoreStatus(status: number, action: () => Promise<unknown>): Promise<void> {
  try {
    await action();
  } catch (error) {
    if (statusOf((error as { cause?: unknown }).cause) !== status) throw error;
  }
}

async function findByToken(client: EngineClient, token: string): Promise<Vm | null> {
  const found = await call(client, 'list containers', () => client.api.listContainers({ all: true, filters: { label: [`${CM_TAGS.token}=${token}`] } }));
  return found[0] ? toVm(factsFromSummary(found[0])) : null;
}

async function boot(client: EngineClient, config: DockerConfig, spec: VmSpec): Promise<Vm> {
  // spec.key and spec.secgroups are not applied (see NO_KEYS, NO_SECGROUPS): a general default key must not
  // make every container boot fail, and the capabilities say a key is never installed.
  if (spec.userData) throw new UserError(`cloud "${config.cloud}": user data (cloud-init) does not apply to containers`);
  const flavor = config.flavors[spec.flavor];
  if (!flavor) {
    throw new NotFoundError(`cloud "${config.cloud}" has no flavor "${spec.flavor}"${didYouMean(spec.flavor, Object.keys(config.flavors))}`, {
      hint: `flavors: ${Object.keys(config.flavors).join(', ')} (add more under settings.flavors)`,
    });
  }
  const existing = await findByToken(client, spec.clientToken);
  if (existing) return existing;
  const labels: Record<string, string> = {
    ...spec.metadata,
    [CM_TAGS.name]: spec.name,
    [CM_TAGS.token]: spec.clientToken,
    'cm.flavor': spec.flavor,
    ...(spec.group ? { [CM_TAGS.group]: spec.group } : {}),
  };
  const memory = flavor.memoryMb * 1024 * 1024;
  const network = spec.network ?? config.network;
  const name = containerNameFor(spec.name);
  let created;
  try {
    created = await call(client, `create container ${name}`, () => client.api.createContainer({
      name,
      Image: spec.image,
      Labels: labels,
      Tty: true,
      OpenStdin: true,
      StopTimeout: config.stopTimeout,
      HostConfig: { NanoCpus: Math.round(flavor.cpus * 1e9), Memory: memory, MemorySwap: memory, ...(network ? { NetworkMode: network } : {}) },
    }));
  } catch (error) {
    // Two boots with one token racing: the loser hits the name conflict and returns the winner's container.
    const again = await findByToken(client, spec.clientToken);
    if (again) return again;
    const text = engineMessage((error as { cause?: unknown }).cause);
    if (/no such image/i.test(text)) {
      throw new NotFoundError(`image "${spec.image}" is not on the engine at ${config.socketPath}; cm never pulls from a registry: build or import it first`, { cause: error });
    }
    if (/network .*not found/i.test(text)) throw new NotFoundError(`network "${network}" does not exist on the engine at ${config.socketPath}`, { cause: error });
    throw error;
  }
  try {
    await call(client, `start container ${name}`, () => created.start());
  } catch (error) {
    await created.remove({ force: true }).catch(() => undefined);
    throw error;
  }
  const vm = await getVm(client, created.id);
  if (!vm) throw new NotFoundError(`container ${name} vanished right after it started`);
  return vm;
}

async function listImages(client: EngineClient): Promise<Image[]> {
  const images = await call(client, 'list images', () => client.api.listImages());
  return images.flatMap((image): Image[] => {
    const tags = (image.RepoTags ?? []).filter((t) => t !== '<none>:<none>');
    const data = { imageId: image.Id, sizeBytes: image.Size, created: new Date(image.Created * 1000).toISOString() };
    // One entry per tag: a tag is what `--image` names, and it is unique where an image id may carry several.
    if (tags.length === 0) return [{ id: image.Id, name: image.Id.replace(/^sha256:/, '').slice(0, 12), status: 'untagged', data }];
    return tags.map((tag) => ({ id: tag, name: tag, status: 'local', data }));
  });
}

async function quota(client: EngineClient): Promise<QuotaEntry[]> {
  const info = await call(client, 'read engine info', () => client.api.info()) as { Containers?: number; ContainersRunning?: number; NCPU?: number; MemTotal?: number; Images?: number };
  // The engine has no quota: these are the host's limits, and what exists on it now.
  return [
    { resource: 'containers', used: info.Containers ?? null, limit: null },
    { resource: 'containers_running', used: info.ContainersRunning ?? null, limit: null },
    { resource: 'images', used: info.Images ?? null, limit: null },
    { resource: 'cpus', used: null, limit: info.NCPU ?? null },
    { resource: 'memory_mb', used: null, limit: info.MemTotal ? Math.floor(info.MemTotal / 1024 / 1024) : null },
  ];
}

/**
 * @module providers/compute/docker/containers
 * The `docker run`-like side of a docker cloud, for `cm container …`: a command, ports, environment and
 * resource limits per container, logs and exec. A container is named by its name or id (a cloudmesh name
 * that Docker cannot hold is mapped exactly as `boot` maps it).
 */
import { CM_TAGS } from '../../../core/compute.ts';
import { NotFoundError, UserError } from '../../../core/errors.ts';
import { call, engineMessage, execIn, logsOf, statusOf, type EngineClient, type ExecOutput } from './client.ts';
import type { DockerConfig } from './config.ts';
import { containerNameFor, displayName, factsFromInspect, factsFromSummary, parseCpus, parseEnv, parseMemory, parsePort, vmState } from './map.ts';

/** What `container run` asks for. */
export interface RunOptions {
  image: string;
  /** The command and its arguments (image default when empty); never passed through a shell. */
  command?: string[];
  name?: string;
  cpus?: number | string;
  /** `512m`, `2g` … */
  memory?: string;
  /** `[IP:]HOST:CONTAINER[/proto]`, host IP 127.0.0.1 unless given. */
  ports?: string[];
  env?: string[];
  network?: string;
  labels?: Record<string, string>;
}

/** One container as `container list` shows it. */
export interface ContainerRow {
  name: string;
  id: string;
  image: string;
  state: string;
  status: string;
  ports: string;
  ip: string | null;
  cpus: number | null;
  memory_mb: number | null;
}

export interface ContainerEngine {
  run(options: RunOptions): Promise<ContainerRow>;
  list(options?: { all?: boolean }): Promise<ContainerRow[]>;
  inspect(ref: string): Promise<ContainerRow>;
  start(ref: string): Promise<void>;
  stop(ref: string): Promise<void>;
  /** Force-remove with its anonymous volumes; a container that is gone already is not an error. */
  remove(ref: string): Promise<void>;
  logs(ref: string, tail?: number): Promise<string>;
  exec(ref: string, command: readonly string[], options?: { input?: string }): Promise<ExecOutput>;
}

export function createContainers(client: EngineClient, config: DockerConfig): ContainerEngine {
  const idOf = (ref: string) => containerNameFor(ref);
  const missing = (ref: string) => `no container "${ref}" on the engine at ${config.socketPath}`;
  const inspect = async (ref: string) => toRow(factsFromInspect(await call(client, `inspect ${ref}`, () => client.api.getContainer(idOf(ref)).inspect(), missing(ref))));
  return {
    run: (options) => run(client, config, options),
    async list(options = {}) {
      const list = await call(client, 'list containers', () => client.api.listContainers({ all: options.all !== false }));
      return list.map((c) => toRow(factsFromSummary(c)));
    },
    inspect,
    async start(ref) {
      await call(client, `start ${ref}`, () => client.api.getContainer(idOf(ref)).start(), missing(ref)).catch(allow304);
    },
    async stop(ref) {
      await call(client, `stop ${ref}`, () => client.api.getContainer(idOf(ref)).stop({ t: config.stopTimeout }), missing(ref)).catch(allow304);
    },
    async remove(ref) {
      try {
        await call(client, `remove ${ref}`, () => client.api.getContainer(idOf(ref)).remove({ force: true, v: true }), missing(ref));
      } catch (error) {
        if (error instanceof NotFoundError) return;
        // "removal already in progress": a concurrent delete of the same container.
        if (statusOf((error as { cause?: unknown }).cause) === 409 && /already in progress/i.test(String((error as Error).message))) return;
        throw error;
      }
    },
    async logs(ref, tail = 1000) {
      const facts = await call(client, `inspect ${ref}`, () => client.api.getContainer(idOf(ref)).inspect(), missing(ref));
      return logsOf(client, facts.Id, tail, facts.Config.Tty === true);
    },
    async exec(ref, command, options = {}) {
      if (command.length === 0) throw new UserError('exec: give the command to run in the container');
      const facts = await call(client, `inspect ${ref}`, () => client.api.getContainer(idOf(ref)).inspect(), missing(ref));
      if (!facts.State.Running) throw new UserError(`container "${ref}" is ${facts.State.Status}, not running: start it first (cm container start ${ref})`);
      return execIn(client, facts.Id, command, options);
    },
  };
}

function allow304(error: unknown): void {
  if (statusOf((error as { cause?: unknown }).cause) !== 304) throw error;
}

function toRow(facts: ReturnType<typeof factsFromSummary>): ContainerRow {
  const ip = Object.values(facts.networks).map((n) => n.IPAddress).find((a) => a) ?? null;
  return {
    name: displayName(facts),
    id: facts.id.slice(0, 12),
    image: facts.image,
    state: vmState(facts.state),
    status: facts.status,
    ports: facts.ports.join(', '),
    ip,
    cpus: facts.nanoCpus ? facts.nanoCpus / 1e9 : null,
    memory_mb: facts.memory ? Math.round(facts.memory / 1024 / 1024) : null,
  };
}

async function run(client: EngineClient, config: DockerConfig, options: RunOptions): Promise<ContainerRow> {
  const ports = (options.ports ?? []).map(parsePort);
  const env = parseEnv(options.env ?? []);
  const memory = options.memory === undefined ? undefined : parseMemory(options.memory);
  const nanoCpus = options.cpus === undefined ? undefined : parseCpus(options.cpus);
  const network = options.network ?? config.network;
  const name = options.name === undefined ? undefined : containerNameFor(options.name);
  const labels = { ...options.labels, ...(options.name !== undefined ? { [CM_TAGS.name]: options.name } : {}) };
  const exposed = Object.fromEntries(ports.map((p) => [p.containerPort, {}]));
  const bindings: Record<string, { HostIp: string; HostPort: string }[]> = {};
  for (const p of ports) (bindings[p.containerPort] ??= []).push({ HostIp: p.hostIp, HostPort: p.hostPort });
  const container = await call(client, `create a container from ${options.image}`, () => client.api.createContainer({
    ...(name ? { name } : {}),
    Image: options.image,
    ...(options.command?.length ? { Cmd: options.command } : {}),
    Env: env,
    Labels: labels,
    ExposedPorts: exposed,
    HostConfig: {
      PortBindings: bindings,
      ...(nanoCpus !== undefined ? { NanoCpus: nanoCpus } : {}),
      ...(memory !== undefined ? { Memory: memory, MemorySwap: memory } : {}),
      ...(network ? { NetworkMode: network } : {}),
    },
  }), `image "${options.image}" is not on the engine at ${config.socketPath}, or network "${network ?? 'default'}" does not exist (cm never pulls from a registry: build or import the image first)`)
    .catch((error: unknown) => {
      const text = engineMessage((error as { cause?: unknown }).cause);
      if (/no such image/i.test(text)) {
        throw new NotFoundError(`image "${options.image}" is not on the engine at ${config.socketPath}; cm never pulls from a registry: build or import it first (docker image ls shows what is there)`);
      }
      if (/network .*not found/i.test(text)) throw new NotFoundError(`network "${network}" does not exist on the engine at ${config.socketPath}: ${text}`);
      throw error;
    });
  try {
    await call(client, `start container ${name ?? container.id.slice(0, 12)}`, () => container.start());
  } catch (error) {
    // A container that could not start (port taken, bad command) is removed, so a retry with the same name works.
    await container.remove({ force: true }).catch(() => undefined);
    const text = engineMessage((error as { cause?: unknown }).cause);
    const taken = ports.find((p) => text.includes(`:${p.hostPort}`));
    if (/address already in use|port is already allocated/i.test(text)) {
      throw new UserError(`port ${taken ? `${taken.hostIp}:${taken.hostPort}` : ''} is already in use on this host: choose another --port`.replace('port  is', 'a port is'), { cause: error });
    }
    throw error;
  }
  return toRow(factsFromInspect(await call(client, 'inspect the new container', () => container.inspect())));
}

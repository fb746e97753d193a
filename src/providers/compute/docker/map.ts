/**
 * @module providers/compute/docker/map
 * Pure mapping between the Engine API's shapes and cloudmesh's: container → Vm, state words, the
 * container name a cloudmesh name gets, and the user's `--memory`, `--cpus`, `--port` and `--env` values.
 */
import { createHash } from 'node:crypto';
import { CM_TAGS, type Vm, type VmStateName } from '../../../core/compute.ts';
import { UserError } from '../../../core/errors.ts';

/** Engine states (`docker ps`'s State) → cloudmesh states. A created, never started container is still building. */
const STATES: Record<string, VmStateName> = {
  created: 'BUILDING',
  running: 'ACTIVE',
  paused: 'STOPPED',
  restarting: 'REBOOTING',
  removing: 'DELETED',
  exited: 'STOPPED',
  dead: 'ERROR',
};

export function vmState(engineState: string | undefined): VmStateName {
  return STATES[(engineState ?? '').toLowerCase()] ?? 'UNKNOWN';
}

const CONTAINER_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

/**
 * The container name for a cloudmesh name. Docker allows `[a-zA-Z0-9][a-zA-Z0-9_.-]*`; any other name is
 * mapped to that alphabet plus a hash of the original (so two names never map to one container name), and
 * the original travels in the `cm.name` label.
 */
export function containerNameFor(name: string): string {
  if (CONTAINER_NAME.test(name) && name.length <= 200) return name;
  const plain = name.replace(/[^a-zA-Z0-9_.-]+/g, '-').replace(/^[^a-zA-Z0-9]+/, '').slice(0, 60).replace(/-+$/, '');
  const hash = createHash('sha256').update(name).digest('hex').slice(0, 10);
  return `${plain || 'cm'}-${hash}`;
}

/** The subset of a container listing/inspection both `listContainers` and `inspect` give us. */
export interface ContainerFacts {
  id: string;
  /** Without the leading `/`. */
  name: string;
  image: string;
  state: string;
  status: string;
  labels: Record<string, string>;
  created: string | null;
  networks: Record<string, { IPAddress?: string }>;
  ports: string[];
  nanoCpus?: number | null;
  memory?: number | null;
}

/** The name cloudmesh shows: the `cm.name` label while the container still has the name made from it. */
export function displayName(facts: Pick<ContainerFacts, 'name' | 'labels'>): string {
  const label = facts.labels[CM_TAGS.name];
  return label !== undefined && containerNameFor(label) === facts.name ? label : facts.name;
}

export function toVm(facts: ContainerFacts): Vm {
  const ip = Object.values(facts.networks).map((n) => n.IPAddress).find((a) => typeof a === 'string' && a !== '') ?? null;
  return {
    id: facts.id,
    name: displayName(facts),
    state: vmState(facts.state),
    providerState: facts.state,
    image: facts.image,
    flavor: facts.labels['cm.flavor'] ?? null,
    key: null,
    group: facts.labels[CM_TAGS.group] ?? null,
    publicIp: null,
    privateIp: ip,
    createdAt: facts.created,
    metadata: { ...facts.labels },
    data: {
      container: facts.name,
      status: facts.status,
      networks: Object.keys(facts.networks),
      ...(facts.ports.length > 0 ? { ports: facts.ports } : {}),
    },
  };
}

/** One `listContainers` entry → facts. */
export function factsFromSummary(c: {
  Id: string; Names?: string[]; Image: string; State: string; Status: string; Labels?: Record<string, string>; Created: number;
  NetworkSettings?: { Networks?: Record<string, { IPAddress?: string }> }; Ports?: { IP?: string; PrivatePort: number; PublicPort?: number; Type: string }[];
}): ContainerFacts {
  return {
    id: c.Id,
    name: (c.Names?.[0] ?? c.Id.slice(0, 12)).replace(/^\//, ''),
    image: c.Image,
    state: c.State,
    status: c.Status,
    labels: c.Labels ?? {},
    created: new Date(c.Created * 1000).toISOString(),
    networks: c.NetworkSettings?.Networks ?? {},
    ports: (c.Ports ?? []).filter((p) => p.PublicPort).map((p) => `${p.IP ?? ''}:${p.PublicPort}->${p.PrivatePort}/${p.Type}`),
  };
}

/** A `container.inspect()` answer → facts. */
export function factsFromInspect(c: {
  Id: string; Name: string; Created: string; State: { Status: string; ExitCode?: number };
  Config: { Image: string; Labels?: Record<string, string> | null };
  NetworkSettings?: { Networks?: Record<string, { IPAddress?: string }>; Ports?: Record<string, { HostIp: string; HostPort: string }[] | null> };
  HostConfig?: { NanoCpus?: number; Memory?: number };
}): ContainerFacts {
  const ports: string[] = [];
  for (const [inner, bindings] of Object.entries(c.NetworkSettings?.Ports ?? {})) {
    for (const b of bindings ?? []) ports.push(`${b.HostIp}:${b.HostPort}->${inner}`);
  }
  const status = c.State.Status === 'exited' ? `exited (${c.State.ExitCode ?? '?'})` : c.State.Status;
  return {
    id: c.Id,
    name: c.Name.replace(/^\//, ''),
    image: c.Config.Image,
    state: c.State.Status,
    status,
    labels: c.Config.Labels ?? {},
    created: c.Created,
    networks: c.NetworkSettings?.Networks ?? {},
    ports,
    nanoCpus: c.HostConfig?.NanoCpus ?? null,
    memory: c.HostConfig?.Memory ?? null,
  };
}

/** `512m`, `2g`, `1.5G`, `1048576` (bytes) → bytes. */
export function parseMemory(text: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([bkmg]?)i?b?$/i.exec(text.trim());
  if (!m) throw new UserError(`invalid memory size '${text}': use a number with k, m or g (e.g. 512m, 2g)`);
  const scale = { '': 1, b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[m[2]!.toLowerCase() as '' | 'b' | 'k' | 'm' | 'g'];
  const bytes = Math.round(Number(m[1]) * scale);
  // The engine refuses less than 6 MiB; say so before asking it.
  if (bytes < 6 * 1024 * 1024) throw new UserError(`memory '${text}' is below Docker's minimum of 6m`);
  return bytes;
}

/** `1.5` CPUs → the engine's NanoCpus. */
export function parseCpus(value: number | string): number {
  const cpus = Number(value);
  if (!Number.isFinite(cpus) || cpus <= 0) throw new UserError(`invalid --cpus '${value}': a positive number such as 0.5 or 2`);
  return Math.round(cpus * 1e9);
}

/** One `--port [IP:]HOST:CONTAINER[/tcp|udp]` value. */
export interface PortBinding {
  hostIp: string;
  hostPort: string;
  containerPort: string;
}

/**
 * Parse a port publication. The host IP defaults to 127.0.0.1 rather than Docker's 0.0.0.0: publishing to
 * every interface must be asked for explicitly.
 */
export function parsePort(text: string): PortBinding {
  const m = /^(?:(\d{1,3}(?:\.\d{1,3}){3}|\[[0-9a-f:]+\]):)?(\d{1,5}):(\d{1,5})(\/(?:tcp|udp|sctp))?$/i.exec(text.trim());
  if (!m) throw new UserError(`invalid --port '${text}': use [IP:]HOSTPORT:CONTAINERPORT[/tcp|udp], e.g. 127.0.0.1:8080:80`);
  // Host port 0 lets the engine pick a free one.
  if (Number(m[2]) > 65535 || Number(m[3]) < 1 || Number(m[3]) > 65535) throw new UserError(`invalid --port '${text}': ports are 1-65535 (host port 0: any free port)`);
  return { hostIp: (m[1] ?? '127.0.0.1').replace(/^\[|\]$/g, ''), hostPort: m[2]!, containerPort: `${m[3]}${(m[4] ?? '/tcp').toLowerCase()}` };
}

/** `K=V` words → the engine's Env list, names checked. */
export function parseEnv(words: readonly string[]): string[] {
  return words.map((word) => {
    const eq = word.indexOf('=');
    const name = eq < 0 ? word : word.slice(0, eq);
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new UserError(`invalid --env '${word}': use NAME=VALUE`);
    if (eq < 0) throw new UserError(`invalid --env '${word}': use NAME=VALUE`);
    return word;
  });
}

/**
 * Split the engine's multiplexed log stream (8-byte frame headers: stream, 0, 0, 0, big-endian length)
 * into text. Frames are kept in order, so stdout and stderr stay interleaved as written.
 */
export function demux(bytes: Buffer): string {
  const parts: Buffer[] = [];
  let at = 0;
  while (at + 8 <= bytes.length) {
    const stream = bytes[at];
    if (stream !== 0 && stream !== 1 && stream !== 2) return Buffer.concat([...parts, bytes.subarray(at)]).toString('utf8');
    const length = bytes.readUInt32BE(at + 4);
    parts.push(bytes.subarray(at + 8, at + 8 + length));
    at += 8 + length;
  }
  return Buffer.concat(parts).toString('utf8');
}

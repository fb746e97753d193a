/**
 * @module providers/compute/docker/config
 * Settings of a `docker` cloud and their defaults. A Docker Engine is "the cloud": its local images are the
 * images, and flavors are named CPU/memory presets — Docker has no flavors of its own, so the presets are
 * cloudmesh's (`DEFAULT_FLAVORS`), overridable and extendable with `settings.flavors` in cloudmesh.yaml.
 */
import { homedir } from 'node:os';
import { UserError } from '../../../core/errors.ts';

/** A CPU/memory preset a container is started with. */
export interface DockerFlavor {
  cpus: number;
  memoryMb: number;
}

/** Presets every docker cloud has; `settings.flavors` may redefine them or add more. */
export const DEFAULT_FLAVORS: Readonly<Record<string, DockerFlavor>> = {
  tiny: { cpus: 0.5, memoryMb: 128 },
  small: { cpus: 1, memoryMb: 512 },
  medium: { cpus: 2, memoryMb: 2048 },
  large: { cpus: 4, memoryMb: 8192 },
};

export const DEFAULT_SOCKET = '/var/run/docker.sock';

export interface DockerConfig {
  cloud: string;
  /** The Engine API's unix socket. */
  socketPath: string;
  /** Network new containers join when the boot names none (engine default when absent). */
  network: string | undefined;
  flavors: Record<string, DockerFlavor>;
  /** Seconds `stop` waits for the main process before killing it (a shell as PID 1 ignores SIGTERM). */
  stopTimeout: number;
  /** Milliseconds one Engine API call may take before it is called hung. */
  requestTimeoutMs: number;
}

/**
 * `unix:///var/run/docker.sock`, `unix:/x` or a plain path → the socket path. TCP engines would need TLS
 * settings this provider does not take, so they are refused rather than half supported.
 */
export function socketPathOf(host: string): string {
  const path = host.startsWith('unix://') ? host.slice('unix://'.length) : host.startsWith('unix:') ? host.slice(5) : host;
  if (/^[a-z]+:\/\//i.test(path)) throw new UserError(`docker host '${host}': only unix sockets are supported (unix:///path/to/docker.sock)`);
  if (path === '') throw new UserError(`docker host '${host}' names no socket`);
  return path.startsWith('~/') ? `${homedir()}${path.slice(1)}` : path;
}

/** The config of cloud `cloud` from its `settings:` block. */
export function resolveDockerConfig(cloud: string, settings: Record<string, unknown> = {}, env: Readonly<Record<string, string | undefined>> = {}): DockerConfig {
  const host = typeof settings.host === 'string' ? settings.host : env.DOCKER_HOST?.startsWith('unix:') ? env.DOCKER_HOST : DEFAULT_SOCKET;
  const flavors: Record<string, DockerFlavor> = { ...DEFAULT_FLAVORS };
  const extra = settings.flavors;
  if (extra !== undefined) {
    if (typeof extra !== 'object' || extra === null) throw new UserError(`cloud "${cloud}": settings.flavors must be a map of name: {cpus, memory_mb}`);
    for (const [name, value] of Object.entries(extra as Record<string, unknown>)) {
      const v = value as { cpus?: unknown; memory_mb?: unknown } | null;
      const cpus = Number(v?.cpus);
      const memoryMb = Number(v?.memory_mb);
      if (!(cpus > 0) || !(memoryMb >= 6)) {
        throw new UserError(`cloud "${cloud}": flavor "${name}" needs cpus > 0 and memory_mb >= 6 (Docker's minimum)`);
      }
      flavors[name] = { cpus, memoryMb };
    }
  }
  const stopTimeout = settings.stop_timeout === undefined ? 3 : Number(settings.stop_timeout);
  if (!Number.isInteger(stopTimeout) || stopTimeout < 0) throw new UserError(`cloud "${cloud}": settings.stop_timeout must be whole seconds`);
  return {
    cloud,
    socketPath: socketPathOf(host),
    network: typeof settings.network === 'string' && settings.network !== '' ? settings.network : undefined,
    flavors,
    stopTimeout,
    requestTimeoutMs: 60_000,
  };
}

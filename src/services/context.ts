/**
 * @module services/context
 * Builds the `Context` every command runs in. Config, store and schedulers open on first use and stay
 * open for the life of the context, so the long-lived shell and server reuse them across commands while a
 * one-shot `cm` pays only for what its command touches.
 */
import { statSync } from 'node:fs';
import { homedir, userInfo } from 'node:os';
import { join, resolve } from 'node:path';
import type { CommandSpec, Context, Face, Reporter } from '../core/command.ts';
import type { Config } from '../core/config.ts';
import { NotFoundError } from '../core/errors.ts';
import type { ComputeProvider } from '../core/compute.ts';
import type { Scheduler } from '../core/scheduler.ts';
import type { Store } from '../core/store.ts';
import { didYouMean } from '../core/suggest.ts';

/** Options for `createContext`; everything has a sensible default for library use. */
export interface ContextOptions {
  /** `$CLOUDMESH_HOME`; default from `env.CLOUDMESH_HOME`, else `~/.cloudmesh`. */
  home?: string;
  env?: Record<string, string | undefined>;
  face?: Face;
  signal?: AbortSignal;
  out?: Reporter;
  dryRun?: boolean;
  now?: () => Date;
  /** Command specs for `help`/completion (the CLI passes the loaded registry). */
  commands?: () => readonly CommandSpec[];
}

/** A context plus the means to release what it opened. */
export interface OwnedContext extends Context {
  /** Close the store and every scheduler connection. Safe to call twice. */
  close(): Promise<void>;
  /** A context sharing this one's open resources but with other per-command settings. */
  derive(overrides: { face?: Face; dryRun?: boolean; signal?: AbortSignal }): OwnedContext;
  /** The config if it has been loaded already (for scrubbing secrets out of error text). */
  loadedConfig(): Config | undefined;
}

/** Where cloudmesh keeps its files for this environment. */
export function resolveHome(env: Record<string, string | undefined>): string {
  return resolve(env.CLOUDMESH_HOME || join(homedir(), '.cloudmesh'));
}

const silent: Reporter = {
  info() {},
  warn() {},
  progress: () => ({ tick() {}, done() {} }),
  data() {},
};

interface Shared {
  home: string;
  env: Record<string, string | undefined>;
  out: Reporter;
  now: () => Date;
  commands: () => readonly CommandSpec[];
  config?: Promise<Config>;
  loaded?: Config;
  store?: Promise<Store>;
  /** cloudmesh.yaml's identity when it was loaded: a change (`db use` in another cm) reopens the store. */
  configStamp?: string;
  /** Stores opened under a config that has changed since: closed with the context, not under a running command. */
  retired: Promise<{ close(): Promise<void> }>[];
  schedulers: Map<string, Promise<Scheduler>>;
  providers: Map<string, Promise<ComputeProvider>>;
}

/** Create a context. Nothing is opened until a command asks for it. */
export function createContext(options: ContextOptions = {}): OwnedContext {
  const env = options.env ?? process.env;
  const shared: Shared = {
    home: options.home ? resolve(options.home) : resolveHome(env),
    env,
    out: options.out ?? silent,
    now: options.now ?? (() => new Date()),
    commands: options.commands ?? (() => []),
    schedulers: new Map(),
    providers: new Map(),
    retired: [],
  };
  return build(shared, options.face ?? 'api', options.dryRun ?? false, options.signal ?? new AbortController().signal);
}

/** Inode, size and modification time of the config file ('' when it cannot be read). */
function stampOf(path: string): string {
  try {
    const stat = statSync(path);
    return `${stat.ino}:${stat.size}:${stat.mtimeMs}`;
  } catch {
    return '';
  }
}

/**
 * Forget the config, store, schedulers and cloud providers when cloudmesh.yaml changed since it was loaded
 * (`db use`, `register`, an editor), so the next command opens them as the file now says.
 */
function forgetChangedConfig(shared: Shared): void {
  if (!shared.loaded || shared.configStamp === undefined || stampOf(shared.loaded.path) === shared.configStamp) return;
  shared.config = shared.loaded = shared.configStamp = undefined;
  const open = [...(shared.store ? [shared.store] : []), ...shared.schedulers.values(), ...shared.providers.values()];
  shared.store = undefined;
  shared.schedulers.clear();
  shared.providers.clear();
  for (const resource of open) retireLater(shared, resource);
}

/** A command of a long-lived server may still be using it: close it a while later (or with the context). */
function retireLater(shared: Shared, resource: Promise<{ close(): Promise<void> }>): void {
  shared.retired.push(resource);
  const retire = () => {
    const at = shared.retired.indexOf(resource);
    if (at >= 0) void shared.retired.splice(at, 1)[0]!.then((r) => r.close()).catch(() => undefined);
  };
  setTimeout(retire, 60_000).unref();
}

function build(shared: Shared, face: Face, dryRun: boolean, signal: AbortSignal): OwnedContext {
  const context: OwnedContext = {
    home: shared.home,
    env: shared.env,
    face,
    signal,
    out: shared.out,
    dryRun,
    now: shared.now,
    commands: () => shared.commands(),
    async user() {
      const config = await context.config();
      return config.profile.user || shared.env.USER || userInfo().username;
    },
    config() {
      shared.config ??= import('../config/load.ts').then(async ({ loadConfig }) => {
        const config = await loadConfig(shared.home, shared.env, (message) => shared.out.warn(message));
        shared.loaded = config;
        shared.configStamp = stampOf(config.path);
        return config;
      });
      return shared.config;
    },
    store() {
      shared.store ??= (async () => {
        const config = await context.config();
        const [{ openStore }, { scopeFor }] = await Promise.all([import('../store/registry.ts'), import('../store/scope.ts')]);
        return openStore(config.database, shared.home, shared.env, scopeFor(config, shared.home, shared.env));
      })();
      // A failed open must not be cached: the next command (in the shell) should try again.
      shared.store.catch(() => (shared.store = undefined));
      return shared.store;
    },
    scheduler(cluster) {
      let scheduler = shared.schedulers.get(cluster);
      if (!scheduler) {
        scheduler = (async () => {
          const config = await context.config();
          const clusterConfig = config.clusters[cluster];
          if (!clusterConfig) {
            throw new NotFoundError(`no cluster named "${cluster}"${didYouMean(cluster, Object.keys(config.clusters))}`, {
              hint: 'registered clusters: ' + Object.keys(config.clusters).join(', '),
            });
          }
          const { createScheduler } = await import('../providers/hpc/registry.ts');
          return createScheduler(cluster, clusterConfig, shared.home);
        })();
        scheduler.catch(() => shared.schedulers.delete(cluster));
        shared.schedulers.set(cluster, scheduler);
      }
      return scheduler;
    },
    compute(cloud) {
      let provider = shared.providers.get(cloud);
      if (!provider) {
        provider = (async () => {
          const config = await context.config();
          const cloudConfig = config.clouds[cloud];
          if (!cloudConfig) {
            throw new NotFoundError(`no cloud named "${cloud}"${didYouMean(cloud, Object.keys(config.clouds))}`, {
              hint: 'registered clouds: ' + (Object.keys(config.clouds).join(', ') || 'none (see cm register)'),
            });
          }
          const { createComputeProvider } = await import('../providers/compute/registry.ts');
          return createComputeProvider({ cloud, config: cloudConfig, home: shared.home, env: shared.env });
        })();
        provider.catch(() => shared.providers.delete(cloud));
        shared.providers.set(cloud, provider);
      }
      return provider;
    },
    loadedConfig: () => shared.loaded,
    derive: (overrides) => (forgetChangedConfig(shared), build(shared, overrides.face ?? face, overrides.dryRun ?? dryRun, overrides.signal ?? signal)),
    async close() {
      const schedulers = [...shared.schedulers.values()];
      shared.schedulers.clear();
      for (const pending of schedulers) await pending.then((s) => s.close()).catch(() => undefined);
      const providers = [...shared.providers.values()];
      shared.providers.clear();
      for (const pending of providers) await pending.then((p) => p.close()).catch(() => undefined);
      const store = shared.store;
      shared.store = undefined;
      if (store) await store.then((s) => s.close()).catch(() => undefined);
      for (const retired of shared.retired.splice(0)) await retired.then((s) => s.close()).catch(() => undefined);
    },
  };
  return context;
}

/**
 * @module api
 * The typed library API: the same operations the `cm` commands run, over the same state.
 */
import type { CommandSpec, Face, Reporter } from './core/command.ts';
import type { AuditRow, DefaultRow, JobRow, VarRow } from './core/collections.ts';
import type { Config } from './core/config.ts';
import type { CancelResult, JobSpec, OutputChunk, PartitionInfo, QueueEntry } from './core/scheduler.ts';
import type { Store, StoreInfo } from './core/store.ts';
import { createContext, type OwnedContext } from './services/context.ts';
import { deleteDefault, findDefault, GENERAL, listDefaults, setDefault } from './services/defaults.ts';
import { deleteVar, getVar, listVars, setVar } from './services/vars.ts';
import { killJobs, listJobs, refreshJobs, resolveCluster, submitJob } from './services/jobs.ts';
import { overallStatus, type StatusRow } from './services/status.ts';
import { listAudit } from './services/audit.ts';
import { parseCommandLine } from './cli/parse.ts';
import { runCommand } from './services/run-command.ts';
import { loadCommands } from './commands/registry.ts';

/** Options for `openCloudmesh`. */
export interface CloudmeshOptions {
  /** State and config directory; default `$CLOUDMESH_HOME`, else `~/.cloudmesh`. */
  home?: string;
  /** Environment used for `env:` secrets and defaults; default `process.env`. */
  env?: Record<string, string | undefined>;
  /** Receives warnings and progress; silent by default. */
  reporter?: Reporter;
  /** Recorded as the face in the audit log; default `api`. */
  face?: Face;
}

/** A handle on cloudmesh's state and backends. Close it when done. */
export interface Cloudmesh {
  /** The resolved `$CLOUDMESH_HOME`. */
  readonly home: string;
  /** `cloudmesh.yaml`, validated, secrets left as references. */
  config(): Promise<Config>;
  /** The state store (SQLite by default). */
  store(): Promise<Store>;
  defaults: {
    set(key: string, value: string, scope?: string): Promise<DefaultRow>;
    /** The value for `scope`, falling back to the general scope; undefined when unset. */
    get(key: string, scope?: string): Promise<string | undefined>;
    list(scope?: string): Promise<DefaultRow[]>;
    delete(key: string, scope?: string): Promise<void>;
  };
  vars: {
    set(name: string, value: string): Promise<VarRow>;
    get(name: string): Promise<string>;
    list(): Promise<VarRow[]>;
    delete(name: string): Promise<void>;
  };
  jobs: {
    /** Submit to `cluster` (default: the `cluster` default, else `local`) and record the job. */
    submit(spec: JobSpec, options?: { cluster?: string }): Promise<JobRow>;
    /** Tracked jobs, refreshed with one scheduler query per cluster. */
    status(options?: { cluster?: string; ids?: string[] }): Promise<JobRow[]>;
    cancel(ids: string[], options?: { cluster?: string }): Promise<CancelResult[]>;
    queue(options?: { cluster?: string; all?: boolean }): Promise<QueueEntry[]>;
    info(options?: { cluster?: string }): Promise<PartitionInfo[]>;
    output(id: string, options?: { cluster?: string; stream?: 'stdout' | 'stderr'; offset?: number }): Promise<OutputChunk>;
  };
  /** Every VM and job cloudmesh knows, with source and `seen_at`. */
  status(options?: { refresh?: boolean }): Promise<StatusRow[]>;
  audit(options?: { since?: string; limit?: number }): Promise<AuditRow[]>;
  db: { info(): Promise<StoreInfo> };
  /**
   * Run any command by its words, exactly as `cm` would parse them, and get its data back (not text).
   * @example await cm.run(['hpc', 'run', '--name', 'hello', 'echo', 'hi'])
   */
  run(words: readonly string[]): Promise<unknown>;
  /** Release the database and scheduler connections. */
  close(): Promise<void>;
}

/**
 * Open cloudmesh's state for use from TypeScript. Nothing is read until first used.
 *
 * @example
 * import { openCloudmesh } from 'cloudmesh';
 * const cm = openCloudmesh();
 * const job = await cm.jobs.submit({ command: ['hostname'] });
 * console.log((await cm.jobs.status({ ids: [job.id] }))[0]?.state);
 * await cm.close();
 */
export function openCloudmesh(options: CloudmeshOptions = {}): Cloudmesh {
  let specs: readonly CommandSpec[] = [];
  const ctx: OwnedContext = createContext({
    ...(options.home ? { home: options.home } : {}),
    ...(options.env ? { env: options.env } : {}),
    ...(options.reporter ? { out: options.reporter } : {}),
    face: options.face ?? 'api',
    commands: () => specs,
  });
  const scheduler = async (cluster?: string) => ctx.scheduler(await resolveCluster(ctx, cluster));
  return {
    home: ctx.home,
    config: () => ctx.config(),
    store: () => ctx.store(),
    defaults: {
      set: (key, value, scope) => setDefault(ctx, key, value, scope ?? GENERAL),
      get: async (key, scope) => (await findDefault(ctx, key, scope ?? GENERAL))?.value,
      list: (scope) => listDefaults(ctx, scope),
      delete: async (key, scope) => void (await deleteDefault(ctx, key, scope ?? GENERAL)),
    },
    vars: {
      set: (name, value) => setVar(ctx, name, value),
      get: async (name) => (await getVar(ctx, name)).value,
      list: () => listVars(ctx),
      delete: async (name) => void (await deleteVar(ctx, name)),
    },
    jobs: {
      submit: (spec, o) => submitJob(ctx, o?.cluster, spec),
      status: async (o) => refreshJobs(ctx, await listJobs(ctx, o ?? {})),
      cancel: (ids, o) => killJobs(ctx, o?.cluster, ids),
      queue: async (o) => (await scheduler(o?.cluster)).queue({ all: !!o?.all }),
      info: async (o) => (await scheduler(o?.cluster)).info(),
      output: async (id, o) => (await scheduler(o?.cluster)).output(id, { stream: o?.stream ?? 'stdout', offset: o?.offset ?? 0 }),
    },
    status: (o) => overallStatus(ctx, o ?? {}),
    audit: (o) => listAudit(ctx, o ?? {}),
    db: { info: async () => (await ctx.store()).info() },
    async run(words) {
      if (specs.length === 0) specs = await loadCommands();
      const parsed = parseCommandLine(words, specs);
      const result = await runCommand(ctx, parsed.spec, parsed.input, { face: ctx.face, dryRun: parsed.globals.dryRun });
      return result.data;
    },
    close: () => ctx.close(),
  };
}

/**
 * @module cloudmesh
 * The library API of cloudmesh: open the shared state, run the same operations as `cm`, and implement the
 * ports (Store, Scheduler, CommandSpec) to extend it.
 *
 * @example
 * import { openCloudmesh } from 'cloudmesh';
 * const cm = openCloudmesh({ home: '/tmp/cm-demo' });
 * await cm.defaults.set('cluster', 'local');
 * const job = await cm.jobs.submit({ command: ['echo', 'hello'] });
 * await cm.close();
 */

/** Open cloudmesh's state and backends; see {@link Cloudmesh}. */
export { openCloudmesh } from './api.ts';
export type { Cloudmesh, CloudmeshOptions } from './api.ts';

/** Build a command context directly (for embedding commands, REST servers and tests). */
export { createContext, resolveHome } from './services/context.ts';
export type { ContextOptions, OwnedContext } from './services/context.ts';

/** The error kinds every face understands, and the exit codes they map to. */
export { BackendError, CmError, ConfigError, EXIT, NotFoundError, UnsupportedError, UsageError, UserError } from './core/errors.ts';

/** Declare commands; `outcome` adds an exit code or message to returned data. */
export { defineCommand, inputKey, outcome } from './core/command.ts';
export type { CommandSpec, CompletionSource, Context, Face, OptionSpec, Outcome, PositionalSpec, Progress, Reporter } from './core/command.ts';

/** Store port, collection rows and their layout. */
export { COLLECTIONS, COLLECTION_NAMES } from './core/collections.ts';
export type {
  AuditRow, Cached, ClusterRow, CounterRow, DefaultRow, FlavorRow, GroupRow, ImageRow, JobRow, KeyRow, ROWS, SecgroupRow, VarRow, VmRow,
} from './core/collections.ts';
export type { Collection, CollectionName, ListQuery, MigrationReport, ReplaceResult, Store, StoreInfo, Where } from './core/store.ts';

/** Scheduler port and job states. */
export { JOB_STATES, TERMINAL_STATES } from './core/scheduler.ts';
export type { CancelResult, JobRef, JobSpec, JobState, JobStateName, OutputChunk, PartitionInfo, QueueEntry, Scheduler } from './core/scheduler.ts';

/** The resolved shape of cloudmesh.yaml. */
export type { CloudConfig, ClusterConfig, Config, DatabaseConfig } from './core/config.ts';

/** Hostlist expansion (`vm-[001-003]`) and globs. */
export { expandHostlist, expandNames, globMatch } from './core/hostlist.ts';

/** Open the SQLite store directly (tests, tools). */
export { openSqliteStore } from './store/sqlite/index.ts';
export type { SqliteStoreOptions } from './store/sqlite/index.ts';

/** The version of this package. */
export { VERSION } from './version.ts';

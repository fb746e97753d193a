/**
 * @module store/sqlite
 * The embedded default store: one SQLite file in `$CLOUDMESH_HOME`, opened (client.ts: node:sqlite, or
 * better-sqlite3 on older Node) in WAL mode with a busy timeout, so several `cm` processes (and the server) can write at once without losing anything.
 */
import { chmodSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { BackendError, UserError } from '../../core/errors.ts';
import type { Store, StoreScope } from '../../core/store.ts';
import { LATEST_SCHEMA_VERSION } from '../sql/migrations.ts';
import { migrateOnOpen } from '../open.ts';
import { createSqlStore } from '../sql/sql-store.ts';
import { createSqliteDriver, openRawDatabase, retryWhileBusy, sqliteErrorCode, type RawDatabase, type SqliteLibrary } from './client.ts';

export interface SqliteStoreOptions {
  path: string;
  /** How long a writer waits for another process's lock before failing (ms). */
  busyTimeoutMs?: number;
  /** Bring the schema up to date on open (default true). */
  migrate?: boolean;
  /** Whose rows this store sees on a shared database (core/store.ts); default: owner ''. */
  scope?: StoreScope;
  /** Which SQLite library opens the file (default: client.ts sqliteLibrary()). */
  library?: SqliteLibrary;
}

/** Open (creating if needed) the SQLite store at `path` and migrate it to the current schema. */
export async function openSqliteStore(options: SqliteStoreOptions): Promise<Store> {
  const { path } = options;
  try {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  } catch (error) {
    throw new UserError(`cannot create the folder of the database ${path}`, { cause: error, hint: 'check database.path in cloudmesh.yaml' });
  }
  let raw: RawDatabase | undefined;
  let version: number;
  try {
    const busyTimeoutMs = options.busyTimeoutMs ?? 15_000;
    const db = (raw = openRawDatabase(path, busyTimeoutMs, options.library));
    // Switching to WAL rewrites the file header, and a database from a newer cloudmesh must stay exactly as it
    // is: migrate() below refuses it with the version message.
    version = retryWhileBusy(() => storedSchemaVersion(db), busyTimeoutMs);
    const current = version <= LATEST_SCHEMA_VERSION;
    // The switch needs the file to itself; processes opening a new file together can get SQLITE_BUSY here
    // at once, without SQLite's busy handler waiting, so wait and retry like the handler would.
    if (current) retryWhileBusy(() => db.exec('PRAGMA journal_mode = WAL'), busyTimeoutMs);
    raw.exec('PRAGMA synchronous = NORMAL');
    // State is the user's own, like the config: keep the file private (only once we know it is ours).
    if (current) chmodSync(path, 0o600);
  } catch (error) {
    // Do not keep a file we refuse open (on Windows that would stop the user from moving it away).
    raw?.close();
    throw describe(error, path, 'open');
  }
  const db = raw;
  const store = createSqlStore({
    backend: 'sqlite',
    location: path,
    types: { key: 'text', text: 'text' },
    driver: createSqliteDriver(db),
    beginWrite: 'BEGIN IMMEDIATE',
    async kysely() {
      // The same connection, which the caller holds inside BEGIN IMMEDIATE: Kysely's DDL joins that transaction.
      const { Kysely, SqliteDialect } = await import('kysely');
      return new Kysely<any>({ dialect: new SqliteDialect({ database: db.kysely() }) });
    },
    async backup(fromVersion) {
      const target = `${path}.schema-v${fromVersion}.${new Date().toISOString().replace(/[:.]/g, '-')}.bak`;
      db.prepare('VACUUM INTO ?').run([target]);
      return target;
    },
    describeError: (error, operation) => describe(error, path, operation),
    ...(options.scope ? { scope: options.scope } : {}),
  });
  // Up to date (the usual case): no need to ask for the version a second time.
  return version === LATEST_SCHEMA_VERSION ? store : migrateOnOpen(store, options.migrate);
}

/** The highest applied migration, 0 when there is none (a new or foreign database). */
function storedSchemaVersion(raw: RawDatabase): number {
  const table = raw.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'cm_schema'").get([]);
  if (table === undefined) return 0;
  const row = raw.prepare('SELECT max(version) AS v FROM cm_schema').get([]) as { v: number | null } | undefined;
  return Number(row?.v ?? 0);
}

function describe(error: unknown, path: string, operation: string): Error {
  const code = sqliteErrorCode(error);
  if (code === 'SQLITE_NOTADB') {
    return new UserError(`${path} is not a SQLite database; cloudmesh left it untouched`, {
      hint: 'move the file away, or point database.path in cloudmesh.yaml at another file',
      cause: error,
    });
  }
  if (code === 'SQLITE_CANTOPEN') {
    return new UserError(`cannot open the database ${path}`, { cause: error, hint: 'check that the directory exists and is writable' });
  }
  return new BackendError('sqlite', operation, error, `sqlite: could not ${operation} (${(error as Error)?.message ?? error})`);
}

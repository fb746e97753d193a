/**
 * @module store/postgres
 * The PostgreSQL store: the shared SQL store over a small `pg` pool, for teams that keep cloudmesh's
 * state on a server. Keys and text are `collate "C"`, so they compare and sort by code point exactly as
 * the SQLite store's do, whatever the database's default collation.
 */
import { UserError } from '../../core/errors.ts';
import type { Store, StoreScope } from '../../core/store.ts';
import { checkPoolSize, describeServerError, parseServerUrl, safeCause, type ServerKind, type ServerTarget } from '../sql/server.ts';
import { migrateOnOpen } from '../open.ts';
import { createSqlStore } from '../sql/sql-store.ts';
import { createPostgresDriver, postgresKysely } from './client.ts';

export interface PostgresStoreOptions {
  /** `postgres://user:password@host:5432/database` (also `postgresql://`; libpq query options such as sslmode). */
  url: string;
  /** Bring the schema up to date on open (default true). */
  migrate?: boolean;
  /**
   * Connections kept at most (default 2): a CLI does one thing at a time, and a transaction holds one
   * connection while the other serves reads. A long-running server may want more.
   */
  poolSize?: number;
  /** Whose rows this store sees on a shared database (core/store.ts); default: owner ''. */
  scope?: StoreScope;
}

const POSTGRES: ServerKind = { backend: 'postgres', label: 'PostgreSQL', schemes: ['postgres', 'postgresql'], defaultPort: 5432 };

/** Open the store in the database the URL names and migrate it to the current schema. */
export async function openPostgresStore(options: PostgresStoreOptions): Promise<Store> {
  const target = parseServerUrl(options.url, POSTGRES);
  const poolSize = checkPoolSize(options.poolSize, POSTGRES);
  const driver = await createPostgresDriver({ url: options.url, max: poolSize });
  const store = createSqlStore({
    backend: 'postgres',
    location: target.location,
    types: { key: 'text collate "C"', text: 'text collate "C"' },
    driver,
    // Spelled out, not left to default_transaction_isolation: the migration lock and the counters rely
    // on each statement seeing what committed before it.
    beginWrite: 'BEGIN ISOLATION LEVEL READ COMMITTED',
    kysely: postgresKysely,
    // No backup: copying a server database is the DBA's pg_dump, not something a client should attempt.
    describeError: (error, operation) => describe(error, target, operation),
    ...(options.scope ? { scope: options.scope } : {}),
  });
  return migrateOnOpen(store, options.migrate);
}

/** PostgreSQL's own refusals, by SQLSTATE; the network failures are the shared ones. */
function describe(error: unknown, target: ServerTarget, operation: string): Error {
  return describeServerError(error, target, operation, (code) => {
    const where = `PostgreSQL at ${target.address}`;
    const hint = 'check the user and password in database.url (cloudmesh.yaml)';
    const cause = safeCause(error, target);
    if (code === '28P01') return new UserError(`${where} refused the password of user ${target.user || '(default)'}`, { cause, hint });
    if (code === '28000') return new UserError(`${where} does not let user ${target.user || '(default)'} connect to ${target.database}`, { cause, hint });
    if (code === '3D000') {
      return new UserError(`database ${target.database} does not exist on ${where}`, {
        cause,
        hint: `create it (CREATE DATABASE "${target.database}") or fix the database name in database.url`,
      });
    }
    if (code === '42501') {
      return new UserError(`user ${target.user || '(default)'} may not ${operation} in ${target.database} on ${where}`, {
        cause,
        hint: 'grant the user the privileges cloudmesh needs (CREATE on the schema for migrations, then read and write)',
      });
    }
    return undefined;
  });
}

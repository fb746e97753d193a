/**
 * @module store/postgres/client
 * The only file that talks to node-postgres (`pg`): a `SqlDriver` over a small pool, and the Kysely
 * instance migrations run on. `pg` loads when a store opens, never when the CLI starts.
 */
import type { Kysely } from 'kysely';
import type { PoolClient, QueryResult } from 'pg';
import type { SqlDriver, TransactionOptions } from '../sql/driver.ts';
import { requirePackage } from '../../vendor/require.ts';

export interface PostgresPoolOptions {
  /** The connection URL, password included. */
  url: string;
  /** Connections at most. */
  max: number;
}

/** How long a migration waits for another process's migration lock before failing. */
const LOCK_WAIT = '60s';
/** PostgreSQL's type id of bigint (COUNT(*) and the like). */
const INT8_OID = 20;

/** The pooled client under each transaction's connection, for `postgresKysely`. */
const heldClients = new WeakMap<SqlDriver, PoolClient>();

/** A driver over a new pool. Connects lazily: the first statement is the first connection. */
export async function createPostgresDriver(options: PostgresPoolOptions): Promise<SqlDriver> {
  const pg = requirePackage<typeof import('pg')>('pg');
  const parseInt8 = (text: string) => {
    const n = Number(text);
    return Number.isSafeInteger(n) ? n : text;
  };
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.max,
    // allowExitOnIdle lets a one-shot `cm` exit without waiting for idle connections; the short idle
    // timeout gives them back to the server soon after a burst.
    allowExitOnIdle: true,
    idleTimeoutMillis: 2_000,
    // Covers the TCP connect and the wait for a free pooled connection.
    connectionTimeoutMillis: 15_000,
    application_name: 'cloudmesh',
    // bigint as a JS number (like SQLite), for this pool only: pg's global parsers belong to the process.
    types: {
      getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
        oid === INT8_OID && format !== 'binary' ? parseInt8 : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
    },
  });
  // The server dropping an idle connection (restart, timeout) emits 'error' on the pool, which would end
  // the process if unheard; the pool has already discarded that client and the next query opens another.
  pool.on('error', () => undefined);
  let closed = false;

  async function inTransaction<T>(begin: string, fn: (connection: SqlDriver) => Promise<T>, options?: TransactionOptions): Promise<T> {
    const client = await pool.connect();
    // A client whose state we no longer know (BEGIN or ROLLBACK failed) is destroyed, not handed on.
    let discard: Error | undefined;
    try {
      await client.query(begin).catch((error: Error) => {
        discard = error;
        throw error;
      });
      try {
        if (options?.lock) await takeLock(client, options.lock);
        const result = await fn(bind(client));
        const end = await client.query('COMMIT');
        // PostgreSQL answers COMMIT with ROLLBACK when an earlier statement failed and someone caught it.
        if (end.command === 'ROLLBACK') throw new Error('the transaction was rolled back: a statement in it failed');
        return result;
      } catch (error) {
        await client.query('ROLLBACK').catch((rollbackError: Error) => (discard = rollbackError));
        throw error;
      }
    } finally {
      client.release(discard);
    }
  }

  return {
    dialect: 'postgres',
    query: async (sql, params = []) => (await pool.query(sql, params as unknown[])).rows,
    run: async (sql, params = []) => changes(await pool.query(sql, params as unknown[])),
    transaction: inTransaction,
    async close() {
      if (closed) return;
      closed = true;
      await pool.end();
    },
  };
}

/** The driver of one transaction: every statement on the client it holds. */
function bind(client: PoolClient): SqlDriver {
  const connection: SqlDriver = {
    dialect: 'postgres',
    query: async (sql, params = []) => (await client.query(sql, params as unknown[])).rows,
    run: async (sql, params = []) => changes(await client.query(sql, params as unknown[])),
    // Already inside a transaction: a nested one joins it, as the store's own nesting does.
    async transaction(_begin, fn, options) {
      if (options?.lock) await takeLock(client, options.lock);
      return fn(connection);
    },
    async close() {},
  };
  heldClients.set(connection, client);
  return connection;
}

function changes(result: QueryResult): { changes: number } {
  return { changes: result.rowCount ?? 0 };
}

/**
 * A transaction-scoped advisory lock: released by COMMIT or ROLLBACK, or by the server when the
 * connection dies, so a crashed migration never leaves it held. Keyed per database by the server.
 */
async function takeLock(client: PoolClient, name: string): Promise<void> {
  await client.query(`SELECT set_config('lock_timeout', $1, true)`, [LOCK_WAIT]);
  await client.query('SELECT pg_advisory_xact_lock($1::bigint)', [lockKey(name)]);
}

/** A stable 52-bit number for a lock name (FNV-1a), so every cloudmesh version agrees on it. */
function lockKey(name: string): string {
  let hash = 0xcbf29ce484222325n;
  for (const byte of Buffer.from(`cloudmesh:${name}`)) hash = ((hash ^ BigInt(byte)) * 0x100000001b3n) & 0xffffffffffffffffn;
  return String(hash >> 12n);
}

/** A Kysely instance whose statements run on `connection`'s client, inside its transaction. */
export async function postgresKysely(connection: SqlDriver): Promise<Kysely<any>> {
  const client = heldClients.get(connection);
  if (!client) throw new Error('postgresKysely needs the connection of a running transaction');
  const { Kysely, PostgresDialect } = await import('kysely');
  // Kysely asks its pool for a connection per statement: this one hands out the held client and never
  // releases it, so the DDL joins our transaction and the client goes back to the pool only after COMMIT.
  const held = { query: (sql: string, params: readonly unknown[]) => client.query(sql, [...params]), release: () => undefined };
  const pool = { connect: async () => held, end: async () => undefined, options: {} };
  return new Kysely<any>({ dialect: new PostgresDialect({ pool: pool as unknown as import('kysely').PostgresPool }) });
}

/**
 * @module store/mysql/client
 * The only file that talks to mysql2: a `SqlDriver` over a small pool, and the Kysely instance
 * migrations run on. mysql2 loads when a store opens, never when the CLI starts.
 */
import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { PoolConnection, ResultSetHeader } from 'mysql2/promise';
import { UserError } from '../../core/errors.ts';
import type { SqlDriver, TransactionOptions } from '../sql/driver.ts';

/** Where to connect and how; `ssl` and `connectTimeout` as mysql2 takes them. */
export interface MysqlPoolOptions {
  host: string;
  port: number;
  user?: string;
  password?: string;
  database: string;
  ssl?: string | Record<string, unknown>;
  connectTimeout?: number;
  /** Connections at most. */
  max: number;
}

/** How long a migration waits for another process's migration lock before failing (seconds). */
const LOCK_WAIT_SECONDS = 60;

/** The pooled connection under each transaction's connection, for `mysqlKysely`. */
const heldConnections = new WeakMap<SqlDriver, PoolConnection>();

/** A driver over a new pool. Connects lazily: the first statement is the first connection. */
export async function createMysqlDriver(options: MysqlPoolOptions): Promise<SqlDriver> {
  const mysql = await import('mysql2/promise');
  const { max, ...connection } = options;
  const pool = mysql.createPool({
    ...connection,
    connectionLimit: max,
    // maxIdle stays at connectionLimit: below it mysql2 runs a reaper timer that keeps the process alive
    // until end(). Idle connections go when the store closes (the CLI always closes it).
    multipleStatements: false,
    // Text arrives as UTF-8 including 4-byte characters; the columns carry their own binary collation,
    // which wins over the connection's in comparisons.
    charset: 'UTF8MB4_BIN',
  });
  let closed = false;

  async function inTransaction<T>(begin: string, fn: (connection: SqlDriver) => Promise<T>, options?: TransactionOptions): Promise<T> {
    const held = await pool.getConnection();
    // A connection whose state we no longer know (BEGIN, ROLLBACK or RELEASE_LOCK failed) is destroyed, not reused.
    let broken = false;
    let lock: { release(): Promise<void> } | undefined;
    try {
      // GET_LOCK before START TRANSACTION: the snapshot then begins after the previous holder committed.
      if (options?.lock) lock = await takeLock(held, lockName(options.lock, connection.database));
      await held.query(begin).catch((error: unknown) => {
        broken = true;
        throw error;
      });
      try {
        const result = await fn(bind(held, connection.database));
        await held.query('COMMIT');
        return result;
      } catch (error) {
        await held.query('ROLLBACK').catch(() => (broken = true));
        throw error;
      }
    } finally {
      if (lock) await lock.release().catch(() => (broken = true));
      if (broken) held.destroy();
      else held.release();
    }
  }

  return {
    dialect: 'mysql',
    query: (sql, params = []) => rowsOf(pool, sql, params),
    run: (sql, params = []) => changesOf(pool, sql, params),
    transaction: inTransaction,
    async close() {
      if (closed) return;
      closed = true;
      await pool.end();
    },
  };
}

/**
 * The driver of one transaction: every statement on the connection it holds. Statements are prepared on
 * the server (execute), so values never pass through client-side escaping, which a server running with
 * NO_BACKSLASH_ESCAPES would read differently.
 */
function bind(held: PoolConnection, database: string): SqlDriver {
  const connection: SqlDriver = {
    dialect: 'mysql',
    query: (sql, params = []) => rowsOf(held, sql, params),
    run: (sql, params = []) => changesOf(held, sql, params),
    // Already inside a transaction: a nested one joins it, as the store's own nesting does.
    async transaction(_begin, fn, options) {
      const lock = options?.lock ? await takeLock(held, lockName(options.lock, database)) : undefined;
      try {
        return await fn(connection);
      } finally {
        await lock?.release();
      }
    },
    async close() {},
  };
  heldConnections.set(connection, held);
  return connection;
}

type Executor = Pick<PoolConnection, 'execute'>;
type Values = Parameters<PoolConnection['execute']>[1];

async function rowsOf(on: Executor, sql: string, params: readonly unknown[]): Promise<Record<string, unknown>[]> {
  return (await on.execute(sql, params as Values))[0] as Record<string, unknown>[];
}

/** Rows a statement changed; for ON DUPLICATE KEY UPDATE MySQL counts an update as 2, but the store reads only DELETE's. */
async function changesOf(on: Executor, sql: string, params: readonly unknown[]): Promise<{ changes: number }> {
  return { changes: ((await on.execute(sql, params as Values))[0] as ResultSetHeader).affectedRows };
}

/**
 * A named lock of this session (GET_LOCK), held until released or until the connection ends, so a
 * crashed migration never leaves it behind. It outlives COMMIT, unlike a row lock: MySQL's DDL commits
 * as it goes, so only a session lock can cover a whole migration.
 */
async function takeLock(held: PoolConnection, name: string): Promise<{ release(): Promise<void> }> {
  const [rows] = await held.execute('SELECT GET_LOCK(?, ?) AS got', [name, LOCK_WAIT_SECONDS]);
  if (Number((rows as { got: unknown }[])[0]?.got) !== 1) {
    throw new UserError(`waited ${LOCK_WAIT_SECONDS} s for another cloudmesh to finish migrating the database, in vain`, {
      hint: 'try again; if it keeps failing, look for a stuck cm process or server session holding the lock',
    });
  }
  return {
    async release() {
      await held.execute('SELECT RELEASE_LOCK(?)', [name]);
    },
  };
}

/** Lock names are server-wide and at most 64 characters: scope by database, hashing a long name. */
function lockName(lock: string, database: string): string {
  const name = `cloudmesh:${lock}:${database}`;
  return name.length <= 64 ? name : `cloudmesh:${lock}:${createHash('sha256').update(database).digest('hex').slice(0, 24)}`;
}

/** A Kysely instance whose statements run on `connection`'s connection, inside its transaction. */
export async function mysqlKysely(connection: SqlDriver): Promise<Kysely<any>> {
  const held = heldConnections.get(connection);
  if (!held) throw new Error('mysqlKysely needs the connection of a running transaction');
  const { Kysely, MysqlDialect } = await import('kysely');
  // Kysely asks its pool for a connection per statement: this one hands out the held connection (mysql2's
  // callback API underneath the promise one) and never releases it, so the DDL runs on our session.
  const raw = held.connection as unknown as {
    config: object;
    threadId: number;
    query(sql: string, params: unknown, callback: (error: unknown, result: unknown) => void): unknown;
  };
  const shared = {
    config: raw.config,
    threadId: raw.threadId,
    query: (sql: string, params: unknown, callback: (error: unknown, result: unknown) => void) => raw.query(sql, params, callback),
    release: () => undefined,
  };
  const pool = { getConnection: (callback: (error: unknown, c: unknown) => void) => callback(null, shared), end: (callback: (error: unknown) => void) => callback(null) };
  return new Kysely<any>({ dialect: new MysqlDialect({ pool: pool as unknown as import('kysely').MysqlPool }) });
}
